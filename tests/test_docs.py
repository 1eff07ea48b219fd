"""The README stays true: it opens with the two commands and names every CLI command; the
Python examples in the docs run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tallyroom.cli import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None and README.index("```sh") < README.index("\n## ")
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["./scripts/demo", "./scripts/check"]
    for script in ("demo", "check", "setup"):
        assert (ROOT / "scripts" / script).is_file()


def test_every_command_is_in_the_readme() -> None:
    for name in COMMANDS:
        assert f"`{name}" in README or f"$T {name}" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/check" in ci


EXAMPLE_DOCS = ("store.md", "rcv.md", "formats.md", "web.md", "scale.md")


def _python_blocks(name: str) -> list[str]:
    """Each Python block of a doc, placed at its own lines (errors name the doc's line)."""
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return [
        "\n" * text.count("\n", 0, found.start(1)) + found.group(1)
        for found in re.finditer(r"```python\n(.*?)```", text, re.S)
    ]


@pytest.mark.parametrize("name", [n for n in EXAMPLE_DOCS if _python_blocks(n)])
def test_python_examples_in_the_docs_run(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The examples name files as seen from the repository's root and write `tallyroom.db` in
    # the working directory: run them in a fresh folder that shows the repository's files.
    for folder in ("tallyroom", "tests"):
        (tmp_path / folder).symlink_to(ROOT / folder, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for block in _python_blocks(name):
        exec(compile(block, f"docs/{name}", "exec"), {"__name__": "docs_example"})
