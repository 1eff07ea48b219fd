"""Turn the distinct rows of a rank-column file into ballot groups, all rows at once.

Each distinct row has been counted already (identical lines grouped); here the rows are split
into cells, the few distinct cell values are parsed once each (candidate, alias, label), and the
rankings and their dense codes are made for every row together
(:func:`~tallyroom.rcv.rank_table.rankings_from_cells`). Python work per row is limited to
C-level ``map``/``split`` passes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tallyroom.errors import ParseError, ValidationError
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.cells import CellLabels
from tallyroom.rcv.rank_table import rankings_from_cells
from tallyroom.rcv.types import Ranking

if TYPE_CHECKING:
    from tallyroom.rcv.table_layout import TableLayout

__all__ = ["add_cell_groups", "add_distinct_rows", "cell_codes"]


def merged(keys: Sequence[Hashable], counts: Sequence[int]) -> tuple[list[int], list[int]] | None:
    """Rows whose keys repeat, as one: the index of each key's first row, in order, and the sum
    of the counts of its rows; ``None`` when no key repeats (nothing to merge)."""
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    if len(first) == len(keys):
        return None
    totals = [0] * len(keys)
    for key, count in zip(keys, counts, strict=True):
        totals[first[key]] += count
    chosen = sorted(first.values())
    return chosen, [totals[i] for i in chosen]


def add_distinct_rows(
    blob: bytes,
    lines: list[int],
    repeats: list[int],
    layout: TableLayout,
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
) -> None:
    """Add distinct comma-separated rows, joined by newlines in ``blob`` (UTF-8, already checked),
    first seen on ``lines`` and seen ``repeats`` times."""
    builder.rank_columns = max(builder.rank_columns or 0, len(layout.rank_columns))
    extra = [c for c in (layout.precinct_column, layout.weight_column) if c is not None]
    width = max([*layout.rank_columns, *extra]) + 1
    text = blob.decode("utf-8")
    per_row = _cells_per_row(blob, len(lines))
    if per_row is not None and per_row >= max(width, 2):
        flat = text.replace("\n", ",").split(",")

        def column(number: int) -> list[str]:
            return flat[number::per_row]

    else:
        rows, lines, repeats = _split_rows(text, lines, repeats, layout, width, source)

        def column(number: int) -> list[str]:
            return [row[number] for row in rows]

    columns = [column(c) for c in layout.rank_columns]
    cell_ids, values = _identify(columns)
    codes = [
        cell_codes(value, number, cell_ids, lines, labels, builder, source)
        for number, value in enumerate(values)
    ]
    precincts: list[str | None]
    if layout.precinct_column is not None:
        precincts = [p.strip() or None for p in column(layout.precinct_column)]
    else:
        precincts = [None] * len(lines)
    counts = list(repeats)
    if layout.weight_column is not None:
        for index, raw in enumerate(column(layout.weight_column)):
            weight = raw.strip()
            if not weight.isdigit():
                raise ParseError(
                    "weight must be a whole number of ballots",
                    source=source,
                    line=lines[index],
                    text=weight,
                )
            counts[index] = int(weight) * counts[index]

    add_cell_groups(cell_ids, codes, precincts, counts, lines, builder, source)


def add_cell_groups(
    cell_ids: npt.NDArray[np.int64],
    cell_codes: Sequence[tuple[int, ...]],
    precincts: list[str | None],
    counts: list[int],
    lines: list[int],
    builder: BallotBuilder,
    source: str,
    *,
    distinct: bool = False,
) -> None:
    """Add the distinct rows of a table of cells (:func:`rankings_from_cells`) as ballot groups;
    rows that differ but are the same ballot (spacing, aliases, …) become one group, at the
    first one's place, with their counts summed. ``distinct``: the caller knows no two rows are
    the same ballot (no two rows alike, and each cell value its own codes), so none are merged
    (the search would find none)."""
    rankings, codes, general = rankings_from_cells(cell_ids, cell_codes)
    if distinct:
        builder.add_groups(rankings, precincts, counts, lines, (codes, general), source)
        return
    keys = list(zip(_ballot_keys(rankings, codes, general), precincts, strict=True))
    found = merged(keys, counts)
    if found is not None:
        chosen, counts = found
        rankings = [rankings[i] for i in chosen]
        precincts = [precincts[i] for i in chosen]
        lines = [lines[i] for i in chosen]
        codes, general = codes[chosen], general[chosen]
    builder.add_groups(rankings, precincts, counts, lines, (codes, general), source)


def _ballot_keys(
    rankings: list[Ranking], codes: npt.NDArray[np.int32], general: npt.NDArray[np.bool_]
) -> list[bytes | Ranking]:
    """A key per row, equal for two rows exactly when their rankings are equal.

    A row of the dense table (not general) is its ranking, one code per rank: the row's bytes
    are hashed instead of the nested ranking, which costs several times more. A general row's
    table row is blank, so its key is its ranking (a tuple: never equal to bytes).
    """
    if codes.shape[1] == 0 or codes.shape[0] == 0:
        return list(rankings)
    rows = np.ascontiguousarray(codes, dtype=np.int32)
    packed: list[bytes | Ranking] = (
        rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).reshape(-1).tolist()
    )
    if general.any():
        for index in np.flatnonzero(general).tolist():
            packed[index] = rankings[index]
    return packed


def _cells_per_row(blob: bytes, rows: int) -> int | None:
    """The number of cells of every row, when all rows have the same number; else None."""
    if rows == 0:
        return None
    data = np.frombuffer(blob, dtype=np.uint8)
    commas = np.cumsum(data == 44, dtype=np.int64)
    ends = np.append(np.flatnonzero(data == 10), data.size)
    if ends.size != rows:  # pragma: no cover - rows never hold a newline
        return None
    before = np.concatenate(([0], commas[ends[:-1]])) if data.size else np.zeros(1, np.int64)
    at_end = commas[ends - 1] if data.size else np.zeros(1, np.int64)
    per_row = at_end - before
    empty = ends == np.concatenate(([0], ends[:-1] + 1))
    per_row[empty] = 0
    if per_row.size and np.all(per_row == per_row[0]):
        return int(per_row[0]) + 1
    return None


def _split_rows(
    text: str,
    lines: list[int],
    repeats: list[int],
    layout: TableLayout,
    width: int,
    source: str,
) -> tuple[list[list[str]], list[int], list[int]]:
    """Rows of uneven length: blank rows dropped, short rows padded or refused."""
    rows = [row.split(",") for row in text.split("\n")] if lines else []
    dropped: list[int] = []
    for index, row in enumerate(rows):
        if len(row) >= max(width, 2):
            continue
        if len(row) == 1 and not row[0].strip():
            dropped.append(index)
        elif len(row) < layout.rank_columns[0] + 1:
            raise ParseError(
                f"row has {len(row) + layout.offset} cells; rank columns start at column "
                f"{layout.rank_columns[0] + 1 + layout.offset}",
                source=source,
                line=lines[index],
                text=",".join(row),
            )
        elif len(row) < width:
            row.extend([""] * (width - len(row)))
    if dropped:
        keep = sorted(set(range(len(rows))) - set(dropped))
        rows = [rows[i] for i in keep]
        lines = [lines[i] for i in keep]
        repeats = [repeats[i] for i in keep]
    return rows, lines, repeats


def _identify(columns: list[list[str]]) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Each cell's value number (values numbered in order of first appearance, row by row)."""
    rows = len(columns[0]) if columns else 0
    seen: set[str] = set()
    for cells in columns:
        seen.update(cells)
    interim = {value: number for number, value in enumerate(seen)}
    ids = np.empty((rows, len(columns)), dtype=np.int64)
    for position, cells in enumerate(columns):
        ids[:, position] = np.fromiter(map(interim.__getitem__, cells), np.int64, count=rows)
    by_interim = list(interim)
    first = np.full(len(by_interim), ids.size, dtype=np.int64)
    np.minimum.at(first, ids.reshape(-1), np.arange(ids.size, dtype=np.int64))
    in_order = np.argsort(first, kind="stable")
    renumber = np.empty(len(by_interim), dtype=np.int64)
    renumber[in_order] = np.arange(in_order.size)
    return renumber[ids], [by_interim[i] for i in in_order.tolist()]


def cell_codes(
    value: str,
    number: int,
    cell_ids: npt.NDArray[np.int64],
    lines: Sequence[int],
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
) -> tuple[int, ...]:
    """Codes of one distinct cell value; a refusal names the first line that has it."""
    try:
        return builder.cell(value, labels, source, None)
    except ValidationError:
        line = lines[int(np.argmax((cell_ids == number).any(axis=1)))]
        return builder.cell(value, labels, source, line)
