"""The ``tallyroom rcv`` command, run in-process with click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.cli import rcv as rcv_command

CONFIG = (
    Path(__file__).resolve().parent / "data" / "rcv" / "alaska_2024" / "alaska_2024_config.json"
)


def test_rcv_counts_a_csv_as_text_and_json(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("rank1,rank2\nA,\nA,\nB,C\nC,B\nC,B\nC,\n")
    runner = CliRunner()
    text = runner.invoke(main, ["rcv", str(path)])
    assert text.exit_code == 0, text.output
    assert "Winner: C" in text.output
    data = json.loads(runner.invoke(main, ["rcv", str(path), "--format", "json"]).output)
    assert data["winners"] == ["C"]
    assert data["rounds"][0]["tally"] == {"A": "2", "B": "1", "C": "3"}
    assert data["rounds"][0]["eliminated"] == ["B"]
    assert data["rounds"][0]["transfers"] == [{"from": "B", "to": "C", "votes": "1"}]


def test_rcv_runs_an_rctab_config_unchanged(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["rcv", "--config", str(CONFIG), "--format", "rctab-json", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "detailed_report.json").read_text())
    assert report["results"][0]["tallyResults"] == [{"elected": "Begich, Nick", "transfers": {}}]


def test_rcv_refuses_rule_options_with_a_config() -> None:
    result = CliRunner().invoke(main, ["rcv", str(CONFIG), "--seats", "2"])
    assert result.exit_code == 2
    assert "the configuration sets the rules" in result.output


def test_rcv_bad_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("name\nA\n")
    result = CliRunner().invoke(main, ["rcv", str(path)])
    assert result.exit_code == 2
    assert "no rank columns" in result.output
    assert "Traceback" not in result.output


def test_a_count_that_cannot_go_on_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "tie.csv"
    path.write_text("ballot_id,rank1\n1,Ann\n2,Bo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rcv", str(path), "--tiebreak", "stop-and-ask"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: round 1: tie among 'Ann', 'Bo'")


def test_json_flag_is_the_json_format(tmp_path: Path) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\n1,A,B\n2,B,A\n3,A,\n")
    runner = CliRunner()
    flag = runner.invoke(main, ["rcv", str(path), "--json"])
    named = runner.invoke(main, ["rcv", str(path), "--format", "json"])
    assert flag.exit_code == named.exit_code == 0
    assert flag.output == named.output
    assert json.loads(flag.output)["winners"] == ["A"]
    both = runner.invoke(main, ["rcv", str(path), "--json", "--format", "text"])
    assert both.exit_code == 2 and "either --json or --format" in both.output


@pytest.mark.parametrize("method", ["scottish-stv", "meek"])
def test_a_method_without_its_module_is_one_line(
    tmp_path: Path, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\n1,A,B\n2,B,A\n3,A,\n")
    monkeypatch.setitem(rcv_command._METHOD_MODULES, method, "tallyroom.rcv.not_written_yet")
    result = CliRunner().invoke(main, ["rcv", str(path), "--method", method, "--seats", "2"])
    assert result.exit_code == 2
    assert result.output == f"error: method {method} is not available\n"


def test_a_method_counts_a_ballot_file_through_its_module(tmp_path: Path) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\n1,A,B\n2,B,A\n3,A,\n")
    for method in ("meek", "scottish-stv"):
        result = CliRunner().invoke(main, ["rcv", str(path), "--method", method, "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["winners"] == ["A"] and data["valid_papers"] == 3
    config = CliRunner().invoke(main, ["rcv", "--config", str(CONFIG), "--method", "meek"])
    assert config.exit_code == 2 and "counted by its rules, not meek" in config.output
