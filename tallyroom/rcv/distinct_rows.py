"""Turn the distinct rows of a rank-column file into ballot groups, all rows at once.

Each distinct row has been counted already (identical lines grouped); here the rows are split
into cells, the few distinct cell values are parsed once each (candidate, alias, label), and the
rankings and their dense codes are made for every row together
(:func:`~tallyroom.rcv.rank_table.rankings_from_cells`). Python work per row is limited to
C-level ``map``/``split`` passes.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from tallyroom.errors import ParseError, ValidationError
from tallyroom.rcv.builder import BallotBuilder, CellLabels
from tallyroom.rcv.rank_table import rankings_from_cells

if TYPE_CHECKING:
    from tallyroom.rcv.read_table import TableLayout

__all__ = ["add_distinct_rows"]


def add_distinct_rows(
    texts: Sequence[str],
    lines: Sequence[int],
    repeats: Sequence[int],
    layout: TableLayout,
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
) -> None:
    """Add distinct comma-separated rows (first seen on ``lines``, seen ``repeats`` times)."""
    builder.rank_columns = max(builder.rank_columns or 0, len(layout.rank_columns))
    rows = [text.split(",") for text in texts]
    extra = [c for c in (layout.precinct_column, layout.weight_column) if c is not None]
    width = max([*layout.rank_columns, *extra]) + 1
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    dropped: list[int] = []
    for index in np.flatnonzero(lengths < max(width, 2)).tolist():
        row = rows[index]
        if len(row) == 1 and not row[0].strip():
            dropped.append(index)
        elif len(row) < layout.rank_columns[0] + 1:
            raise ParseError(
                f"row has {len(row) + layout.offset} cells; rank columns start at column "
                f"{layout.rank_columns[0] + 1 + layout.offset}",
                source=source,
                line=lines[index],
                text=texts[index],
            )
        elif len(row) < width:
            row.extend([""] * (width - len(row)))
    if dropped:
        keep = sorted(set(range(len(rows))) - set(dropped))
        rows = [rows[i] for i in keep]
        lines = [lines[i] for i in keep]
        repeats = [repeats[i] for i in keep]

    getter = operator.itemgetter(*layout.rank_columns)
    if len(layout.rank_columns) == 1:
        cell_rows: list[tuple[str, ...]] = [(getter(row),) for row in rows]
    else:
        cell_rows = list(map(getter, rows))
    values = list(dict.fromkeys(chain.from_iterable(cell_rows)))
    id_of = {value: number for number, value in enumerate(values)}
    cell_codes = [_cell_codes(value, cell_rows, lines, labels, builder, source) for value in values]
    ranks = len(layout.rank_columns)
    cell_ids = np.fromiter(
        map(id_of.__getitem__, chain.from_iterable(cell_rows)),
        dtype=np.int64,
        count=len(cell_rows) * ranks,
    ).reshape(len(cell_rows), ranks)

    precincts: list[str | None]
    if layout.precinct_column is not None:
        column = layout.precinct_column
        precincts = [row[column].strip() or None for row in rows]
    else:
        precincts = [None] * len(rows)
    counts = list(repeats)
    if layout.weight_column is not None:
        column = layout.weight_column
        for index, row in enumerate(rows):
            text = row[column].strip()
            if not text.isdigit():
                raise ParseError(
                    "weight must be a whole number of ballots",
                    source=source,
                    line=lines[index],
                    text=text,
                )
            counts[index] = int(text) * counts[index]

    rankings, codes, general = rankings_from_cells(cell_ids, cell_codes)
    keys = list(zip(rankings, precincts, strict=True))
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    if len(first) < len(keys):  # distinct rows that are the same ballot (spacing, aliases, …)
        totals = [0] * len(keys)
        for key, count in zip(keys, counts, strict=True):
            totals[first[key]] += count
        chosen = sorted(first.values())
        rankings = [rankings[i] for i in chosen]
        precincts = [precincts[i] for i in chosen]
        counts = [totals[i] for i in chosen]
        lines = [lines[i] for i in chosen]
        codes, general = codes[chosen], general[chosen]
    builder.add_groups(rankings, precincts, counts, lines, (codes, general), source)


def _cell_codes(
    value: str,
    cell_rows: Sequence[tuple[str, ...]],
    lines: Sequence[int],
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
) -> tuple[int, ...]:
    """Codes of one distinct cell value; a refusal names the first line that has it."""
    try:
        return builder.cell(value, labels, source, None)
    except ValidationError:
        line = next(lines[i] for i, cells in enumerate(cell_rows) if value in cells)
        return builder.cell(value, labels, source, line)
