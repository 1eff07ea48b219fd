"""Ranked-choice inputs that must be refused, each with its file and line or key.

Options that contradict each other, RCTab configurations with a wrong value, and ballot files
(CSV, candidate-column CSV, ABIF, Clear Ballot, NIST JSON/XML) that are damaged in one place;
and the seeded ballot generator's files, which must read and count.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tallyroom.errors import ParseError, ValidationError
from tallyroom.rcv import (
    BallotSource,
    CandidateSpec,
    CellLabels,
    RcvOptions,
    read_ballots,
    read_rctab_config,
    tabulate,
)
from tallyroom.rcv.generate import generate_rankings, write_ballots_csv

TEST_DATA = Path(__file__).resolve().parent / "data" / "rcv"
EXHAUST_CONFIG = (
    TEST_DATA / "rctab_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_config.json"
)


# --- options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "key", "message"),
    [
        (
            RcvOptions(winner_mode="bottoms-up-threshold"),
            "bottoms_up_percentage",
            "required by the bottoms-up-threshold mode",
        ),
        (
            RcvOptions(winner_mode="bottoms-up-threshold", bottoms_up_percentage=Decimal(101)),
            "bottoms_up_percentage",
            "must be from 1 to 100",
        ),
        (RcvOptions(seats=0), "seats", "must be at least 1"),
        (RcvOptions(seats=2), "seats", "single-winner mode elects 1 candidate, not 2"),
        (RcvOptions(winner_mode="multi-winner"), "seats", "multi-winner mode needs at least 2"),
        (
            RcvOptions(winner_mode="multi-winner", seats=2, continue_until_two=True),
            "continue_until_two",
            "only applies to single-winner contests",
        ),
        (
            RcvOptions(winner_mode="multi-winner", seats=2, first_round_determines_threshold=True),
            "first_round_determines_threshold",
            "only applies to single-winner contests",
        ),
        (RcvOptions(max_skipped_ranks=-1), "max_skipped_ranks", "must be 0 or more"),
        (RcvOptions(max_rankings=0), "max_rankings", "must be at least 1"),
        (RcvOptions(decimal_places=21), "decimal_places", "must be from 1 to 20"),
        (
            RcvOptions(minimum_vote_threshold=Decimal(-1)),
            "minimum_vote_threshold",
            "must not be negative",
        ),
        (RcvOptions(stop_after_round=0), "stop_after_round", "must be at least 1"),
        (RcvOptions(tiebreak="random"), "seed", "tie-break mode 'random' needs a random seed"),
        (RcvOptions(quota="hare"), "quota", "the Hare quota applies to multi-winner contests"),
        (
            RcvOptions(winner_mode="multi-winner", seats=2, batch_elimination=True),
            "batch_elimination",
            "applies to single-winner contests only",
        ),
    ],
)
def test_contradictory_options_are_refused_naming_the_key(
    options: RcvOptions, key: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        options.check("rules.json")
    assert caught.value.key == key
    assert str(caught.value).startswith("rules.json: ")


def test_sensible_options_pass_and_only_random_modes_need_a_seed() -> None:
    RcvOptions().check()
    RcvOptions(winner_mode="multi-winner", seats=3, quota="hare").check()
    RcvOptions(winner_mode="bottoms-up-threshold", bottoms_up_percentage=Decimal(15)).check()
    assert RcvOptions(tiebreak="generate-permutation", seed=1).needs_seed
    assert not RcvOptions(tiebreak="candidate-order").needs_seed


# --- RCTab configurations ------------------------------------------------------------------


def _config(tmp_path: Path, change: dict[str, Any], where: str | None = None) -> Path:
    """The exhaust-at-overvote test config with ``change`` merged at ``where`` (None: top)."""
    raw = json.loads(EXHAUST_CONFIG.read_text(encoding="utf-8"))
    raw["cvrFileSources"][0]["filePath"] = str(
        EXHAUST_CONFIG.with_name("test_set_1_exhaust_at_overvote_cvr.json")
    )
    if where is None:
        raw.update(change)
    elif where == "source":
        raw["cvrFileSources"][0].update(change)
    elif where == "candidate":
        raw["candidates"][0].update(change)
    else:
        raw[where].update(change)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_the_unchanged_config_reads_and_counts(tmp_path: Path) -> None:
    contest = read_rctab_config(_config(tmp_path, {}))
    assert contest.contest_name == "test set 1"
    assert contest.jurisdiction == "TestSets_Single_winner"
    assert contest.office is None
    assert contest.options.max_rankings == 4
    assert contest.sources[0].format == "nist-json"
    result = tabulate(contest.load(), contest.options)
    assert result.winners == ("Candidate B Name",)  # as RCTab's expected summary says
    assert len(result.rounds) == 3


@pytest.mark.parametrize(
    ("change", "where", "key", "message"),
    [
        ({"colour": "red"}, None, "colour", "unknown option"),
        ({"rules": []}, None, "rules", "is required"),
        ({"cvrFileSources": []}, None, "cvrFileSources", "at least one cast vote record"),
        ({"name": ""}, "candidate", "candidates[0].name", "a name is required"),
        ({"name": ["A"]}, "candidate", "candidates[0].name", "expected text"),
        ({"excluded": "no"}, "candidate", "candidates[0].excluded", "expected true or false"),
        ({"filePath": ""}, "source", "cvrFileSources[0].filePath", "is required"),
        ({"provider": "punchcard"}, "source", "cvrFileSources[0].provider", "unknown provider"),
        (
            {"overvoteLabel": "OV", "overvoteDelimiter": "|"},
            "source",
            "cvrFileSources[0].overvoteDelimiter",
            "cannot be used with an overvote label",
        ),
        (
            {"firstVoteColumnIndex": "third"},
            "source",
            "cvrFileSources[0].firstVoteColumnIndex",
            "expected a whole number, got 'third'",
        ),
        ({"tiebreakMode": ""}, "rules", "rules.tiebreakMode", "is required"),
        ({"overvoteRule": "guess"}, "rules", "rules.overvoteRule", "unknown value 'guess'"),
        (
            {"maxRankingsAllowed": "many"},
            "rules",
            "rules.maxRankingsAllowed",
            "expected a whole number or 'max'",
        ),
        (
            {"minimumVoteThreshold": "ten"},
            "rules",
            "rules.minimumVoteThreshold",
            "expected a number, got 'ten'",
        ),
        ({"randomSeed": None}, "rules", "seed", "needs a random seed"),
    ],
)
def test_a_wrong_config_value_is_refused_with_its_key(
    tmp_path: Path, change: dict[str, Any], where: str | None, key: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        read_rctab_config(_config(tmp_path, change, where))
    assert caught.value.key == key
    assert "config.json" in str(caught.value)


def test_a_config_that_is_not_a_json_object_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"missing\.json: no such configuration file"):
        read_rctab_config(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "rules": {,\n}', encoding="utf-8")
    with pytest.raises(ParseError, match=r"broken\.json:2: not valid JSON"):
        read_rctab_config(broken)
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(ParseError, match="expected a JSON object"):
        read_rctab_config(listed)


def test_old_rule_names_read_as_rctab_migrates_them(tmp_path: Path) -> None:
    until_two = read_rctab_config(
        _config(
            tmp_path,
            {"winnerElectionMode": "singleSeatContinueUntilTwoCandidatesRemain"},
            "rules",
        )
    )
    assert until_two.options.continue_until_two
    assert until_two.options.winner_mode == "single-winner"
    several = read_rctab_config(
        _config(tmp_path, {"winnerElectionMode": "standard", "numberOfWinners": "3"}, "rules")
    )
    assert several.options.winner_mode == "multi-winner"
    assert several.options.seats == 3
    bottoms_up = read_rctab_config(
        _config(
            tmp_path,
            {
                "winnerElectionMode": "multiSeatBottomsUp",
                "numberOfWinners": "0",
                "multiSeatBottomsUpPercentageThreshold": "25",
            },
            "rules",
        )
    )
    assert bottoms_up.options.winner_mode == "bottoms-up-threshold"
    assert bottoms_up.options.bottoms_up_percentage == Decimal(25)


@pytest.mark.parametrize(
    ("provider", "name", "expected"),
    [
        ("ess", "ballots.xlsx", "xlsx"),
        ("ES&S", "ballots.csv", "csv"),
        ("cdf", "ballots.xml", "nist-xml"),
        ("clearBallot", "ballots.csv", "clear-ballot"),
        ("csv", "ballots.csv", "candidate-columns-csv"),
        ("", "ballots.csv", "auto"),
    ],
)
def test_each_provider_picks_its_reader(
    tmp_path: Path, provider: str, name: str, expected: str
) -> None:
    contest = read_rctab_config(
        _config(tmp_path, {"provider": provider, "filePath": name, "overvoteLabel": "OV"}, "source")
    )
    source = contest.sources[0]
    assert source.format == expected
    assert source.path == tmp_path / name
    assert source.labels.overvote_label == "OV"


# --- ballot files --------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_ballots_with_quotes_are_read_row_by_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "b.csv", 'rank1,rank2\n"Ann","Bo"\n"Bo",\n\n"Ann","Bo"\nCy,"Ann"\nBo,\n'
    )
    ballots = read_ballots(path)
    assert ballots.candidates == ("Ann", "Bo", "Cy")
    assert ballots.total == 5
    assert tabulate(ballots, RcvOptions()).winners == ("Ann",)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", r"b\.csv: empty ballot file"),
        ("rank1,rank3\nAnn,Bo\n", r"b\.csv:1: no rank columns recognised"),
        ("id,rank1,rank2\n1,Ann,Bo\n2\n", r"b\.csv:3: row has 1 cells; rank columns start at"),
        ('id,rank1\n"1",Ann\n"2"\n', r"b\.csv:3: row has 1 cells; rank columns start at"),
        ('weight,rank1\n"two",Ann\n', r"b\.csv:2: weight must be a whole number"),
    ],
)
def test_damaged_csv_ballots_name_file_and_line(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ParseError, match=pattern):
        read_ballots(_write(tmp_path, "b.csv", text))


def test_csv_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"rank1,rank2\nAnn,Bo\nAnn,\xff\xfe\n")
    with pytest.raises(ParseError, match=r"b\.csv:3: not UTF-8 text"):
        read_ballots(path)
    path.write_bytes(b'rank1,rank2\n"Ann",Bo\nAnn,\xff\xfe\n')
    with pytest.raises(ParseError, match=r"b\.csv: not UTF-8 text .* after line"):
        read_ballots(path)


def test_first_vote_column_and_row_are_honoured(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "b.csv",
        "ballot,precinct,choice 1,choice 2\nExport of 2023,,,\n1,North,Ann,Bo\n2,South,Bo,Ann\n"
        "3,North,Ann,\n",
    )
    source = BallotSource(path, first_vote_column=3, first_vote_row=3, precinct_column=2)
    ballots = read_ballots(path, source)
    assert ballots.candidates == ("Ann", "Bo")
    assert ballots.total == 3
    assert sorted(set(ballots.precincts)) == ["North", "South"]
    past = BallotSource(path, first_vote_column=9, first_vote_row=3)
    with pytest.raises(ParseError, match="first vote column 9 is past the last column"):
        read_ballots(path, past)
    header_only = _write(tmp_path, "h.csv", "ballot,choice 1\n")
    assert read_ballots(header_only, BallotSource(header_only, first_vote_column=2)).total == 0


def test_candidate_column_csv_holds_rank_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.csv", "id,Ann,Bo,Write-in\n1,1,2,\n2,2,1,\n3,,,1\n4,1,,\n")
    labels = CellLabels(undeclared_write_in_label="Write-in")
    source = BallotSource(path, format="candidate-columns-csv", labels=labels)
    ballots = read_ballots(path, source)
    assert ballots.total == 4
    result = tabulate(ballots, RcvOptions())
    assert result.winners == ("Ann",)
    bad = _write(tmp_path, "d.csv", "id,Ann,Bo\n1,first,\n")
    with pytest.raises(ParseError, match=r"d\.csv:2: expected a rank number in column 2"):
        read_ballots(bad, BallotSource(bad, format="candidate-columns-csv"))
    empty = _write(tmp_path, "e.csv", "")
    with pytest.raises(ParseError, match="empty ballot file"):
        read_ballots(empty, BallotSource(empty, format="candidate-columns-csv"))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("=:[Ann]\n", r"b\.abif:1: expected '=token:\[Name\]'"),
        ("three:Ann>Bo\n", r"b\.abif:1: expected 'count:ranking'"),
        ("2:Ann/5>Bo/3\n", r"b\.abif:1: scored ballots are not supported"),
        ("2:Ann>>Bo\n", r"b\.abif:1: empty candidate name"),
    ],
)
def test_damaged_abif_names_the_line(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(ParseError, match=pattern):
        read_ballots(_write(tmp_path, "b.abif", text))


def test_abif_with_comments_metadata_and_equal_ranks(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "b.abif",
        '{"title": "Sample"}\n# a comment\n=A:[Ann]\n=B:[Bo]\n3:A>B\n2:B\n1:[A]=[B]\n',
    )
    ballots = read_ballots(path)
    assert ballots.candidates == ("A", "B")
    assert ballots.total == 6
    assert ballots.rankings[-1] == ((1, (0, 1)),)
    not_text = tmp_path / "c.abif"
    not_text.write_bytes(b"3:\xff\n")
    with pytest.raises(ParseError, match=r"c\.abif: not UTF-8 text"):
        read_ballots(not_text)


_CLEAR_HEADER = (
    "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,"
    "ScanComputerName,Status,Remade"
)


def _choice(contest: str, rank: str, name: str) -> str:
    return f"Choice_{rank}_1:{contest}:{rank}:Number of Winners 1:{name}:NON"


def _clear_ballot(tmp_path: Path, columns: list[str], rows: list[str]) -> Path:
    header = ",".join([_CLEAR_HEADER, *columns])
    return _write(tmp_path, "cb.csv", "\n".join([header, *rows]) + "\n")


def test_clear_ballot_reads_one_contest_of_several(tmp_path: Path) -> None:
    columns = [
        _choice("Mayor", "1", "Ann"),
        _choice("Mayor", "1", "Bo"),
        _choice("Mayor", "2", "Ann"),
        _choice("Mayor", "2", "Bo"),
        _choice("Clerk", "1", "Cy"),
        _choice("Mayor", "1", "Write-in"),
    ]
    fixed = "1,1,1,1,P1,1,S,C,0,0"
    path = _clear_ballot(
        tmp_path,
        columns,
        [f"{fixed},1,0,0,1,1,0", f"{fixed},0,,1,0,0,1", "", f"{fixed},0,0,0,0,1,0"],
    )
    with pytest.raises(ParseError, match="the file holds 2 contests; name one"):
        read_ballots(path)
    source = BallotSource(
        path, contest_id="Mayor", labels=CellLabels(undeclared_write_in_label="Write-in")
    )
    ballots = read_ballots(path, source)
    assert ballots.total == 3
    with pytest.raises(ParseError, match="no choice columns for contest 'Sheriff'"):
        read_ballots(path, BallotSource(path, contest_id="Sheriff"))


@pytest.mark.parametrize(
    ("columns", "row", "pattern"),
    [
        (["Choice_1_1:Mayor:1:Ann"], "", r"cb\.csv:1: choice column header must have 6"),
        ([_choice("Mayor", "one", "Ann")], "", r"cb\.csv:1: rank field is not a number"),
        ([_choice("Mayor", "1", "Ann")], "1,1,1,1,P1,1,S,C,0,0,1,1", r"cb\.csv:2: row has 12"),
        ([_choice("Mayor", "1", "Ann")], "1,1,1,1,P1,1,S,C,0,0,X", r"cb\.csv:2: choice cell"),
    ],
)
def test_damaged_clear_ballot_names_the_line(
    tmp_path: Path, columns: list[str], row: str, pattern: str
) -> None:
    path = _clear_ballot(tmp_path, columns, [row] if row else [])
    with pytest.raises(ParseError, match=pattern):
        read_ballots(path, BallotSource(path, format="clear-ballot"))


def test_a_named_clear_ballot_file_without_choice_columns_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "cb.csv", "rank1,rank2\nAnn,Bo\n")
    with pytest.raises(ParseError, match="not a Clear Ballot CVR export"):
        read_ballots(path, BallotSource(path, format="clear-ballot"))


def _nist(cvrs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Election": [
            {
                "Candidate": [{"@id": "c1", "Name": "Ann"}, {"@id": "c2", "Name": "Bo"}],
                "Contest": [
                    {
                        "@id": "k1",
                        "Name": "Mayor",
                        "ContestSelection": [
                            {"@id": "s1", "CandidateIds": ["c1"]},
                            {"@id": "s2", "CandidateIds": ["c2"]},
                            {"@id": "w", "IsWriteIn": True},
                        ],
                    }
                ],
            }
        ],
        "GpUnit": [{"@id": "u1", "Name": "Ward 1"}],
        "CVR": cvrs,
    }


def _cvr(
    marks: list[tuple[str, int | None, dict[str, str]]], snapshot: str = "a"
) -> dict[str, Any]:
    selections = []
    for sid, rank, extra in marks:
        position: dict[str, Any] = dict(extra)
        if rank is not None:
            position["Rank"] = rank
        selections.append({"ContestSelectionId": sid, "SelectionPosition": [position]})
    return {
        "BallotStyleUnitId": "u1",
        "CurrentSnapshotId": snapshot,
        "CVRSnapshot": [
            {"@id": "a", "CVRContest": [{"ContestId": "k1", "CVRContestSelection": selections}]}
        ],
    }


def test_nist_json_skips_unmarked_and_unallocable_positions(tmp_path: Path) -> None:
    cvrs = [
        _cvr([("s1", 1, {}), ("s2", 2, {})]),
        _cvr([("s2", 1, {}), ("s1", 2, {"HasIndication": "no"})], snapshot="other"),
        _cvr([("w", 1, {}), ("s1", 2, {"IsAllocable": "no"})]),
    ]
    path = _write(tmp_path, "cvr.json", json.dumps(_nist(cvrs)))
    ballots = read_ballots(path)
    assert ballots.total == 3
    assert set(ballots.precincts) == {"Ward 1"}
    assert ballots.rankings[1] == ((1, (1,)),)


def test_damaged_nist_json_names_the_record(tmp_path: Path) -> None:
    no_rank = _write(tmp_path, "r.json", json.dumps(_nist([_cvr([("s1", None, {})])])))
    with pytest.raises(ValidationError, match=r"r\.json:1: Rank: SelectionPosition has no Rank"):
        read_ballots(no_rank)
    no_snapshot = _write(
        tmp_path, "s.json", json.dumps(_nist([{"CurrentSnapshotId": "a", "CVRSnapshot": []}]))
    )
    with pytest.raises(ParseError, match=r"s\.json:1: CVR 1 has no CVRSnapshot"):
        read_ballots(no_snapshot)
    cut = _write(tmp_path, "t.json", json.dumps(_nist([]))[:-20])
    with pytest.raises(ParseError, match=r"t\.json: not valid JSON"):
        read_ballots(cut)


def test_nist_xml_with_a_write_in_and_a_bad_document(tmp_path: Path) -> None:
    xml = """<?xml version="1.0"?>
<CastVoteRecordReport xmlns="http://itl.nist.gov/ns/voting/1500-103/v1">
  <CVR>
    <BallotStyleUnitId>u1</BallotStyleUnitId>
    <CurrentSnapshotId>a</CurrentSnapshotId>
    <CVRSnapshot ObjectId="a">
      <CVRContest>
        <ContestId>k1</ContestId>
        <CVRContestSelection>
          <ContestSelectionId>w</ContestSelectionId>
          <SelectionPosition><Rank>1</Rank><HasIndication>yes</HasIndication></SelectionPosition>
        </CVRContestSelection>
        <CVRContestSelection>
          <ContestSelectionId>s1</ContestSelectionId>
          <SelectionPosition><Rank>2</Rank><HasIndication>yes</HasIndication></SelectionPosition>
        </CVRContestSelection>
      </CVRContest>
    </CVRSnapshot>
  </CVR>
  <Election ObjectId="e1">
    <Candidate ObjectId="c1"><Name>Ann</Name></Candidate>
    <Contest ObjectId="k1">
      <Name>Mayor</Name>
      <ContestSelection ObjectId="s1"><CandidateIds>c1</CandidateIds></ContestSelection>
      <ContestSelection ObjectId="w"><IsWriteIn>true</IsWriteIn></ContestSelection>
    </Contest>
  </Election>
  <GpUnit ObjectId="u1"><Name>Ward 1</Name></GpUnit>
</CastVoteRecordReport>
"""
    path = _write(tmp_path, "cvr.xml", xml)
    ballots = read_ballots(path)
    assert ballots.total == 1
    assert "Ann" in ballots.candidates
    assert ballots.precincts == ("Ward 1",)
    broken = _write(tmp_path, "bad.xml", xml[:-40])
    lines = xml[:-40].count("\n") + 1
    with pytest.raises(ParseError, match=rf"bad\.xml:{lines}: not well-formed XML"):
        read_ballots(broken)
    # An encoding Python does not know, as a damaged declaration names one.
    unknown = _write(tmp_path, "unknown.xml", xml.replace('"1.0"', '"1.0" encoding="utf-89"', 1))
    with pytest.raises(ParseError, match=r"unknown\.xml:1: the XML declaration names an encoding"):
        read_ballots(unknown)


def test_a_missing_ballot_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"gone\.csv: no such ballot file"):
        read_ballots(tmp_path / "gone.csv")


def test_declared_candidates_keep_their_order_and_aliases(tmp_path: Path) -> None:
    path = _write(tmp_path, "b.csv", "rank1,rank2\nB,A\nA,\nB,\n")
    ballots = read_ballots(
        path, candidates=[CandidateSpec("Ann", ("A",)), CandidateSpec("Bo", ("B",))]
    )
    assert ballots.candidates == ("Ann", "Bo")
    assert tabulate(ballots, RcvOptions()).winners == ("Bo",)


def test_generated_ballots_are_reproducible_and_countable(tmp_path: Path) -> None:
    first = generate_rankings(500, 4, 3, seed=7)
    again = generate_rankings(500, 4, 3, seed=7)
    assert first.shape == (500, 3)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, generate_rankings(500, 4, 3, seed=8))
    assert bool((first[:, 0] >= 0).all())  # every voter ranks at least one candidate
    for row in first.tolist():
        marked = [c for c in row if c >= 0]
        assert len(set(marked)) == len(marked)  # no candidate ranked twice
        assert row[len(marked) :] == [-1] * (3 - len(marked))  # blanks only at the end
    path = tmp_path / "ballots.csv"
    write_ballots_csv(path, first, ["Ann", "Bo", "Cy", "Di"])
    ballots = read_ballots(path)
    assert ballots.total == 500
    assert set(ballots.candidates) <= {"Ann", "Bo", "Cy", "Di"}
    firsts = np.bincount(first[:, 0], minlength=4)
    assert int(firsts.argmax()) == 0  # the skew favours the first candidate
    result = tabulate(ballots, RcvOptions())
    assert len(result.winners) == 1
