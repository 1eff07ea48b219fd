"""pyarrow's parse of a large rank-column CSV file, which may start before the rest of a count.

:func:`start_parse` maps the file, reads the layout its header names and starts pyarrow's parse
of the used columns on a thread; pyarrow releases the interpreter's lock while it parses, so the
ballot builder, the election model and the other readers are imported meanwhile. The reader
(:func:`tallyroom.rcv.fast_csv.read_fast_csv`) then checks the file as for a parse of its own and
takes the table. Of the libraries, this module imports only pyarrow (and numpy, which pyarrow
imports); of the package, nothing that needs numpy.

Where the process may run on more than one processor and one is free, pyarrow parses on its
threads: a few hundredths of a second more processor time, half the parse's wall time on an idle
machine (:func:`parse_threads`).
"""

from __future__ import annotations

import codecs
import mmap
import os
import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tallyroom.errors import ParseError
from tallyroom.rcv.table_layout import TableLayout, detect_layout

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FAST_MIN_BYTES", "StartedParse", "parse_threads", "read_table", "start_parse"]

#: The file's bytes: mapped (or, for a last line without its end, copied with one added).
Text = bytes | mmap.mmap

#: Smallest file read with pyarrow: below this, importing it costs more than the reading saves.
FAST_MIN_BYTES = 4 * 1024 * 1024


class StartedParse:
    """pyarrow's parse of a mapped file's used columns, running on a thread."""

    def __init__(self, raw: Text, begin: int, layout: TableLayout) -> None:
        self.raw, self.begin, self.layout = raw, begin, layout
        self._table: pa.Table | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="csv-parse", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._table = read_table(self.raw, self.begin, self.layout)
        except BaseException as error:  # pragma: no cover - raised again by table()
            self._error = error

    def table(self) -> pa.Table | None:
        """The parsed table (None when pyarrow found the rows uneven), once the parse is done;
        an unexpected error of the parse is raised here."""
        self._thread.join()
        table, self._table = self._table, None
        if self._error is not None:
            raise self._error
        return table

    def close(self) -> None:
        """Wait for the parse and drop its table (nothing still reads the file afterwards)."""
        self._thread.join()
        self._table = None


def start_parse(path: Path, max_bytes: int) -> StartedParse | None:
    """The parse of ``path``, started, when it is a CSV file of :data:`FAST_MIN_BYTES` to
    ``max_bytes`` bytes whose header names its rank columns (and no weight column); None for any
    other file, or one that cannot be looked at (the reader says why)."""
    if path.suffix.lower() in (".json", ".xml", ".xlsx", ".xlsm", ".abif", ".blt"):
        return None
    try:
        found = path.stat()
        # A regular file only: opening a named pipe would wait for a writer.
        if not stat.S_ISREG(found.st_mode) or not FAST_MIN_BYTES <= found.st_size <= max_bytes:
            return None
        with path.open("rb") as handle:
            from tallyroom.rcv.readers import mapped_file

            raw = mapped_file(handle.fileno())
    except (OSError, ValueError):
        return None
    begin = 3 if raw[:3] == b"\xef\xbb\xbf" else 0
    if raw[begin : begin + 4096].lstrip()[:1] in (b"{", b"[", b"<"):
        return None  # a JSON or XML report
    head = raw[: 1 << 16]
    if b'"' in head or b"\x00" in head:
        return None  # quoted cells (or binary data): the columnar reader would decline the file
    try:
        layout = detect_layout(line_at(raw, begin)[0].decode("utf-8").split(","))
    except (UnicodeDecodeError, ParseError):
        return None
    if layout is None or not handled(layout):
        return None
    import pyarrow  # noqa: F401  (here, not on the thread: an import holds the interpreter's lock)

    return StartedParse(raw, begin, layout)


def parse_threads() -> bool:
    """Whether pyarrow parses on its threads: when the process may run on several processors
    and, over the last minute, at least one of them has been half idle (the load average is
    below their number less a half). On a busy machine the threads add processor time without
    shortening the parse."""
    try:
        processors = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - a system without affinity masks
        processors = os.cpu_count() or 1
    if processors < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - a system without a load average
        return True
    return load < processors - 0.5


def plain(raw: Text, begin: int) -> bool:
    """Whether the bytes are UTF-8 text without quotes or NULs, and not starting blank.

    Line ends may be ``\\n``, ``\\r\\n`` or ``\\r`` (both readers split lines alike); blank
    lines are looked for only when a row reads as all empty (:func:`blank_lines`).
    """
    import numpy as np

    if raw.find(b'"') >= 0 or raw.find(b"\x00") >= 0 or raw[begin : begin + 1] in (b"\n", b"\r"):
        return False
    if int(np.frombuffer(raw, dtype=np.uint8).max(initial=0)) >= 0x80:
        try:
            codecs.utf_8_decode(raw, "strict", True)
        except UnicodeDecodeError:
            return False
    return True


def blank_lines(raw: Text) -> bool:
    """Whether a line of the file is empty."""
    return any(raw.find(pair) >= 0 for pair in (b"\n\n", b"\n\r", b"\r\r"))


def line_at(raw: Text, start: int) -> tuple[bytes, int]:
    """The line starting at ``start`` (without its end) and where the next one starts."""
    newline = raw.find(b"\n", start)
    end = len(raw) if newline < 0 else newline
    carriage = raw.find(b"\r", start, end)
    if carriage >= 0:
        after = carriage + 2 if carriage + 1 == newline else carriage + 1
        return raw[start:carriage], after
    return raw[start:end], end + 1


def first_width(raw: Text, begin: int, first_row: int) -> int:
    """The number of cells of the first ballot line; 0 when a line before it is blank."""
    start = begin
    for _ in range(first_row):
        line, start = line_at(raw, start)
        if not line or start > len(raw):
            return 0
    return line_at(raw, start)[0].count(b",") + 1


def handled(layout: TableLayout) -> bool:
    """Whether the layout uses only what this reader reads (no weights, nothing unknown)."""
    if layout.weight_column is not None or layout.offset:
        return False
    known = {"first_row", "id_column", "offset", "precinct_column", "rank_columns"}
    return all(
        getattr(layout, name, None) is None for name in layout.__slots__ if name not in known
    )


def used(layout: TableLayout) -> list[int]:
    """The columns the ballots are read from: the rank columns, then the precinct's."""
    extra = [layout.precinct_column] if layout.precinct_column is not None else []
    return [*layout.rank_columns, *extra]


def read_table(raw: Text, begin: int, layout: TableLayout) -> pa.Table | None:
    """The used columns, dictionary-encoded; None when pyarrow finds the rows uneven."""
    import pyarrow as pa
    from pyarrow import csv

    from tallyroom.limits import MAX_COLUMNS

    columns = sorted(set(used(layout)))
    names = [f"f{column}" for column in columns]
    if raw[-1:] not in (b"\n", b"\r"):
        raw = raw[:] + b"\n"  # pyarrow cannot size a table from a lone unterminated row
    text = pa.py_buffer(raw).slice(begin)
    try:
        table = csv.read_csv(
            pa.BufferReader(text),
            read_options=csv.ReadOptions(
                skip_rows=layout.first_row,
                autogenerate_column_names=True,
                use_threads=parse_threads(),
            ),
            parse_options=csv.ParseOptions(
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=csv.ConvertOptions(
                include_columns=names,
                column_types=dict.fromkeys(names, pa.dictionary(pa.int32(), pa.string())),
                strings_can_be_null=False,
                null_values=[],
                check_utf8=False,  # checked whole in plain()
            ),
        )
    except (pa.ArrowException, KeyError):  # uneven rows, or fewer columns than the layout's
        return None
    if table.num_rows == 0 or table.num_columns != len(names) or len(table.schema) > MAX_COLUMNS:
        return None
    return table
