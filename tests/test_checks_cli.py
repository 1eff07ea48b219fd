"""``tallyroom check`` from the command line, the JSON twin, the docs, the demo."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from tallyroom.checks import CODES, Finding, finding_json
from tallyroom.cli import main
from tests.conftest import BALTIMORE, ROOT, TEST_DATA

DATA = TEST_DATA / "checks"


def test_errors_exit_1_with_the_line_quoted(seeds_dir: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(BALTIMORE)])
    assert result.exit_code == 1
    assert "total-truncated" in result.output
    assert "Total: 89 votes" in result.output  # the source line, quoted
    assert "89,423 votes" in result.output  # the likely figure


def test_clean_file_exits_0() -> None:
    result = CliRunner().invoke(main, ["check", str(DATA / "clean-plurality.txt")])
    assert result.exit_code == 0, result.output


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["check", str(tmp_path / "missing.txt"), str(DATA / "clean-plurality.txt")]
    )
    assert result.exit_code == 2
    assert "missing.txt" in result.output


def test_json_lists_findings_with_their_fields() -> None:
    result = CliRunner().invoke(main, ["check", "--json", str(DATA / "planted-damaged.txt")])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert {"code", "severity", "file", "line", "message", "evidence", "fix"} <= set(data[0])
    truncated = [d for d in data if d["code"] == "total-truncated"]
    assert truncated[0]["line"] == 31
    assert truncated[0]["evidence"]["rows_total"] == 72_665
    assert truncated[0]["fix"] == "72,665 votes"


def test_min_severity_error_leaves_out_the_rest() -> None:
    result = CliRunner().invoke(
        main, ["check", "--json", "--min-severity", "error", str(DATA / "planted-identity.txt")]
    )
    assert result.exit_code == 0
    assert json.loads(result.output) == []


def test_every_registered_code_is_documented_and_vice_versa() -> None:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### `([a-z0-9-]+)`$", text, flags=re.M)
    assert sorted(documented) == sorted(CODES)
    for code, info in CODES.items():
        section = text.split(f"### `{code}`", 1)[1].split("\n### ", 1)[0]
        assert info.severity in section
        assert "Example" in section and code in section.split("Example", 1)[1]


def test_finding_is_immutable_and_json_ready() -> None:
    finding = Finding("total-truncated", "error", "f.txt", 3, "Total", "m", {"a": (1, 2)})
    assert finding_json(finding)["evidence"] == {"a": [1, 2]}
    assert hash(finding) == hash(Finding("total-truncated", "error", "f.txt", 3, "Total", "m"))
    try:
        finding.evidence["b"] = 1  # type: ignore[index]
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("evidence must be read-only")


def test_demo_shows_findings() -> None:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "total-truncated" in result.output
