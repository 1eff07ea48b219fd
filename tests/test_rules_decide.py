"""decide() on hand-built stages: each rule kind, ties, and stages without usable counts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from tallyroom.errors import ValidationError
from tallyroom.model import CandidateResult, Round, Stage
from tallyroom.rcv import BallotSet
from tallyroom.rules import RulesSpec, StageRule, TieBreak, decide, decide_ballots, load_rules


def stage(*rows: tuple[str, int | None], kind: str = "primary", party: str | None = None,
          stated_total: int | None = None) -> Stage:  # fmt: skip
    return Stage(
        kind=kind,  # type: ignore[arg-type]
        party=party,
        results=tuple(CandidateResult(name, votes) for name, votes in rows),
        stated_total=stated_total,
    )


NO_TIE_BREAK = TieBreak()


def spec(primary: StageRule | None = None, general: StageRule | None = None,
         tie_break: TieBreak = NO_TIE_BREAK) -> RulesSpec:  # fmt: skip
    return RulesSpec("test", "test rules", "none", primary=primary, general=general,
                     tie_break=tie_break, source="test.toml")  # fmt: skip


def test_majority_runoff_without_majority_sends_the_top_two_on() -> None:
    primary = stage(("Potter", 56530), ("Francesconi", 45970), ("Busse", 9870), ("Posey", 6914))
    outcome = decide(primary, load_rules("portland-2004"))
    # 56,530 of 119,284 is 47.4%: not more than half.
    assert outcome.status == "decided"
    assert outcome.winners == ()
    assert outcome.advanced == ("Potter", "Francesconi")
    assert outcome.eliminated == ("Busse", "Posey")
    assert outcome.further_stage is True
    assert (
        "56,530 of 119,284 votes (47.4%), not more than 50%: no majority" in outcome.reasons[0].text
    )


def test_majority_runoff_with_a_majority_elects_outright() -> None:
    outcome = decide(stage(("A", 51), ("B", 30), ("C", 19)), load_rules("portland-2004"))
    assert (outcome.winners, outcome.advanced, outcome.further_stage) == (("A",), (), False)
    assert outcome.eliminated == ("B", "C")
    assert outcome.reasons[0].code == "majority"


def test_exactly_half_is_not_a_majority_but_meets_an_inclusive_threshold() -> None:
    half = stage(("A", 50), ("B", 30), ("C", 20))
    strict = decide(half, spec(primary=StageRule("majority-runoff")))
    assert strict.winners == () and strict.advanced == ("A", "B")
    assert "(50.0%), not more than 50%" in strict.reasons[0].text
    inclusive = decide(half, spec(primary=StageRule("majority-runoff", threshold_inclusive=True)))
    assert inclusive.winners == ("A",) and inclusive.further_stage is False


def test_a_forty_percent_threshold_elects_the_leader_only() -> None:
    rules = spec(primary=StageRule("majority-runoff", threshold=Fraction(2, 5)))
    outcome = decide(stage(("A", 45), ("B", 41), ("C", 14)), rules)
    assert outcome.winners == ("A",)
    assert outcome.eliminated == ("B", "C")


def test_the_share_is_of_the_stated_total_when_it_covers_the_rows() -> None:
    # 60 of 100 stated (write-ins not itemised) is not more than 60%.
    rules = spec(primary=StageRule("majority-runoff", threshold=Fraction(3, 5)))
    outcome = decide(stage(("A", 60), ("B", 30), stated_total=100), rules)
    assert outcome.winners == ()
    assert "60 of 100 votes (60.0%), not more than 60%" in outcome.reasons[0].text


def test_a_damaged_stated_total_is_reported_and_the_rows_sum_is_used() -> None:
    outcome = decide(
        stage(("A", 59569), ("B", 28551), stated_total=89), load_rules("portland-2004")
    )
    assert outcome.reasons[0].code == "stated-total-damaged"
    assert "59,569 of 88,120 votes (67.6%)" in outcome.reasons[1].text


def test_top_two_advances_the_leaders_whatever_their_share() -> None:
    outcome = decide(stage(("A", 10), ("B", 9), ("C", 8), ("D", 7)), load_rules("milwaukee"))
    assert outcome.advanced == ("A", "B")
    assert outcome.winners == ()
    assert outcome.eliminated == ("C", "D")
    assert outcome.reasons[-1].text == "A and B advance, whatever their share"


def test_plurality_with_several_seats() -> None:
    general = stage(("A", 5), ("B", 9), ("C", 7), ("D", 1), kind="general")
    outcome = decide(general, spec(general=StageRule("plurality", seats=3)))
    assert outcome.winners == ("B", "C", "A")
    assert outcome.eliminated == ("D",)
    assert outcome.further_stage is False


def test_partisan_primary_nominates_and_write_ins_count() -> None:
    rows = (CandidateResult("A", 10), CandidateResult("W", 12, write_in=True))
    outcome = decide(Stage("primary", party="Green", results=rows), load_rules("baltimore"))
    assert outcome.winners == outcome.advanced == ("W",)
    assert outcome.reasons[-1].text == "W wins the Green nomination"


def test_partisan_rules_on_a_nonpartisan_stage_are_refused_with_file_and_key() -> None:
    with pytest.raises(ValidationError) as caught:
        decide(stage(("A", 1), ("B", 2)), load_rules("baltimore"))
    message = str(caught.value)
    assert message.startswith("preset baltimore: primary.kind: 'partisan-primary' needs a party")
    assert "allowed for it: plurality, top-two, majority-runoff, ranked-choice" in message


def test_a_stage_kind_without_a_rule_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"portland-2024.*no rule for a primary stage"):
        decide(stage(("A", 1)), load_rules("portland-2024"))


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ((), "no-rows"),
        ((("A", 10), ("B", None)), "unknown-votes"),
        ((("A", 10), ("A", 3)), "duplicate-candidate"),
        ((("A", -1), ("B", 3)), "negative-votes"),
    ],
)
def test_a_stage_without_usable_counts_cannot_be_told(
    rows: tuple[tuple[str, int | None], ...], code: str
) -> None:
    for name in ("milwaukee", "portland-2004", "plurality"):
        outcome = decide(stage(*rows, stated_total=135), load_rules(name))
        assert outcome.status == "cannot-tell"
        assert outcome.reasons[0].code == code
        assert (outcome.winners, outcome.advanced, outcome.further_stage) == ((), (), None)


def test_no_rows_names_the_stated_total() -> None:
    outcome = decide(stage(stated_total=135), load_rules("milwaukee"))
    assert outcome.reasons[0].text == (
        "the nonpartisan primary table has no rows (only a stated total of 135)"
    )


def test_a_tie_for_the_last_place_without_tie_break_is_reported() -> None:
    outcome = decide(stage(("A", 10), ("B", 7), ("C", 7), ("D", 2)), load_rules("milwaukee"))
    assert outcome.status == "tied"
    assert outcome.tied == ("B", "C")
    assert outcome.advanced == ("A",)
    assert outcome.eliminated == ("D",)
    assert outcome.tie_break is None
    assert any(r.code == "tie-unbroken" for r in outcome.reasons)


def test_a_tie_that_changes_nothing_is_not_a_tie() -> None:
    outcome = decide(stage(("A", 10), ("B", 9), ("C", 2), ("D", 2)), load_rules("milwaukee"))
    assert outcome.status == "decided" and outcome.tied is None


def test_a_tie_is_broken_by_the_recorded_lot() -> None:
    rules = spec(
        primary=StageRule("top-two"),
        tie_break=TieBreak("lot", order=("D", "C", "B", "A")),
    )
    outcome = decide(stage(("A", 10), ("B", 7), ("C", 7)), rules)
    assert outcome.status == "decided"
    assert outcome.advanced == ("A", "C")
    assert outcome.tie_break is not None
    assert outcome.tie_break.method == "lot"
    assert outcome.tie_break.among == ("B", "C")
    assert outcome.tie_break.chosen == ("C",)


def test_a_lot_that_does_not_name_the_tied_leaves_the_tie() -> None:
    rules = spec(primary=StageRule("top-two"), tie_break=TieBreak("lot", order=("B",)))
    outcome = decide(stage(("A", 10), ("B", 7), ("C", 7)), rules)
    assert outcome.status == "tied" and outcome.tied == ("B", "C")
    assert "the lot drawn does not name C: tied" in [r.text for r in outcome.reasons]


def test_a_seeded_draw_is_reproducible_and_recorded() -> None:
    rows = [(name, 5) for name in "ABCDEFGH"]
    picked = set()
    for seed in range(12):
        rules = spec(general=StageRule("plurality"), tie_break=TieBreak("random", seed=seed))
        first = decide(stage(*rows, kind="general"), rules)
        again = decide(stage(*reversed(rows), kind="general"), rules)
        assert first == again
        assert first.tie_break is not None and first.tie_break.seed == seed
        assert first.winners == first.tie_break.chosen
        picked.add(first.winners)
    assert len(picked) > 1  # the seed matters


def test_majority_runoff_tie_for_second_place() -> None:
    outcome = decide(stage(("A", 40), ("B", 30), ("C", 30)), load_rules("portland-2004"))
    assert outcome.status == "tied" and outcome.tied == ("B", "C") and outcome.advanced == ("A",)


def test_ranked_choice_from_published_rounds() -> None:
    rounds = (
        Round(1, (("A", Decimal(40)), ("B", Decimal(35)), ("C", Decimal(25))), eliminated=("C",)),
        Round(2, (("A", Decimal(45)), ("B", Decimal(50))), inactive=Decimal(5)),
    )
    outcome = decide(Stage("general", rounds=rounds), load_rules("portland-2024"))
    assert outcome.status == "decided" and outcome.basis == "rounds"
    assert outcome.winners == ("B",)
    assert outcome.eliminated == ("C", "A")
    assert "in round 2, B has 50 of 95 continuing votes (52.6%), more than half" in [
        r.text for r in outcome.reasons
    ]


def test_ranked_choice_rounds_that_say_who_was_elected() -> None:
    rounds = (Round(1, (("A", Decimal(60)), ("B", Decimal(40))), elected=("A",)),)
    outcome = decide(Stage("general", rounds=rounds), load_rules("portland-2024"))
    assert outcome.winners == ("A",) and outcome.eliminated == ("B",)


def test_ranked_choice_first_choices_decide_only_with_a_majority() -> None:
    rules = load_rules("portland-2024")
    clear = decide(stage(("A", 60), ("B", 40), kind="general"), rules)
    assert clear.winners == ("A",)
    unclear = decide(stage(("A", 45), ("B", 40), ("C", 15), kind="general"), rules)
    assert unclear.status == "cannot-tell"
    assert unclear.reasons[0].code == "needs-ballots"


def ballots(*groups: tuple[tuple[str, ...], int]) -> BallotSet:
    names = tuple(sorted({name for ranking, _ in groups for name in ranking}))
    return BallotSet(
        candidates=names,
        rankings=tuple(
            tuple((rank, (names.index(name),)) for rank, name in enumerate(ranking, start=1))
            for ranking, _ in groups
        ),
        counts=tuple(count for _, count in groups),
    )


def test_ranked_ballots_are_counted_by_the_tabulator() -> None:
    # C is eliminated first; C's 25 ballots go to B, who then has 60 of 100.
    cast = ballots((("A", "B"), 40), (("B",), 35), (("C", "B"), 25))
    outcome = decide_ballots(cast, load_rules("portland-2024"))
    assert outcome.status == "decided" and outcome.basis == "ballots"
    assert outcome.winners == ("B",)
    assert set(outcome.eliminated) == {"A", "C"}
    assert outcome.reasons[0].text == "counted 100 ballots in 2 rounds"


def test_a_ranked_tie_is_reported_or_broken_by_the_recorded_lot() -> None:
    cast = ballots((("A",), 10), (("B",), 10))
    rules = load_rules("portland-2024")
    tied = decide_ballots(cast, rules)
    assert tied.status == "tied" and tied.tied == ("A", "B")
    by_lot = decide_ballots(cast, replace(rules, tie_break=TieBreak("lot", order=("B", "A"))))
    assert by_lot.winners == ("B",)
    assert by_lot.tie_break is not None and by_lot.tie_break.chosen == ("B",)
    drawn = decide_ballots(cast, replace(rules, tie_break=TieBreak("random", seed=7)))
    assert drawn.tie_break is not None and drawn.tie_break.seed == 7
    assert drawn == decide_ballots(cast, replace(rules, tie_break=TieBreak("random", seed=7)))


def test_ballots_need_a_ranked_choice_rule() -> None:
    with pytest.raises(
        ValidationError, match=r"general\.kind: ballots need a 'ranked-choice' rule"
    ):
        decide_ballots(ballots((("A",), 1)), load_rules("milwaukee"))
