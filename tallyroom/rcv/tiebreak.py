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
from tallyroom.rcv.options import TiebreakMode
from tallyroom.rcv.types import TieBreak

__all__ = ["break_tie"]


def break_tie(
    kind: Literal["winner", "loser"],
    tied: Sequence[str],
    mode: TiebreakMode,
    round_number: int,
    previous_tallies: Sequence[Mapping[str, int]],
    permutation: Sequence[str],
    rng: JavaRandom | None,
) -> TieBreak:
    """Pick the winner (or loser) among ``tied``.

    ``previous_tallies[i]`` is round ``i + 1``'s tally (in vote units); ``permutation`` is the
    tie-break order for the permutation modes (first wins, last loses).
    """
    ordered = sorted(tied, key=java_string_key)
    match mode:
        case "random":
            selected = _random(ordered, rng)
            return TieBreak(kind, tuple(ordered), selected, mode, "randomly selected")
        case "stop-and-ask":
            raise _needs_decision(kind, ordered, round_number)
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
                    return TieBreak(kind, tuple(ordered), contention[0], mode, explanation)
            if mode == "previous-round-then-ask":
                raise _needs_decision(kind, contention, round_number)
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


def _needs_decision(
    kind: Literal["winner", "loser"], tied: Sequence[str], round_number: int
) -> TieUnbrokenError:
    return TieUnbrokenError(round_number, tuple(tied), "win" if kind == "winner" else "lose")
