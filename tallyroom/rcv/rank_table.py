"""Dense rank tables: the rankings of a ballot set as one array of candidate codes.

:func:`rankings_from_cells` turns a table of rank cells (each cell an index into a short list of
distinct cell values) into both the nested :data:`~tallyroom.rcv.types.Ranking` tuples and the
dense codes at once, with numpy and no Python step per ballot group; :func:`rank_table_of`
builds the dense codes from nested rankings (readers that do not go through a cell table).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from tallyroom.rcv.types import NO_MARK, Ranking, RankTable

__all__ = ["MAX_WIDTH", "rank_table_of", "rankings_from_cells"]

#: Rankings with a rank beyond this are left to the general compiler (keeps the table small).
MAX_WIDTH = 64
_MANY_PATTERNS = 4096
_SEVERAL = -2


def rank_table_of(rankings: Sequence[Ranking], counts: Sequence[int]) -> RankTable:
    """The dense table of nested rankings.

    The rankings' (rank, codes) pairs are flattened and read with C-level passes (``map``,
    ``numpy.fromiter``), not a Python step per ranking: a large report has tens of thousands of
    distinct rankings, and a loop over them cost more than reading them.
    """
    groups = len(rankings)
    lengths = np.fromiter(map(len, rankings), np.int64, count=groups)
    pairs = list(chain.from_iterable(rankings))
    try:
        ranks = np.fromiter(map(_FIRST, pairs), np.int64, count=len(pairs))
    except OverflowError:  # a rank beyond 64 bits: out of the table, as any beyond its width
        ranks = np.array([min(max(rank, 0), MAX_WIDTH + 1) for rank, _ in pairs], np.int64)
    cells = list(map(_SECOND, pairs))
    sizes = np.fromiter(map(len, cells), np.int64, count=len(cells))
    single = sizes == 1
    firsts = cells if single.all() else [c if len(c) == 1 else (NO_MARK,) for c in cells]
    code = np.fromiter(map(_FIRST, firsts), np.int64, count=len(cells))
    row = np.repeat(np.arange(groups, dtype=np.int64), lengths)
    # A ranking the table cannot hold is general: a rank with several codes or a label, or a
    # rank outside the table's columns (beyond its width, or below 1, which no column is).
    odd = ~single | (code < 0) | (ranks > MAX_WIDTH) | (ranks < 1)
    general = np.bincount(row[odd], minlength=groups) > 0
    # The width: the last (highest) rank of the rankings the table holds.
    last = np.cumsum(lengths) - 1
    held = ~general & (lengths > 0)
    width = int(ranks[last[held]].max(initial=0))
    table = np.full((groups, width), NO_MARK, dtype=np.int32)
    kept = ~general[row]
    table[row[kept], ranks[kept] - 1] = code[kept]
    return RankTable(table, general, np.asarray(counts, dtype=np.int64))


_FIRST = itemgetter(0)
_SECOND = itemgetter(1)


def rankings_from_cells(
    cell_ids: npt.NDArray[np.int64], cells: Sequence[tuple[int, ...]]
) -> tuple[list[Ranking], npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Rankings, dense codes and general-row flags of a ``(groups, ranks)`` table of cells.

    ``cell_ids[i, r]`` indexes ``cells``, the candidate codes of each distinct cell value (``()``
    for an empty or skipped rank). Rows are grouped by which of their ranks are marked (a few
    patterns in practice), and each pattern's rankings are made from shared ``(rank, codes)``
    pairs in one pass.
    """
    groups, ranks = cell_ids.shape
    if groups == 0:
        return [], np.full((0, min(ranks, MAX_WIDTH)), NO_MARK, dtype=np.int32), np.zeros(0, bool)
    single = np.array(
        [
            codes[0] if len(codes) == 1 and codes[0] >= 0 else (_SEVERAL if codes else NO_MARK)
            for codes in cells
        ],
        dtype=np.int32,
    )
    marked_value = np.array([bool(codes) for codes in cells], dtype=bool)
    table = single[cell_ids]
    general = (table == _SEVERAL).any(axis=1)
    if ranks > MAX_WIDTH:
        beyond = marked_value[cell_ids[:, MAX_WIDTH:]].any(axis=1)
        general |= beyond
        table = table[:, :MAX_WIDTH]
    table = np.ascontiguousarray(table)
    table[general] = NO_MARK
    marked = marked_value[cell_ids]
    pairs = np.empty((ranks, max(len(cells), 1)), dtype=object)
    for rank in range(ranks):
        for value, codes in enumerate(cells):
            pairs[rank, value] = (rank + 1, codes)
    objects = pairs[np.arange(ranks)[None, :], cell_ids]
    if ranks <= 62:
        bits = marked.astype(np.int64) @ (np.int64(1) << np.arange(ranks, dtype=np.int64))
        numbers, inverse = np.unique(bits, return_inverse=True)
        patterns = ((numbers[:, None] >> np.arange(ranks)) & 1).astype(bool)
    else:
        packed = np.packbits(marked, axis=1)
        unique_packed, inverse = np.unique(packed, axis=0, return_inverse=True)
        patterns = np.unpackbits(unique_packed, axis=1)[:, :ranks].astype(bool)
    inverse = inverse.reshape(-1)
    if patterns.shape[0] > _MANY_PATTERNS:
        rankings: list[Ranking] = [
            tuple(pair for pair, mark in zip(row, marks, strict=True) if mark)
            for row, marks in zip(objects.tolist(), marked.tolist(), strict=True)
        ]
        return rankings, table, general
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(patterns.shape[0] + 1))
    made: list[list[Ranking]] = []
    for pattern in range(patterns.shape[0]):
        members = order[bounds[pattern] : bounds[pattern + 1]]
        columns = np.flatnonzero(patterns[pattern])
        made.append(list(map(tuple, objects[members][:, columns].tolist())))
    in_order = list(chain.from_iterable(made))
    position = np.empty(groups, dtype=np.int64)
    position[order] = np.arange(groups, dtype=np.int64)
    return list(map(in_order.__getitem__, position.tolist())), table, general
