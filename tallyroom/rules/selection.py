"""Choosing the leading candidates of a count, with ties found and never broken silently.

:func:`select_leaders` takes the ``n`` candidates with the most votes. When the ``n``-th place is
shared, the tie changes the outcome: without a tie-break it is reported (``tied`` names the
candidates sharing the place); with a lot or a seeded draw it is broken and recorded.
The result never depends on the order the candidates were listed in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from tallyroom.rules.types import Reason, TieBreak, TieBreakRecord
from tallyroom.rules.wording import names_text, votes_text

__all__ = ["Selection", "select_leaders"]


@dataclass(frozen=True, slots=True)
class Selection:
    """``chosen``: the leaders, most votes first; ``rest``: the others, most votes first.

    When a tie could not be broken, ``tied`` holds the candidates sharing the contested place;
    they are in neither ``chosen`` nor ``rest``.
    """

    chosen: tuple[str, ...]
    rest: tuple[str, ...]
    tied: tuple[str, ...] | None = None
    record: TieBreakRecord | None = None
    reasons: tuple[Reason, ...] = ()


def select_leaders(counts: Sequence[tuple[str, int]], n: int, tie_break: TieBreak) -> Selection:
    """The ``n`` candidates with the most votes among ``counts`` (name, votes)."""
    by_votes: dict[int, list[str]] = {}
    for name, votes in counts:
        by_votes.setdefault(votes, []).append(name)
    if len(by_votes) == len(counts):
        # No two candidates share a count (the usual case): no tie, and one order.
        ordered = [by_votes[votes][0] for votes in sorted(by_votes, reverse=True)]
        seats = max(n, 0)
        return Selection(tuple(ordered[:seats]), tuple(ordered[seats:]))
    chosen: list[str] = []
    rest: list[str] = []
    tied: tuple[str, ...] | None = None
    record: TieBreakRecord | None = None
    reasons: list[Reason] = []
    for votes in sorted(by_votes, reverse=True):
        group = sorted(by_votes[votes])
        room = n - len(chosen)
        if room <= 0 or tied is not None:
            rest.extend(group)
        elif len(group) <= room:
            chosen.extend(group)
        else:
            if not chosen:
                places = "first place" if room == 1 else f"the first {room} places"
            else:
                places = "the last place" if room == 1 else f"the last {room} places"
            reasons.append(
                Reason(
                    "tie",
                    f"{names_text(group)} have {votes_text(votes)} votes each, tied for {places}",
                )
            )
            picked, record, why = _break_tie(group, room, tie_break)
            reasons.append(why)
            if picked is None:
                tied = tuple(group)
            else:
                chosen.extend(picked)
                rest.extend(name for name in group if name not in picked)
    return Selection(tuple(chosen), tuple(rest), tied, record, tuple(reasons))


def _break_tie(
    group: list[str], room: int, tie_break: TieBreak
) -> tuple[tuple[str, ...] | None, TieBreakRecord | None, Reason]:
    match tie_break.method:
        case "none":
            return None, None, Reason("tie-unbroken", "the rules give no tie-break: tied")
        case "lot":
            missing = [name for name in group if name not in tie_break.order]
            if missing:
                return (
                    None,
                    None,
                    Reason(
                        "tie-unbroken",
                        f"the lot drawn does not name {names_text(missing)}: tied",
                    ),
                )
            ordered = sorted(group, key=tie_break.order.index)
            picked = tuple(ordered[:room])
            record = TieBreakRecord("lot", tuple(group), picked, order=tuple(ordered))
            why = f"by the lot drawn ({' > '.join(ordered)}), {names_text(picked)} go on"
            return picked, record, Reason("tie-broken-by-lot", why)
        case "random":
            assert tie_break.seed is not None
            drawn = list(group)
            random.Random(tie_break.seed).shuffle(drawn)
            picked = tuple(drawn[:room])
            record = TieBreakRecord(
                "random", tuple(group), picked, seed=tie_break.seed, order=tuple(drawn)
            )
            why = (
                f"by a random draw with seed {tie_break.seed} "
                f"(order drawn: {' > '.join(drawn)}), {names_text(picked)} go on"
            )
            return picked, record, Reason("tie-broken-by-draw", why)
        case unreachable:
            assert_never(unreachable)
