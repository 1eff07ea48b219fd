"""One front door: ``parse``, ``check``, ``convert`` and ``import`` read the same files the same
way; a file no command of theirs reads says what it looks like and which command reads it; what
the database would refuse is refused first, as the input problem it is."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from tallyroom import service
from tallyroom.cli import main
from tallyroom.cli.article_commands import print_election
from tallyroom.cli.summary import election_json
from tallyroom.errors import ValidationError
from tallyroom.formats import read_text
from tallyroom.limits import MAX_NAME_CHARS, check_storable
from tallyroom.model import (
    CandidateResult,
    Election,
    ReportingUnit,
    Round,
    Stage,
    UnitResult,
    Unread,
)
from tallyroom.store import Store
from tallyroom.store.read import ElectionFilter, list_elections

from .conftest import ROOT, TEST_DATA, run_cli

INPUTS = {
    "article": ROOT / "tallyroom" / "data" / "samples" / "2004-portland.txt",
    "openelections": TEST_DATA / "openelections" / "20181106__dc__general__precinct.csv",
    "nist-json": TEST_DATA / "nist-err" / "err-prim-03.json",
    "nist-xml": TEST_DATA / "nist-err" / "err-gen-02.xml",
}


def _titles(data: object) -> list[str]:
    items = data if isinstance(data, list) else [data]
    return sorted(item["title"] for item in items)


@pytest.mark.parametrize("kind", INPUTS)
def test_the_four_commands_read_the_same_file_the_same_way(kind: str, tmp_path: Path) -> None:
    path = str(INPUTS[kind])
    parsed = _titles(json.loads(run_cli("parse", "--json", path).stdout))
    native = run_cli("convert", path, "--to", "native").stdout
    converted = sorted(e.title for e in read_text(native, "converted.toml", "native"))
    checked = CliRunner().invoke(main, ["check", "--json", path])
    assert checked.exit_code in (0, 1) and checked.stderr == ""  # 2: a file it could not read
    assert isinstance(json.loads(checked.stdout), list)
    db = str(tmp_path / "results.db")
    run_cli("import", "--db", db, path)
    with Store.open(db, read_only=True) as store, store.engine.connect() as conn:
        stored = sorted(summary.title for summary in list_elections(conn, ElectionFilter()).rows)
    assert parsed == converted == stored
    assert parsed


def test_a_bad_file_costs_parse_nothing_of_the_good_one_beside_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    result = run_cli("parse", "--json", str(bad), str(INPUTS["article"]), code=2)
    assert json.loads(result.stdout)["title"] == "2004 Portland, Oregon mayoral election"
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {bad}")


@pytest.mark.parametrize("command", ["parse", "check", "convert", "import"])
def test_ranked_ballots_are_sent_to_the_command_that_counts_them(
    command: str, tmp_path: Path
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("ballot,rank1,rank2,rank3\n1,Ada,Bo,Cy\n2,Bo,Ada,\n", encoding="utf-8")
    args = {"convert": ["--to", "native"], "import": ["--db", str(tmp_path / "r.db")]}
    result = run_cli(command, *args.get(command, []), str(path), code=2)
    output = result.stderr + result.stdout
    assert f"{path}:1: this looks like a table of ranked ballots" in output
    assert "`tallyroom rcv FILE`" in output
    assert "Traceback" not in output


def test_an_unknown_table_is_named_not_read_as_an_article(tmp_path: Path) -> None:
    path = tmp_path / "returns.csv"
    path.write_text("county,precinct,race,cand,votes\nX,1,Mayor,Ada,3\n", encoding="utf-8")
    result = run_cli("parse", str(path), code=2)
    assert "this looks like a table with columns county, precinct, race, cand, votes" in (
        result.stderr
    )
    assert "title line" not in result.stderr


def test_prose_with_commas_is_still_read_as_an_article(tmp_path: Path) -> None:
    path = tmp_path / "prose.txt"
    path.write_text(
        "Once, in a city, long ago, a mayor was elected.\nThen, later, another.\n",
        encoding="utf-8",
    )
    result = run_cli("parse", str(path), code=2)
    assert "looks like a table" not in result.stderr


def _election(stage: Stage, title: str = "2025 Exampleton mayoral election") -> Election:
    return Election(title, stages=(stage,))


PRECINCT = ReportingUnit("p1", "Precinct 1", "precinct")
REFUSED = {
    "two figures for one candidate, unit and vote type": (
        _election(
            Stage(
                "general",
                results=(CandidateResult("Ada", 5),),
                units=(PRECINCT,),
                unit_results=(UnitResult("p1", "Ada", 2), UnitResult("p1", "Ada", 3)),
            )
        ),
        "two figures for 'Ada' in reporting unit 'p1' (total)",
    ),
    "a unit listed twice": (
        _election(Stage("general", results=(CandidateResult("Ada", 5),), units=(PRECINCT,) * 2)),
        "reporting unit 'p1' is listed twice",
    ),
    "rounds from 0": (
        _election(
            Stage(
                "general",
                results=(CandidateResult("Ada", 5),),
                rounds=(Round(0, (("Ada", Decimal(5)),)),),
            )
        ),
        "round number 0 is below 1",
    ),
    "a round twice": (
        _election(
            Stage(
                "general",
                results=(CandidateResult("Ada", 5),),
                rounds=(Round(1, (("Ada", Decimal(5)),)), Round(1, (("Ada", Decimal(5)),))),
            )
        ),
        "round number 1 is used twice",
    ),
    "a name beyond the limit": (
        _election(Stage("general", results=(CandidateResult("A" * (MAX_NAME_CHARS + 1), 5),))),
        f"a candidate's name is {MAX_NAME_CHARS + 1} characters long",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_the_database_would_refuse_is_refused_as_input(case: str, db_url: str) -> None:
    election, message = REFUSED[case]
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_storable(election, "returns.csv")
    with Store.open(db_url) as store:
        with pytest.raises(ValidationError) as raised:
            service.import_elections(store, [election], "text", "returns.csv")
        assert "constraint" not in str(raised.value).lower()
        assert str(raised.value).startswith("returns.csv")
        with store.engine.connect() as conn:
            assert list_elections(conn, ElectionFilter()).rows == ()


def test_the_same_figures_in_two_units_are_storable() -> None:
    stage = Stage(
        "general",
        results=(CandidateResult("Ada", 5),),
        units=(PRECINCT, ReportingUnit("p2", "Precinct 2", "precinct")),
        unit_results=(
            UnitResult("p1", "Ada", 2),
            UnitResult("p2", "Ada", 3),
            UnitResult("p1", "Ada", 1, "absentee"),
        ),
        rounds=(Round(1, (("Ada", Decimal(5)),)), Round(2, (("Ada", Decimal(5)),))),
    )
    check_storable(_election(stage), "returns.csv")


def test_unread_parts_are_shown_by_parse_and_carried_in_json() -> None:
    note = Unread.of("Precinct 9,Mayor,Ada,$3", "votes: expected a whole number", 12)
    election = Election("2025 Exampleton mayoral election", unread=(note,))
    console = Console(record=True, width=120)
    print_election(console, election)
    text = console.export_text()
    assert "Not read (1):" in text
    assert "line 12: votes: expected a whole number: Precinct 9,Mayor,Ada,$3" in text
    assert election_json(election)["unread"] == [
        {"line": 12, "reason": "votes: expected a whole number", "text": "Precinct 9,Mayor,Ada,$3"}
    ]
    assert len(Unread.of("x" * 1000, "a row").text) == 200


SAMPLES = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))


def test_parse_jsonl_streams_the_same_elections_as_json() -> None:
    files = [*map(str, SAMPLES), str(INPUTS["openelections"])]
    whole = json.loads(run_cli("parse", "--json", *files).stdout)
    lines = run_cli("parse", "--jsonl", *files).stdout.splitlines()
    assert [json.loads(line) for line in lines] == whole
    assert len(lines) == len(whole) > len(SAMPLES)


def test_check_jsonl_streams_the_same_findings_as_json() -> None:
    files = [*map(str, SAMPLES), str(INPUTS["nist-json"])]
    first = CliRunner().invoke(main, ["check", "--json", *files])
    second = CliRunner().invoke(main, ["check", "--jsonl", *files])
    assert first.exit_code == second.exit_code == 1  # the samples hold planted errors
    findings = json.loads(first.stdout)
    assert [json.loads(line) for line in second.stdout.splitlines()] == findings
    assert {item["file"] for item in findings} >= set(map(str, SAMPLES[:1]))


def test_import_takes_the_date_of_a_precinct_file_that_states_none(tmp_path: Path) -> None:
    renamed = tmp_path / "dc-general-precincts.csv"  # a name that tells no date either
    renamed.write_bytes(INPUTS["openelections"].read_bytes())
    db = str(tmp_path / "r.db")
    run_cli("import", "--db", str(tmp_path / "u.db"), str(renamed))
    with Store.open(str(tmp_path / "u.db"), read_only=True) as store, store.engine.connect() as c:
        assert {row.date for row in list_elections(c, ElectionFilter()).rows} == {None}
    run_cli("import", "--db", db, "--date", "2018-11-06", str(renamed))
    with Store.open(db, read_only=True) as store, store.engine.connect() as conn:
        rows = list_elections(conn, ElectionFilter()).rows
    assert rows and {row.year for row in rows} == {2018}
    assert {row.date for row in rows} == {dt.date(2018, 11, 6)}


def test_an_import_refuses_what_the_database_cannot_hold_and_keeps_the_good_file(
    tmp_path: Path,
) -> None:
    """Through ``import`` (prepare, then the store): the refusal is one line naming the file and
    the problem, and the good file given beside it is stored."""
    from tallyroom.formats import write_text

    election, message = REFUSED["two figures for one candidate, unit and vote type"]
    bad = tmp_path / "returns.toml"
    bad.write_text(write_text([election], "native").text, encoding="utf-8")
    db = str(tmp_path / "r.db")
    result = run_cli("import", "--db", db, str(bad), str(INPUTS["article"]), code=2)
    assert "1 new" in result.stdout and "1 refused" in result.stdout
    refusal = next(line for line in result.stderr.splitlines() if line.startswith("refused:"))
    assert "returns.toml" in refusal and message in refusal
    assert "constraint" not in result.stderr.lower() and "Traceback" not in result.stderr
    with Store.open(db, read_only=True) as store, store.engine.connect() as conn:
        titles = [row.title for row in list_elections(conn, ElectionFilter()).rows]
    assert titles == ["2004 Portland, Oregon mayoral election"]
