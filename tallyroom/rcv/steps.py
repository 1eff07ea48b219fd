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
from tallyroom.rcv.rank_table import rank_table_of
from tallyroom.rcv.types import NO_MARK, OVERVOTE, BallotSet, Ranking, RankTable

__all__ = [
    "OFFSET",
    "SKIP",
    "T_EXHAUSTED",
    "T_OVERVOTE",
    "T_REPEATED",
    "T_SKIPPED",
    "T_UNDERVOTE",
    "T_UNUSED",
    "CompiledBallots",
    "compile_ballots",
    "first_counting_step",
]

T_UNUSED = -6
T_UNDERVOTE = -5
T_REPEATED = -4
T_SKIPPED = -3
T_OVERVOTE = -2
T_EXHAUSTED = -1
#: Added to a code to index the per-round resolution table (terminals come first).
OFFSET = 6
#: What the per-round resolution table gives for a step to pass over (a non-continuing candidate).
SKIP = -100


@dataclass(frozen=True, slots=True)
class CompiledBallots:
    steps: npt.NDArray[np.int32]
    """``(groups, width)`` codes; every row ends in a terminal code."""
    overvote_sets: tuple[tuple[int, ...], ...]
    """Members of each overvote set; set ``i`` has code ``len(candidates) + i``."""
    counts: npt.NDArray[np.int64]
    undervotes: int
    """Ballots with no ranking at all."""


def compile_ballots(ballots: BallotSet, options: RcvOptions, declared: int) -> CompiledBallots:
    """Steps for every group under ``options``; ``declared`` is the number of real candidates."""
    max_rankings = options.max_rankings if options.max_rankings is not None else declared
    max_skip = options.max_skipped_ranks
    ncand = len(ballots.candidates)
    sets: dict[tuple[int, ...], int] = {}

    def end_terminal(last_rank: int) -> int:
        # RCTab books a ballot that runs out with more unused rankings than skips allowed as an
        # undervote; it is kept apart (T_UNUSED) so that RCTab's report can be reproduced, and
        # published as exhausted.
        if max_skip is not None and max_rankings - last_rank > max_skip:
            return T_UNUSED
        return T_EXHAUSTED

    rankings = ballots.rankings
    table = ballots.table if ballots.table is not None else rank_table_of(rankings, ballots.counts)
    lengths = _simple_rows(table, options.exhaust_on_duplicate)
    refuse_over = not options.count_past_max_rankings
    over = np.flatnonzero(lengths > max_rankings) if refuse_over else np.empty(0, np.intp)
    rows: dict[int, list[int]] = {}
    for index in np.flatnonzero(lengths < 0).tolist():
        ranking = rankings[index]
        if refuse_over and ranking and ranking[-1][0] > max_rankings:
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
    width = max([table.codes.shape[1] + 1, *map(len, rows.values())])
    steps = np.full((len(rankings), width), T_EXHAUSTED, dtype=np.int32)
    plain = np.flatnonzero(lengths >= 0)
    columns = table.codes.shape[1]
    if plain.size == len(rankings):
        steps[:, :columns] = np.where(table.codes == NO_MARK, T_EXHAUSTED, table.codes)
    else:
        marks = table.codes[plain]
        steps[plain, :columns] = np.where(marks == NO_MARK, T_EXHAUSTED, marks)
    ends = lengths[plain]
    terminal = np.full(ends.size, T_EXHAUSTED, dtype=np.int32)
    if max_skip is not None:
        terminal[max_rankings - ends > max_skip] = T_UNUSED
    terminal[ends == 0] = T_UNDERVOTE  # a blank ballot, whatever the rules
    steps[plain, ends] = terminal
    for index, row in rows.items():
        steps[index, : len(row)] = row
    ordered_sets = tuple(sorted(sets, key=lambda members: sets[members]))
    counts = table.counts
    undervotes = int(counts[lengths == 0].sum())
    return CompiledBallots(
        steps=steps, overvote_sets=ordered_sets, counts=counts, undervotes=undervotes
    )


def _simple_rows(table: RankTable, exhaust_on_duplicate: bool) -> npt.NDArray[np.int64]:
    """Rankings with one candidate at each of ranks 1..n, found with array operations only.

    Returns each ranking's length, or -1 for rankings that need the general compiler. Tables
    are narrow (a few rank columns), so the work goes column by column.
    """
    codes = table.codes
    groups, width = codes.shape
    lengths = np.zeros(groups, dtype=np.int64)
    simple = ~table.general
    previous = np.ones(groups, dtype=bool)
    for column in range(width):
        marked = codes[:, column] != NO_MARK
        lengths += marked
        simple &= previous | ~marked
        previous = marked
    if exhaust_on_duplicate and width > 1:
        simple &= ~_repeats(codes)
    return np.where(simple, lengths, -1)


def _repeats(codes: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
    """Rows where a candidate code appears twice."""
    groups, width = codes.shape
    if int(codes.max(initial=0)) < 63:
        seen = np.zeros(groups, dtype=np.int64)
        repeated = np.zeros(groups, dtype=bool)
        for column in range(width):
            code = codes[:, column].astype(np.int64)
            bit = np.where(code >= 0, np.left_shift(1, np.maximum(code, 0)), 0)
            repeated |= (seen & bit) != 0
            seen |= bit
        return repeated
    ordered = np.sort(codes, axis=1)
    same = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] != NO_MARK)
    return np.asarray(same.any(axis=1), dtype=bool)


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
        label = OVERVOTE in codes
        if label and len(codes) != 1:
            raise TabulationError(
                f"{_where(ballots, index)}: an overvote label shares rank {rank} with candidates"
            )
        if label or len(codes) > 1:
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
                    if label:
                        raise TabulationError(
                            f"{_where(ballots, index)}: an explicit overvote label cannot be "
                            "counted under the 'exhaust if multiple continuing' rule"
                        )
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


def first_counting_step(
    steps: npt.NDArray[np.int32], rows: npt.NDArray[np.int64], table: npt.NDArray[np.int32]
) -> npt.NDArray[np.int64]:
    """For each of ``rows``, its first step that ``table`` does not resolve to a skip.

    Goes column by column over the rows still unresolved (every row ends in a terminal code,
    which never resolves to a skip); most rows resolve in the first column or two.
    """
    outcome = np.empty(rows.size, dtype=np.int64)
    pending = np.arange(rows.size)
    whole = rows.size == steps.shape[0]
    for column in range(steps.shape[1]):
        codes = steps[:, column] if whole and column == 0 else steps[rows[pending], column]
        resolved = table[codes + OFFSET]
        done = resolved != SKIP
        outcome[pending[done]] = resolved[done]
        pending = pending[~done]
        if pending.size == 0:
            break
    return outcome
