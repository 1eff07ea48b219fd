"""bench/scale.py: its articles, its judgement of growth and goals, and a run at tiny sizes that
prints every row of its tables (SQLite; PostgreSQL when a server is reachable)."""

from __future__ import annotations

import importlib.util
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from tallyroom.formats.article import parse_article
from tallyroom.identity import election_identity

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "scale.py"


@pytest.fixture(scope="module")
def scale() -> Iterator[ModuleType]:
    """bench/scale.py as a module; the bench folder it puts on ``sys.path`` is taken off after."""
    path = list(sys.path)
    spec = importlib.util.spec_from_file_location("bench_scale", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
    yield module
    del sys.modules[spec.name]


def test_articles_are_distinct_elections_of_three_stages(scale: ModuleType) -> None:
    rng = random.Random(scale.SEED)
    elections = [parse_article(scale.article(n, rng), source=f"{n}.txt") for n in range(600)]
    assert len({election_identity(e) for e in elections}) == 600
    for election in elections:
        assert [s.kind for s in election.stages] == ["primary", "general", "runoff"]
        assert election.jurisdiction.state is not None
        assert all(s.date is not None for s in election.stages)
        assert all(isinstance(r.votes, int) for s in election.stages for r in s.results)


def test_a_changed_article_has_one_vote_more_and_nothing_else(scale: ModuleType) -> None:
    text = scale.article(7, random.Random(1))
    before = parse_article(text, source="a.txt")
    after = parse_article(scale.changed(text), source="a.txt")
    first, again = before.stages[0].results[0], after.stages[0].results[0]
    assert first.votes is not None and again.votes == first.votes + 1
    assert election_identity(before) == election_identity(after)
    assert before.stages[1:] == after.stages[1:]
    assert before.stages[0].results[1:] == after.stages[0].results[1:]


def test_growth_is_judged_per_tenfold_and_goals_where_they_apply(scale: ModuleType) -> None:
    table = scale.Table("t", [50, 500, 5000], "articles")
    for size, cpu in ((50, 1.0), (500, 11.0), (5000, 140.0)):
        table.add("too fast", "cpu s", size, cpu, scale.LINEAR_GOAL)
    for size, cpu in ((50, 1.0), (500, 11.0), (5000, 120.0)):
        table.add("linear", "cpu s", size, cpu, scale.LINEAR_GOAL)
    for size, rate in ((50, 20.0), (500, 300.0), (5000, 600.0)):
        table.add("rate", "articles/cpu-s", size, rate, scale.at_least(500))
    for size, peak in ((50, 210.0), (500, 100.0), (5000, 100.0)):
        table.add("memory", "peak MB", size, peak, scale.at_most(200, " MB", everywhere=True))
    assert table.failures() == ["too fast (cpu s)", "memory (peak MB)"]

    stepped = scale.Table("t", [10, 1000], "rows")  # 100x apart: 144x is 12x per 10x
    stepped.add("two steps", "cpu s", 10, 1.0, scale.LINEAR_GOAL)
    stepped.add("two steps", "cpu s", 1000, 144.0, scale.LINEAR_GOAL)
    assert stepped.failures() == []
    stepped.add("two steps", "cpu s", 1000, 150.0, scale.LINEAR_GOAL)
    assert stepped.failures() == ["two steps (cpu s)"]

    lines = list(table.lines())
    header = lines[1].split(" | ")
    assert [h.strip() for h in header[1:]] == [
        "50 articles", "500 articles", "5,000 articles", "500/50", "5,000/500", "goal", "met?"
    ]  # fmt: skip
    assert re.search(r"^too fast \(cpu s\) +\| +1\.00 \| +11\.00 \| +140\.00 \| +11\.0x \| +12\.7x"
                     r" \| <= 12x per 10x \| +NO$", "\n".join(lines), re.M)  # fmt: skip


def rows(output: str, title: str) -> dict[str, list[str]]:
    """The rows of the table printed under ``title``: operation (unit) -> the other cells."""
    assert f"\n{title}\n" in output, output
    found = {}
    for line in output.split(f"\n{title}\n")[1].split("\n\n")[0].splitlines():
        cells = [c.strip() for c in line.split(" | ")]
        if len(cells) >= 3 and cells[0] != "operation":
            found[cells[0]] = cells[1:]
    return found


TINY = ["--sizes", "2,4", "--precinct-rows", "60,120", "--pages", "2", "--jobs", "1"]


@dataclass(frozen=True)
class Printed:
    """What one run at tiny sizes printed; on PostgreSQL too unless ``skipped`` says why not."""

    output: str
    skipped: str | None


@pytest.fixture(scope="module")
def printed(request: pytest.FixtureRequest) -> Printed:
    """One run for every test below (each command of it is a process of its own: slow)."""
    try:
        pg: list[str] = ["--pg-url", request.getfixturevalue("pg_server_url")]
        skipped = None
    except pytest.skip.Exception as reason:
        pg, skipped = ["--no-pg"], str(reason)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, *pg],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: some goals not met (tiny sizes)
    assert "FAILED" not in done.stdout, done.stdout
    assert done.stdout.splitlines()[-1].startswith("goals: "), done.stdout
    return Printed(done.stdout, skipped)


def assert_measured(found: dict[str, list[str]], operation: str, sizes: int) -> None:
    assert operation in found, f"{operation} not printed; rows: {sorted(found)}"
    for cell in found[operation][:sizes]:
        assert re.fullmatch(r"[\d,]+(\.\d+)?", cell), (operation, found[operation])


ARTICLE_ROWS = [
    *(f"start-up (tallyroom --version) ({u})" for u in ("cpu s", "wall s", "peak MB")),
    "parse_article (reader, in process) (cpu s)",
    "parse_article (reader, in process) (articles/cpu-s)",
    "parse_article (reader, in process) (x splitting lines)",
    *(f"{step} --jsonl ({u})" for step in ("parse", "check") for u in ("cpu s", "peak MB")),
]


def database_rows(database: str) -> list[str]:
    return [
        *(f"import --jobs 1 [{database}] ({u})" for u in ("cpu s", "wall s", "articles/cpu-s")),
        *(f"{q} [{database}] (ms)" for q in ("list --city", "list --year", "stats")),
        f"election page, first render [{database}] (pages/s)",
        f"election page, first render [{database}] (p99 ms)",
        *(
            f"export-site [{database}] ({u})"
            for u in ("cpu s", "system cpu s", "wall s", "elections/cpu-s")
        ),
        f"import one changed article [{database}] (cpu s)",
        *(f"export-site --since last, one changed [{database}] ({u})" for u in ("cpu s", "wall s")),
    ]


PRECINCT_ROWS = [
    *(f"pyarrow read (yardstick) ({u})" for u in ("cpu s", "wall s")),
    *(f"{step} --jsonl (peak MB)" for step in ("parse", "check")),
    *(f"import [SQLite] ({u})" for u in ("cpu s", "peak MB", "rows/cpu-s")),
    "import [SQLite] / pyarrow read (cpu x)",
    "import [SQLite] / pyarrow read (wall x)",
]


def test_scale_prints_every_row_on_sqlite(printed: Printed) -> None:
    articles, precincts = rows(printed.output, "articles"), rows(printed.output, "precinct files")
    for operation in [*ARTICLE_ROWS, *database_rows("SQLite")]:
        assert_measured(articles, operation, 2)
    for operation in PRECINCT_ROWS:
        assert_measured(precincts, operation, 2)
    # The ratio of 4 articles to 2, the goal and the verdict of a CPU row.
    assert re.fullmatch(r"\d+\.\dx", articles["parse --jsonl (cpu s)"][2])
    assert articles["parse --jsonl (cpu s)"][3:] == ["<= 12x per 10x", "yes"]
    assert articles["parse --jsonl (peak MB)"][3:] == ["<= 200 MB", "yes"]
    assert articles["stats [SQLite] (ms)"][3] == "<= 100 ms"
    assert articles["import --jobs 1 [SQLite] (articles/cpu-s)"][3] == ">= 500"
    assert_measured(articles, "import --jobs 1 [SQLite] (x the reader)", 2)
    assert precincts["import [SQLite] / pyarrow read (cpu x)"][3] == "<= 5x"


def test_scale_prints_the_postgresql_rows(printed: Printed) -> None:
    if printed.skipped is not None:
        pytest.skip(printed.skipped)
    articles, precincts = rows(printed.output, "articles"), rows(printed.output, "precinct files")
    for operation in database_rows("PostgreSQL"):
        assert_measured(articles, operation, 2)
    for operation in ("import [PostgreSQL] (cpu s)", "import [PostgreSQL] (peak MB)"):
        assert_measured(precincts, operation, 2)
    for found in (articles, precincts):
        assert_measured(found, "import: PostgreSQL / SQLite (wall x)", 2)
        assert found["import: PostgreSQL / SQLite (wall x)"][3] == "<= 2x"


def test_first_renders_are_judged_for_each_database_as_deployed(printed: Printed) -> None:
    # One worker on SQLite (the embedded default); two on PostgreSQL, where several workers
    # share the database; PostgreSQL's one-worker row is shown beside, without a goal.
    articles = rows(printed.output, "articles")
    assert articles["election page, first render [SQLite] (pages/s)"][3] == ">= 200/s"
    if printed.skipped is not None:
        pytest.skip(printed.skipped)
    two = "election page, first render [PostgreSQL, 2 workers] (pages/s)"
    assert_measured(articles, two, 2)
    assert articles[two][3] == ">= 200/s"
    one = articles["election page, first render [PostgreSQL] (pages/s)"]
    assert ">=" not in " ".join(one[3:])
