"""The command line starts fast: commands load lazily, and help and parse need no heavy library.

``tallyroom --help`` is written from the table in :data:`tallyroom.cli.COMMANDS`; these tests
keep that table equal to the commands the modules define, and check in fresh interpreters
(listing ``sys.modules``) which modules ``--help`` and ``parse`` import.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

import tallyroom.cli
from tallyroom.cli import COMMANDS, LazyCommand, TallyroomGroup, main
from tests.conftest import ROOT

SAMPLE = "tallyroom/data/samples/2004-portland.txt"

#: Libraries that only the database, website, ranked-choice and interchange commands need.
HEAVY = (
    "alembic",
    "fastapi",
    "ijson",
    "jinja2",
    "jsonschema",
    "mwparserfromhell",
    "numpy",
    "openpyxl",
    "psycopg",
    "pydantic",
    "sqlalchemy",
    "starlette",
    "uvicorn",
)


def _defined_commands(module: ModuleType) -> dict[str, tuple[str, click.Command]]:
    """The top-level commands a module defines: click commands not inside one of its groups."""
    found = {
        attribute: value
        for attribute, value in vars(module).items()
        if isinstance(value, click.Command)
        and value.callback is not None
        and value.callback.__module__ == module.__name__
    }
    nested = {
        id(sub)
        for value in found.values()
        if isinstance(value, click.Group)
        for sub in value.commands.values()
    }
    return {
        attribute: (module.__name__.rsplit(".", 1)[1], value)
        for attribute, value in found.items()
        if id(value) not in nested
    }


def test_the_table_lists_every_command_the_modules_define_with_its_help() -> None:
    defined: dict[str, tuple[str, str, str]] = {}
    for info in pkgutil.iter_modules(tallyroom.cli.__path__):
        module = importlib.import_module(f"tallyroom.cli.{info.name}")
        for attribute, (name, command) in _defined_commands(module).items():
            assert command.name is not None
            assert command.name not in defined, f"two commands named {command.name!r}"
            defined[command.name] = (name, attribute, command.get_short_help_str(sys.maxsize))
    table = {name: (e.module, e.attribute, e.help) for name, e in COMMANDS.items()}
    assert table == defined
    assert all(name == entry.name for name, entry in COMMANDS.items())
    assert len(defined) >= 16


@pytest.mark.parametrize("width", [50, 60, 80, 120])
def test_help_from_the_table_is_what_the_loaded_commands_would_print(width: int) -> None:
    lazy = TallyroomGroup(name="tallyroom", help=main.help, lazy_commands=COMMANDS)
    eager = click.Group(
        name="tallyroom", help=main.help, commands=[e.load() for e in COMMANDS.values()]
    )
    runner = CliRunner()
    lazy_help = runner.invoke(lazy, ["--help"], terminal_width=width)
    eager_help = runner.invoke(eager, ["--help"], terminal_width=width)
    assert lazy_help.exit_code == eager_help.exit_code == 0
    assert lazy_help.output == eager_help.output
    assert not lazy.commands, "writing the help loaded a command"
    # Long first sentences are shortened to the width, as click does for loaded commands.
    shortened = "..." in lazy_help.output.split("Commands:")[1]
    assert shortened == (width < 100)


def test_a_table_entry_naming_the_wrong_object_fails_to_load() -> None:
    wrong = LazyCommand("parse", "article_commands", "render", "Read election articles.")
    with pytest.raises(LookupError, match="is not the command 'parse'"):
        wrong.load()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_loads_for_its_own_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert f"Usage: main {name} " in result.output
    assert COMMANDS[name].help.split(" (")[0] in " ".join(result.output.split())


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["tabluate", "x.txt"])
    assert result.exit_code == 2
    assert "No such command 'tabluate'" in result.output


#: Runs the command line as the ``tallyroom`` script does, then lists the modules it imported.
CHILD = """
import json, sys
from tallyroom.cli import main
try:
    main(sys.argv[1:], prog_name="tallyroom")
finally:
    print("imported:", json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _run(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``tallyroom ARGS`` in a fresh interpreter; also return the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    listing = done.stderr.rsplit("imported: ", 1)[1]
    imported: list[str] = json.loads(listing)
    return done, set(imported)


def _heavy(imported: set[str]) -> set[str]:
    return {name for name in imported if name.split(".")[0] in HEAVY}


def test_help_imports_no_command_module_and_no_heavy_library() -> None:
    done, imported = _run("--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "click" in imported and "tallyroom.cli" in imported
    assert not {name for name in imported if name.startswith("tallyroom.cli.")}
    assert not _heavy(imported)
    eager = click.Group(name="x", commands=[e.load() for e in COMMANDS.values()])
    # With COLUMNS=80, click writes help 78 columns wide.
    expected = CliRunner().invoke(eager, ["--help"], terminal_width=78).output
    assert done.stdout.split("Commands:")[1] == expected.split("Commands:")[1]


@pytest.mark.parametrize("options", [(), ("--json",)])
def test_parse_of_an_article_imports_no_heavy_library(options: tuple[str, ...]) -> None:
    done, imported = _run("parse", *options, SAMPLE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Portland" in done.stdout
    assert "tallyroom.formats.article" in imported
    # The parse command's module and its JSON view; no other command's module.
    commands = {name for name in imported if name.startswith("tallyroom.cli.")}
    assert commands == {"tallyroom.cli.article_commands", "tallyroom.cli.summary"}
    assert not _heavy(imported)
    assert not {name for name in imported if name.startswith(("tallyroom.store", "tallyroom.web"))}


def test_a_command_that_needs_a_heavy_library_imports_it_when_it_runs() -> None:
    # Its help needs only its options; a count needs numpy.
    done, imported = _run("rcv", "--help")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--max-skipped" in done.stdout
    assert "tallyroom.cli.rcv" in imported
    assert not _heavy(imported)
    assert not {name for name in imported if name.startswith("tallyroom.rcv.")} - {
        "tallyroom.rcv.options",
        "tallyroom.rcv.readers",
    }
    done, imported = _run("rcv", "tallyroom/data/rcv/sample_mayor.csv", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "numpy" in _heavy(imported)


#: What a ranked-choice count must never import: the database, the website, their templates.
NOT_FOR_COUNTING = ("sqlalchemy", "alembic", "psycopg", "fastapi", "starlette", "jinja2", "uvicorn")


@pytest.mark.parametrize(
    "args",
    [("rcv", "--help"), ("rcv", "tallyroom/data/rcv/sample_mayor.csv", "--json")],
    ids=["help", "count"],
)
def test_rcv_imports_only_what_counting_needs(args: tuple[str, ...]) -> None:
    done, imported = _run(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ("tallyroom.rcv.tally" in imported) == ("--json" in args)
    assert not {name for name in imported if name.split(".")[0] in NOT_FOR_COUNTING}
    unneeded = ("tallyroom.store", "tallyroom.web", "tallyroom.views", "tallyroom.formats")
    assert not {name for name in imported if name.startswith(unneeded)}
    # Neither the RCTab configuration reader nor the demo's terminal tables, for a ballot file.
    assert "tallyroom.rcv.rctab_config" not in imported
    assert "rich" not in imported
    # A small CSV file needs neither the columnar reader nor the other formats' readers.
    others = (
        "pyarrow",
        "ijson",
        "msgspec",
        "openpyxl",
        "xml",
        "tallyroom.rcv.read_nist",
        "tallyroom.rcv.read_abif",
        "tallyroom.rcv.fast_cdf",
    )
    assert not {name for name in imported if name.startswith(others)}
    if "--json" in args:
        assert json.loads(done.stdout)["winners"]


def _python(script: str) -> str:
    """What ``script`` prints, run by a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_options_of_a_count_import_neither_numpy_nor_the_model() -> None:
    # What the command line imports before it reads a ballot file stays light, so that a large
    # file's parse starts before numpy's users and the election model are imported.
    script = (
        "import sys\n"
        "import tallyroom.cli.rcv, tallyroom.rcv.cells, tallyroom.rcv.table_layout\n"
        "import tallyroom.rcv.csv_start\n"
        "print(sorted(m for m in ('numpy', 'pyarrow', 'tallyroom.model', 'tallyroom.rcv.builder')"
        " if m in sys.modules))\n"
    )
    assert _python(script).strip() == "[]"


def test_the_package_names_are_imported_on_first_use() -> None:
    script = (
        "import sys, tallyroom, tallyroom.rcv as rcv\n"
        "watched = ('tallyroom.model', 'tallyroom.formats', 'tallyroom.rcv.rctab_config')\n"
        "before = {m for m in watched if m in sys.modules}\n"
        "names = [getattr(tallyroom, n) for n in tallyroom.__all__]\n"
        "print(sorted(before), rcv.read_rctab_config.__module__, tallyroom.Election.__module__)\n"
    )
    # Importing tallyroom.rcv loads none of its modules; its names load theirs on first use.
    assert _python(script).split() == [
        "[]",
        "tallyroom.rcv.rctab_config",
        "tallyroom.model",
    ]
    assert set(tallyroom._HOMES) == set(tallyroom.__all__) - {"__version__"}
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = tallyroom.nothing  # type: ignore[attr-defined]


def test_articles_imported_and_shown_load_neither_numpy_nor_pyarrow(tmp_path: Path) -> None:
    # A precinct file's figures are the only work of numpy and pyarrow in an import or a read:
    # an article's import into a database, and showing it, load neither (each costs start-up).
    made = tmp_path / "made.db"
    _python(f"from tallyroom.store import Store\nStore.open({str(made)!r}).close()\n")
    article = ROOT / "tallyroom" / "data" / "samples"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tallyroom.cli import main\n"
        f"files = sorted(str(p) for p in Path({str(article)!r}).glob('*.txt'))[:2]\n"
        f"main.main(['import', '--db', {str(made)!r}, *files], standalone_mode=False)\n"
        f"main.main(['show', '--db', {str(made)!r}, '1'], standalone_mode=False)\n"
        "print(sorted(m for m in ('numpy', 'pyarrow') if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_a_command_leaves_the_heap_out_of_the_collector_at_exit() -> None:
    """The shutdown does not scan every object left (``gc.freeze`` as the process exits), and
    the command's output and the exit handlers registered before it still come."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from tallyroom.cli import main\n"
        f"sys.argv = ['tallyroom', 'parse', {SAMPLE!r}]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Portland" in done.stdout
    assert done.stdout.rstrip().endswith("frozen at exit: True")


def test_an_import_of_a_few_files_draws_no_bar_and_starts_no_pool(tmp_path: Path) -> None:
    # A file or two: no progress bar (rich is not loaded), one process (no worker pool's
    # modules); the reader's warnings and the outcome still come, one line each.
    odd = tmp_path / "odd.txt"
    odd.write_text("= 2004 X mayoral election =\n\nInfobox\n- Turnout: lots\n", encoding="utf-8")
    db = str(tmp_path / "few.db")
    done, imported = _run("import", "--db", db, str(odd), SAMPLE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"warning: {odd}:4: Turnout: expected a percentage like 53.45%" in done.stderr
    assert "2 file(s): 2 new" in done.stdout
    assert not {name for name in imported if name.split(".")[0] == "rich"}
    assert "multiprocessing" not in imported and "concurrent.futures.process" not in imported
