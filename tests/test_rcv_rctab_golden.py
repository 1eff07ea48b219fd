"""Golden tests from RCTab's own test data: its configs run unchanged, its reports compared."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tallyroom.rcv import read_rctab_config, tabulate
from tallyroom.rcv.reports import to_rctab_json
from tallyroom.rcv.types import RcvResult

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
    expected = json.loads((DATA / folder / f"{stem}_expected_summary.json").read_text())
    return result, ours, expected


def _merged_exhausted(inactive: dict[str, str]) -> dict[str, str]:
    """RCTab 1.3.999 split exhausted ballots into fully / partially ranked; we report the sum."""
    split = [k for k in inactive if k.startswith("exhaustedChoices") and k != "exhaustedChoices"]
    if not split:
        return inactive
    merged = {k: v for k, v in inactive.items() if k not in split}
    merged["exhaustedChoices"] = str(sum(Decimal(inactive[k]) for k in split))
    return merged


@pytest.mark.parametrize("folder, stem", CASES.values(), ids=CASES.keys())
def test_rctab_test_contest_reproduced_round_by_round(folder: str, stem: str) -> None:
    _result, ours, expected = _count(folder, stem)
    assert len(ours["results"]) == len(expected["results"])
    for mine, theirs in zip(ours["results"], expected["results"], strict=True):
        round_number = theirs["round"]
        assert mine["round"] == round_number
        assert mine["tally"] == theirs["tally"], f"round {round_number} tally"
        assert mine["threshold"] == theirs["threshold"], f"round {round_number} threshold"
        assert mine["tallyResults"] == theirs["tallyResults"], f"round {round_number} results"
        assert mine["inactiveBallots"] == _merged_exhausted(theirs["inactiveBallots"]), (
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
