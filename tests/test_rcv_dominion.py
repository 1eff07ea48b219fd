"""Dominion CVR export folders (``tallyroom.rcv.read_dominion``): RCTab's real Alaska 2024 files
read through its configuration unchanged, compared ballot for ballot with RCTab's own CSV
rendering of the same 124 ballots and counted to RCTab's own report of them; the reading rules
and the refusals on small exports made here."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.errors import InputError, ParseError, TabulationError, ValidationError
from tallyroom.rcv import read_ballots, read_rctab_config, tabulate
from tallyroom.rcv.cells import CandidateSpec, CellLabels
from tallyroom.rcv.read_dominion import dominion_ballots, dominion_contest
from tallyroom.rcv.readers import BallotSource
from tallyroom.rcv.reports import to_rctab_json
from tallyroom.rcv.types import BallotSet
from tests.test_rctab_manifest import differences

DATA = Path(__file__).resolve().parent / "data" / "rcv"
CASE = DATA / "alaska_2024_dominion" / "2024_alaska_dominion"
CONFIG = CASE / "2024_alaska_dominion_config.json"
FOLDER = CASE / "partial_cvr"
CSV_CASE = DATA / "alaska_2024"
RCTAB_CSV = CSV_CASE / "alaska_2024_rctab_cvr.csv"

Ballot = tuple[str | None, tuple[tuple[int, tuple[str, ...]], ...]]


def _spelt(ballots: BallotSet, group: int) -> Ballot:
    """A group's precinct and its rankings spelt with names."""
    return (
        ballots.precincts[group] if ballots.precincts else None,
        tuple(
            (rank, tuple(ballots.candidates[c] for c in codes))
            for rank, codes in ballots.rankings[group]
        ),
    )


def _in_order(ballots: BallotSet) -> list[Ballot]:
    """Each ballot read (kept in order), spelt."""
    return [_spelt(ballots, group) for _where, group in ballots.ballots]


def _rctab_csv_rows() -> tuple[list[str], dict[str, list[str]]]:
    """The header of RCTab's CSV rendering, and its rows by ballot id (in the file's order)."""
    with RCTAB_CSV.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, {f"{row[3]}-{row[4]}-{row[5]}": row for row in rows}


def _rctab_csv_config(folder: Path, header: list[str], rows: list[list[str]]) -> Path:
    """RCTab's configuration of its CSV rendering, reading only ``rows`` (written to
    ``folder``)."""
    folder.mkdir()
    with (folder / "rows.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    raw = json.loads((CSV_CASE / "alaska_2024_config.json").read_text(encoding="utf-8"))
    raw["cvrFileSources"][0]["filePath"] = "rows.csv"
    (folder / "config.json").write_text(json.dumps(raw), encoding="utf-8")
    return folder / "config.json"


# --- RCTab's own test case ------------------------------------------------------------------

# The 124 ballots by export and batch, in the order of RCTab's CSV rendering (1731's three
# sessions flag contest 7 invalid; 1734 and 1736, not copied here, hold none).
BALLOTS_PER_BATCH = {
    "92200-113": 88,  # CvrExport_1730
    "92207-9": 8,  # CvrExport_1732
    "92200-119": 1,  # CvrExport_1733
    "92207-8": 6,  # CvrExport_1735
    "92200-118": 4,  # CvrExport_1737
    "92207-11": 4,  # CvrExport_1738
    "92106-8": 13,  # CvrExport_1739
}
# Contest 7 has five ranks; the configuration's "max" allows four (its declared candidates).
FIFTH_RANK = {*(f"92200-113-{n}" for n in (10, 34, 67, 83, 85, 88)), "92207-8-6"}


def _report(config: Path, **rules: Any) -> dict[str, Any]:
    contest = read_rctab_config(config)
    return to_rctab_json(
        tabulate(contest.load(), replace(contest.options, **rules)),
        contest=contest.contest_name,
        date=contest.contest_date,
        jurisdiction=contest.jurisdiction,
        office=contest.office,
    )


def test_rctab_config_reads_the_export_folder_unchanged() -> None:
    contest = read_rctab_config(CONFIG)
    (source,) = contest.sources
    assert (source.format, source.path, source.contest_id) == ("dominion", FOLDER, "7")
    ballots = contest.load()
    assert ballots.total == 124
    assert ballots.candidates == (
        "Howe, John Wayne",
        "Peltola, Mary S.",
        "Hafner, Eric",
        "Begich, Nick",
        "Undeclared Write-ins",
    )
    # Seven ballots use the contest's fifth rank, past the rules' maximum of four (the declared
    # candidates): RCTab counts a Dominion contest's every rank, and so does the count here.
    assert contest.options.count_past_max_rankings
    result = tabulate(ballots, contest.options)
    assert result.winners == ("Begich, Nick",)
    with pytest.raises(TabulationError, match="ranks choice 5, above the maximum of 4"):
        tabulate(ballots, replace(contest.options, count_past_max_rankings=False))


def test_report_equals_rctab_report_of_the_124_ballots() -> None:
    """RCTab's configuration run unchanged: the detailed report equals, field for field, the
    report RCTab wrote for these 124 ballots (its CSV rendering of them, alaska_2024)."""
    produced = _report(CONFIG)
    expected = CSV_CASE / "alaska_2024_expected_detailed_report.json"
    assert differences(expected, json.dumps(produced)) == []
    assert produced["summary"]["totalNumBallots"] == "124"
    assert produced["summary"]["undervotes"] == 8
    (first,) = produced["results"]
    assert first["tallyResults"][0]["elected"] == "Begich, Nick"


def test_ballots_equal_rctab_csv_rendering_ballot_for_ballot(tmp_path: Path) -> None:
    """Every ballot of RCTab's CSV rendering, in its order: the same ids, and the same precinct
    portion and rankings as its row read by the CSV reader under RCTab's configuration of that
    file. The rendering has four rank columns, so a fifth ranking is compared apart."""
    contest = dominion_contest(FOLDER, "7")
    ids = [ballot.ballot_id for ballot in dominion_ballots(FOLDER, contest)]
    header, rows = _rctab_csv_rows()
    assert len(rows) == 124
    assert ids == list(rows)
    batches: dict[str, int] = {}
    for ballot_id in ids:
        batch = ballot_id.rsplit("-", 1)[0]
        batches[batch] = batches.get(batch, 0) + 1
    assert list(batches.items()) == list(BALLOTS_PER_BATCH.items())
    ours = _in_order(read_rctab_config(CONFIG).load(keep_ballots=True))
    theirs = []
    for number, ballot_id in enumerate(ids):
        config = _rctab_csv_config(tmp_path / str(number), header, [rows[ballot_id]])
        row_ballots = read_rctab_config(config).load()
        assert row_ballots.counts == (1,)
        theirs.append(_spelt(row_ballots, 0))
    four = [(where, tuple(r for r in ranks if r[0] <= 4)) for where, ranks in ours]
    assert four == theirs
    fifth = {i for i, (_where, ranks) in zip(ids, ours, strict=True) if ranks and ranks[-1][0] == 5}
    assert fifth == FIFTH_RANK
    # 92207-9-6 also marks the write-in oval at every rank, ambiguously: those marks are not read
    assert ours[ids.index("92207-9-6")] == ("District 17 - Absentee", ((1, ("Peltola, Mary S.",)),))
    assert ours[ids.index("92200-119-1")] == ("District 15 - Absentee", ())
    assert ours[ids.index("92207-8-6")] == (
        "District 18 - Absentee",
        tuple((rank, ("Begich, Nick",)) for rank in range(1, 6)),
    )
    assert not any(csv_id.startswith("92302-17-") for csv_id in rows)


def test_cli_detects_the_folder_and_names_candidates_from_the_manifest() -> None:
    result = CliRunner().invoke(main, ["rcv", str(FOLDER), "--contest-id", "7", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["winners"], data["total_ballots"], data["undervotes"]) == (
        ["Begich, Nick"],
        124,
        8,
    )
    assert data["rounds"][0]["tally"] == {
        "Begich, Nick": "66",
        "Peltola, Mary S.": "45",
        "Howe, John Wayne": "4",
        "Hafner, Eric": "1",
        "Undeclared Write-ins": "0",
    }
    named = CliRunner().invoke(
        main, ["rcv", str(FOLDER), "--input-format", "dominion", "--contest-id", "4", "--json"]
    )
    assert named.exit_code == 0, named.output
    president = json.loads(named.output)
    assert (president["winners"], president["total_ballots"]) == (["Trump/Vance"], 127)


# --- small exports made here ---------------------------------------------------------------

CANDIDATES = [(1, "Ann", 7, "Regular"), (2, "Bo", 7, "Regular"), (3, "Cy", 7, "Regular")]
CANDIDATES += [(9, "Write-in", 7, "WriteIn"), (10, "YES", 8, "Regular")]


def _manifests(folder: Path, skip: str = "") -> None:
    folder.mkdir(exist_ok=True)
    files: dict[str, list[dict[str, Any]]] = {
        "ContestManifest.json": [
            {"Description": "Mayor", "Id": 7, "VoteFor": 1, "NumOfRanks": 3},
            {"Description": "Measure", "Id": 8, "VoteFor": 1, "NumOfRanks": 0},
        ],
        "CandidateManifest.json": [
            {"Description": name, "Id": code, "ContestId": contest, "Type": kind}
            for code, name, contest, kind in CANDIDATES
        ],
        "PrecinctPortionManifest.json": [
            {"Description": "Ward 1", "Id": 100, "PrecinctId": 1},
            {"Description": "Ward 2", "Id": 101, "PrecinctId": 2},
        ],
    }
    for name, items in files.items():
        if name != skip:
            (folder / name).write_text(json.dumps({"Version": "5", "List": items}), "utf-8")


def _contest(marks: list[tuple[int, int]], **extra: Any) -> dict[str, Any]:
    return {
        "Id": 7,
        "OutstackConditionIds": extra.get("outstack", []),
        "Marks": [
            {
                "CandidateId": code,
                "Rank": rank,
                "IsAmbiguous": code in extra.get("ambiguous", ()),
                "IsVote": True,
            }
            for rank, code in marks
        ],
    }


def _session(record: int, marks: list[tuple[int, int]], **extra: Any) -> dict[str, Any]:
    """A session whose Original record (current unless said) holds contest 7 with ``marks``."""
    body: dict[str, Any] = {
        "PrecinctPortionId": extra.get("portion", 100),
        "BallotTypeId": 1,
        "IsCurrent": extra.get("current", True),
    }
    if extra.get("cards", True):
        body["Cards"] = [{"Id": 1, "Contests": [_contest(marks, **extra)]}]
    else:
        body["Contests"] = [_contest(marks, **extra)]
    session = {"TabulatorId": 5, "BatchId": 2, "RecordId": record, "Original": body}
    if "modified" in extra:
        session["Modified"] = {
            "PrecinctPortionId": 101,
            "BallotTypeId": 1,
            "Cards": [{"Id": 1, "Contests": [_contest(extra["modified"])]}],
        }
    return session


def _export(tmp_path: Path, *sessions: dict[str, Any], name: str = "CvrExport.json") -> Path:
    folder = tmp_path / "export"
    _manifests(folder)
    (folder / name).write_text(json.dumps({"Version": "5", "Sessions": list(sessions)}), "utf-8")
    return folder


def _read(folder: Path, **kw: Any) -> BallotSet:
    return read_ballots(folder, BallotSource(folder, "dominion", contest_id="7"), **kw)


def _ids(folder: Path) -> list[str]:
    return [b.ballot_id for b in dominion_ballots(folder, dominion_contest(folder, "7"))]


def test_adjudicated_record_replaces_an_original_that_is_not_current(tmp_path: Path) -> None:
    folder = _export(
        tmp_path,
        _session(1, [(1, 1)]),
        _session(2, [(1, 1), (1, 2)], current=False, modified=[(1, 2), (2, 3)]),
    )
    ballots = _read(folder)
    assert ballots.candidates == ("Ann", "Bo", "Cy")
    assert ballots.rankings == (((1, (0,)),), ((1, (1,)), (2, (2,))))
    assert ballots.precincts == ("Ward 1", "Ward 2")  # the Modified record's portion


def test_cards_older_layout_overvote_ambiguous_and_invalid_contest(tmp_path: Path) -> None:
    folder = _export(
        tmp_path,
        _session(1, [(1, 1), (1, 2), (2, 3)]),  # two candidates at rank 1: an overvote
        _session(2, [(2, 2)], cards=False),  # the older layout; rank 1 skipped
        _session(3, [(1, 3), (2, 1)], ambiguous=(3,)),  # the ambiguous mark is not read
        _session(4, [(1, 1)], outstack=[7]),  # InvalidContest: not a ballot of the contest
        _session(5, []),  # a blank ballot
    )
    assert _ids(folder) == ["5-2-1", "5-2-2", "5-2-3", "5-2-5"]
    ballots = _read(folder)
    assert ballots.rankings == (
        ((1, (0, 1)), (2, (2,))),
        ((2, (1,)),),
        ((2, (0,)),),
        (),
    )
    assert ballots.counts == (1, 1, 1, 1)


def test_numbered_exports_are_read_in_name_order(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(10, [(1, 1)]), name="CvrExport_10.json")
    (folder / "CvrExport_2.json").write_text(
        json.dumps({"Sessions": [_session(2, [(1, 2)])]}), "utf-8"
    )
    (folder / "CvrExport_notes.json").write_text("not read", "utf-8")
    assert _ids(folder) == ["5-2-10", "5-2-2"]  # RCTab sorts the names as text


def test_codes_with_declared_candidates_and_the_write_in_label(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 9), (2, 2)]), _session(2, [(1, 1)]))
    declared = [CandidateSpec("Ann", ("1",)), CandidateSpec("Bo", ("2",))]
    source = BallotSource(folder, "dominion", "7", labels=CellLabels(undeclared_write_in_label="9"))
    ballots = read_ballots(folder, source, candidates=declared)
    assert ballots.candidates == ("Ann", "Bo", "Undeclared Write-ins")
    assert ballots.rankings == (((1, (2,)), (2, (1,))), ((1, (0,)),))
    with pytest.raises(ValidationError, match=r"ballot 5-2-1 \(session 1\): unknown candidate '9'"):
        _read(folder, candidates=declared)


def test_without_declared_candidates_names_come_from_the_manifest(tmp_path: Path) -> None:
    ballots = read_ballots(_export(tmp_path, _session(1, [(1, 3), (2, 9), (3, 1)])))
    assert ballots.candidates == ("Cy", "Undeclared Write-ins", "Ann")
    assert ballots.rank_columns == 3


def _one_line_error(folder: Path, kind: type[InputError] = ParseError) -> str:
    with pytest.raises(kind) as caught:
        _read(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_missing_manifest_is_named(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 1)]))
    (folder / "CandidateManifest.json").unlink()
    message = _one_line_error(folder)
    assert message.startswith(f"{folder / 'CandidateManifest.json'}: no such file")


def test_a_broken_export_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 1)]))
    (folder / "CvrExport.json").write_text('{"Sessions": [\n  {"TabulatorId": 5,,\n', "utf-8")
    message = _one_line_error(folder)
    assert message.startswith(f"{folder / 'CvrExport.json'}:2: not valid JSON")
    (folder / "CvrExport.json").write_text('{"Sessions": [{"TabulatorId": true}]}', "utf-8")
    message = _one_line_error(folder)
    assert message.startswith(f"{folder / 'CvrExport.json'}: expected a Dominion CVR export")
    assert "$.Sessions[0].TabulatorId" in message
    # Nested deeper than the decoder follows, where the export holds data not read (a field it
    # does not know) or where it holds a contest's marks: refused, not a traceback.
    deep = "[" * 5000 + "]" * 5000
    (folder / "CvrExport.json").write_text(f'{{"Sessions": [], "Notes": {deep}}}', "utf-8")
    message = _one_line_error(folder)
    assert message == (
        f"{folder / 'CvrExport.json'}: not valid JSON (nested too deeply to be a Dominion file)"
    )
    session = json.dumps(_session(1, [])).replace('"Marks": []', f'"Marks": {deep}', 1)
    assert deep in session
    (folder / "CvrExport.json").write_text(f'{{"Sessions": [{session}]}}', "utf-8")
    message = _one_line_error(folder)
    assert message.startswith(f"{folder / 'CvrExport.json'}: ") and "nested too deeply" in message


def test_an_unknown_contest_id_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 1)]))
    with pytest.raises(ParseError) as caught:
        read_ballots(folder, BallotSource(folder, "dominion", contest_id="99"))
    assert str(caught.value) == (
        f"{folder / 'ContestManifest.json'}: no contest with Id '99' (the manifest lists 2 "
        "contests)"
    )
    with pytest.raises(ParseError, match=r"contest 8 \(Measure\) is not a ranked contest"):
        read_ballots(folder, BallotSource(folder, "dominion", contest_id="8"))


def test_a_contest_no_export_holds_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 1)], outstack=[7]))
    message = _one_line_error(folder)
    assert message == f"{folder}: no ballot holds contest 7 (Mayor)"


def test_a_mark_for_a_candidate_the_manifest_lacks_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 1)]), _session(4, [(1, 2), (2, 10)]))
    message = _one_line_error(folder)
    assert message == (
        f"{folder / 'CvrExport.json'}: ballot 5-2-4 (session 2): a mark for candidate 10, "
        "which CandidateManifest.json does not list for contest 7"
    )


def test_other_inconsistent_records_are_refused(tmp_path: Path) -> None:
    rank = _export(tmp_path, _session(1, [(4, 1)]))
    assert "a mark at rank 4; contest 7 allows ranks 1 to 3" in _one_line_error(rank)
    lost = _export(tmp_path, _session(1, [(1, 1)], current=False))
    assert "not current and there is no Modified record" in _one_line_error(lost)
    portion = _export(tmp_path, _session(1, [(1, 1)], portion=555))
    assert "PrecinctPortionId 555 is not in PrecinctPortionManifest.json" in _one_line_error(
        portion
    )


def test_a_folder_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    _manifests(folder)
    message = _one_line_error(folder)
    assert message.startswith(f"{folder}: no CvrExport.json or CvrExport_<n>.json file")
    with pytest.raises(ParseError, match="a folder, but neither a Dominion CVR export"):
        read_ballots(folder)


def _edited(session: dict[str, Any], change: Any) -> dict[str, Any]:
    change(session)
    return session


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s["Original"].pop("IsCurrent"),
            "ballot 5-2-1 (session 1): the Original record has no IsCurrent",
        ),
        (
            lambda s: s["Original"].pop("Cards"),
            "ballot 5-2-1 (session 1): the record has neither Cards nor Contests",
        ),
        (
            lambda s: s["Original"].update(PrecinctId=3),
            "ballot 5-2-1 (session 1): PrecinctId 3 is not in PrecinctManifest.json",
        ),
        (
            lambda s: s["Original"]["Cards"][0]["Contests"][0].update(Marks={"Rank": 1}),
            "ballot 5-2-1 (session 1): expected the contest's Marks as a list of marks: ",
        ),
    ],
    ids=["no IsCurrent", "no cards", "unknown precinct", "marks not a list"],
)
def test_a_damaged_session_is_refused_naming_file_and_ballot(
    tmp_path: Path, change: Any, message: str
) -> None:
    folder = _export(tmp_path, _edited(_session(1, [(1, 1)]), change))
    assert _one_line_error(folder).startswith(f"{folder / 'CvrExport.json'}: {message}")


def test_contest_choice_and_its_limits_are_refused_by_the_manifest(tmp_path: Path) -> None:
    folder = _export(tmp_path, _session(1, [(1, 1)]))
    contests = folder / "ContestManifest.json"
    manifest = json.loads(contests.read_text("utf-8"))
    manifest["List"][1]["NumOfRanks"] = 2  # two ranked contests: which one is not said
    contests.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ParseError) as caught:
        read_ballots(folder, BallotSource(folder, "dominion"))
    assert str(caught.value) == (
        f"{contests}: the export holds 2 ranked contests; name one by its Id (--contest-id): "
        "7 Mayor; 8 Measure"
    )
    manifest["List"][0]["NumOfRanks"] = 10**6
    contests.write_text(json.dumps(manifest), "utf-8")
    assert _one_line_error(folder).startswith(
        f"{contests}: contest 7 allows 1,000,000 rankings, more than the limit of "
    )
    export = folder / "CvrExport.json"
    with pytest.raises(ParseError) as caught:
        read_ballots(export, BallotSource(export, "dominion", contest_id="7"))
    assert str(caught.value).startswith(f"{export}: not a folder (a Dominion CVR export is")
