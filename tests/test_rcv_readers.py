"""Ballot readers: CSV, ES&S .xlsx, NIST 1500-103 JSON and XML, Clear Ballot; bad input."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tallyroom.errors import ParseError, TabulationError, ValidationError
from tallyroom.rcv import (
    OVERVOTE,
    UNDECLARED_WRITE_INS,
    BallotSource,
    CandidateSpec,
    CellLabels,
    RcvOptions,
    read_ballots,
    tabulate,
)


def test_csv_header_is_recognised_with_precinct_and_weight(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(
        "ballot_id,precinct,weight,rank1,rank2\n1,P1,2,Ann,Bo\n2,P2,1,Bo,\n3,P1,1,Ann,Bo\n"
    )
    ballots = read_ballots(path)
    assert ballots.candidates == ("Ann", "Bo")
    assert ballots.total == 4
    assert dict(zip(ballots.precincts, ballots.counts, strict=True)) == {"P1": 3, "P2": 1}
    result = tabulate(ballots, RcvOptions())
    assert result.rounds[0].precinct_tallies[0] == ("P1", (("Ann", 3), ("Bo", 0)))


def test_csv_labels_aliases_and_write_ins(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("rank1,rank2,rank3\nANN,overvote,Bo\nundervote,Zed,\n")
    ballots = read_ballots(
        path,
        candidates=[CandidateSpec("Ann", ("ANN",)), CandidateSpec("Bo")],
        unknown_as_write_in=True,
    )
    assert ballots.candidates == ("Ann", "Bo", UNDECLARED_WRITE_INS)
    assert ballots.rankings[0] == ((1, (0,)), (2, (OVERVOTE,)), (3, (1,)))
    assert ballots.rankings[1] == ((2, (2,)),)
    with pytest.raises(ValidationError, match=r"b\.csv:3: unknown candidate 'Zed'"):
        read_ballots(path, candidates=[CandidateSpec("Ann", ("ANN",)), CandidateSpec("Bo")])


def test_malformed_csv_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("name,party\nAnn,X\n")
    with pytest.raises(ParseError, match=r"b\.csv:1: no rank columns"):
        read_ballots(path)
    path.write_text("weight,rank1\nmany,Ann\n")
    with pytest.raises(ParseError, match=r"b\.csv:2: weight must be a whole number"):
        read_ballots(path)


def test_ess_xlsx_with_positions_and_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "cvr.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Cast Vote Record", "Precinct", "Choice 1", "Choice 2", "Choice 3"])
    sheet.append([1, "P1", "Ann", "Bo|Cy", None])
    sheet.append([2, "P2", "UWI", "Ann", "undervote"])
    book.save(path)
    source = BallotSource(
        path,
        first_vote_column=3,
        first_vote_row=2,
        id_column=1,
        precinct_column=2,
        labels=CellLabels(
            overvote_delimiter="|", skipped_rank_label="undervote", undeclared_write_in_label="UWI"
        ),
    )
    ballots = read_ballots(path, source, candidates=[CandidateSpec(n) for n in ("Ann", "Bo", "Cy")])
    assert ballots.rankings[0] == ((1, (0,)), (2, (1, 2)))
    assert ballots.rankings[1] == ((1, (3,)), (2, (0,)))
    assert ballots.precincts == ("P1", "P2")
    assert ballots.candidates[3] == UNDECLARED_WRITE_INS


def _cdf(ranks: list[list[tuple[str, int]]]) -> dict[str, object]:
    return {
        "CVR": [
            {
                "CurrentSnapshotId": f"s{i}",
                "BallotStyleUnitId": "gp-1",
                "CVRSnapshot": [
                    {
                        "@id": f"s{i}",
                        "CVRContest": [
                            {
                                "ContestId": "c1",
                                "CVRContestSelection": [
                                    {
                                        "ContestSelectionId": sel,
                                        "SelectionPosition": [{"HasIndication": "yes", "Rank": r}],
                                    }
                                    for sel, r in ballot
                                ],
                            }
                        ],
                    }
                ],
            }
            for i, ballot in enumerate(ranks)
        ],
        "Election": [
            {
                "Candidate": [{"@id": "k1", "Name": "Ann"}, {"@id": "k2", "Name": "Bo"}],
                "Contest": [
                    {
                        "@id": "c1",
                        "Name": "Mayor",
                        "ContestSelection": [
                            {"@id": "cs1", "CandidateIds": ["k1"]},
                            {"@id": "cs2", "CandidateIds": ["k2"]},
                        ],
                    }
                ],
            }
        ],
        "GpUnit": [{"@id": "gp-1", "Name": "Ward 1"}],
    }


def test_nist_json_streamed(tmp_path: Path) -> None:
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps(_cdf([[("cs1", 1), ("cs2", 2)], [("cs2", 1)], [("cs2", 1)]])))
    ballots = read_ballots(path)
    assert ballots.candidates == ("Ann", "Bo")
    assert ballots.precincts == ("Ward 1", "Ward 1")
    assert tabulate(ballots, RcvOptions()).winners == ("Bo",)


def test_nist_xml_streamed(tmp_path: Path) -> None:
    ns = "http://itl.nist.gov/ns/voting/1500-103/v1"
    path = tmp_path / "cvr.xml"
    path.write_text(
        f"""<?xml version="1.0"?>
<CastVoteRecordReport xmlns="{ns}">
  <CVR><CurrentSnapshotId>s1</CurrentSnapshotId>
    <CVRSnapshot ObjectId="s1"><CVRContest><ContestId>c1</ContestId>
      <CVRContestSelection><ContestSelectionId>cs1</ContestSelectionId>
        <SelectionPosition><HasIndication>yes</HasIndication><Rank>1</Rank></SelectionPosition>
      </CVRContestSelection>
      <CVRContestSelection><ContestSelectionId>cs2</ContestSelectionId>
        <SelectionPosition><HasIndication>yes</HasIndication><Rank>2</Rank></SelectionPosition>
      </CVRContestSelection>
    </CVRContest></CVRSnapshot></CVR>
  <Election>
    <Candidate ObjectId="k1"><Name>Ann</Name></Candidate>
    <Candidate ObjectId="k2"><Name>Bo</Name></Candidate>
    <Contest ObjectId="c1"><Name>Mayor</Name>
      <ContestSelection ObjectId="cs1"><CandidateIds>k1</CandidateIds></ContestSelection>
      <ContestSelection ObjectId="cs2"><CandidateIds>k2</CandidateIds></ContestSelection>
    </Contest>
  </Election>
</CastVoteRecordReport>
"""
    )
    ballots = read_ballots(path)
    assert ballots.names(ballots.rankings[0]) == (("Ann",), ("Bo",))


def test_clear_ballot_export(tmp_path: Path) -> None:
    head = (
        "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,"
        "ScanComputerName,Status,Remade"
    )
    choices = [
        '"Choice_1_1:City of X, Mayor:1:Number of Winners 1:Ann:NON"',
        '"Choice_1_1:City of X, Mayor:2:Number of Winners 1:Ann:NON"',
        '"Choice_2_1:City of X, Mayor:1:Number of Winners 1:Bo:NON"',
        '"Choice_2_1:City of X, Mayor:2:Number of Winners 1:Bo:NON"',
    ]
    rows = [
        '1,"B1",1,"B1+1",7,1,"S [A, B]","Scan",0,0,1,0,0,1',
        '2,"B1",2,"B1+2",7,1,"S","Scan",0,0,1,0,1,0',
        '3,"B1",3,"B1+3",8,1,"S","Scan",0,0,0,0,0,1',
    ]
    path = tmp_path / "cb.csv"
    path.write_text(head + "," + ",".join(choices) + "\n" + "\n".join(rows) + "\n")
    ballots = read_ballots(path)
    assert ballots.candidates == ("Ann", "Bo")
    assert ballots.names(ballots.rankings[0]) == (("Ann",), ("Bo",))
    assert ballots.names(ballots.rankings[1]) == (("Ann", "Bo"),)
    assert ballots.rankings[2] == ((2, (1,)),)
    exhaust = tabulate(ballots, RcvOptions(tiebreak="candidate-order"))
    assert exhaust.rounds[0].inactive.overvotes == 1


def test_rank_above_maximum_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("rank1,rank2,rank3\nA,B,\nA,B,C\n")
    with pytest.raises(TabulationError, match=r"b\.csv:3: .*choice 3"):
        tabulate(read_ballots(path), RcvOptions(max_rankings=2))


def test_weight_column_is_a_count_not_a_ranking(tmp_path: Path) -> None:
    """A COUNT column after the rank columns weighs the row; it is never read as a ranking."""
    after = tmp_path / "after.csv"
    after.write_text("id,r1,r2,r3,COUNT\n1,A,B,,3\n2,B,,,2\n", encoding="utf-8")
    by_position = read_ballots(after, BallotSource(after, first_vote_column=2, weight_column=5))
    assert by_position.candidates == ("A", "B")
    assert dict(zip(by_position.rankings, by_position.counts, strict=True)) == {
        ((1, (0,)), (2, (1,))): 3,
        ((1, (1,)),): 2,
    }
    named = tmp_path / "named.csv"
    named.write_text("id,rank1,rank2,n\n1,A,B,3\n2,B,,2\n", encoding="utf-8")
    by_header = read_ballots(named, BallotSource(named, weight_column=4))
    assert by_header.total == 5
    assert by_header.candidates == ("A", "B")


def test_weight_column_without_rank_header_or_past_the_row_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("id,first,second,n\n1,A,B,3\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"plain\.csv:1: no rank columns recognised"):
        read_ballots(plain, BallotSource(plain, weight_column=4))
    short = tmp_path / "short.csv"
    short.write_text("rank1,rank2\nA,B\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"short\.csv:1: weight column 9 is past the last"):
        read_ballots(short, BallotSource(short, weight_column=9))


def test_spreadsheet_columns_past_the_allowed_rankings_are_not_rankings(tmp_path: Path) -> None:
    path = tmp_path / "ess.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Cast Vote Record", "Choice 1", "Choice 2", "COUNT"])
    sheet.append([1, "A", "B", 1])
    sheet.append([2, "B", None, 1])
    sheet.append([None, None, None, None])  # a stored empty row: a blank ballot, as RCTab reads it
    book.save(path)
    source = BallotSource(path, format="xlsx", first_vote_column=2, rank_limit=2)
    ballots = read_ballots(path, source)
    assert ballots.candidates == ("A", "B")
    assert ballots.total == 3
    assert () in ballots.rankings


def test_cdf_xml_rank_on_the_selection_and_write_ins_without_a_name(tmp_path: Path) -> None:
    path = tmp_path / "cvr.xml"
    path.write_text(
        """<CastVoteRecordReport xmlns="http://itl.nist.gov/ns/voting/1500-103/v1">
  <CVR><CVRSnapshot ObjectId="s1"><CVRContest><ContestId>c1</ContestId>
    <CVRContestSelection><ContestSelectionId>cs-a</ContestSelectionId><Rank>2</Rank>
      <SelectionPosition><HasIndication>yes</HasIndication></SelectionPosition>
    </CVRContestSelection>
    <CVRContestSelection><ContestSelectionId>cs-w</ContestSelectionId>
      <SelectionPosition><Rank>1</Rank></SelectionPosition></CVRContestSelection>
    <CVRContestSelection><ContestSelectionId>cs-a</ContestSelectionId>
      <Status>needs-adjudication</Status>
      <SelectionPosition><Rank>3</Rank></SelectionPosition></CVRContestSelection>
  </CVRContest></CVRSnapshot><CurrentSnapshotId>s1</CurrentSnapshotId></CVR>
  <CVR><CVRSnapshot ObjectId="s2"><CVRContest><ContestId>other</ContestId>
  </CVRContest></CVRSnapshot><CurrentSnapshotId>s2</CurrentSnapshotId></CVR>
  <Election><Candidate ObjectId="c-a"><Name>Ann</Name></Candidate><Candidate ObjectId="WI_1"/>
    <Contest ObjectId="c1"><Name>Mayor</Name>
      <ContestSelection ObjectId="cs-a"><CandidateIds>c-a</CandidateIds></ContestSelection>
      <ContestSelection ObjectId="cs-w"><CandidateIds>WI_1</CandidateIds>
        <IsWriteIn>true</IsWriteIn></ContestSelection>
    </Contest></Election>
</CastVoteRecordReport>""",
        encoding="utf-8",
    )
    ballots = read_ballots(path, BallotSource(path, format="nist-xml", contest_id="Mayor"))
    # The second record has no vote in the contest: it is no ballot of it.
    assert ballots.total == 1
    assert ballots.names(ballots.rankings[0]) == (("Undeclared Write-ins",), ("Ann",))
