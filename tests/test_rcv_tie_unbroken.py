"""A tie the count may not break is raised as data: the round and the tied candidates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tallyroom import TabulationError, TieUnbrokenError
from tallyroom.rcv import RcvOptions, read_ballots, tabulate
from tallyroom.rcv.types import BallotSet
from tallyroom.rules import decide_ballots, load_rules

OMALLEY = "Martin O'Malley"
CONAWAY = 'Frank M. "Bud" Conaway'
DIXON = "Sheila Dixon"


def ballot_file(folder: Path, rows: list[tuple[int, tuple[str, ...]]]) -> BallotSet:
    """Write ``count`` ballots of each ranking as a CSV file of rank columns, and read it."""
    path = folder / "ballots.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["ballot_id", "rank1", "rank2"])
        for count, ranking in rows:
            for _ in range(count):
                out.writerow([handle.tell(), *ranking, *[""] * (2 - len(ranking))])
    return read_ballots(path)


def test_a_tie_for_last_place_names_its_round_and_candidates(tmp_path: Path) -> None:
    cast = ballot_file(tmp_path, [(5, (DIXON,)), (3, (OMALLEY,)), (3, (CONAWAY,))])
    with pytest.raises(TieUnbrokenError) as raised:
        tabulate(cast, RcvOptions(tiebreak="stop-and-ask"))
    error = raised.value
    assert isinstance(error, TabulationError)
    assert error.round == 1
    assert sorted(error.tied) == sorted([OMALLEY, CONAWAY])
    assert error.role == "lose"
    assert "\n" not in str(error) and str(error).startswith("round 1: tie among ")


def test_a_tie_in_a_later_round_after_earlier_rounds_do_not_break_it(tmp_path: Path) -> None:
    # Round 1: Dixon 4, O'Malley 4, Conaway 3 (out); Conaway's ballots go one to each and one
    # exhausts. Round 2: 5 to 5, as in round 1 (4 to 4), so someone has to decide.
    cast = ballot_file(
        tmp_path,
        [
            (4, (DIXON,)),
            (4, (OMALLEY,)),
            (1, (CONAWAY, DIXON)),
            (1, (CONAWAY, OMALLEY)),
            (1, (CONAWAY,)),
        ],
    )
    with pytest.raises(TieUnbrokenError) as raised:
        tabulate(cast, RcvOptions(tiebreak="previous-round-then-ask"))
    assert raised.value.round == 2
    assert sorted(raised.value.tied) == sorted([DIXON, OMALLEY])


def test_the_rules_report_the_tie_with_the_names_as_they_are(tmp_path: Path) -> None:
    cast = ballot_file(tmp_path, [(6, (OMALLEY,)), (6, (CONAWAY,))])
    outcome = decide_ballots(cast, load_rules("portland-2024"))  # its tie-break: none
    assert outcome.status == "tied"
    assert outcome.tied == tuple(sorted([OMALLEY, CONAWAY]))
    assert outcome.reasons[0].code == "tie-unbroken"
    assert outcome.reasons[0].text.startswith("in round 1, ")
    assert OMALLEY in outcome.reasons[0].text and CONAWAY in outcome.reasons[0].text


def test_other_counting_errors_are_not_taken_for_ties(tmp_path: Path) -> None:
    cast = ballot_file(tmp_path, [(6, (OMALLEY,)), (6, (CONAWAY,)), (1, (DIXON,))])
    order = RcvOptions(tiebreak="candidate-order", candidate_order=(DIXON,))
    with pytest.raises(TabulationError, match="none of them is in the tie-break order") as raised:
        tabulate(cast, order)
    assert not isinstance(raised.value, TieUnbrokenError)
