"""Hart cast-vote records (``tallyroom.rcv.read_hart``): folders of one-sheet XML records written
here, read through an RCTab configuration (provider ``hart``) and from the command line, and the
refusals. No RCTab oracle: its Hart test cases hold fewer record files than their expected
reports count, so the expectations here follow RCTab's reader rules, worked by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.errors import ParseError, TallyroomError, ValidationError
from tallyroom.limits import MAX_RANKINGS
from tallyroom.rcv import read_ballots, read_rctab_config, tabulate
from tallyroom.rcv.read_hart import hart_ballots, is_hart_export
from tallyroom.rcv.readers import BallotSource
from tallyroom.rcv.types import BallotSet

DATA = Path(__file__).resolve().parent / "data" / "rcv"
MAYOR = "5d1c5e2a-mayor"
MEASURE = "b32c7450-measure"
NAMESPACE = "http://tempuri.org/CVRDesign.xsd"

# (option Id, Name or None, Value, has WriteInData)
Option = tuple[str, str | None, str, bool]
ANN: Option = ("a1", "Ann", "100", False)
BEA: Option = ("b2", "Bea", "010", False)
CAL: Option = ("c3", "Cal", "001", False)
YES: Option = ("y1", "Yes", "1", False)

# (file, CvrGuid, precinct, {contest Id: options, or None for a contest without Options})
RECORDS: list[tuple[str, str, str, dict[str, list[Option] | None]]] = [
    ("r01.xml", "g01", "P-1", {MAYOR: [ANN, BEA, CAL], MEASURE: [YES]}),
    ("r02.xml", "g02", "P-1", {MAYOR: [("b2", "Bea", "100", False), ("a1", "Ann", "010", False)]}),
    ("r03.xml", "g03", "P-2", {MAYOR: [("a1", "Ann", "100", False), ("c3", "Cal", "100", False)]}),
    ("r04.xml", "g04", "P-2", {MAYOR: [("b2", "Bea", "101", False)]}),
    ("r05.xml", "g05", "P-2", {MAYOR: None}),
    ("r06.xml", "g06", "P-1", {MEASURE: [YES]}),
    ("r07.XML", "g07", "P-3", {MAYOR: [("wi9", None, "100", True), ("b2", "Bea", "010", False)]}),
    ("r08.xml", "g08", "P-3", {MAYOR: [CAL]}),
    ("r09.xml", "g09", "P-1", {MAYOR: [ANN]}),
]


def _xml(guid: str, precinct: str, contests: dict[str, list[Option] | None]) -> str:
    parts = []
    for contest_id, options in contests.items():
        body = ""
        if options is not None:
            items = []
            for code, name, value, write_in in options:
                named = f"<Name>{name}</Name>" if name is not None else ""
                data = (
                    "<WriteInData><Text /><ImageId>i</ImageId>"
                    "<WriteInDataStatus>Unresolved</WriteInDataStatus></WriteInData>"
                    if write_in
                    else ""
                )
                items.append(f"<Option>{named}<Id>{code}</Id><Value>{value}</Value>{data}</Option>")
            body = f"<Options>{''.join(items)}</Options>"
        parts.append(
            f"<Contest><Name>{contest_id.upper()}</Name><Id>{contest_id}</Id>{body}</Contest>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<Cvr xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="{NAMESPACE}">'
        f"<Contests>{''.join(parts)}</Contests><BatchSequence>3</BatchSequence>"
        f"<SheetNumber>1</SheetNumber><PrecinctSplit><Name>{precinct}</Name><Id>s-{precinct}</Id>"
        f"</PrecinctSplit><BatchNumber>7</BatchNumber><CvrGuid>{guid}</CvrGuid></Cvr>"
    )


def _records(folder: Path, records: list[Any] = RECORDS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, guid, precinct, contests in records:
        (folder / name).write_text(_xml(guid, precinct, contests), encoding="utf-8")
    return folder


def _config(tmp_path: Path, **source: str) -> Path:
    raw = json.loads((DATA / "alaska_2024" / "alaska_2024_config.json").read_text("utf-8"))
    raw["outputSettings"]["contestName"] = "Mayor"
    raw["cvrFileSources"] = [
        {"filePath": "records", "contestId": MAYOR, "provider": "hart", **source}
    ]
    raw["candidates"] = [
        {"name": name, "code": code, "excluded": False}
        for name, code in (("Ann", "a1"), ("Bea", "b2"), ("Cal", "c3"))
    ]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def _in_order(
    ballots: BallotSet,
) -> list[tuple[str | None, tuple[tuple[int, tuple[str, ...]], ...]]]:
    return [
        (
            ballots.precincts[group],
            tuple(
                (rank, tuple(ballots.candidates[c] for c in codes))
                for rank, codes in ballots.rankings[group]
            ),
        )
        for _where, group in ballots.ballots
    ]


def test_rctab_config_with_provider_hart_reads_and_counts(tmp_path: Path) -> None:
    _records(tmp_path / "records")
    contest = read_rctab_config(_config(tmp_path, undeclaredWriteInLabel="wi9"))
    (source,) = contest.sources
    assert (source.format, source.contest_id) == ("hart", MAYOR)
    ballots = contest.load(keep_ballots=True)
    assert ballots.total == 8  # r06 holds only the measure
    assert ballots.rank_columns == 3
    assert _in_order(ballots) == [
        ("P-1", ((1, ("Ann",)), (2, ("Bea",)), (3, ("Cal",)))),
        ("P-1", ((1, ("Bea",)), (2, ("Ann",)))),
        ("P-2", ((1, ("Ann", "Cal")),)),  # an overvote
        ("P-2", ((1, ("Bea",)), (3, ("Bea",)))),  # "101": a repeat after a skipped rank
        ("P-2", ()),  # the contest without options
        ("P-3", ((1, ("Undeclared Write-ins",)), (2, ("Bea",)))),  # r07.XML: any case
        ("P-3", ((3, ("Cal",)),)),
        ("P-1", ((1, ("Ann",)),)),
    ]
    result = tabulate(ballots, contest.options)
    first, last = result.rounds
    assert dict(first.tally) == {
        "Ann": 2,
        "Bea": 2,
        "Cal": 0,
        "Undeclared Write-ins": 1,
    }
    # RCTab drops the undeclared write-ins first; g07 passes on to Bea
    assert first.eliminated == ("Undeclared Write-ins",)
    assert (first.inactive.overvotes, first.inactive.skipped_rankings) == (1, 1)  # g03, g08
    assert result.winners == ("Bea",)
    assert (dict(last.tally)["Bea"], dict(last.tally)["Ann"]) == (3, 2)
    assert result.undervotes == 1


def test_ballots_listed_with_ids_precincts_and_ranks(tmp_path: Path) -> None:
    folder = _records(tmp_path / "records")
    assert is_hart_export(folder)
    ballots = list(hart_ballots(folder, MAYOR))
    assert [b.ballot_id for b in ballots] == [
        "g01",
        "g02",
        "g03",
        "g04",
        "g05",
        "g07",
        "g08",
        "g09",
    ]
    assert {b.batch for b in ballots} == {"7"}
    fourth = ballots[3]
    assert (fourth.precinct, fourth.width) == ("P-2", 3)
    assert [(o.code, o.ranks) for o in fourth.options] == [("b2", (1, 3))]
    write_in = ballots[5].options[0]
    assert (write_in.code, write_in.name, write_in.write_in) == ("wi9", None, True)


def test_cli_detects_the_folder_and_names_options(tmp_path: Path) -> None:
    folder = _records(tmp_path / "records")
    result = CliRunner().invoke(main, ["rcv", str(folder), "--contest-id", MAYOR, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["winners"], data["total_ballots"]) == (["Bea"], 8)
    assert data["rounds"][0]["tally"] == {
        "Ann": "2",
        "Bea": "2",
        "Cal": "0",
        "Undeclared Write-ins": "1",
    }
    named = CliRunner().invoke(
        main, ["rcv", str(folder), "--input-format", "hart", "--contest-id", MEASURE, "--json"]
    )
    assert named.exit_code == 0, named.output
    assert json.loads(named.output)["winners"] == ["Yes"]


def test_an_undeclared_option_is_refused_unless_it_is_the_write_in_label(tmp_path: Path) -> None:
    _records(tmp_path / "records")
    contest = read_rctab_config(_config(tmp_path))
    with pytest.raises(ValidationError, match="ballot g07: unknown candidate 'wi9'"):
        contest.load()


def _one_line_error(folder: Path, contest_id: str | None = MAYOR) -> str:
    with pytest.raises(TallyroomError) as raised:
        read_ballots(folder, BallotSource(path=folder, format="hart", contest_id=contest_id))
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_broken_and_foreign_records_are_named(tmp_path: Path) -> None:
    folder = _records(tmp_path / "broken", RECORDS[:2])
    (folder / "r02.xml").write_text('<?xml version="1.0"?>\n<Cvr>\n<Contests>', "utf-8")
    message = _one_line_error(folder)
    assert message.startswith(f"{folder / 'r02.xml'}:3:") and "not well-formed XML" in message
    other = _records(tmp_path / "other", RECORDS[:1])
    (other / "r00.xml").write_text("<Election><Contests/></Election>", "utf-8")
    assert not is_hart_export(other)
    assert "expected a Hart cast-vote record (<Cvr>), found <Election>" in _one_line_error(other)
    # An encoding Python does not know, as a damaged declaration names one: refused the same way.
    unknown = _records(tmp_path / "unknown", RECORDS[:2])
    record = (unknown / "r02.xml").read_text("utf-8").replace('"utf-8"', '"utf-89"')
    (unknown / "r02.xml").write_text(record, "utf-8")
    message = _one_line_error(unknown)
    assert message.startswith(f"{unknown / 'r02.xml'}:1: the XML declaration names an encoding")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([("a1", "Ann", "120", False)], "option a1 has Value '120'; expected one digit 0 or 1"),
        ([("a1", "Ann", "", False)], "option a1 has no Value"),
        ([("", "Ann", "1", False)], "an Option without Id"),
        ([ANN, ("a1", "Ann", "010", False)], "option a1 is listed twice"),
        ([ANN, ("a7", "Ann", "010", False)], "options a1 and a7 are both named 'Ann'"),
        (
            [("a1", "Ann", "0" * MAX_RANKINGS + "1", False)],
            f"option a1 has a Value of {MAX_RANKINGS + 1:,} ranks, more than the limit of "
            f"{MAX_RANKINGS:,}",
        ),
    ],
)
def test_inconsistent_options_are_refused(
    tmp_path: Path, options: list[Option], message: str
) -> None:
    folder = _records(tmp_path / "records", [("r01.xml", "g01", "P-1", {MAYOR: options})])
    assert message in _one_line_error(folder)


def test_contest_missing_or_unnamed_is_refused(tmp_path: Path) -> None:
    folder = _records(tmp_path / "records", RECORDS[5:6])
    assert _one_line_error(folder).endswith(f"no record holds contest {MAYOR} (1 files read)")
    unnamed = _one_line_error(folder, None)
    assert "name the contest by its Hart Id (--contest-id)" in unnamed
    assert f"{MEASURE} B32C7450-MEASURE" in unnamed
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no .xml file" in _one_line_error(empty)
    with pytest.raises(ParseError, match="neither a Dominion CVR export"):
        read_ballots(empty)
    record = _records(tmp_path / "one", RECORDS[:1]) / "r01.xml"
    assert _one_line_error(record) == (
        f"{record}: not a folder (Hart cast-vote records are a folder of XML files, one per sheet)"
    )
