"""Meek STV against published OpenSTV counts of real elections, round by round.

Four real elections whose ballot files and OpenSTV 1.7 "Meek STV" reports are public (sources
and licences: ``tests/data/stv/README.md``): the W3C Solid Community Group's chair elections of
2023 and December 2025, and the moderator elections of Mathematics Stack Exchange (2010) and Ask
Ubuntu (2012, six candidates eliminated in one round). Every figure of every round (votes,
exhausted, surplus, threshold, keep factors, who was elected and eliminated) is compared at the
number of decimals the report prints.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from tallyroom.errors import TieUnbrokenError
from tallyroom.rcv.meek import OPENSTV_PLACES, RULES, count
from tallyroom.rcv.scottish_blt import read_blt
from tallyroom.rcv.scottish_report import StvResult, StvStage
from tallyroom.rcv.types import BallotSet
from tests.conftest import run_cli
from tests.strategies import letter_ballots, ranked_profiles

STV_DATA = Path(__file__).resolve().parent / "data" / "stv"
CONTESTS = ("solid_cg_2023", "solid_cg_2025", "math_se_2010", "askubuntu_2012")
UNIT = Decimal(1).scaleb(-OPENSTV_PLACES)


def _published(contest: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (STV_DATA / f"{contest}_openstv.json").read_text(encoding="utf-8")
    )
    return data


def _at(value: Decimal, figure: str) -> Decimal:
    """``value`` at the number of decimals ``figure`` is printed with."""
    places = len(figure.partition(".")[2])
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _surplus(stage: StvStage, out: set[str]) -> Decimal:
    return sum(
        (v - stage.quota for name, v in stage.tally if name not in out and v > stage.quota),
        Decimal(0),
    )


def _count(contest: str) -> tuple[StvResult, dict[str, Any]]:
    blt = read_blt(STV_DATA / f"{contest}.blt")
    published = _published(contest)
    assert blt.seats == published["seats"]
    assert blt.ballots.candidates == tuple(published["candidates"])
    return count(blt.ballots, blt.seats, rule="openstv"), published


@pytest.mark.parametrize("contest", CONTESTS)
def test_every_published_figure_of_every_round(contest: str) -> None:
    result, published = _count(contest)
    assert result.valid_papers == published["ballots"]
    assert result.places == OPENSTV_PLACES
    assert len(result.stages) == len(published["rounds"])
    out: set[str] = set()
    for stage, figures in zip(result.stages, published["rounds"], strict=True):
        at = f"round {figures['round']}"
        out |= set(stage.excluded)
        assert list(stage.excluded) == figures["eliminated"], at
        for name, votes in stage.tally:
            figure = figures["votes"].get(name)
            if figure is None:
                # OpenSTV leaves an eliminated candidate's empty cell blank.
                assert name in out and votes == 0, f"{at}, {name}"
            else:
                assert _at(votes, figure) == Decimal(figure), f"{at}, {name}: {votes} != {figure}"
        assert _at(stage.non_transferable, figures["exhausted"]) == Decimal(figures["exhausted"])
        assert _at(stage.quota, figures["threshold"]) == Decimal(figures["threshold"]), at
        assert _at(_surplus(stage, out), figures["surplus"]) == Decimal(figures["surplus"]), at
        keep = dict(stage.keep_factors)
        for name, figure in figures["keep_factors"].items():
            assert _at(keep[name], figure) == Decimal(figure), f"{at}, keep factor of {name}"
        assert list(stage.elected) == figures["elected"], at
    order = {name: i for i, name in enumerate(result.candidates)}
    assert sorted(result.winners, key=order.__getitem__) == published["winners"]


@pytest.mark.parametrize("contest", CONTESTS)
def test_rounds_are_single_readings_that_conserve_every_vote(contest: str) -> None:
    result, published = _count(contest)
    before: dict[str, Decimal] = {}
    for stage, figures in zip(result.stages, published["rounds"], strict=True):
        assert stage.iterations == 1
        held = sum(votes for _, votes in stage.tally)
        assert held + stage.non_transferable == result.valid_papers
        # A round changes exactly the keep factors its report names (none when it eliminates).
        keep = dict(stage.keep_factors)
        changed = {name for name, k in keep.items() if name in before and before[name] != k}
        assert changed == set(figures["keep_factors"]), f"round {figures['round']}"
        before = keep


def test_the_new_zealand_rule_converges_where_openstv_reads_once() -> None:
    blt = read_blt(STV_DATA / "math_se_2010.blt")
    openstv = count(blt.ballots, blt.seats, rule="openstv")
    nz = count(blt.ballots, blt.seats)
    # The same winners, fewer stages (each a convergence), and nine decimal places.
    assert set(nz.winners) == set(openstv.winners)
    assert len(nz.stages) < len(openstv.stages)
    assert nz.places == 9 and str(nz.quota) == "41.000000001"
    assert str(openstv.quota) == "41.000001"


def test_the_command_counts_by_openstvs_rule_when_asked() -> None:
    contest = STV_DATA / "solid_cg_2025.blt"
    published = _published("solid_cg_2025")
    args = ("rcv", str(contest), "--method", "meek", "--json")
    data = json.loads(run_cli(*args, "--meek-rule", "openstv").stdout)
    tallies = [stage["tally"] for stage in data["stages"]]
    assert [
        {n: t[n] for n in r["votes"]} for t, r in zip(tallies, published["rounds"], strict=True)
    ] == [r["votes"] for r in published["rounds"]]
    assert json.loads(run_cli(*args).stdout)["stages"][0]["quota"] == "7.666666667"
    refused = run_cli("rcv", str(contest), "--method", "scottish-stv", "--meek-rule", "nz", code=2)
    assert "--meek-rule is for --method meek" in refused.output
    help_text = " ".join(run_cli("rcv", "--help").stdout.split())
    assert "--meek-rule [" + "|".join(RULES) + "]" in help_text
    text = run_cli("rcv", str(contest), "--method", "meek", "--meek-rule", "openstv").stdout
    assert "\nStage 2: 1 iteration\n" in text  # one reading per round, said in the singular


def test_exclusion_ties_look_back_to_earlier_rounds_then_draw_lots() -> None:
    # 2 seats: A (9) is elected; its papers name no one else. B and C are equal in every round.
    ballots = letter_ballots((9, "A"), (2, "B"), (2, "C"), (4, "D"))
    with pytest.raises(TieUnbrokenError) as caught:
        count(ballots, 2, rule="openstv")
    assert caught.value.tied == ("B", "C")
    drawn = count(ballots, 2, seed=3, rule="openstv")
    tie = drawn.tiebreaks[0]
    assert tie.method == "lot" and tie.tied == ("B", "C")
    assert tie.explanation == f"B, C were equal at every round; {tie.selected} drawn by lot"
    assert drawn == count(ballots, 2, seed=3, rule="openstv")
    # 1 seat, threshold 5.000001. Round 1: D (1) is the only sure loser; its paper goes to C,
    # and B and C hold 3 each. Round 1 separates them (C had 2): C is eliminated in round 3.
    looked = count(letter_ballots((4, "A"), (3, "B"), (2, "C"), (1, "DC")), 1, rule="openstv")
    assert [s.excluded for s in looked.stages] == [(), ("D",), ("C",)]
    tie = looked.tiebreaks[0]
    assert tie.method == "earlier-stage" and tie.tied == ("B", "C") and tie.selected == "C"
    assert tie.explanation == "B, C were equal for exclusion; C had the fewest votes at round 1"
    assert looked.stages[1].votes("B") == looked.stages[1].votes("C") == 3
    assert looked.winners == ("A",)


def test_sure_losers_go_together_and_a_first_round_without_votes_takes_one_more() -> None:
    # 1 seat, threshold 5.000001, no surplus. D (1) is a sure loser; D and C together (3) are
    # not below B (3), so only D goes; then C (2, with nothing to add) goes, and A wins.
    result = count(letter_ballots((5, "A"), (3, "B"), (2, "C"), (1, "D")), 1, rule="openstv")
    assert [s.excluded for s in result.stages] == [(), ("D",), ("C",)]
    assert result.winners == ("A",) and result.stages[2].elected == ("A",)
    # D has no vote at all: in the first elimination it goes, and so does the lowest of the
    # others (B and C hold 3 each, equal in every round: drawn by lot).
    drawn = count(letter_ballots((4, "A"), (3, "B"), (3, "CD")), 1, seed=1, rule="openstv")
    first = drawn.stages[1]
    assert len(first.excluded) == 2 and "D" in first.excluded
    assert drawn.tiebreaks[0].method == "lot" and drawn.tiebreaks[0].tied == ("B", "C")


def test_seats_left_go_to_candidates_with_votes() -> None:
    # Four seats and four candidates: A passes the threshold (1.000001) at once, B and C are
    # elected when the count stops, and D, with no vote at all, is not.
    result = count(letter_ballots((3, "AB"), (1, "B"), (1, "CD")), 4, rule="openstv")
    assert result.winners == ("A", "B", "C")
    assert len(result.stages) == 1 and result.stages[0].elected == ("A", "B", "C")
    assert str(result.quota) == "1.000001"


@settings(max_examples=120, deadline=None)
@given(ranked_profiles(max_seats=4))
def test_properties_conservation_threshold_and_seats(case: tuple[BallotSet, int]) -> None:
    ballots, seats = case
    result = count(ballots, seats, seed=11, rule="openstv")
    assert len(result.winners) == len(set(result.winners)) <= seats
    for stage in result.stages:
        held = sum(votes for _, votes in stage.tally)
        assert held + stage.non_transferable == ballots.total
        in_play = Decimal(ballots.total) - stage.non_transferable
        threshold = (in_play / (seats + 1)).quantize(UNIT, rounding="ROUND_DOWN") + UNIT
        assert stage.quota == threshold
        assert all(Decimal(0) < k <= 1 for _, k in stage.keep_factors)
        assert all(v >= 0 for _, v in stage.tally)
    # Every elected candidate reached the threshold, or filled a seat left when the count stopped.
    last = result.stages[-1]
    reached = {n for s in result.stages for n in s.elected if s.votes(n) >= s.quota}
    assert set(result.winners) - reached <= set(last.elected)
