"""Large rank-column CSV files read with pyarrow's columnar CSV reader.

A cast-vote record export of a city is a plain table: no quotes, one ballot per line, every line
as wide as the header. pyarrow parses such a file (mapped; see :mod:`tallyroom.rcv.csv_start`,
which may have started the parse before the readers were imported) and dictionary-encodes each
rank column, so each cell is a small integer from the start; identical ballots are grouped on
those integers with numpy, and only the few distinct cell values (candidate names, labels) are
read in Python. The result is the same :class:`~tallyroom.rcv.types.BallotSet` the general reader
(:func:`~tallyroom.rcv.read_table.read_rank_csv`) makes: the same groups in the same order, the
same first lines, the same candidate order, the same errors.

:func:`read_fast_csv` takes a file only when it can read it exactly as the general reader does;
otherwise it returns False before adding anything, and the caller reads the file the general way
(which also words any error). It declines small files (pyarrow's start-up would cost more than
it saves), files with quotes, NUL bytes, blank lines, a lone carriage return or text that is not
UTF-8, rows of differing widths, a weight column, tables with no ballot row, and a builder that
keeps every ballot in the order read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tallyroom.errors import ParseError
from tallyroom.limits import MAX_FIELD_CHARS, collector_paused
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.cells import CellLabels
from tallyroom.rcv.csv_start import (
    FAST_MIN_BYTES,
    StartedParse,
    blank_lines,
    first_width,
    handled,
    line_at,
    plain,
    read_table,
    used,
)
from tallyroom.rcv.distinct_rows import add_cell_groups, cell_codes
from tallyroom.rcv.readers import fast_read_size, mapped_file
from tallyroom.rcv.table_layout import TableLayout, detect_layout

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FAST_MIN_BYTES", "read_fast_csv"]

#: Largest product of the columns' distinct value counts grouped through one integer key.
_KEY_SPACE = 1 << 62
#: Key spaces up to this size (or four times the rows) are counted in arrays over every key.
_SMALL_SPACE = 1 << 22


def read_fast_csv(
    path: Path,
    layout: TableLayout | None,
    labels: CellLabels,
    builder: BallotBuilder,
    *,
    min_bytes: int | None = None,
    started: StartedParse | None = None,
) -> bool:
    """Add the ballots of a plain rank-column CSV file to ``builder``; False (nothing added)
    when the file is not one this reader takes (or smaller than ``min_bytes``, by default
    :data:`FAST_MIN_BYTES`). ``started``: the parse of this file, begun from its header
    (:func:`~tallyroom.rcv.csv_start.start_parse`), taken when no ``layout`` is given."""
    size = fast_read_size(path, builder)
    if size is None or size < (FAST_MIN_BYTES if min_bytes is None else min_bytes):
        return False
    with collector_paused():
        return _read(path, layout, labels, builder, str(path), started)


def _read(
    path: Path,
    layout: TableLayout | None,
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
    started: StartedParse | None,
) -> bool:
    if started is not None and layout is None:
        # The file as the parse maps it, and the layout its header names; the checks below
        # run while the parse goes on.
        raw, begin, layout = started.raw, started.begin, started.layout
    else:
        started = None
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return False
            # Mapped, not copied: pyarrow parses the file's own pages.
            raw = mapped_file(handle.fileno())
        begin = 3 if raw[:3] == b"\xef\xbb\xbf" else 0
    if not plain(raw, begin):
        return False
    if layout is None:
        header = line_at(raw, begin)[0].decode("utf-8")
        try:
            layout = detect_layout(header.split(","))
        except ParseError:
            return False
        if layout is None:
            return False
    # From the first used column on, a row must have two cells at least: the general reader
    # skips a row of one blank cell there (a line of spaces) rather than count a blank ballot.
    if not handled(layout) or first_width(raw, begin, layout.first_row) < min(used(layout)) + 2:
        return False
    table = started.table() if started is not None else read_table(raw, begin, layout)
    if table is None:
        return False
    columns = {column: _column(table, column) for column in set(used(layout))}
    del table
    if any(len(value) > MAX_FIELD_CHARS for _, values in columns.values() for value in values):
        return False  # the general reader words the error
    first, counts = _groups([columns[column] for column in used(layout)])
    if _all_empty(columns, first) and blank_lines(raw):
        return False  # pyarrow reads a blank line as a row of empty cells; it is no ballot
    del raw
    _add_groups(columns, first, counts, layout, labels, builder, source)
    return True


def _all_empty(
    columns: dict[int, tuple[npt.NDArray[np.int32], list[str]]],
    first: npt.NDArray[np.int64],
) -> bool:
    """Whether some row has every used cell empty (it may be a blank line)."""
    empty = np.ones(first.size, dtype=bool)
    for indices, values in columns.values():
        is_empty = np.array([value == "" for value in values], dtype=bool)
        empty &= is_empty[indices[first]]
    return bool(empty.any())


def _column(table: pa.Table, column: int) -> tuple[npt.NDArray[np.int32], list[str]]:
    """A column's value number on each row, and its distinct values."""
    chunks = table.column(f"f{column}").unify_dictionaries().chunks
    values: list[str] = chunks[0].dictionary.to_pylist()
    indices = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in chunks])
    return indices, values


def _add_groups(
    columns: dict[int, tuple[npt.NDArray[np.int32], list[str]]],
    first: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    layout: TableLayout,
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
) -> None:
    """Group the rows by their used cells and add each distinct ballot once, with its count."""
    lines = (first + (layout.first_row + 1)).tolist()

    # One numbering of the rank cells' values across columns, in order of first appearance
    # row by row (the order in which the general reader meets them and names candidates).
    number: dict[str, int] = {}
    rank_values = [columns[column] for column in layout.rank_columns]
    to_number = [
        np.array([number.setdefault(v, len(number)) for v in values], dtype=np.int64)
        for _, values in rank_values
    ]
    interim = np.stack(
        [to_number[r][indices[first]] for r, (indices, _) in enumerate(rank_values)], axis=1
    )
    # Where each value is first met: a few values, so an array over them, not a sort of cells.
    flat = interim.reshape(-1)
    at = np.full(len(number), flat.size, dtype=np.int64)
    np.minimum.at(at, flat, np.arange(flat.size, dtype=np.int64))
    seen = np.flatnonzero(at < flat.size)
    order = seen[np.argsort(at[seen])]
    renumber = np.empty(len(number), dtype=np.int64)
    renumber[order] = np.arange(order.size)
    cell_ids = renumber[interim]
    by_number = list(number)
    codes = [
        cell_codes(by_number[value], position, cell_ids, lines, labels, builder, source)
        for position, value in enumerate(order.tolist())
    ]

    builder.rank_columns = max(builder.rank_columns or 0, len(layout.rank_columns))
    precincts: list[str | None]
    # The rows are distinct in their used cells; they are distinct ballots too when no two cell
    # values mean the same (an alias, spacing, two spellings of a skipped rank).
    distinct = len(set(codes)) == len(codes)
    if layout.precinct_column is not None:
        indices, values = columns[layout.precinct_column]
        names = [value.strip() or None for value in values]
        distinct = distinct and len(set(names)) == len(names)
        precincts = [names[i] for i in indices[first].tolist()]
    else:
        precincts = [None] * first.size
    add_cell_groups(
        cell_ids, codes, precincts, counts.tolist(), lines, builder, source, distinct=distinct
    )


def _groups(
    columns: Sequence[tuple[npt.NDArray[np.int32], list[str]]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The first row of each distinct row (in order of appearance) and how often it occurs."""
    rows = columns[0][0].size
    sizes = [max(len(values), 1) for _, values in columns]
    space = float(np.prod(np.array(sizes, dtype=np.float64)))
    if space <= max(_SMALL_SPACE, 4 * rows):
        # Few possible rows: count each and find its first row in arrays over all of them.
        key = np.zeros(rows, dtype=np.int64)
        for (indices, _), size in zip(columns, sizes, strict=True):
            key *= size
            key += indices
        per_key = np.bincount(key, minlength=int(space))
        present = np.flatnonzero(per_key)
        first_of_key = np.full(int(space), rows, dtype=np.int64)
        np.minimum.at(first_of_key, key, np.arange(rows, dtype=np.int64))
        firsts = first_of_key[present]
        order = np.argsort(firsts, kind="stable")
        return firsts[order], per_key[present[order]].astype(np.int64)
    import pyarrow as pa

    if space < _KEY_SPACE:
        key = np.zeros(rows, dtype=np.int64)
        for (indices, _), size in zip(columns, sizes, strict=True):
            key *= size
            key += indices
    else:  # very many distinct values: number the distinct rows first
        _, key = np.unique(
            np.stack([indices for indices, _ in columns], axis=1), axis=0, return_inverse=True
        )
        key = key.reshape(-1)
    # Hashing numbers the distinct keys as they first appear, so the first row of each is where
    # the running maximum of the numbers grows.
    group = pa.array(key).dictionary_encode().indices.to_numpy(zero_copy_only=False)
    peak = np.maximum.accumulate(group)
    first = np.concatenate(([0], np.flatnonzero(peak[1:] != peak[:-1]) + 1)).astype(np.int64)
    return first, np.bincount(group, minlength=first.size).astype(np.int64)
