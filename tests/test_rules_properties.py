"""Properties of decide(), checked on generated counts with hypothesis."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.model import CandidateResult, Stage
from tallyroom.rules import RulesSpec, StageRule, TieBreak, decide

NAMES = [f"Candidate {letter}" for letter in "ABCDEFGHIJ"]

counts_strategy = st.dictionaries(
    st.sampled_from(NAMES), st.integers(min_value=0, max_value=60), min_size=1, max_size=8
)
rule_strategy = st.one_of(
    st.builds(StageRule, kind=st.just("plurality"), seats=st.integers(1, 3)),
    st.builds(StageRule, kind=st.just("top-two"), advance=st.integers(1, 3)),
    st.builds(
        StageRule,
        kind=st.just("majority-runoff"),
        advance=st.integers(1, 3),
        threshold_inclusive=st.booleans(),
    ),
)
tie_break_strategy = st.one_of(
    st.just(TieBreak()),
    st.permutations(NAMES).map(lambda order: TieBreak("lot", order=tuple(order))),
    st.integers(0, 2**32).map(lambda seed: TieBreak("random", seed=seed)),
)

SETTINGS = settings(max_examples=150, deadline=None)


def make_stage(counts: dict[str, int], kind: str = "general") -> Stage:
    rows = tuple(CandidateResult(name, votes) for name, votes in counts.items())
    return Stage(kind=kind, results=rows)  # type: ignore[arg-type]


def make_rules(rule: StageRule, tie_break: TieBreak) -> RulesSpec:
    return RulesSpec("p", "property rules", "none", primary=rule, general=rule, tie_break=tie_break)


@SETTINGS
@given(counts_strategy, rule_strategy, tie_break_strategy, st.randoms(use_true_random=False))
def test_the_order_candidates_are_listed_in_does_not_matter(
    counts: dict[str, int], rule: StageRule, tie_break: TieBreak, shuffler: object
) -> None:
    kind = "general" if rule.kind == "plurality" else "primary"
    stage = make_stage(counts, kind)
    rows = list(stage.results)
    shuffler.shuffle(rows)  # type: ignore[attr-defined]
    rules = make_rules(rule, tie_break)
    assert decide(stage, rules) == decide(replace(stage, results=tuple(rows)), rules)


@SETTINGS
@given(counts_strategy, st.integers(1, 3), tie_break_strategy)
def test_plurality_winners_have_the_most_votes(
    counts: dict[str, int], seats: int, tie_break: TieBreak
) -> None:
    outcome = decide(make_stage(counts), make_rules(StageRule("plurality", seats=seats), tie_break))
    assert len(outcome.winners) <= seats
    losers = set(counts) - set(outcome.winners)
    for winner in outcome.winners:
        assert all(counts[winner] >= counts[loser] for loser in losers)
    if outcome.status == "decided":
        assert len(outcome.winners) == min(seats, len(counts))
        assert set(outcome.winners) | set(outcome.eliminated) == set(counts)


@SETTINGS
@given(
    counts_strategy,
    st.sampled_from(["plurality", "top-two"]),
    st.integers(1, 3),
    tie_break_strategy,
    st.integers(1, 50),
    st.data(),
)
def test_more_votes_never_make_a_winner_lose(
    counts: dict[str, int],
    kind: str,
    n: int,
    tie_break: TieBreak,
    extra: int,
    data: st.DataObject,
) -> None:
    rule = StageRule(kind, seats=n, advance=n)  # type: ignore[arg-type]
    rules = make_rules(rule, tie_break)
    stage_kind = "general" if kind == "plurality" else "primary"
    before = decide(make_stage(counts, stage_kind), rules)
    going = before.winners if kind == "plurality" else before.advanced
    if not going:
        return
    lucky = data.draw(st.sampled_from(sorted(going)))
    after = decide(make_stage({**counts, lucky: counts[lucky] + extra}, stage_kind), rules)
    assert lucky in (after.winners if kind == "plurality" else after.advanced)


@SETTINGS
@given(st.lists(st.integers(0, 40), min_size=1, max_size=6), st.booleans())
def test_exactly_half_is_not_a_majority_over_fifty_percent(
    others: list[int], inclusive: bool
) -> None:
    counts = {"Leader": sum(others)} | {NAMES[i]: v for i, v in enumerate(others)}
    if not sum(others):
        return
    rule = StageRule("majority-runoff", threshold_inclusive=inclusive)
    outcome = decide(make_stage(counts, "primary"), make_rules(rule, TieBreak()))
    if inclusive and max(others) == sum(others):  # two have exactly half: a tie for the win
        rival = NAMES[others.index(max(others))]
        assert outcome.status == "tied" and outcome.tied == (rival, "Leader")
    elif inclusive:
        assert outcome.winners == ("Leader",)
    else:
        assert outcome.winners == ()
        assert outcome.further_stage is True or outcome.status == "tied"


def boundary_tie(counts: dict[str, int], n: int) -> tuple[str, ...] | None:
    """The candidates sharing the n-th place when the (n+1)-th has as many votes."""
    ordered = sorted(counts.values(), reverse=True)
    if len(ordered) <= n or ordered[n - 1] != ordered[n]:
        return None
    return tuple(sorted(name for name, votes in counts.items() if votes == ordered[n - 1]))


@SETTINGS
@given(counts_strategy, st.integers(1, 3), tie_break_strategy)
def test_ties_are_reported_or_broken_only_by_the_recorded_lot_or_draw(
    counts: dict[str, int], seats: int, tie_break: TieBreak
) -> None:
    outcome = decide(make_stage(counts), make_rules(StageRule("plurality", seats=seats), tie_break))
    group = boundary_tie(counts, seats)
    if group is None:
        assert outcome.status == "decided" and outcome.tie_break is None and outcome.tied is None
        return
    room = seats - sum(1 for votes in counts.values() if votes > counts[group[0]])
    match tie_break.method:
        case "none":
            assert outcome.status == "tied" and outcome.tied == group
            assert outcome.tie_break is None
        case "lot":
            record = outcome.tie_break
            assert record is not None and record.method == "lot" and record.among == group
            assert record.chosen == tuple(sorted(group, key=tie_break.order.index))[:room]
            assert set(record.chosen) <= set(outcome.winners)
        case "random":
            record = outcome.tie_break
            assert record is not None and record.seed == tie_break.seed and record.among == group
            assert len(record.chosen) == room and set(record.chosen) <= set(outcome.winners)
