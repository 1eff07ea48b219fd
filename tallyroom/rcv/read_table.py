"""Ballots laid out as a table: CSV with rank columns, ES&S spreadsheets, RCTab's generic CSV.

In a rank-column table each row is a ballot and the cell in rank column ``i`` names the candidate
ranked ``i``-th (or carries a label: skipped rank, overvote, undeclared write-in). A header row
with names like ``ballot_id``, ``precinct``, ``weight``, ``rank1``…``rankN`` is recognised
without options; otherwise positions are given (1-based, as RCTab's configuration gives them).
"""

from __future__ import annotations

import csv
import operator
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tallyroom.errors import ParseError
from tallyroom.limits import (
    MAX_FILE_BYTES,
    MAX_RANKINGS,
    check_count,
    check_file_size,
    csv_rows,
    whole_count,
)
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.cells import CellLabels
from tallyroom.rcv.distinct_rows import add_distinct_rows
from tallyroom.rcv.table_layout import TableLayout, detect_layout
from tallyroom.rcv.types import ranking_of

__all__ = [
    "read_candidate_columns_csv",
    "read_rank_csv",
    "read_rank_table",
    "rows_of_csv",
    "rows_of_xlsx",
]

#: Longest line (bytes) the grouping of identical lines takes; longer lines are read row by row
#: (grouping's memory grows with the square of the longest line, and with it times the lines).
_GROUPING_LINE = 4096


def rows_of_csv(path: Path) -> Iterator[list[str]]:
    """The rows of a CSV file, within the limits of :mod:`tallyroom.limits`."""
    _check_size(path)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            for _, row in csv_rows(reader, str(path)):
                yield row
        except UnicodeDecodeError as error:
            raise ParseError(
                f"not UTF-8 text ({error.reason}) after line {reader.line_num}", source=str(path)
            ) from error


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ParseError(f"cannot read file: {error.strerror}", source=str(path)) from None
    check_file_size(size, str(path))


def rows_of_xlsx(path: Path) -> Iterator[list[str]]:
    """Rows of the first worksheet, streamed (openpyxl read-only mode)."""
    import openpyxl

    _check_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ParseError(f"not a readable .xlsx workbook ({error})", source=str(path)) from error
    try:
        sheet = book.worksheets[0]
        # Rows the sheet stores (even with no value in them) are ballots, as RCTab reads them;
        # rows it leaves out are not, so the gaps openpyxl fills in come out empty.
        stored: set[int] | None = None
        for number, values in enumerate(_quietly(sheet.iter_rows(values_only=True)), start=1):
            if all(v is None for v in values):  # stored, or a gap openpyxl fills in?
                if stored is None:
                    stored = _stored_rows(sheet)
                if number not in stored:
                    yield []
                    continue
            yield ["" if v is None else _cell_text(v) for v in values]
    finally:
        book.close()


def _quietly(rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """``rows`` without openpyxl's warnings about workbook features it drops (extensions,
    data validation): they do not touch cell values."""
    while True:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            values = next(rows, None)
        if values is None:
            return
        yield values


def _stored_rows(sheet: Any) -> set[int]:
    """Numbers of the rows a read-only worksheet stores (openpyxl's own sheet parser)."""
    from openpyxl.worksheet._reader import WorkSheetParser

    with sheet._get_source() as src:
        parser = WorkSheetParser(src, sheet._shared_strings)
        return {int(row[0]) for row in _quietly(parser.parse())}  # type: ignore[call-overload]


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
        layout = _header_layout(header, source)
    else:
        for _ in range(layout.first_row):
            if next(iterator, None) is None:
                return
            line += 1
    grouper = _RowGrouper(layout, builder, source)
    for row in iterator:
        line += 1
        grouper.add(row, line, 1)
    grouper.finish(labels)


def read_rank_csv(
    path: Path, layout: TableLayout | None, labels: CellLabels, builder: BallotBuilder
) -> None:
    """A rank-column CSV file; identical lines are grouped before any cell is parsed.

    Files without quotes (the usual export) are grouped on their raw bytes: the columns before
    the first one that matters (typically a unique ballot id) are cut off and identical
    remainders counted with numpy (:mod:`tallyroom.rcv.line_groups`); only the distinct
    remainders are decoded and parsed. Other files go through the ``csv`` module row by row.
    """
    from tallyroom.rcv.line_groups import byte_count, group_lines, line_bounds, read_padded

    source = str(path)
    _check_size(path)
    raw, size = read_padded(path)
    begin = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    padded = np.frombuffer(raw, dtype=np.uint8)[begin:]
    buf = padded[: size - begin]
    data = memoryview(raw)[begin:]
    starts, ends = line_bounds(buf)
    plain = raw.find(b'"', 0, size) < 0 and raw.find(b"\x00", 0, size) < 0
    if plain and raw.find(b"\r", 0, size) >= 0:  # only as line ends ("\r\n")
        plain = byte_count(buf, 13) == int(np.count_nonzero(buf[ends[ends < buf.size]] == 13))
    if plain and starts.size:
        longest = int((ends - starts).max())
        # grouping pads every line to the longest; very long lines are read row by row
        plain = longest <= _GROUPING_LINE and longest * starts.size <= MAX_FILE_BYTES
    if not plain:
        read_rank_table(rows_of_csv(path), layout, labels, builder, source)
        return

    def text_of(start: int, end: int, line: int) -> str:
        try:
            return str(data[start:end], "utf-8")
        except UnicodeDecodeError as error:
            raise ParseError(
                f"not UTF-8 text ({error.reason})", source=source, line=line
            ) from error

    if layout is None:
        if starts.size == 0:
            raise ParseError("empty ballot file", source=source)
        layout = _header_layout(text_of(int(starts[0]), int(ends[0]), 1).split(","), source)
    skip = layout.first_row
    if skip >= starts.size:
        return
    used = [*layout.rank_columns]
    used += [c for c in (layout.precinct_column, layout.weight_column) if c is not None]
    cut = min(used)
    groups = group_lines(padded, size - begin, starts[skip:], ends[skip:], cut)
    if groups is None:  # pragma: no cover - a 64-bit hash collision between distinct lines
        read_rank_table(rows_of_csv(path), layout, labels, builder, source)
        return
    for short in groups.short.tolist():
        number = short + skip + 1
        text = text_of(int(starts[short + skip]), int(ends[short + skip]), number)
        if text.strip():
            raise ParseError(
                f"row has {text.count(',') + 1} cells; rank columns start at column "
                f"{layout.rank_columns[0] + 1}",
                source=source,
                line=number,
                text=text,
            )
    blob = _joined(padded, groups.starts, groups.ends)
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError as error:
        group = blob.count(b"\n", 0, error.start)
        number = int(groups.lines[group]) + skip + 1
        text_of(int(groups.starts[group]), int(groups.ends[group]), number)
        raise  # pragma: no cover - text_of raised above
    add_distinct_rows(
        blob,
        (groups.lines + (skip + 1)).tolist(),
        groups.counts.tolist(),
        TableLayout.shifted(layout, cut),
        labels,
        builder,
        source,
    )


def _joined(
    data: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> bytes:
    """The byte ranges ``starts[i]:ends[i]`` of ``data`` joined with newlines."""
    if starts.size == 0:
        return b""
    lengths = ends - starts + 1
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum()) - 1
    source = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, lengths)[:total]
    joined = data[source]
    joined[(offsets + lengths - 1)[:-1]] = 10
    return bytes(joined.tobytes())


def _header_layout(header: Sequence[str], source: str) -> TableLayout:
    try:
        layout = detect_layout(header)
    except ParseError as error:
        raise ParseError(error.message, source=source, line=1) from None
    if layout is None:
        raise ParseError(
            "no rank columns recognised in the header (expected rank1, rank2, …) and no "
            "first vote column given",
            source=source,
            line=1,
            text=",".join(header),
        )
    return layout


class _RowGrouper:
    """Groups ballot rows by (rank cells, precinct), then turns each distinct group into codes."""

    def __init__(self, layout: TableLayout, builder: BallotBuilder, source: str) -> None:
        self.layout = layout
        self.builder = builder
        self.source = source
        builder.rank_columns = max(builder.rank_columns or 0, len(layout.rank_columns))
        self.needed = max(layout.rank_columns)
        getter = operator.itemgetter(*layout.rank_columns)
        if len(layout.rank_columns) == 1:
            self.pick: Callable[[list[str]], tuple[str, ...]] = lambda row: (getter(row),)
        else:
            self.pick = getter
        self.counts: dict[tuple[tuple[str, ...], str | None], list[int]] = {}
        self.last_line = 0
        self.in_order = True

    def add(self, row: list[str], line: int, repeat: int) -> None:
        """One row seen ``repeat`` times, first on ``line``."""
        if not row or (len(row) == 1 and not row[0].strip()):
            return
        layout = self.layout
        if len(row) <= self.needed:
            if len(row) < layout.rank_columns[0] + 1:
                raise ParseError(
                    f"row has {len(row) + layout.offset} cells; rank columns start at column "
                    f"{layout.rank_columns[0] + 1 + layout.offset}",
                    source=self.source,
                    line=line,
                    text=",".join(row),
                )
            row = row + [""] * (self.needed + 1 - len(row))
        cells = self.pick(row)
        precinct_column = layout.precinct_column
        precinct = row[precinct_column].strip() or None if precinct_column is not None else None
        weight = repeat
        if layout.weight_column is not None:
            text = row[layout.weight_column].strip()
            if not text.isdigit():
                raise ParseError(
                    "weight must be a whole number of ballots",
                    source=self.source,
                    line=line,
                    text=text,
                )
            weight = whole_count(text, self.source, line, "weight") * repeat
        if line < self.last_line:
            self.in_order = False
        self.last_line = line
        key = (cells, precinct)
        entry = self.counts.get(key)
        if entry is None:
            self.counts[key] = [weight, line]
        else:
            entry[0] += weight
            if line < entry[1]:
                entry[1] = line

    def finish(self, labels: CellLabels) -> None:
        builder = self.builder
        source = self.source
        items = list(self.counts.items())
        if not self.in_order:
            items.sort(key=lambda item: item[1][1])
        by_text: dict[str, tuple[int, ...]] = {}
        ranks = range(1, len(self.layout.rank_columns) + 1)
        for (cells, precinct), (weight, first_line) in items:
            codes_of = list(map(by_text.get, cells))
            if None in codes_of:
                for position, text in enumerate(cells):
                    if codes_of[position] is None:
                        codes = builder.cell(text, labels, source, first_line)
                        by_text[text] = codes
                        codes_of[position] = codes
            ranking = tuple(compress(zip(ranks, codes_of, strict=True), codes_of))
            check_count(weight, source, first_line, "ballots")
            builder.add(ranking, precinct, weight, source, first_line)  # type: ignore[arg-type]


def read_candidate_columns_csv(
    path: Path,
    first_vote_column: int,
    first_vote_row: int,
    labels: CellLabels,
    builder: BallotBuilder,
    precinct_column: int | None = None,
) -> None:
    """RCTab's generic CSV: one column per candidate (header = name), cells hold rank numbers.

    ``precinct_column`` (1-based) names each ballot's precinct; it must lie before the first
    vote column."""
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
        marks: list[tuple[int, int]] = []
        for column in range(first_vote_column - 1, len(row)):
            text = row[column].strip()
            if not text:
                continue
            if not text.isdecimal():
                raise ParseError(
                    f"expected a rank number in column {column + 1}",
                    source=source,
                    line=line,
                    text=text,
                )
            if len(text) > 4 or int(text) > MAX_RANKINGS:
                raise ParseError(
                    f"rank in column {column + 1} is past the limit of {MAX_RANKINGS:,} rankings",
                    source=source,
                    line=line,
                    text=text,
                )
            if column >= len(header):
                raise ParseError(
                    f"row has {len(row)} cells, the header {len(header)}", source=source, line=line
                )
            name = header[column]
            if (
                labels.undeclared_write_in_label is not None
                and name == labels.undeclared_write_in_label
            ):
                code = builder.write_in_code()
            else:
                code = builder.candidate(name, source, line)
            marks.append((int(text), code))
        ranking = ranking_of(marks)
        precinct = None
        if precinct_column is not None and precinct_column <= len(row):
            precinct = row[precinct_column - 1].strip() or None
        builder.add(ranking, precinct, 1, source, line)
