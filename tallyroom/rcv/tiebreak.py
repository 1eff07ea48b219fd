"""Ties for last place (or for a seat), decided as RCTab decides them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from tallyroom.errors import TabulationError, TieUnbrokenError
from tallyroom.rcv.javarandom import (
    JavaRandom,
    hash_set_capacity,
    java_hash_order,
    java_string_key,
)
from tallyroom.rcv.options import TiebreakMode, TieDecision
from tallyroom.rcv.types import TieBreak

__all__ = ["OPERATOR_CHOICE", "break_tie"]

#: How a tie decided by a :class:`TieDecision` is explained in its :class:`TieBreak`.
OPERATOR_CHOICE = "chosen by the count's operator"


def break_tie(
    kind: Literal["winner", "loser"],
    tied: Sequence[str],
    mode: TiebreakMode,
    round_number: int,
    previous_tallies: Sequence[Mapping[str, int]],
    permutation: Sequence[str],
    rng: JavaRandom | None,
    decision: TieDecision | None = None,
) -> TieBreak:
    """Pick the winner (or loser) among ``tied``.

    ``previous_tallies[i]`` is round ``i + 1``'s tally (in vote units); ``permutation`` is the
    tie-break order for the permutation modes (first wins, last loses). ``decision`` is the
    operator's answer for this round in the modes that ask: it decides the tie when the tie
    reaches the operator (without it :class:`TieUnbrokenError`), and is an error when it names
    a candidate not in the tie, answers the other role, or is not needed (earlier rounds break
    the tie) -- a decision is never passed over in silence.
    """
    ordered = sorted(tied, key=java_string_key)
    match mode:
        case "random":
            selected = _random(ordered, rng)
            return TieBreak(kind, tuple(ordered), selected, mode, "randomly selected")
        case "stop-and-ask":
            selected = _decided(kind, ordered, round_number, decision)
            return TieBreak(kind, tuple(ordered), selected, mode, OPERATOR_CHOICE)
        case "candidate-order" | "generate-permutation":
            selected = _by_permutation(kind, ordered, permutation)
            where = "earliest" if kind == "winner" else "latest"
            explanation = f"appeared {where} in the tie-break permutation"
            return TieBreak(kind, tuple(ordered), selected, mode, explanation)
        case "previous-round-then-random" | "previous-round-then-ask":
            contention = list(ordered)
            for earlier in range(round_number - 1, 0, -1):
                tally = previous_tallies[earlier - 1]
                votes = [tally[name] for name in contention]
                best = max(votes) if kind == "winner" else min(votes)
                contention = [n for n, v in zip(contention, votes, strict=True) if v == best]
                if len(contention) == 1:
                    most = "most" if kind == "winner" else "fewest"
                    explanation = f"had the {most} votes in round {earlier}"
                    if decision is not None:
                        raise TabulationError(
                            f"round {round_number}: the tie among {_names(ordered)} is broken "
                            f"by the rules ({contention[0]} {explanation}); the decision "
                            f"naming {decision.selected!r} is not needed"
                        )
                    return TieBreak(kind, tuple(ordered), contention[0], mode, explanation)
            if mode == "previous-round-then-ask":
                selected = _decided(kind, contention, round_number, decision)
                explanation = f"still tied in every earlier round; {OPERATOR_CHOICE}"
                return TieBreak(kind, tuple(ordered), selected, mode, explanation)
            # RCTab draws from the candidates still in contention as its hash set holds them.
            drawn = java_hash_order(contention, hash_set_capacity(len(contention)))
            selected = _random(drawn, rng)
            explanation = "still tied in every earlier round; randomly selected"
            return TieBreak(kind, tuple(ordered), selected, mode, explanation)


def _random(ordered: Sequence[str], rng: JavaRandom | None) -> str:
    if rng is None:
        raise TabulationError("a random tie-break needs a seed")
    return ordered[rng.choose_index(len(ordered))]


def _by_permutation(kind: str, tied: Sequence[str], permutation: Sequence[str]) -> str:
    search = list(permutation) if kind == "winner" else list(reversed(permutation))
    wanted = set(tied)
    for name in search:
        if name in wanted:
            return name
    raise TabulationError(f"tie among {', '.join(tied)}: none of them is in the tie-break order")


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _decided(
    kind: Literal["winner", "loser"],
    tied: Sequence[str],
    round_number: int,
    decision: TieDecision | None,
) -> str:
    """The candidate the operator's ``decision`` picks among ``tied`` (those the operator is
    asked about); without a decision the count stops with :class:`TieUnbrokenError`."""
    if decision is None:
        raise _needs_decision(kind, tied, round_number)
    role = "win" if kind == "winner" else "lose"
    if decision.role != role:
        raise TabulationError(
            f"round {round_number}: the tie among {_names(tied)} decides who should {role}, "
            f"but the decision names {decision.selected!r} to {decision.role}"
        )
    if decision.selected not in tied:
        raise TabulationError(
            f"round {round_number}: the decision names {decision.selected!r}, who is not among "
            f"the tied candidates {_names(tied)}"
        )
    return decision.selected


def _needs_decision(
    kind: Literal["winner", "loser"], tied: Sequence[str], round_number: int
) -> TieUnbrokenError:
    return TieUnbrokenError(round_number, tuple(tied), "win" if kind == "winner" else "lose")
