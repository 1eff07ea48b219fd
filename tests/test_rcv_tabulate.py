"""Hand-worked counts for each rule, and properties that hold for every count."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.errors import TabulationError, ValidationError
from tallyroom.rcv import OVERVOTE, BallotSet, RcvOptions, tabulate
from tallyroom.rcv.javarandom import JavaRandom, java_shuffle


def ballots(names: str, *spec: tuple[int, str]) -> BallotSet:
    """``ballots("ABC", (4, "A B"), (2, "C A"))``: counts and space-separated rankings.

    A ``-`` is a skipped rank, ``A+B`` an overvote, ``!`` the explicit overvote label.
    """
    candidates = tuple(names)
    rankings = []
    for _, text in spec:
        ranking = []
        for rank, cell in enumerate(text.split(), start=1):
            if cell == "-":
                continue
            if cell == "!":
                ranking.append((rank, (OVERVOTE,)))
            else:
                ranking.append((rank, tuple(candidates.index(c) for c in cell.split("+"))))
        rankings.append(tuple(ranking))
    return BallotSet(
        candidates,
        tuple(rankings),
        tuple(c for c, _ in spec),
        source="hand.csv",
        rows=tuple(range(2, 2 + len(spec))),
    )


def tallies(result: object) -> list[dict[str, Decimal]]:
    return [dict(r.tally) for r in result.rounds]  # type: ignore[attr-defined]


def test_instant_runoff_transfers_and_majority() -> None:
    result = tabulate(ballots("ABC", (4, "A"), (3, "B"), (2, "C B")), RcvOptions())
    assert tallies(result) == [{"A": 4, "B": 3, "C": 2}, {"A": 4, "B": 5}]
    first = result.rounds[0]
    assert first.eliminated == ("C",) and first.elimination_reason == "lowest"
    assert [(t.source, t.target, t.votes) for t in first.transfers] == [("C", "B", 2)]
    assert first.threshold == 5 and result.rounds[1].threshold == 5
    assert result.winners == ("B",)
    assert result.rounds[1].elected == ("B",)


def test_overvote_rules() -> None:
    spec = ((4, "A"), (2, "B"), (2, "A+B C"), (1, "C"))
    exhaust = tabulate(ballots("ABC", *spec), RcvOptions())
    assert exhaust.rounds[0].inactive.overvotes == 2
    skip = tabulate(ballots("ABC", *spec), RcvOptions(overvote_rule="skip-to-next-rank"))
    assert skip.rounds[0].tally == (("A", 4), ("B", 2), ("C", 3))
    multiple = tabulate(
        ballots("ABC", (3, "A"), (2, "B"), (2, "A+C B"), (1, "C")),
        RcvOptions(overvote_rule="exhaust-if-multiple-continuing"),
    )
    # A and C both continue in round 1: the two ballots exhaust as overvotes and stay exhausted.
    assert multiple.rounds[0].inactive.overvotes == 2
    assert multiple.rounds[-1].inactive.overvotes == 2
    label = tabulate(
        ballots("AB", (2, "! A"), (1, "B")), RcvOptions(overvote_rule="skip-to-next-rank")
    )
    assert label.rounds[0].tally == (("A", 2), ("B", 1))


def test_skipped_rankings_and_duplicates() -> None:
    spec = ((5, "A"), (4, "B"), (2, "C - - B"))
    strict = tabulate(ballots("ABC", *spec), RcvOptions(max_skipped_ranks=1, max_rankings=4))
    # C is last; the two ballots skip two ranks before B, so they exhaust for skipped rankings.
    assert strict.rounds[1].inactive.skipped_rankings == 2
    lenient = tabulate(ballots("ABC", *spec), RcvOptions(max_skipped_ranks=None, max_rankings=4))
    assert lenient.rounds[1].tally == (("A", 5), ("B", 6))
    dup = ((5, "A"), (4, "B"), (2, "C C B"))
    skipped = tabulate(ballots("ABC", *dup), RcvOptions())
    assert skipped.rounds[1].tally == (("A", 5), ("B", 6))
    exhausted = tabulate(ballots("ABC", *dup), RcvOptions(exhaust_on_duplicate=True))
    assert exhausted.rounds[1].inactive.repeated_rankings == 2
    assert exhausted.winners == ("A",)


def test_batch_elimination_and_continue_until_two() -> None:
    spec = ((10, "A"), (8, "B"), (2, "C B"), (1, "D A"), (1, "E A"))
    batch = tabulate(ballots("ABCDE", *spec), RcvOptions(batch_elimination=True))
    assert set(batch.rounds[0].eliminated) == {"C", "D", "E"}
    assert batch.rounds[0].elimination_reason == "batch"
    plain = tabulate(ballots("ABCDE", *spec), RcvOptions(tiebreak="candidate-order"))
    assert len(plain.rounds) > len(batch.rounds)
    assert plain.winners == batch.winners == ("A",)
    early = tabulate(ballots("ABC", (6, "A"), (3, "B"), (2, "C B")), RcvOptions())
    assert len(early.rounds) == 1
    two = tabulate(
        ballots("ABC", (6, "A"), (3, "B"), (2, "C B")), RcvOptions(continue_until_two=True)
    )
    assert two.winners == ("A",)
    assert len(two.rounds) == 3 and two.rounds[-1].tally == (("A", 6), ("B", 5))
    assert two.rounds[1].eliminated == ("C",)


def test_stop_after_round_and_minimum_threshold() -> None:
    spec = ((4, "A"), (3, "B"), (2, "C B"), (1, "D"))
    stopped = tabulate(ballots("ABCD", *spec), RcvOptions(stop_after_round=1))
    assert len(stopped.rounds) == 1 and stopped.winners == ()
    minimum = tabulate(ballots("ABCD", *spec), RcvOptions(minimum_vote_threshold=Decimal(3)))
    assert minimum.rounds[0].eliminated == ("D", "C")
    assert minimum.rounds[0].elimination_reason == "below-minimum"


def test_stv_fractional_surplus_rounds_down_like_rctab() -> None:
    spec = ((6, "A B"), (2, "B"), (2, "C"))
    result = tabulate(
        ballots("ABC", *spec),
        RcvOptions(seats=2, winner_mode="multi-winner", non_integer_threshold=True),
    )
    first, second, third = result.rounds
    # threshold = floor(10 / 3, 4 places) + 0.0001
    assert first.threshold == Decimal("3.3334")
    assert first.elected == ("A",)
    # surplus fraction = (6 - 3.3334) / 6 = 0.44443333… → 0.4444 (down); per ballot the same.
    assert {(t.target, t.votes) for t in first.transfers} == {
        ("B", Decimal("2.6664")),
        ("residual surplus", Decimal("0.0002")),
    }
    assert second.tally == (("A", Decimal("3.3334")), ("B", Decimal("4.6664")), ("C", 2))
    assert second.elected == ("B",)
    assert result.winners == ("A", "B")
    assert third.residual_surplus > first.residual_surplus


def test_hare_quota_and_bottoms_up() -> None:
    spec = ((5, "A"), (3, "B"), (2, "C"))
    hare = tabulate(
        ballots("ABC", *spec), RcvOptions(seats=2, winner_mode="multi-winner", quota="hare")
    )
    assert hare.rounds[0].threshold == 5
    bottoms = tabulate(ballots("ABC", *spec), RcvOptions(seats=2, winner_mode="bottoms-up"))
    assert bottoms.winners == ("A", "B") and bottoms.rounds[0].eliminated == ("C",)
    pct = tabulate(
        ballots("ABC", *spec),
        RcvOptions(winner_mode="bottoms-up-threshold", bottoms_up_percentage=Decimal(25)),
    )
    assert set(pct.winners) == {"A", "B"}


def test_multi_pass_irv_excludes_earlier_winners() -> None:
    spec = ((6, "A B"), (3, "B"), (2, "C B"))
    result = tabulate(ballots("ABC", *spec), RcvOptions(seats=2, winner_mode="multi-pass-irv"))
    assert result.winners == ("A", "B")
    assert {r.pass_number for r in result.rounds} == {1, 2}
    assert len(result.to_model_rounds()) == len(result.rounds)


def test_tiebreaks() -> None:
    spec = ((4, "A"), (2, "B"), (2, "C"), (3, "D"))
    with pytest.raises(TabulationError, match="needs a decision"):
        tabulate(ballots("ABCD", *spec), RcvOptions())
    ordered = tabulate(
        ballots("ABCD", *spec),
        RcvOptions(tiebreak="candidate-order", candidate_order=("A", "D", "C", "B")),
    )
    assert ordered.rounds[0].eliminated == ("B",)
    assert ordered.rounds[0].tiebreaks[0].tied == ("B", "C")
    previous = tabulate(
        ballots("ABCD", (4, "A"), (3, "B"), (2, "C"), (1, "D C")),
        RcvOptions(tiebreak="previous-round-then-random", seed=1),
    )
    # Round 2: B and C tie at 3; in round 1 C had fewer, so C loses.
    assert previous.rounds[1].eliminated == ("C",)
    assert "round 1" in previous.rounds[1].tiebreaks[0].explanation
    seeded = [
        tabulate(ballots("ABCD", *spec), RcvOptions(tiebreak="random", seed=s)).rounds[0].eliminated
        for s in range(8)
    ]
    for s in range(8):
        expected = ["B", "C"][JavaRandom(s).choose_index(2)]
        assert seeded[s] == (expected,)


def test_java_random_matches_java() -> None:
    # Values printed by java.util.Random in the JDK.
    assert JavaRandom(0)._next(32) == -1155484576
    assert JavaRandom(42)._next(32) == -1170105035
    assert JavaRandom(0).next_double() == 0.730967787376657
    items = list(range(10))
    java_shuffle(items, JavaRandom(7))
    assert sorted(items) == list(range(10))


def test_rank_above_maximum_stops_with_file_and_row() -> None:
    with pytest.raises(TabulationError, match=r"hand\.csv:3: .*choice 3.*maximum of 2"):
        tabulate(ballots("ABC", (1, "A"), (1, "A B C")), RcvOptions(max_rankings=2))


def test_contradictory_options_are_refused() -> None:
    with pytest.raises(ValidationError, match="seats"):
        tabulate(ballots("AB", (1, "A")), RcvOptions(seats=2))
    with pytest.raises(ValidationError, match="seed"):
        tabulate(ballots("AB", (1, "A")), RcvOptions(tiebreak="random"))
    with pytest.raises(ValidationError, match="unknown candidate"):
        tabulate(ballots("AB", (1, "A")), RcvOptions(excluded=("Z",)))


def test_excluded_candidate_never_counts() -> None:
    result = tabulate(ballots("ABC", (4, "A"), (3, "C B")), RcvOptions(excluded=("C",)))
    assert result.rounds[0].tally == (("A", 4), ("B", 3))


# -- properties ---------------------------------------------------------------------------------

names = "ABCD"
ranking_text = st.lists(st.sampled_from(names), min_size=0, max_size=4, unique=True).map(" ".join)
ballot_lists = st.lists(st.tuples(st.integers(1, 5), ranking_text), min_size=1, max_size=12)
options_for_properties = RcvOptions(
    tiebreak="previous-round-then-random", seed=3, max_skipped_ranks=None
)


@settings(max_examples=60, deadline=None)
@given(ballot_lists)
def test_ballots_are_conserved_every_round(spec: list[tuple[int, str]]) -> None:
    bs = ballots(names, *[(c, t if t else "") for c, t in spec])
    result = tabulate(bs, options_for_properties)
    for record in result.rounds:
        active = sum((v for _, v in record.tally), Decimal(0))
        assert active + record.inactive.total + record.inactive.undervotes == bs.total


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.sampled_from(["A", "B", "A B", "B A"])),
        min_size=1,
        max_size=8,
    )
)
def test_two_candidate_irv_is_plurality(spec: list[tuple[int, str]]) -> None:
    bs = ballots("AB", *spec)
    first = Counter[str]()
    for count, text in spec:
        first[text.split()[0]] += count
    if first["A"] == first["B"]:
        return
    result = tabulate(bs, options_for_properties)
    assert result.winners == (max(first, key=lambda k: first[k]),)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 9), st.sampled_from(list(names))), min_size=1, max_size=10)
)
def test_single_rankings_are_plurality_then_eliminate(spec: list[tuple[int, str]]) -> None:
    votes = Counter[str]()
    for count, name in spec:
        votes[name] += count
    if len(set(votes.values())) != len(votes):
        return  # ties are for the tie-break tests
    result = tabulate(ballots(names, *spec), options_for_properties)
    remaining = {n: votes.get(n, 0) for n in names}
    for record in result.rounds:
        assert dict(record.tally) == remaining
        for loser in record.eliminated:
            assert remaining[loser] == min(remaining.values())
            del remaining[loser]


def test_explicit_overvote_label_errors_name_the_ballot() -> None:
    shared = BallotSet(
        tuple("AB"),
        (((1, (0,)),), ((1, (OVERVOTE, 1)),)),
        (3, 1),
        source="hand.csv",
        rows=(2, 3),
    )
    with pytest.raises(TabulationError, match=r"hand\.csv:3: an overvote label shares rank 1"):
        tabulate(shared, RcvOptions())
    labelled = ballots("AB", (3, "A"), (1, "! B"))
    with pytest.raises(TabulationError, match=r"hand\.csv:3: an explicit overvote label cannot"):
        tabulate(labelled, RcvOptions(overvote_rule="exhaust-if-multiple-continuing"))
    counted = tabulate(labelled, RcvOptions(overvote_rule="skip-to-next-rank"))
    assert counted.rounds[0].tally == (("A", 3), ("B", 1))


def test_slices_replay_the_whole_counts_decisions() -> None:
    from tallyroom.rcv.rctab_outputs import split_by_precinct
    from tallyroom.rcv.tally import tabulate_slices

    whole = ballots("ABC", (4, "A B"), (3, "B A"), (2, "C B"))
    precincts = BallotSet(
        whole.candidates, whole.rankings, whole.counts, precincts=("p1", "p2", None)
    )
    result, parts = tabulate_slices(precincts, RcvOptions(), split_by_precinct(precincts, "none"))
    assert result.winners == ("B",)
    assert set(parts) == {"p1", "p2", "none"}
    # Precinct p2 never had a candidate below another: C is still eliminated, as in the count.
    (first, second) = parts["none"].rounds
    assert first.eliminated == ("C",) and second.elected == ("B",)
    assert second.votes("B") == 2
    assert parts["p1"].winners == ("B",) and parts["p1"].rounds[-1].votes("A") == 4


def test_slices_and_traces_refuse_what_they_cannot_replay() -> None:
    from tallyroom.rcv.tally import tabulate_slices, tabulate_traced

    whole = ballots("AB", (2, "A"), (1, "B"))
    sequential = RcvOptions(seats=2, winner_mode="multi-pass-irv")
    with pytest.raises(ValidationError, match="multi-pass"):
        tabulate_slices(whole, sequential, {})
    with pytest.raises(ValidationError, match="multi-pass"):
        tabulate_traced(whole, sequential)
    other = ballots("AC", (1, "A"))
    with pytest.raises(ValidationError, match="slice 'x' names other candidates"):
        tabulate_slices(whole, RcvOptions(), {"x": other})


def test_cutoff_elimination_belongs_to_the_threshold_mode() -> None:
    with pytest.raises(ValidationError, match="cutoff_elimination"):
        tabulate(ballots("AB", (2, "A"), (1, "B")), RcvOptions(cutoff_elimination=True))


def test_cdf_export_needs_each_ballot_kept() -> None:
    from tallyroom.rcv.rctab_cdf import to_cdf_json
    from tallyroom.rcv.tally import tabulate_traced

    counted = ballots("AB", (2, "A"), (1, "B"))
    result, allocations = tabulate_traced(counted, RcvOptions())
    assert allocations[0] == [{0: 10_000}, {1: 10_000}]
    with pytest.raises(ValidationError, match="without keeping each one"):
        to_cdf_json(counted, result, allocations, contest="c", jurisdiction=None)


def test_previous_round_counts_then_random_draws_as_rctab() -> None:
    """RCTab's ``tiebreak_previous_round_counts_then_random_test`` (seed 12345), with ballots
    rebuilt from its published report: Sneezy and Dopey are tied in every round, so the seeded
    draw decides, among the two in the order RCTab's hash set holds them (Sneezy first)."""
    names = ["Happy", "Sneezy", "Dopey", "Grumpy"]
    contest = ballots("HSDG", (3, "S"), (3, "D"), (2, "G"), (1, "H G"))
    contest = BallotSet(tuple(names), contest.rankings, contest.counts)
    options = RcvOptions(
        tiebreak="previous-round-then-random",
        seed=12345,
        max_rankings=2,
        max_skipped_ranks=0,
        overvote_rule="skip-to-next-rank",
    )
    result = tabulate(contest, options)
    assert [r.eliminated for r in result.rounds] == [("Happy",), ("Grumpy",), ()]
    grumpy, final = result.rounds[1].tiebreaks[0], result.rounds[2].tiebreaks[0]
    assert grumpy.explanation == "had the fewest votes in round 1"
    assert (final.tied, final.selected) == (("Dopey", "Sneezy"), "Sneezy")
    assert result.winners == ("Sneezy",)
