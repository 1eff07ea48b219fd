"""Compile each distinct ranking into the fixed sequence of steps a count walks through.

Everything about a ballot except which candidates are still continuing is known before the count
starts: where a run of skipped rankings exhausts it, where it repeats a candidate, where an
overvote exhausts it or is skipped, and why it is inactive once its choices run out. A ranking
becomes a row of codes: a candidate code (``>= 0``), an overvote set to resolve each round (under
"exhaust if multiple continuing"), or a terminal reason (negative). Each round then only has to
find, for every ballot group at once, the first step that is not a non-continuing candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tallyroom.errors import TabulationError
from tallyroom.rcv.options import RcvOptions
from tallyroom.rcv.types import OVERVOTE, BallotSet, Ranking

__all__ = [
    "OFFSET",
    "T_EXHAUSTED",
    "T_OVERVOTE",
    "T_REPEATED",
    "T_SKIPPED",
    "T_UNDERVOTE",
    "CompiledBallots",
    "compile_ballots",
]

T_UNDERVOTE = -5
T_REPEATED = -4
T_SKIPPED = -3
T_OVERVOTE = -2
T_EXHAUSTED = -1
#: Added to a code to index the per-round resolution table (terminals come first).
OFFSET = 5


@dataclass(frozen=True, slots=True)
class CompiledBallots:
    steps: npt.NDArray[np.int32]
    """``(groups, width)`` codes; every row ends in a terminal code."""
    overvote_sets: tuple[tuple[int, ...], ...]
    """Members of each overvote set; set ``i`` has code ``len(candidates) + i``."""
    counts: npt.NDArray[np.int64]


def compile_ballots(ballots: BallotSet, options: RcvOptions, declared: int) -> CompiledBallots:
    """Steps for every group under ``options``; ``declared`` is the number of real candidates."""
    max_rankings = options.max_rankings if options.max_rankings is not None else declared
    max_skip = options.max_skipped_ranks
    ncand = len(ballots.candidates)
    sets: dict[tuple[int, ...], int] = {}
    rows: list[list[int]] = []
    width = 1
    end_cache: dict[int, int] = {}

    def end_terminal(last_rank: int) -> int:
        code = end_cache.get(last_rank)
        if code is None:
            if max_skip is not None and max_rankings - last_rank > max_skip:
                code = T_UNDERVOTE
            else:
                code = T_EXHAUSTED
            end_cache[last_rank] = code
        return code

    for index, ranking in enumerate(ballots.rankings):
        if ranking and ranking[-1][0] > max_rankings:
            where = _where(ballots, index)
            raise TabulationError(
                f"{where}: a ballot ranks choice {ranking[-1][0]}, above the maximum of "
                f"{max_rankings} rankings allowed"
            )
        row = _simple(ranking, options.exhaust_on_duplicate)
        if row is not None:
            row.append(end_terminal(len(row)))
        else:
            row = _general(ranking, options, max_skip, ncand, sets, end_terminal, ballots, index)
        if len(row) > width:
            width = len(row)
        rows.append(row)

    steps = np.full((len(rows), width), T_EXHAUSTED, dtype=np.int32)
    for i, row in enumerate(rows):
        steps[i, : len(row)] = row
    ordered_sets = tuple(sorted(sets, key=lambda members: sets[members]))
    counts = np.asarray(ballots.counts, dtype=np.int64)
    return CompiledBallots(steps=steps, overvote_sets=ordered_sets, counts=counts)


def _where(ballots: BallotSet, index: int) -> str:
    source = ballots.source or "<ballots>"
    if ballots.rows:
        return f"{source}:{ballots.rows[index]}"
    return source


def _simple(ranking: Ranking, exhaust_on_duplicate: bool) -> list[int] | None:
    """Codes of a ranking with one candidate at each of ranks 1..n, or None."""
    row: list[int] = []
    for expected, (rank, codes) in enumerate(ranking, start=1):
        if rank != expected or len(codes) != 1 or codes[0] < 0:
            return None
        row.append(codes[0])
    if exhaust_on_duplicate and len(set(row)) != len(row):
        return None
    return row


def _general(
    ranking: Ranking,
    options: RcvOptions,
    max_skip: int | None,
    ncand: int,
    sets: dict[tuple[int, ...], int],
    end_terminal: Callable[[int], int],
    ballots: BallotSet,
    index: int,
) -> list[int]:
    if not ranking:
        return [T_UNDERVOTE]
    row: list[int] = []
    last_rank = 0
    seen: set[int] = set()
    final = len(ranking) - 1
    for position, (rank, codes) in enumerate(ranking):
        is_last = position == final
        if max_skip is not None and rank - last_rank > max_skip + 1:
            row.append(T_SKIPPED)
            return row
        last_rank = rank
        if options.exhaust_on_duplicate:
            repeated = False
            for code in codes:
                if code in seen:
                    repeated = True
                    break
                seen.add(code)
            if repeated:
                row.append(T_REPEATED)
                return row
        if OVERVOTE in codes:
            if len(codes) != 1:
                raise TabulationError(
                    f"{_where(ballots, index)}: an overvote label shares rank {rank} "
                    "with candidates"
                )
            match options.overvote_rule:
                case "exhaust-immediately":
                    row.append(T_OVERVOTE)
                    return row
                case "skip-to-next-rank":
                    if is_last:
                        row.append(T_EXHAUSTED)
                        return row
                    continue
                case "exhaust-if-multiple-continuing":
                    raise TabulationError(
                        f"{_where(ballots, index)}: an explicit overvote label cannot be counted "
                        "under the 'exhaust if multiple continuing' rule"
                    )
        if len(codes) > 1:
            match options.overvote_rule:
                case "exhaust-immediately":
                    row.append(T_OVERVOTE)
                    return row
                case "skip-to-next-rank":
                    if is_last:
                        row.append(T_EXHAUSTED)
                        return row
                    continue
                case "exhaust-if-multiple-continuing":
                    members = tuple(sorted(set(codes)))
                    if len(members) == 1:
                        row.append(members[0])
                    else:
                        set_code = sets.get(members)
                        if set_code is None:
                            set_code = ncand + len(sets)
                            sets[members] = set_code
                        row.append(set_code)
        else:
            row.append(codes[0])
        if is_last:
            row.append(end_terminal(rank))
    return row
