"""The OpenElections reader by columns: a statewide precinct file in a fifth of the time.

:mod:`tallyroom.formats.openelections` reads a file row by row, about 7 µs a row. This reader
gives the same elections, notes, lines and warnings (``tests/test_openelections_columnar.py``
holds it to the row-by-row reader) from pyarrow's CSV reader, a block of rows at a time:

* every column comes as a dictionary (a block's distinct cells, and each row's number among
  them); the distinct cells of the repeated columns (county, ward, precinct, office, district,
  party, candidate, place, date) are numbered file-wide by a dict over the block's few distinct
  cells, and each row keeps only the numbers;
* what the row-by-row reader decides from a row's cells (the unit of a county, ward and
  precinct; what an office, candidate or party cell says; the place of a municipal office; the
  contest, the stage and the candidate's name) is decided once per distinct cell or combination
  of cells, in the order they first come, so contests, candidates, stages and units come in the
  same order;
* each distinct vote cell is read once, as the row-by-row reader reads it (``12``, ``6.0``,
  ``"1,142"``; ``x`` a note, with each row's line), and the rows take its count by its number;
* each stage's figures are made as numpy columns: its rows' counts in the columns' order (the
  total first), then its units' summary figures (registered voters, ballots cast) in the order of
  its units, and its results are their roll-up, summed by columns (a stage of a few figures is
  made a figure at a time, as the row-by-row reader makes it).

pyarrow reads on threads of its own; the bytes it reads are given to ``feed`` (a file's hash as
it is read) and their lines counted as they pass, and it is kept a couple of blocks ahead of
the rows used, so memory holds the rows' numbers and not the file.

Notes name a row's line, which is its place plus 2 only when every line holds one row. The
reader gives up (``None``: read the file row by row) whenever it cannot be sure of what the
row-by-row reader would give: a blank line (but at the end), a quoted line break, a line ending
in a lone CR, a row of another width, a byte that is not UTF-8, a cell or column count past the
CSV limits, a unit whose rows come again (a split precinct), a count past the limit, or any
error (the row-by-row reader then words it).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from tallyroom.errors import TallyroomError
from tallyroom.formats import openelections as rows
from tallyroom.formats.conversion import UNIT_ROWS, Loaded
from tallyroom.formats.states import nonpartisan_primary
from tallyroom.limits import MAX_COLUMNS, MAX_FIELD_CHARS, MAX_VOTES
from tallyroom.model import (
    Jurisdiction,
    ReportingUnit,
    Stage,
    StageKind,
    UnitResultsBuilder,
    Unread,
)
from tallyroom.unit_arrays import narrowest_type, unit_results, vote_type

__all__ = ["read_columnar_file", "read_columnar_text"]

#: Rows are read in blocks of this many bytes (larger blocks: less work per block, more memory
#: held by pyarrow's allocations; 2 MB keeps a million-row file within 200 MB).
BLOCK_BYTES = 2 << 20
_NEWLINE = ord("\n")
#: pyarrow reads at most this many blocks ahead of the rows used.
AHEAD = 2
#: A read waits at most this long (seconds) for rows to be used.
_WAIT = 0.25
#: Codes of a column's distinct cells, and of contests, fit in this many bits (a key of three).
_BITS = 21
#: A cell longer than this (in UTF-8 bytes) is left to the row-by-row reader, which refuses a
#: field of more than :data:`~tallyroom.limits.MAX_FIELD_CHARS` characters.
_LONGEST = MAX_FIELD_CHARS // 4
#: A stage of at most this many counts is made a figure at a time (see :meth:`_Made._few`).
_FEW = 256
#: What :meth:`_Reader._cell` gives for a vote cell with no count: empty, or noted.
_NONE = -1
_NOTE = -2
#: The columns read as dictionaries, by the layout's names.
_ROLES = ("county", "ward", "precinct", "office", "district", "party", "candidate", "place", "date")

Ints = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int32]
Flags = npt.NDArray[np.bool_]


class _Unsure(Exception):
    """The columns cannot say for sure what reading row by row gives: read the file so."""


def read_columnar_file(
    path: Path,
    source: str,
    precinct_wards: Mapping[str, str] | None,
    date: dt.date | None,
    kind: StageKind | None,
    jurisdiction: Jurisdiction | None,
    feed: Callable[[memoryview], None] | None,
) -> Loaded | None:
    """What :func:`~tallyroom.formats.openelections.read_openelections_file` gives for the file
    at ``path``, or ``None`` when the row-by-row reader must read it. Either way ``feed`` has
    been given every byte of the file (less a byte-order mark) once."""
    with path.open("rb") as raw:
        if raw.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            raw.seek(0)
        stream = _Stream(raw, feed)
        try:
            return _read(stream, source, precinct_wards, date, kind, jurisdiction)
        except (_Unsure, TallyroomError):
            return None
        finally:
            stream.drain()


def read_columnar_text(
    text: str,
    source: str,
    precinct_wards: Mapping[str, str] | None,
    date: dt.date | None,
    kind: StageKind | None,
    jurisdiction: Jurisdiction | None,
) -> Loaded | None:
    """What :func:`~tallyroom.formats.openelections.read_openelections` gives for ``text``
    (its line ends made ``\\n``, a leading byte-order mark taken off), or ``None`` when the
    row-by-row reader must read it."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    stream = _Stream(io.BytesIO(data), None)
    try:
        return _read(stream, source, precinct_wards, date, kind, jurisdiction)
    except (_Unsure, TallyroomError):
        return None
    finally:
        stream.drain()  # pyarrow's reading thread waits for nothing more


class _Stream:
    """The file's bytes as pyarrow reads them: each read given to ``feed``, checked to be UTF-8
    as the row-by-row reader decodes it, its line ends counted (``\\n``, and ``\\r`` alone or
    before ``\\n``).

    pyarrow reads on a thread of its own, up to 32 blocks ahead; a read here waits until the
    rows read are no more than :data:`AHEAD` blocks ahead of those used, so the blocks read
    ahead do not hold memory the size of the file (a wait ends after a while regardless, so
    a row longer than that many blocks cannot stop the reading)."""

    def __init__(self, raw: BinaryIO, feed: Callable[[memoryview], None] | None) -> None:
        self.raw = raw
        self.feed = feed
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.pending = False  # the decoder holds the start of a character
        self.newlines = 0
        self.returns = 0  # \r not followed by \n
        self.size = 0
        self.tail = b""
        self.text = True
        self.ahead = b""
        self.closed = False
        self.done = False
        self.used = 0
        self.lock = threading.Lock()
        self.turn = threading.Condition()

    def peek(self, size: int) -> bytes:
        """The first ``size`` bytes (or fewer), read ahead and still to come."""
        if not self.ahead:
            self.ahead = self._take(size)
        return self.ahead

    def read(self, size: int = -1) -> bytes:
        if self.ahead:
            if size < 0 or size >= len(self.ahead):
                data, self.ahead = self.ahead, b""
            else:
                data, self.ahead = self.ahead[:size], self.ahead[size:]
            return data
        with self.turn:
            self.turn.wait_for(lambda: self.size < self.used + AHEAD * BLOCK_BYTES, _WAIT)
        return self._take(size)

    def use(self) -> None:
        """A block of rows was used: let the reading go on."""
        with self.turn:
            self.used += BLOCK_BYTES
            self.turn.notify_all()

    def _take(self, size: int) -> bytes:
        with self.lock:
            if self.done:
                return b""
            data = self.raw.read(size)
            if not data:
                return b""
            if self.feed is not None:
                self.feed(memoryview(data))
            if self.text and (self.pending or not data.isascii()):
                try:
                    self.decoder.decode(data)
                    self.pending = bool(self.decoder.getstate()[0])
                except UnicodeDecodeError:
                    self.text = False
            # numpy counts a block's line ends in a third of the time bytes.count takes; a
            # return is looked for first (a search stops at the first), most files have none
            self.newlines += int(np.count_nonzero(np.frombuffer(data, np.uint8) == _NEWLINE))
            returns = data.count(b"\r") if b"\r" in data else 0
            if returns:
                returns -= data.count(b"\r\n")
            if data[:1] == b"\n" and self.tail[-1:] == b"\r":
                returns -= 1  # the \r that ended the last read was not alone
            self.returns += returns
            self.size += len(data)
            self.tail = (self.tail + data[-64:])[-64:]
            return data

    def drain(self) -> None:
        """Read what pyarrow left (so ``feed`` has every byte); later reads find nothing."""
        with self.turn:
            self.used = 1 << 62
            self.turn.notify_all()
        while self._take(1 << 20):
            pass
        self.done = True

    def lines(self) -> tuple[int, int]:
        """The number of lines read and of blank lines at the end (all read); ``_Unsure`` when
        a lone ``\\r`` ends a line or the text is not UTF-8."""
        if self.returns or not self.text or self.pending:
            raise _Unsure
        ends = len(self.tail) - len(self.tail.rstrip(b"\r\n"))
        if ends == len(self.tail) and self.size > len(self.tail):
            raise _Unsure  # a tail of line ends alone: count no blank lines from it
        blank = max(self.tail[len(self.tail) - ends :].count(b"\n") - 1, 0)
        last = 0 if not self.size or self.tail.endswith(b"\n") else 1
        return self.newlines + last, blank

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


class _Codes:
    """A column's distinct cells numbered file-wide in the order met: the empty cell is 0."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {"": 0}
        self.texts: list[str] = [""]

    def of(self, column: Any) -> Codes:
        """The file-wide codes of a block's dictionary column."""
        if column.null_count:
            raise _Unsure
        number, texts = self.number, self.texts
        values = column.dictionary.to_pylist()
        lut = list(map(number.get, values))
        if None in lut:
            for k, text in enumerate(values):
                if lut[k] is None:
                    found = number.get(text)  # a block's dictionary holds each text once
                    if found is None:
                        if len(text) > _LONGEST:
                            raise _Unsure
                        found = number[text] = len(texts)
                        texts.append(text)
                    lut[k] = found
            if len(texts) >= 1 << _BITS:
                raise _Unsure
        codes: Codes = np.array(lut, np.int32)[column.indices.to_numpy(zero_copy_only=False)]
        return codes


def _cells(column: Any, at: npt.NDArray[np.intp]) -> list[str]:
    """The cells of a dictionary column at rows ``at``."""
    values = column.dictionary.to_pylist()
    return [values[i] for i in column.indices.to_numpy(zero_copy_only=False)[at].tolist()]


def _first(codes: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """The distinct values of ``codes`` in the order they first come, and the position of each
    row's value among them (found among the runs of equal values: a file gives a unit's rows
    together)."""
    if not len(codes):
        return codes[:0], np.zeros(0, np.intp)
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    if len(starts) > len(codes) // 2:
        values, _, place = _uniques(codes)
        return values, place
    values, _, place = _uniques(codes[starts])
    return values, np.repeat(place, np.diff(np.append(starts, len(codes))))


def _uniques(
    codes: npt.NDArray[Any],
) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The distinct values of ``codes`` in the order they first come, where each first comes,
    and the position of each row's value among them."""
    values, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    place = np.empty(len(values), np.intp)
    place[order] = np.arange(len(values))
    return values[order], first[order], place[inverse.reshape(-1)]


def _first_small(codes: npt.NDArray[Any], size: int) -> npt.NDArray[np.int64]:
    """The distinct values of ``codes`` (each below ``size``, a few) in the order they first
    come: one pass per value, no sort."""
    firsts = []
    for value in range(size):
        hits = codes == value
        if hits.any():
            firsts.append((int(hits.argmax()), value))
    return np.array([value for _, value in sorted(firsts)], np.int64)


def _joined(first: npt.NDArray[Any], then: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    """The values of ``first``, then those of ``then`` not among them (each in order; all
    below ``size``)."""
    if not len(then):
        return first
    seen = np.zeros(size, np.bool_)
    seen[first] = True
    return np.concatenate((first, then[~seen[then]]))


def _first_of_runs(codes: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The distinct values of ``codes`` in the order they first come (found among the starts of
    runs of equal values: a file gives a unit's rows together)."""
    if not len(codes):
        return codes[:0]
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    heads = codes[starts]
    values, first = np.unique(heads, return_index=True)
    return values[np.argsort(first, kind="stable")]


class _Reader:
    """What reading a file's blocks builds, and the elections made of it at the end."""

    def __init__(
        self,
        layout: rows._Layout,
        source: str,
        kind: StageKind,
        jurisdiction: Jurisdiction,
        precinct_wards: Mapping[str, str] | None,
        file_notes: list[Unread],
    ) -> None:
        self.layout = layout
        self.source = source
        self.kind: StageKind = kind
        self.state = jurisdiction.state
        root = ReportingUnit(
            rows.CITY_UNIT, jurisdiction.city or jurisdiction.state or "All", "city"
        )
        self.units = rows._Units(root, precinct_wards or {})
        self.notes = file_notes
        self.codes = {role: _Codes() for role in _ROLES}
        self.rows = 0  # data rows read
        # count columns: (column, vote type, what a note says is expected)
        counted = [(c, t, f"expected a whole number of {t} votes") for c, t in layout.types]
        if layout.total is not None:
            counted.insert(0, (layout.total, "total", "expected a whole number of votes"))
        self.counted = counted
        self.unread_columns: tuple[int, ...] = ()  # columns read for their limits alone
        self.add_total = layout.total is None
        types = ["total"] if self.add_total else []
        types += [t for _, t, _ in counted]
        self.type_names = list(dict.fromkeys(types))
        self.column_types = np.array([self.type_names.index(t) for t in types], np.int32)
        # what each distinct cell says (grown as cells come)
        self.offices: list[rows._Office] = []
        self.candidates: list[rows._Candidate] = []
        self.parties: list[rows._Party] = []
        self.places: list[int] = []  # place number of a place (or precinct) cell
        # the same as arrays, by cell code: an office's summary row (or -1), whether it names
        # an office, whether a municipality elects it; a candidate's summary row, whether it
        # names one, whether it is an over or under vote row...; a place cell's place
        self.office_flags: tuple[npt.NDArray[Any], ...] = (np.zeros(0, np.int8),) * 3
        self.candidate_flags: tuple[npt.NDArray[Any], ...] = (np.zeros(0, np.int8),) * 3
        self.place_codes: Codes = np.zeros(0, np.int32)
        self.place_names: dict[str | None, int] = {None: 0}
        self.place_list: list[str | None] = [None]
        self.unit_of_triple: dict[int, int] = {}
        self.unit_ids: dict[str, int] = {}
        self.dates: dict[str, int] = {}
        self.contests: dict[tuple[str, str, str | None], rows._Contest] = {}
        self.contest_list: list[rows._Contest] = []
        self.contest_of_cells: dict[int, int] = {}
        self.combos: dict[int, tuple[int, int]] = {}
        self.cells: dict[str, int] = {}  # what each vote cell states (see _cell)
        self.stage_of: dict[tuple[int, str | None], int] = {}
        self.stages: list[tuple[int, str | None]] = []
        self.given: dict[tuple[int, str | None, str], int] = {}
        self.names: dict[str, int] = {}
        self.stage_names: list[list[int]] = []  # each stage's names in the order they come
        # each stage's rows that make figures, a piece per block (in the file's order): unit,
        # name, and counts plus one (0: not given), each in the narrowest type that holds
        # the block's; a stage's pieces are let go once it is made, so the rows of the stages
        # made and the figures of those to come are not held together
        self.pieces: list[list[tuple[npt.NDArray[Any], ...]]] = []
        # per block, of the summary rows: unit, row, counts, counts given
        self.kept: tuple[list[npt.NDArray[Any]], ...] = tuple([] for _ in range(4))

    # -- what distinct cells say --------------------------------------------------------------

    def _grow(self) -> None:
        """Classify the office, candidate, party and place cells met since the last block."""
        texts = self.codes["office"].texts
        self.offices.extend(rows._office(t) for t in texts[len(self.offices) :])
        texts = self.codes["candidate"].texts
        self.candidates.extend(rows._candidate(t) for t in texts[len(self.candidates) :])
        texts = self.codes["party"].texts
        self.parties.extend(rows._party(t) for t in texts[len(self.parties) :])
        by_column = self.layout.place is not None
        texts = self.codes["place" if by_column else "precinct"].texts
        for text in texts[len(self.places) :]:
            place = (rows._place_name(text) or None) if by_column else rows._place_in_precinct(text)
            number = self.place_names.get(place)
            if number is None:
                number = self.place_names[place] = len(self.place_list)
                self.place_list.append(place)
            self.places.append(number)
        if len(self.offices) != len(self.office_flags[0]):
            self.office_flags = (
                np.array([_reserved(o.reserved) for o in self.offices], np.int8),
                np.array([bool(o.name) for o in self.offices], np.bool_),
                np.array([o.municipal for o in self.offices], np.bool_),
            )
        if len(self.candidates) != len(self.candidate_flags[0]):
            self.candidate_flags = (
                np.array([_reserved(c.reserved) for c in self.candidates], np.int8),
                np.array([bool(c.name) for c in self.candidates], np.bool_),
                np.array([c.pseudo is not None for c in self.candidates], np.bool_),
            )
        if len(self.places) != len(self.place_codes):
            self.place_codes = np.array(self.places, np.int32)

    def _name(self, name: str) -> int:
        found = self.names.get(name)
        if found is None:
            found = self.names[name] = len(self.names)
        return found

    # -- a block ------------------------------------------------------------------------------

    def block(self, batch: Any) -> None:
        """Read one block of rows (a pyarrow record batch, every cell as written)."""
        n = batch.num_rows
        if not n:
            return
        offset = self.rows
        self.rows += n
        layout = self.layout
        code: dict[str, Codes] = {}
        for role in _ROLES:
            index = getattr(layout, role)
            code[role] = (
                np.zeros(n, np.int32) if index is None else self.codes[role].of(batch.column(index))
            )
        for index in self.unread_columns:
            values = batch.column(index).dictionary.to_pylist()
            if values and max(map(len, values)) > _LONGEST:
                raise _Unsure
        self._grow()
        unit = self._block_units(code)
        if layout.date is not None:
            values, firsts, _ = _uniques(code["date"])
            texts = self.codes["date"].texts
            for value, first in zip(values.tolist(), firsts.tolist(), strict=True):
                stated = texts[value].strip()
                if stated and stated not in self.dates:
                    self.dates[stated] = offset + first + 2
        votes, valid, cell_notes = self._counts(batch, n, offset)
        counted: Flags = np.asarray(valid.any(axis=1))
        noted = np.zeros(n, np.bool_)
        if cell_notes:
            noted[list(cell_notes)] = True

        office, candidate = code["office"], code["candidate"]
        off_reserved = self.office_flags[0][office]
        off_named = self.office_flags[1][office]
        cand_reserved, cand_named_of, cand_pseudo = self.candidate_flags
        cand_named = cand_named_of[candidate]
        reserved = np.where(
            off_reserved >= 0, off_reserved, np.where(off_named, -1, cand_reserved[candidate])
        )
        is_reserved = reserved >= 0
        naming = is_reserved & off_named & cand_named  # a summary row that names a candidate
        summary = is_reserved & ~naming
        officeless = ~is_reserved & ~off_named
        contest_rows = ~is_reserved & off_named
        contest = self._block_contests(code, contest_rows)
        has_name = cand_named | cand_pseudo[candidate]
        figure = contest_rows & counted & has_name
        self._notes(
            batch,
            offset,
            cell_notes,
            naming
            | officeless
            | ((summary | contest_rows) & (noted | ~counted))
            | (contest_rows & counted & ~has_name),
            naming,
            summary,
            contest,
            reserved,
            counted,
            has_name,
        )
        figures = np.flatnonzero(figure)
        stage, name = self._combos(contest[figures], code["party"][figures], candidate[figures])
        top = int(votes.max()) if votes.size else 0
        narrow = vote_type(top)
        by_stage = np.argsort(stage, kind="stable")
        order = figures[by_stage]
        # each count kept plus one, 0 for a count not given (the narrowest type that holds it)
        given = votes[order]
        given += 1
        given *= valid[order]
        top_given = top + 1
        columns = (
            unit[order].astype(narrowest_type(len(self.unit_ids) - 1)),
            name[by_stage].astype(narrowest_type(len(self.names) - 1)),
            given.astype(vote_type(top_given)),
        )
        sizes = np.bincount(stage, minlength=len(self.stages))
        ends = np.cumsum(sizes).tolist()
        while len(self.pieces) < len(self.stages):
            self.pieces.append([])
        pieces = self.pieces
        for present in np.flatnonzero(sizes).tolist():
            end = ends[present]
            start = end - int(sizes[present])
            pieces[present].append(tuple(column[start:end].copy() for column in columns))
        summaries = np.flatnonzero(summary)
        for kept, part in zip(
            self.kept,
            (
                unit[summaries],
                reserved[summaries].astype(np.int32),
                votes[summaries].astype(narrow),
                valid[summaries],
            ),
            strict=True,
        ):
            kept.append(part)

    def _block_units(self, code: Mapping[str, Codes]) -> Codes:
        """Each row's unit (its number among the units met), the units made in the order the
        rows first give their county, ward and precinct cells."""
        triple = (
            code["county"].astype(np.int64) << 2 * _BITS
            | code["ward"].astype(np.int64) << _BITS
            | code["precinct"]
        )
        values, place = _first(triple)
        keys = values.tolist()
        made = list(map(self.unit_of_triple.get, keys))
        if None in made:
            counties, wards = self.codes["county"].texts, self.codes["ward"].texts
            precincts = self.codes["precinct"].texts
            mask = (1 << _BITS) - 1
            for k, key in enumerate(keys):
                if made[k] is not None:
                    continue
                unit_id = self.units.unit(
                    counties[key >> 2 * _BITS].strip(),
                    wards[key >> _BITS & mask].strip(),
                    precincts[key & mask].strip(),
                )
                found = self.unit_ids.get(unit_id)
                if found is None:
                    found = self.unit_ids[unit_id] = len(self.unit_ids)
                made[k] = self.unit_of_triple[key] = found
        found_units: Codes = np.array(made, np.int32)[place]
        return found_units

    def _block_contests(self, code: Mapping[str, Codes], contest_rows: Flags) -> Codes:
        """Each contest row's contest number (-1 for other rows), contests made in the order
        their rows first come."""
        n = len(contest_rows)
        found = np.full(n, -1, np.int32)
        at = np.flatnonzero(contest_rows)
        if not len(at):
            return found
        office = code["office"][at]
        municipal = self.office_flags[2][office]
        cells = code["place" if self.layout.place is not None else "precinct"][at]
        place = np.where(municipal, self.place_codes[cells], 0)
        if len(self.place_list) >= 1 << _BITS:
            raise _Unsure
        key = (
            office.astype(np.int64) << 2 * _BITS
            | code["district"][at].astype(np.int64) << _BITS
            | place
        )
        values, where = _first(key)
        keys = values.tolist()
        numbers = list(map(self.contest_of_cells.get, keys))
        districts = self.codes["district"].texts
        mask = (1 << _BITS) - 1
        for k, cell_key in enumerate(keys):
            number = numbers[k]
            if number is None:
                stated = self.offices[cell_key >> 2 * _BITS]
                district = districts[cell_key >> _BITS & mask]
                place_name = self.place_list[cell_key & mask]
                contest_key = (stated.name.upper(), district.strip().upper(), place_name)
                contest = self.contests.get(contest_key)
                if contest is None:
                    partisan = self.kind == "primary" and not nonpartisan_primary(
                        self.state, stated.name
                    )
                    contest = self.contests[contest_key] = rows._Contest(
                        stated.name, district.strip(), place_name, partisan, len(self.contests)
                    )
                    self.contest_list.append(contest)
                numbers[k] = self.contest_of_cells[cell_key] = contest.number
        found[at] = np.array(numbers, np.int32)[where]
        return found

    def _combos(self, contest: Codes, party: Codes, candidate: Codes) -> tuple[Codes, Codes]:
        """The stage and name of each row that makes figures: each distinct contest,
        party and candidate decided once, in the order the rows first give them (the contest's
        candidates, their parties, incumbents and write-ins, and its stages come in order)."""
        key = contest.astype(np.int64) << 2 * _BITS | party.astype(np.int64) << _BITS | candidate
        values, where = _first(key)
        keys = values.tolist()
        made = list(map(self.combos.get, keys))
        mask = (1 << _BITS) - 1
        for k, combo in enumerate(keys):
            if made[k] is None:
                number = combo >> 2 * _BITS
                stated = self.contest_list[number]
                party_cell = self.parties[combo >> _BITS & mask]
                cell = self.candidates[combo & mask]
                stage_party = party_cell.party if stated.partisan else None
                name = cell.pseudo
                if name is None:
                    name = cell.name
                    if (stage_party, name) not in stated.parties:
                        stated.parties[(stage_party, name)] = party_cell.party
                        stated.order[name] = None
                        if cell.write_in:
                            stated.write_ins.add(name)
                    if party_cell.incumbent:
                        stated.incumbents.add(name)
                stage = self.stage_of.get((number, stage_party))
                if stage is None:
                    stage = self.stage_of[(number, stage_party)] = len(self.stages)
                    self.stages.append((number, stage_party))
                    self.stage_names.append([])
                given = self.given.get((number, stage_party, name))
                if given is None:
                    given = self.given[(number, stage_party, name)] = len(self.given)
                    self.stage_names[stage].append(self._name(name))
                made[k] = self.combos[combo] = (stage, self._name(name))
        picked = np.array(made, np.int32).reshape(-1, 2)[where]
        return picked[:, 0].copy(), picked[:, 1].copy()

    def _counts(
        self, batch: Any, n: int, offset: int
    ) -> tuple[Ints, Flags, dict[int, list[Unread]]]:
        """The block's counts (a column per count, the total first) and which are given, and
        the notes of its vote cells that state no count, by row, in the columns' order. Each
        distinct cell is read once, as the row-by-row reader reads it."""
        width = len(self.column_types)
        votes = np.zeros((n, width), np.int64)
        valid = np.zeros((n, width), np.bool_)
        notes: dict[int, list[Unread]] = {}
        first = 1 if self.add_total else 0
        cells = self.cells
        for j, (index, _, expected) in enumerate(self.counted, start=first):
            column = batch.column(index)
            if column.null_count:
                raise _Unsure
            values = column.dictionary.to_pylist()
            read = list(map(cells.get, values))
            if None in read:
                for k, text in enumerate(values):
                    if read[k] is None:
                        read[k] = cells[text] = self._cell(text)
            indices = column.indices.to_numpy(zero_copy_only=False)
            stated = np.array(read, np.int64)
            votes[:, j] = np.maximum(stated, 0)[indices]
            valid[:, j] = (stated >= 0)[indices]
            if _NOTE in read:
                for row in np.flatnonzero((stated == _NOTE)[indices]).tolist():
                    text = values[indices[row]].strip()
                    notes.setdefault(row, []).append(Unread.of(text, expected, offset + row + 2))
        if self.add_total:
            totals = votes[:, 1:].sum(axis=1)
            if len(totals) and int(totals.max()) > MAX_VOTES:
                raise _Unsure  # the row-by-row reader refuses it, with its line
            votes[:, 0] = totals
            valid[:, 0] = valid[:, 1:].any(axis=1)
        return votes, valid, notes

    def _cell(self, text: str) -> int:
        """The count a vote cell states as the row-by-row reader reads it: the count, or
        :data:`_NONE` (an empty cell) or :data:`_NOTE` (a cell that states none)."""
        if len(text) > _LONGEST:
            raise _Unsure
        if not text:
            return _NONE
        if text.isdigit() and text.isascii() and len(text) <= 12:
            return int(text)
        if text[-2:] == ".0" and text[:-2].isdigit() and text.isascii() and len(text) <= 14:
            return int(text[:-2])
        cell = text.strip()
        if not cell:
            return _NONE
        count = rows.parse_votes(cell, self.source, 0)  # raises past the limit: _Unsure
        return _NOTE if count is None else count

    def _notes(
        self,
        batch: Any,
        offset: int,
        cell_notes: Mapping[int, list[Unread]],
        noted: Flags,
        naming: Flags,
        summary: Flags,
        contest: Codes,
        reserved: npt.NDArray[np.int8],
        counted: Flags,
        has_name: Flags,
    ) -> None:
        """The block's notes, row by row, where the row-by-row reader puts them (a contest row
        with votes that comes here names no candidate)."""
        at = np.flatnonzero(noted)
        if not len(at):
            return
        cells = [_cells(batch.column(i), at) for i in range(self.layout.width)]
        for k, row in enumerate(at.tolist()):
            line = offset + row + 2

            def text(k: int = k) -> str:
                return ",".join(column[k] for column in cells)

            own = cell_notes.get(row, [])
            if naming[row]:
                name = _UNIT_ROWS[reserved[row]]
                self.notes.append(Unread.of(text(), f"a {name} row that names a candidate", line))
            elif summary[row]:
                self.notes.extend(own)
                if not counted[row] and not own:
                    self.notes.append(Unread.of(text(), "no votes given", line))
            elif contest[row] < 0:
                self.notes.append(Unread.of(text(), "expected an office", line))
            else:
                unread = self.contest_list[contest[row]].unread
                unread.extend(own)
                if not counted[row]:
                    if not own:
                        unread.append(Unread.of(text(), "no votes given", line))
                elif not has_name[row]:
                    unread.append(Unread.of(text(), "expected a candidate", line))

    # -- the elections ------------------------------------------------------------------------

    def elections(
        self, date: dt.date | None, jurisdiction: Jurisdiction
    ) -> Callable[[rows._Contest, dt.date | None], Any]:
        """What makes each contest's election once every block is read."""
        made: list[_Made] = []

        def election(contest: rows._Contest, day: dt.date | None) -> Any:
            if not made:
                made.append(_Made(self))
            stages = tuple(
                made[0].stage(stage, self.kind, day, contest)
                for stage in made[0].of_contest.get(contest.number, ())
            )
            return rows._contest_election(contest, stages, day, jurisdiction, self.source)

        return election


#: The rows of a unit's summary figures, by number (their part keys).
_UNIT_ROWS = UNIT_ROWS


def _reserved(name: str | None) -> int:
    return -1 if name is None else rows._reserved_key(name)


class _Made:
    """The figures of every stage, made by columns from what the blocks kept."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        units = reader.units
        known = list(units.known)
        self.known = [units.known[u] for u in known]
        self.ids = known
        position = {unit_id: k for k, unit_id in enumerate(known)}
        self.parent = np.array(
            [-1 if u.parent is None else position[u.parent] for u in self.known], np.int32
        )
        rank = units._rank()
        units.order.clear()  # the sort keys of the ranks (no more units come)
        self.rank = np.array([rank[u] for u in known], np.int32)
        of_unit = np.array([position[u] for u in reader.unit_ids], np.int32)
        self.root = position[units.root.id]
        self.reserved_names = np.array([reader._name(n) for n in _UNIT_ROWS], np.int32)
        self.names = list(reader.names)
        self.types = reader.type_names
        self.column_types = reader.column_types.astype(np.int8)
        self.total_type = self.types.index("total")
        width = len(reader.column_types)
        self.of_unit = of_unit
        s_unit, s_row, s_votes, s_valid = (_joined_parts(kept) for kept in reader.kept)
        self.of_contest: dict[int, list[int]] = {}
        for number, (contest, _) in enumerate(reader.stages):
            self.of_contest.setdefault(contest, []).append(number)
        # the summary figures, by unit in the units' order, each unit's in the file's order
        if not len(s_unit):
            s_votes = np.zeros((0, width), np.int64)
            s_valid = np.zeros((0, width), np.bool_)
        s_unit = of_unit[s_unit] if len(s_unit) else s_unit.astype(np.int32)
        _refuse_repeats(s_unit, s_row, len(_UNIT_ROWS))
        rr, cc = np.nonzero(s_valid)
        f_unit = s_unit[rr]
        order = np.argsort(self.rank[f_unit], kind="stable")
        self.s_unit = f_unit[order]
        self.s_row = s_row[rr][order]
        self.s_type = self.column_types[cc][order]
        self.s_votes = s_votes[s_valid][order]
        count = np.bincount(f_unit, minlength=len(self.known))
        by_rank = np.argsort(self.rank)
        starts = np.zeros(len(self.known), np.int64)
        starts[by_rank] = np.concatenate(([0], np.cumsum(count[by_rank])[:-1]))
        self.s_count, self.s_start = count, starts
        self.summary: dict[str, list[tuple[str, int, str]]] | None = None
        self.trees: dict[bytes, tuple[ReportingUnit, ...]] = {}

    def _few(
        self,
        kind: StageKind,
        party: str | None,
        day: dt.date | None,
        contest: rows._Contest,
        row_units: Codes,
        row_names: Codes,
        votes: npt.NDArray[Any],
        valid: Flags,
    ) -> Stage:
        """A stage of a few figures, made a figure at a time as the row-by-row reader makes
        them (the arrays' fixed costs are more than the figures')."""
        units, names = row_units.tolist(), row_names.tolist()
        if len(set(zip(units, names, strict=True))) != len(units):
            raise _Unsure  # a split precinct
        types = [self.types[t] for t in self.column_types.tolist()]
        figures = UnitResultsBuilder()
        used: dict[str, None] = {}
        for unit, name, counts, given in zip(
            units, names, votes.tolist(), valid.tolist(), strict=True
        ):
            unit_id, stated = self.ids[unit], self.names[name]
            used[unit_id] = None
            for count, of_type, ok in zip(counts, types, given, strict=True):
                if ok:
                    figures.add(unit_id, stated, count, of_type)
        tree = self.reader.units.of(used)
        summary = self._summary()
        for unit in tree:
            for row, count, of_type in summary.get(unit.id, ()):
                figures.add(unit.id, row, count, of_type)
        return rows._stage(kind, party, day, contest, figures.build(), tree, self.reader.source)

    def _summary(self) -> dict[str, list[tuple[str, int, str]]]:
        """Each unit's summary figures (row, votes, vote type) in the file's order."""
        if self.summary is None:
            self.summary = {}
            names = [self.names[c] for c in self.reserved_names.tolist()]
            for unit, row, vote_type, count in zip(
                self.s_unit.tolist(),
                self.s_row.tolist(),
                self.s_type.tolist(),
                self.s_votes.tolist(),
                strict=True,
            ):
                self.summary.setdefault(self.ids[unit], []).append(
                    (names[row], count, self.types[vote_type])
                )
        return self.summary

    def tree(self, used: Codes) -> Codes:
        """``used`` and every unit above them, the root first, in the units' order."""
        wanted = np.zeros(len(self.known), np.bool_)
        wanted[self.root] = True
        level = used
        while len(level):
            wanted[level] = True
            level = self.parent[level]
            level = level[level >= 0]
        codes = np.flatnonzero(wanted)
        result: Codes = codes[np.argsort(self.rank[codes], kind="stable")].astype(np.int32)
        return result

    def stage(
        self, number: int, kind: StageKind, day: dt.date | None, contest: rows._Contest
    ) -> Stage:
        """The stage ``number``: its figures, units and results."""
        _, party = self.reader.stages[number]
        pieces = self.reader.pieces[number]
        self.reader.pieces[number] = []  # each stage is made once: its rows are let go
        joined: list[Any] = [
            np.concatenate([piece[k] for piece in pieces]) if len(pieces) > 1 else pieces[0][k]
            for k in range(3)
        ]
        del pieces
        row_units, row_names, stored = joined
        valid = stored != 0
        votes = stored - valid  # the counts given (0 where none is)
        del joined, stored
        row_units = self.of_unit[row_units]
        if votes.size <= _FEW:
            return self._few(kind, party, day, contest, row_units, row_names, votes, valid)
        row_name_table = np.array(self.reader.stage_names[number], np.int32)
        name_codes = _lookup(row_name_table, len(self.names))
        _refuse_repeats(row_units, name_codes[row_names], len(row_name_table))
        rows_given = len(row_units)
        if valid.all():  # every count given: each row's figures are its counts in order
            units = np.repeat(row_units, valid.shape[1])
            names = np.repeat(row_names, valid.shape[1])
            types = np.tile(self.column_types, rows_given)
            votes = votes.reshape(-1)
        else:
            given = np.count_nonzero(valid, axis=1)
            units = np.repeat(row_units, given)
            names = np.repeat(row_names, given)
            types = np.broadcast_to(self.column_types, valid.shape)[valid]
            votes = votes[valid]
        row_figures = len(votes)
        unit_table = _first_of_runs(row_units)
        tree = self.tree(unit_table)
        name_table = row_name_table
        count = self.s_count[tree]
        total = int(count.sum())
        if total:
            ends = np.cumsum(count)
            picks = np.repeat(self.s_start[tree] - (ends - count), count) + np.arange(total)
            s_units = self.s_unit[picks]
            units = np.concatenate((units, s_units))
            reserved = self.reserved_names[_first_small(self.s_row[picks], len(_UNIT_ROWS))]
            names = np.concatenate((names, self.reserved_names[self.s_row[picks]]))
            types = np.concatenate((types, self.s_type[picks]))
            s_votes = self.s_votes[picks]
            if s_votes.dtype != votes.dtype:
                votes = votes.astype(np.int64)
            votes = np.concatenate((votes, s_votes))
            unit_table = _joined(unit_table, _first_of_runs(s_units), len(self.known))
            name_table = _joined(name_table, reserved, len(self.names))
        type_table = _first_small(types, len(self.types))
        figures = unit_results(
            list(map(self.ids.__getitem__, unit_table.tolist())),
            list(map(self.names.__getitem__, name_table.tolist())),
            list(map(self.types.__getitem__, type_table.tolist())),
            _lookup(unit_table, len(self.known))[units],
            _lookup(name_table, len(self.names))[names],
            _lookup(type_table, len(self.types))[types],
            votes,
        )
        rolled = self._rolled(
            unit_table, units, names, types, votes, row_figures, rows_given, row_name_table
        )
        return rows._stage(
            kind,
            party,
            day,
            contest,
            figures,
            self._units(tree),
            self.reader.source,
            rolled,
        )

    def _units(self, tree: Codes) -> tuple[ReportingUnit, ...]:
        """The units of ``tree``: one tuple for stages of the same units (a county's contests
        share its precincts), so that what is made of it is made once (:mod:`tallyroom.memo`)."""
        key = tree.tobytes()
        found = self.trees.get(key)
        if found is None:
            found = self.trees[key] = tuple(map(self.known.__getitem__, tree.tolist()))
        return found

    def _rolled(
        self,
        unit_table: Codes,
        units: Codes,
        names: Codes,
        types: npt.NDArray[Any],
        votes: npt.NDArray[Any],
        row_figures: int,
        row_count: int,
        name_table: Codes,
    ) -> dict[str, int]:
        """The stage's sums by row name of its lowest units' totals, as
        :func:`~tallyroom.formats.rollup.root_totals` adds them (in the order names come)."""
        with_rows = np.zeros(len(self.known), np.bool_)
        with_rows[unit_table] = True
        covered = np.zeros(len(self.known), np.bool_)
        level = self.parent[unit_table]
        level = level[level >= 0]
        while len(level):
            covered[level] = True
            level = self.parent[level]
            level = level[level >= 0]
        leaf = with_rows & ~covered
        chosen = types == self.total_type
        if not leaf[unit_table].all():
            chosen &= leaf[units]
        picked_names, picked_votes = names[chosen], votes[chosen]
        if not len(picked_names):
            return {}
        if int(np.count_nonzero(chosen[:row_figures])) == row_count:
            # every row gives one total of a lowest unit: its names come as the rows give them
            order = _joined(name_table, _first_of_runs(picked_names[row_count:]), len(self.names))
        else:
            order = _first_of_runs(picked_names)
        if len(picked_votes) >= 1 << 21:  # more than float sums hold exactly
            sums: dict[int, int] = {}
            for name, count in zip(picked_names.tolist(), picked_votes.tolist(), strict=True):
                sums[name] = sums.get(name, 0) + count
            return {self.names[c]: sums[c] for c in order.tolist()}
        size = len(self.names)
        if int(picked_votes.max()) < 1 << 32:  # the float sums of 32-bit counts are exact
            low = np.bincount(picked_names, weights=picked_votes, minlength=size)
            return {self.names[c]: int(low[c]) for c in order.tolist()}
        wide = picked_votes.astype(np.int64)
        low = np.bincount(picked_names, weights=wide & 0xFFFFFFFF, minlength=size)
        high = np.bincount(picked_names, weights=wide >> 32, minlength=size)
        return {self.names[c]: int(low[c]) + (int(high[c]) << 32) for c in order.tolist()}


def _refuse_repeats(units: Codes, keys: Codes, size: int) -> None:
    """``_Unsure`` when a unit gives a key (each below ``size``) twice: a split precinct,
    which the row-by-row reader reads as parts (and notes)."""
    if len(units) < 2:
        return
    pairs = units.astype(np.int64) * size + keys
    top = int(units.max()) * size + size
    if top <= max(4 * len(pairs), 1 << 16):  # counted in an array over every pair
        if int(np.bincount(pairs, minlength=top).max()) > 1:
            raise _Unsure
        return
    pairs.sort()
    if bool((pairs[1:] == pairs[:-1]).any()):
        raise _Unsure


def _joined_parts(parts: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    """The blocks' parts of a column as one array (the widest type of the parts), the list
    emptied as it goes so that the parts and the whole are not held together long."""
    if not parts:
        return np.zeros(0, np.int32)
    kind = np.result_type(*parts)
    whole = np.concatenate(parts).astype(kind, copy=False)
    parts.clear()
    return whole


def _release_unused() -> None:
    """Give the pages the C allocator holds free back to the system (glibc's ``malloc_trim``;
    nothing where there is none). Reading a file frees tens of megabytes of arrays scattered
    among those kept, which glibc would otherwise keep (pyarrow's ``release_unused`` of its
    system pool does not trim here)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or ``None``."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: a file small enough to read whole never needs it

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has none)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def _lookup(table: npt.NDArray[Any], size: int) -> Codes:
    """Each code's position in ``table`` (distinct codes below ``size``), by code."""
    lookup = np.zeros(max(size, 1), np.int32)
    lookup[table] = np.arange(len(table), dtype=np.int32)
    return lookup


def _read(
    stream: _Stream,
    source: str,
    precinct_wards: Mapping[str, str] | None,
    date: dt.date | None,
    kind: StageKind | None,
    jurisdiction: Jurisdiction | None,
) -> Loaded:
    """The elections of the stream's file, or ``_Unsure``."""
    import pyarrow as pa
    import pyarrow.csv as pv

    kind, jurisdiction, named_date, warnings = rows._naming(source, kind, jurisdiction)
    head = stream.peek(BLOCK_BYTES)
    end = head.find(b"\n")
    if end < 0 or head.startswith(codecs.BOM_UTF8):
        raise _Unsure
    try:
        first_line = head[:end].removesuffix(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        raise _Unsure from None
    if "\r" in first_line or ('"' in first_line and first_line.count('"') % 2):
        raise _Unsure
    header = next(csv.reader([first_line]))
    if not header or len(header) > MAX_COLUMNS:
        raise _Unsure
    layout = rows._layout(header, source)
    file_notes = [Unread.of(name, "column not read", 1) for name in layout.unknown]
    reader = _Reader(layout, source, kind, jurisdiction, precinct_wards, file_notes)
    dictionary = pa.dictionary(pa.int32(), pa.string())
    roles = {getattr(layout, role) for role in _ROLES} - {None}
    column_types = {f"f{i}": dictionary for i in range(layout.width)}
    counted = {index for index, _, _ in reader.counted}
    reader.unread_columns = tuple(
        i for i in range(layout.width) if i not in roles and i not in counted
    )

    batches = None
    try:
        batches = pv.open_csv(
            stream,
            read_options=pv.ReadOptions(
                use_threads=False, block_size=BLOCK_BYTES, autogenerate_column_names=True
            ),
            parse_options=pv.ParseOptions(newlines_in_values=True),  # a short row: an error
            convert_options=pv.ConvertOptions(column_types=column_types),
            memory_pool=pa.system_memory_pool(),  # freed blocks are numpy's to use again
        )
        if batches.schema.names != list(column_types):
            raise _Unsure
        seen_header = False
        for batch in batches:
            if not seen_header:
                if not batch.num_rows:
                    continue
                if [batch.column(i)[0].as_py() for i in range(layout.width)] != header:
                    raise _Unsure
                batch = batch.slice(1)
                seen_header = True
            reader.block(batch)
            stream.use()
    except pa.ArrowException:
        raise _Unsure from None
    finally:
        stream.drain()  # pyarrow's reading ahead finds the end, and waits for nothing more
        if batches is not None:
            batches.close()
    _release_unused()  # what reading the blocks freed, before the figures are made
    lines, blank = stream.lines()
    if lines - blank != reader.rows + 1:
        raise _Unsure
    loaded = rows._finish(
        reader.contests,
        reader.elections(date, jurisdiction),
        reader.dates,
        file_notes,
        date,
        named_date,
        warnings,
        source,
    )
    del reader
    _release_unused()  # what making the figures freed: the rows of every block
    return loaded
