"""Golden tests from RCTab 2.0.1's test data: its configs run unchanged, its reports compared."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tallyroom.rcv import read_rctab_config, tabulate
from tallyroom.rcv.rctab_outputs import rctab_outputs
from tallyroom.rcv.reports import to_rctab_json
from tallyroom.rcv.types import RcvResult
from tests.test_rctab_manifest import differences

DATA = Path(__file__).resolve().parent / "data" / "rcv"

CASES = {
    "multi-winner fractional STV": (
        "rctab_multi_winner_fractional",
        "test_set_multi_winner_fractional_threshold",
    ),
    "random tie-break, seed 1": ("rctab_tiebreak_seed", "tiebreak_seed_test"),
    "overvote exhausts immediately": (
        "rctab_exhaust_at_overvote",
        "test_set_1_exhaust_at_overvote",
    ),
    "two skipped rankings exhaust": (
        "rctab_two_skipped_exhaust",
        "test_set_5_two_skipped_choice_exhaust",
    ),
}


def _count(folder: str, stem: str) -> tuple[RcvResult, dict[str, Any], dict[str, Any]]:
    contest = read_rctab_config(DATA / folder / f"{stem}_config.json")
    result = tabulate(contest.load(), contest.options)
    ours = to_rctab_json(
        result,
        contest=contest.contest_name,
        date=contest.contest_date,
        jurisdiction=contest.jurisdiction,
        office=contest.office,
    )
    expected = json.loads((DATA / folder / f"{stem}_expected_detailed_report.json").read_text())
    return result, ours, expected


def _decimals(values: dict[str, str]) -> dict[str, Decimal]:
    """RCTab writes ``8.0000`` where the value was scaled; the number is what counts."""
    return {k: Decimal(v) for k, v in values.items()}


@pytest.mark.parametrize("folder, stem", CASES.values(), ids=CASES.keys())
def test_rctab_test_contest_reproduced_round_by_round(folder: str, stem: str) -> None:
    _result, ours, expected = _count(folder, stem)
    assert len(ours["results"]) == len(expected["results"])
    for mine, theirs in zip(ours["results"], expected["results"], strict=True):
        round_number = theirs["round"]
        assert mine["round"] == round_number
        assert _decimals(mine["tally"]) == _decimals(theirs["tally"]), f"round {round_number} tally"
        assert mine["threshold"] == theirs["threshold"], f"round {round_number} threshold"
        assert [_decimals(r["transfers"]) for r in mine["tallyResults"]] == [
            _decimals(r["transfers"]) for r in theirs["tallyResults"]
        ], f"round {round_number} transfers"
        assert [{k: v for k, v in r.items() if k != "transfers"} for r in mine["tallyResults"]] == [
            {k: v for k, v in r.items() if k != "transfers"} for r in theirs["tallyResults"]
        ], f"round {round_number} results"
        assert _decimals(mine["inactiveBallots"]) == _decimals(theirs["inactiveBallots"]), (
            f"round {round_number} inactive ballots"
        )
    assert ours["summary"] == expected["summary"]
    assert {k: v for k, v in ours["config"].items() if k != "generatedBy"} == {
        k: v for k, v in expected["config"].items() if k != "generatedBy"
    }


def test_fractional_stv_elects_three_with_residual_surplus() -> None:
    result, _ours, _expected = _count(*CASES["multi-winner fractional STV"])
    assert result.winners == ("Candidate C Name", "Candidate A Name", "Candidate B Name")
    # Surplus fractions are rounded down to 4 places; what is lost is kept as residual surplus.
    assert result.rounds[-1].residual_surplus == Decimal("0.0008")


def test_seeded_random_tiebreak_draws_as_rctab() -> None:
    result, _ours, _expected = _count(*CASES["random tie-break, seed 1"])
    first, second = result.rounds
    (loser,) = first.tiebreaks
    assert (loser.kind, loser.method, loser.selected) == ("loser", "random", "Yinka Dare")
    assert loser.tied == ("George Gervin", "Mookie Blaylock", "Yinka Dare")
    (winner,) = second.tiebreaks
    assert (winner.kind, winner.method, winner.selected) == ("winner", "random", "George Gervin")
    assert result.winners == ("George Gervin",)


@pytest.mark.parametrize(
    "old_mode, seats, mode, until_two",
    [
        ("standard", "3", "multi-winner", False),
        ("standard", "1", "single-winner", False),
        ("singleSeatContinueUntilTwoCandidatesRemain", "1", "single-winner", True),
    ],
)
def test_old_winner_modes_read_as_rctab_migrates_them(
    tmp_path: Path, old_mode: str, seats: str, mode: str, until_two: bool
) -> None:
    folder, stem = CASES["multi-winner fractional STV"]
    raw = json.loads((DATA / folder / f"{stem}_config.json").read_text())
    raw["cvrFileSources"][0]["filePath"] = str(DATA / folder / f"{stem}_cvr.json")
    raw["rules"]["winnerElectionMode"] = old_mode
    raw["rules"]["numberOfWinners"] = seats
    config = tmp_path / "config.json"
    config.write_text(json.dumps(raw))
    options = read_rctab_config(config).options
    assert (options.winner_mode, options.continue_until_two) == (mode, until_two)


def test_two_skipped_rankings_exhaust_but_one_is_passed_over() -> None:
    """maxSkippedRanksAllowed 1: `_ B C` still counts for B; `C _ _ B` stops at the double gap."""
    result, _ours, _expected = _count(*CASES["two skipped rankings exhaust"])
    first, second, third = result.rounds
    assert first.votes("Candidate B Name") == 7  # ballot 1 ranks B second, nothing first
    assert second.eliminated == ("Candidate C Name",)
    assert (first.inactive.skipped_rankings, third.inactive.skipped_rankings) == (0, 1)
    assert result.winners == ("Candidate B Name",)


def test_old_permutation_tiebreak_name_reads_as_candidate_order(tmp_path: Path) -> None:
    folder, stem = CASES["two skipped rankings exhaust"]
    raw = json.loads((DATA / folder / f"{stem}_config.json").read_text())
    raw["cvrFileSources"][0]["filePath"] = str(DATA / folder / f"{stem}_cvr.json")
    raw["rules"]["tiebreakMode"] = "usePermutationInConfig"
    config = tmp_path / "config.json"
    config.write_text(json.dumps(raw))
    assert read_rctab_config(config).options.tiebreak == "candidate-order"


@pytest.mark.parametrize("folder, stem", CASES.values(), ids=CASES.keys())
def test_every_rctab_file_of_the_contest_reproduced(folder: str, stem: str) -> None:
    """The detailed report as JSON and CSV, each equal to RCTab's file (numbers as decimals,
    generation metadata left out)."""
    outputs = rctab_outputs(DATA / folder / f"{stem}_config.json", stem)
    expected = sorted(p.name for p in (DATA / folder).glob(f"{stem}_expected_*"))
    assert expected
    for name in expected:
        assert name in outputs, name
        assert differences(DATA / folder / name, outputs[name]) == [], name


def test_cdf_export_splits_a_ballot_between_its_winners() -> None:
    stem = "test_set_multi_winner_fractional_threshold"
    outputs = rctab_outputs(DATA / "rctab_2_0_1" / stem / f"{stem}_config.json", stem)
    cdf = json.loads(outputs[f"{stem}_expected_cdf_cvr.json"])
    (first,) = [c for c in cdf["CVR"] if c["BallotPrePrintedId"].endswith("json_1_")]
    third_round = first["CVRSnapshot"][3]["CVRContest"][0]["CVRContestSelection"]
    shares = {
        s["ContestSelectionId"]: p.get("FractionalVotes")
        for s in third_round
        for p in s["SelectionPosition"]
        if p["IsAllocable"] == "yes"
    }
    # Candidate C keeps 0.9063 of the ballot; the surplus 0.0937 goes on to E.
    assert shares == {"cs-candidate_c_name": ".9063", "cs-candidate_e_name": ".0937"}
