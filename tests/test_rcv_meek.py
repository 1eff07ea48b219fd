"""Meek's method: a hand-checkable count, exact conservation, and agreement with instant runoff.

No council publishes a Meek count with its ballot papers that we could copy here, so the
method is checked on a profile worked by hand, on the properties that define it, and against
this package's instant-runoff count (for one seat Meek's method is instant runoff).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings

from tallyroom.errors import TabulationError, TieUnbrokenError
from tallyroom.rcv import RcvOptions, tabulate
from tallyroom.rcv.meek import PLACES, TOLERANCE, count
from tallyroom.rcv.scottish import count as scottish_count
from tallyroom.rcv.scottish_blt import read_blt
from tallyroom.rcv.scottish_report import render_text, to_json
from tallyroom.rcv.types import BallotSet
from tests.strategies import letter_ballots, ranked_profiles

STV_DATA = Path(__file__).resolve().parent / "data" / "stv"
NANO = Decimal("0.000000001")


def test_worked_example_two_seats() -> None:
    # 100 papers, 2 seats: quota 100 / 3 = 33.333333333 (truncated) + 0.000000001.
    # A (60) is elected at once; A's keep factor falls until A holds the quota, and the rest of
    # the 60 papers flows to B: B ends with 10 + 60 - 33.333... = 36.666..., above the quota.
    result = count(letter_ballots((60, "AB"), (30, "C"), (10, "B")), 2)
    first, second = result.stages
    assert result.quota == Decimal("33.333333334")
    assert first.elected == ("A",) and first.votes("A") == 60
    assert second.elected == ("B",)
    assert abs(second.votes("A") - result.quota) <= TOLERANCE
    assert abs(second.votes("B") - (Decimal(70) - result.quota)) <= TOLERANCE
    assert second.votes("C") == 30
    keep_a = dict(second.keep_factors)["A"]
    assert abs(keep_a - result.quota / 60) < Decimal("0.0000001")
    assert result.winners == ("A", "B")


def test_quota_falls_as_papers_become_non_transferable() -> None:
    # A's 40 papers name nobody else: once A keeps only part of each, the rest is
    # non-transferable and the quota is recomputed from the papers still in play.
    result = count(letter_ballots((40, "A"), (25, "B"), (20, "C"), (15, "D")), 2)
    later = result.stages[1]
    assert later.non_transferable > 0
    valid = Decimal(100)
    expected = ((valid - later.non_transferable) / 3).quantize(NANO, rounding="ROUND_DOWN") + NANO
    assert later.quota == expected < result.quota
    assert result.winners[0] == "A"


def test_exclusion_ties_look_at_the_first_stage_then_draw_lots() -> None:
    # 2 seats: A (9) is elected; its papers name no one else. B and C are equal at every
    # stage and one of them must be excluded.
    ballots = letter_ballots((9, "A"), (2, "B"), (2, "C"), (4, "D"))
    with pytest.raises(TieUnbrokenError) as caught:
        count(ballots, 2)
    assert caught.value.tied == ("B", "C") and caught.value.role == "lose"
    result = count(ballots, 2, seed=5)
    tie = result.tiebreaks[0]
    assert tie.method == "lot" and tie.tied == ("B", "C")
    assert tie.selected in {name for s in result.stages for name in s.excluded}
    assert tie.explanation == f"B, C were equal at every stage; {tie.selected} drawn by lot"
    assert count(ballots, 2, seed=5) == result


def test_exclusion_tie_decided_by_an_earlier_stage() -> None:
    # 33 papers, 2 seats: quota 11.000000001, so no one is elected at stage 1 (B and D hold 11).
    # A (5) is excluded and A's papers go to C: B, C and D all hold 11. At stage 1, the first
    # at which they differ, C had the fewest (6): C is excluded, and B and D fill the seats.
    result = count(letter_ballots((5, "AC"), (11, "B"), (6, "C"), (11, "D")), 2)
    assert [s.excluded for s in result.stages] == [(), ("A",), ("C",)]
    tie = result.tiebreaks[0]
    assert tie.tied == ("B", "C", "D") and tie.method == "earlier-stage"
    assert tie.selected == "C" and tie.stage == 3
    assert tie.explanation == "B, C, D were equal; C had the fewest votes at stage 1"
    assert result.stages[1].votes("C") == 11
    assert set(result.winners) == {"B", "D"}


@pytest.mark.parametrize("ward", ["renfrewshire_2017_ward11", "east_ayrshire_2017_ward1"])
def test_real_wards_meek_elects_the_same_councillors(ward: str) -> None:
    contest = read_blt(STV_DATA / f"{ward}.blt")
    meek = count(contest.ballots, contest.seats)
    scottish = scottish_count(contest.ballots, contest.seats)
    assert set(meek.winners) == set(scottish.winners)
    for stage in meek.stages:
        held = sum(votes for _, votes in stage.tally)
        assert held + stage.non_transferable == meek.valid_papers
        assert stage.rounding_loss == 0
        assert all(Decimal(0) < k <= 1 for _, k in stage.keep_factors)


def test_renderings_and_refusals() -> None:
    result = count(letter_ballots((60, "AB"), (30, "C"), (10, "B")), 2)
    text = render_text(result, "Example")
    assert text.startswith("Example\nMeek STV: 2 seats, 100 valid papers, quota 33.333333334")
    data = to_json(result)
    assert data["method"] == "meek" and data["winners"] == ["A", "B"]
    assert data["stages"][1]["keep_factors"]["B"] == "1.000000000"
    assert result.places == PLACES
    with pytest.raises(TabulationError, match="at least 1"):
        count(letter_ballots((1, "A")), 0)
    with pytest.raises(TabulationError, match="no valid ballot paper"):
        count(BallotSet(candidates=("A",), rankings=((),), counts=(1,)), 1)
    assert count(letter_ballots((3, "AB"), (1, "B")), 4).winners == ("A", "B")


@settings(max_examples=120, deadline=None)
@given(ranked_profiles(max_seats=4))
def test_properties_exact_conservation_quota_and_seats(case: tuple[BallotSet, int]) -> None:
    ballots, seats = case
    result = count(ballots, seats, seed=11)
    assert len(result.winners) == seats == len(set(result.winners))
    for stage in result.stages:
        held = sum(votes for _, votes in stage.tally)
        assert held + stage.non_transferable == ballots.total
        in_play = Decimal(ballots.total) - stage.non_transferable
        quota = (in_play / (seats + 1)).quantize(NANO, rounding="ROUND_DOWN") + NANO
        assert stage.quota == quota
        assert all(Decimal(0) <= k <= 1 for _, k in stage.keep_factors)
        # Candidates elected at earlier stages hold (about) the quota after convergence.
        earlier = {n for s in result.stages[: stage.number - 1] for n in s.elected}
        surplus = sum(max(v - stage.quota, 0) for n, v in stage.tally if n in earlier)
        assert surplus <= TOLERANCE


@settings(max_examples=120, deadline=None)
@given(ranked_profiles(max_seats=1))
def test_one_seat_meek_is_instant_runoff(case: tuple[BallotSet, int]) -> None:
    ballots, _ = case
    try:
        irv = tabulate(ballots, RcvOptions())
        meek = count(ballots, 1)
    except TieUnbrokenError:
        assume(False)
        return
    assume(not meek.tiebreaks and not any(r.tiebreaks for r in irv.rounds))
    assert meek.winners == irv.winners
