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
from itertools import chain, compress
from operator import itemgetter

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

    rankings = ballots.rankings
    lengths, codes = _simple_rows(rankings, options.exhaust_on_duplicate)
    over = np.flatnonzero(lengths > max_rankings)
    rows: dict[int, list[int]] = {}
    for index in np.flatnonzero(lengths < 0).tolist():
        ranking = rankings[index]
        if ranking and ranking[-1][0] > max_rankings:
            over = np.append(over, index)
            continue
        rows[index] = _general(
            ranking, options, max_skip, ncand, sets, end_terminal, ballots, index
        )
    if over.size:
        index = int(over.min())
        ranking = rankings[index]
        raise TabulationError(
            f"{_where(ballots, index)}: a ballot ranks choice {ranking[-1][0]}, above the maximum "
            f"of {max_rankings} rankings allowed"
        )
    width = max([int(lengths.max()) + 1 if lengths.size else 1, *map(len, rows.values())])
    steps = np.full((len(rankings), width), T_EXHAUSTED, dtype=np.int32)
    plain = lengths >= 0
    if codes.size:
        row_of = np.repeat(np.flatnonzero(plain), lengths[plain])
        column = np.arange(row_of.size) - np.repeat(
            np.cumsum(lengths[plain]) - lengths[plain], lengths[plain]
        )
        steps[row_of, column] = codes
    ends = lengths[plain]
    terminal = np.full(ends.size, T_EXHAUSTED, dtype=np.int32)
    if max_skip is not None:
        terminal[max_rankings - ends > max_skip] = T_UNDERVOTE
    steps[np.flatnonzero(plain), ends] = terminal
    for index, row in rows.items():
        steps[index, : len(row)] = row
    ordered_sets = tuple(sorted(sets, key=lambda members: sets[members]))
    counts = np.asarray(ballots.counts, dtype=np.int64)
    return CompiledBallots(steps=steps, overvote_sets=ordered_sets, counts=counts)


def _simple_rows(
    rankings: tuple[Ranking, ...], exhaust_on_duplicate: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Rankings with one candidate at each of ranks 1..n, found without a Python loop per ballot.

    Returns each ranking's length (-1 for rankings that need the general compiler) and the
    candidate codes of the simple ones, concatenated in order.
    """
    count = len(rankings)
    lengths = np.fromiter(map(len, rankings), dtype=np.int64, count=count)
    pairs = list(chain.from_iterable(rankings))
    ranks = np.fromiter(map(itemgetter(0), pairs), dtype=np.int64, count=len(pairs))
    cells = list(map(itemgetter(1), pairs))
    sizes = np.fromiter(map(len, cells), dtype=np.int64, count=len(pairs))
    first = np.fromiter(
        map(itemgetter(0), compress(cells, sizes > 0)),
        dtype=np.int64,
        count=int(np.count_nonzero(sizes > 0)),
    )
    codes = np.full(len(pairs), -1, dtype=np.int64)
    codes[sizes > 0] = first
    row = np.repeat(np.arange(count), lengths)
    position = np.arange(len(pairs)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    bad_entry = (ranks != position + 1) | (sizes != 1) | (codes < 0)
    bad = np.zeros(count, dtype=bool)
    bad[row[bad_entry]] = True
    if exhaust_on_duplicate and lengths.size:
        width = int(lengths.max())
        table = np.full((count, max(width, 1)), -1, dtype=np.int64)
        table[row, position] = codes
        ordered = np.sort(table, axis=1)
        repeated = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
        bad |= repeated.any(axis=1)
    keep_entry = ~bad[row]
    lengths = np.where(bad, -1, lengths)
    return lengths, codes[keep_entry]


def _where(ballots: BallotSet, index: int) -> str:
    source = ballots.source or "<ballots>"
    if ballots.rows:
        return f"{source}:{ballots.rows[index]}"
    return source


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
