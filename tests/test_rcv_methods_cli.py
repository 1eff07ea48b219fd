"""``tallyroom rcv --method scottish-stv|meek`` on a council ward's ballots, as published."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .conftest import TEST_DATA, run_cli

WARD = TEST_DATA / "stv" / "renfrewshire_2017_ward11.blt"
DECLARED = json.loads(
    (TEST_DATA / "stv" / "renfrewshire_2017_ward11_declared.json").read_text(encoding="utf-8")
)


def test_the_command_reproduces_the_declaration_sheet_stage_by_stage() -> None:
    data = json.loads(run_cli("rcv", str(WARD), "--method", "scottish-stv", "--json").stdout)
    assert data["winners"] == DECLARED["elected"]
    tallies = [
        {name: Decimal(votes) for name, votes in stage["tally"].items()} for stage in data["stages"]
    ]
    for ours, declared in zip(tallies, DECLARED["stages"], strict=True):
        assert {name: ours[name] for name in declared} == {
            name: Decimal(votes) for name, votes in declared.items()
        }


def test_text_report_names_each_stage_as_the_sheet_does() -> None:
    text = run_cli("rcv", str(WARD), "--method", "scottish-stv").stdout
    assert "Stage 2: surplus of James Maclaren (transfer value 0.44984)" in text
    assert "Elected: James Maclaren, Natalie Don, Colin Mcculloch" in text


def test_meek_elects_the_same_councillors_here() -> None:
    data = json.loads(run_cli("rcv", str(WARD), "--method", "meek", "--json").stdout)
    assert data["method"] == "meek" and data["winners"] == DECLARED["elected"]


def test_a_blt_file_needs_an_stv_method_and_rctab_formats_are_refused(tmp_path: Path) -> None:
    assert "--method scottish-stv or meek" in run_cli("rcv", str(WARD), code=2).stderr
    result = run_cli("rcv", str(WARD), "--method", "scottish-stv", "--format", "rctab-json", code=2)
    assert "is for instant runoff" in result.stderr
    out = tmp_path / "report"
    run_cli("rcv", str(WARD), "--method", "scottish-stv", "--out", str(out))
    assert (out / "stages.txt").read_text(encoding="utf-8").startswith("Ward 11")
