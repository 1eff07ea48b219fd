"""The README stays true: it opens with the two commands and names every CLI command."""

from __future__ import annotations

import re

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
