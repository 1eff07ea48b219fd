"""Ballots laid out as a table: CSV with rank columns, ES&S spreadsheets, RCTab's generic CSV.

In a rank-column table each row is a ballot and the cell in rank column ``i`` names the candidate
ranked ``i``-th (or carries a label: skipped rank, overvote, undeclared write-in). A header row
with names like ``ballot_id``, ``precinct``, ``weight``, ``rank1``…``rankN`` is recognised
without options; otherwise positions are given (1-based, as RCTab's configuration gives them).
"""

from __future__ import annotations

import csv
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tallyroom.errors import ParseError
from tallyroom.rcv.builder import BallotBuilder, CellLabels

__all__ = [
    "TableLayout",
    "read_candidate_columns_csv",
    "read_rank_table",
    "rows_of_csv",
    "rows_of_xlsx",
]

_RANK_HEADER = re.compile(r"^(?:rank|choice|preference)[ _-]?(\d+)$", re.IGNORECASE)
_ID_HEADERS = {
    "ballot_id",
    "ballotid",
    "ballot id",
    "id",
    "cvr_id",
    "cvr id",
    "record id",
    "record_id",
}
_PRECINCT_HEADERS = {"precinct", "precinct_id", "precinct id", "precinctid"}
_WEIGHT_HEADERS = {"weight", "count", "ballots"}


class TableLayout:
    """Where the ballots are in a table (0-based internally)."""

    __slots__ = ("first_row", "id_column", "precinct_column", "rank_columns", "weight_column")

    def __init__(
        self,
        rank_columns: Sequence[int],
        first_row: int,
        id_column: int | None = None,
        precinct_column: int | None = None,
        weight_column: int | None = None,
    ) -> None:
        self.rank_columns = tuple(rank_columns)
        self.first_row = first_row
        self.id_column = id_column
        self.precinct_column = precinct_column
        self.weight_column = weight_column


def rows_of_csv(path: Path) -> Iterator[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.reader(handle)


def rows_of_xlsx(path: Path) -> Iterator[list[str]]:
    """Rows of the first worksheet, streamed (openpyxl read-only mode)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ParseError(f"not a readable .xlsx workbook ({error})", source=str(path)) from error
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if v is None else _cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def detect_layout(header: Sequence[str]) -> TableLayout | None:
    """A layout from a recognised header row, or None."""
    ranks: list[tuple[int, int]] = []
    id_column = precinct_column = weight_column = None
    for column, raw in enumerate(header):
        name = raw.strip().lower()
        match = _RANK_HEADER.match(name)
        if match:
            ranks.append((int(match.group(1)), column))
        elif name in _ID_HEADERS and id_column is None:
            id_column = column
        elif name in _PRECINCT_HEADERS and precinct_column is None:
            precinct_column = column
        elif name in _WEIGHT_HEADERS and weight_column is None:
            weight_column = column
    if not ranks:
        return None
    ranks.sort()
    if [r for r, _ in ranks] != list(range(1, len(ranks) + 1)):
        return None
    return TableLayout([c for _, c in ranks], 1, id_column, precinct_column, weight_column)


def read_rank_table(
    rows: Iterable[list[str]],
    layout: TableLayout | None,
    labels: CellLabels,
    builder: BallotBuilder,
    source: str,
) -> None:
    """Add every ballot row to ``builder``; ``layout`` None means: detect it from the header."""
    iterator = iter(rows)
    line = 0
    if layout is None:
        header = next(iterator, None)
        line = 1
        if header is None:
            raise ParseError("empty ballot file", source=source)
        layout = detect_layout(header)
        if layout is None:
            raise ParseError(
                "no rank columns recognised in the header (expected rank1, rank2, …) and no "
                "first vote column given",
                source=source,
                line=1,
                text=",".join(header),
            )
    else:
        for _ in range(layout.first_row):
            if next(iterator, None) is None:
                return
            line += 1
    columns = layout.rank_columns
    builder.rank_columns = max(builder.rank_columns or 0, len(columns))
    needed = max(columns)
    precinct_column = layout.precinct_column
    weight_column = layout.weight_column
    getter = operator.itemgetter(*columns)

    def pick(row: list[str]) -> tuple[str, ...]:
        picked = getter(row)
        return picked if isinstance(picked, tuple) else (picked,)

    cache: dict[tuple[str, ...], tuple[tuple[int, tuple[int, ...]], ...]] = {}
    counts: dict[tuple[tuple[str, ...], str | None], list[int]] = {}
    order: list[tuple[tuple[str, ...], str | None]] = []
    for row in iterator:
        line += 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) <= needed:
            if len(row) < columns[0] + 1:
                raise ParseError(
                    f"row has {len(row)} cells; rank columns start at column {columns[0] + 1}",
                    source=source,
                    line=line,
                    text=",".join(row),
                )
            row = row + [""] * (needed + 1 - len(row))
        cells = pick(row)
        precinct = row[precinct_column].strip() or None if precinct_column is not None else None
        weight = 1
        if weight_column is not None:
            text = row[weight_column].strip()
            if not text.isdigit():
                raise ParseError(
                    "weight must be a whole number of ballots", source=source, line=line, text=text
                )
            weight = int(text)
        key = (cells, precinct)
        entry = counts.get(key)
        if entry is None:
            counts[key] = [weight, line]
            order.append(key)
        else:
            entry[0] += weight
    for key in order:
        cells, precinct = key
        ranking = cache.get(cells)
        weight, first_line = counts[key]
        if ranking is None:
            ranking = tuple(
                (rank, codes)
                for rank, codes in (
                    (rank, builder.cell(text, labels, source, first_line))
                    for rank, text in enumerate(cells, start=1)
                )
                if codes
            )
            cache[cells] = ranking
        builder.add(ranking, precinct, weight, source, first_line)


def read_candidate_columns_csv(
    path: Path,
    first_vote_column: int,
    first_vote_row: int,
    labels: CellLabels,
    builder: BallotBuilder,
) -> None:
    """RCTab's generic CSV: one column per candidate (header = name), cells hold rank numbers."""
    source = str(path)
    rows = rows_of_csv(path)
    header = next(rows, None)
    if header is None:
        raise ParseError("empty ballot file", source=source)
    line = 1
    for _ in range(max(first_vote_row - 2, 0)):
        next(rows, None)
        line += 1
    for row in rows:
        line += 1
        by_rank: dict[int, list[int]] = {}
        for column in range(first_vote_column - 1, len(row)):
            text = row[column].strip()
            if not text:
                continue
            if not text.isdigit():
                raise ParseError(
                    f"expected a rank number in column {column + 1}",
                    source=source,
                    line=line,
                    text=text,
                )
            name = header[column]
            if (
                labels.undeclared_write_in_label is not None
                and name == labels.undeclared_write_in_label
            ):
                code = builder.write_in_code()
            else:
                code = builder.candidate(name, source, line)
            by_rank.setdefault(int(text), []).append(code)
        ranking = tuple((rank, tuple(codes)) for rank, codes in sorted(by_rank.items()))
        builder.add(ranking, None, 1, source, line)
