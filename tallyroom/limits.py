"""The limits every reader holds input to, in one place (docs/formats.md, "Limits").

A file beyond a limit is refused with a one-line :class:`~tallyroom.errors.ParseError` or
:class:`~tallyroom.errors.ValidationError` naming the file and line, before it can exhaust
memory, time or the interpreter's stack, or reach the database with a number it cannot hold.
The limits are far above any real election: the largest city's cast-vote records fit.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gc
import json
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from itertools import accumulate
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tallyroom.errors import ParseError, ValidationError
from tallyroom.memo import ByIdentity

if TYPE_CHECKING:
    from tallyroom.model import Election, ReportingUnit, UnitResults, UnitRows

__all__ = [
    "MAX_COLUMNS",
    "MAX_CVR_BYTES",
    "MAX_DIGITS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_NAME_CHARS",
    "MAX_NESTING",
    "MAX_RANKINGS",
    "MAX_SHORT_CHARS",
    "MAX_VOTES",
    "check_count",
    "check_figures",
    "check_file_size",
    "check_nesting",
    "check_storable",
    "collector_paused",
    "csv_rows",
    "line_at",
    "load_json",
    "read_limited",
    "whole_count",
]

#: Longest name (of a candidate, party, reporting unit, election title) the database keeps.
MAX_NAME_CHARS = 400
#: Longest short label (a vote type, a threshold as text) the database keeps.
MAX_SHORT_CHARS = 64
#: Largest file any reader accepts, in bytes (256 MiB).
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Largest NIST SP 1500-103 (CDF) JSON cast-vote-record report, in bytes (2 GiB): a record per
#: ballot at several hundred bytes each, so a city of a million voters passes 256 MiB; the report
#: is streamed (or mapped and grouped), never held as Python objects whole.
MAX_CVR_BYTES = 2 * 1024 * 1024 * 1024
#: Largest CSV field, in characters (Python's own default, now a clear error).
MAX_FIELD_CHARS = 131_072
#: Most columns in one CSV row.
MAX_COLUMNS = 10_000
#: Most rankings on one ballot (rank columns of a ballot table, ranks of an ABIF line or CVR).
MAX_RANKINGS = 1_000
#: Deepest nesting of JSON arrays and objects (or TOML arrays and inline tables).
MAX_NESTING = 100
#: Most digits in one number of a JSON document.
MAX_DIGITS = 30
#: Largest count of votes or ballots (one figure, a ballot line's count, a weight): 10^12.
MAX_VOTES = 10**12

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BRACKET = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}]')
_DEPTH = str.maketrans({"[": "+", "{": "+", "]": "-", "}": "-"})


def line_at(text: str, position: int) -> int:
    """The 1-based line of ``text`` that ``position`` falls on."""
    return text.count("\n", 0, position) + 1


def check_file_size(size: int, source: str, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file larger than ``limit`` (by default :data:`MAX_FILE_BYTES`)."""
    if size > limit:
        raise ParseError(
            f"file of {size:,} bytes is larger than the limit of {limit:,} bytes",
            source=source,
        )


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a large input is read: a reader makes millions of
    small objects, none in a cycle, which the collector would otherwise scan again each time
    more are made (it doubled the time of decoding a million cast-vote records)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def read_limited(path: Path) -> bytes:
    """The bytes of the file at ``path``, refused beyond :data:`MAX_FILE_BYTES`."""
    try:
        with path.open("rb") as handle:
            # Read into a buffer of the file's size (a read of the limit itself sets aside the
            # whole limit first, 256 MB for any file); one byte more tells a file that grew.
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(min(size, MAX_FILE_BYTES) + 1)
            if len(data) > size:
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as error:
        raise ParseError(f"cannot read file: {error.strerror}", source=str(path)) from None
    check_file_size(len(data), str(path), MAX_FILE_BYTES)
    return data


def check_count(value: int, source: str, line: int | None = None, what: str = "votes") -> int:
    """``value`` itself, refused when negative or above :data:`MAX_VOTES`."""
    if value < 0:
        raise ValidationError(f"{what}: {value:,} is negative", source=source, line=line)
    if value > MAX_VOTES:
        raise ValidationError(
            f"{what}: {value:,} is more than the limit of {MAX_VOTES:,}", source=source, line=line
        )
    return value


def whole_count(text: str, source: str, line: int | None = None, what: str = "votes") -> int:
    """The count that ``text`` (ASCII digits, maybe with thousands commas) states, bounded."""
    digits = text.strip().replace(",", "")
    if not digits.isdecimal():
        raise ParseError(f"{what}: expected a whole number", source=source, line=line, text=text)
    if len(digits) > MAX_DIGITS:
        raise ValidationError(
            f"{what}: a number of {len(digits):,} digits is more than the limit of {MAX_VOTES:,}",
            source=source,
            line=line,
        )
    return check_count(int(digits), source, line, what)


def check_nesting(text: str, source: str, quotes: str = '"') -> None:
    """Refuse a JSON (or TOML) document nested deeper than :data:`MAX_NESTING`.

    Brackets inside double-quoted strings do not count; ``quotes`` is ``"\\"'"`` for TOML."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return
    plain = _STRING.sub("", text) if '"' in quotes else text
    if "'" in quotes:
        plain = re.sub(r"'[^'\n]*'", "", plain)
    steps = "".join(re.findall(r"[\[\]{}]", plain)).translate(_DEPTH)
    deepest = max(accumulate(1 if step == "+" else -1 for step in steps), default=0)
    if deepest <= MAX_NESTING:
        return
    depth = 0
    for match in _BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise ParseError(
                    f"nested deeper than the limit of {MAX_NESTING} levels",
                    source=source,
                    line=line_at(text, match.start()),
                )
        elif token in "]}":
            depth -= 1
    raise ParseError(f"nested deeper than the limit of {MAX_NESTING} levels", source=source)


def _json_int(source: str) -> object:
    def parse(text: str) -> int:
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise ValidationError(
                f"a number of {len(text):,} digits is longer than the limit of {MAX_DIGITS}",
                source=source,
            )
        return int(text)

    return parse


def _json_constant(source: str) -> object:
    def parse(text: str) -> float:
        raise ParseError(f"expected JSON: {text} is not a JSON number", source=source)

    return parse


def load_json(text: str, source: str) -> Any:
    """``json.loads(text)`` within the limits; a syntax error is a :class:`ParseError`."""
    check_file_size(len(text), source)
    check_nesting(text, source)
    try:
        return json.loads(
            text,
            parse_int=_json_int(source),  # type: ignore[arg-type]
            parse_constant=_json_constant(source),  # type: ignore[arg-type]
        )
    except json.JSONDecodeError as error:
        raise ParseError(
            f"expected JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno
        ) from None
    except RecursionError:
        raise ParseError(
            f"nested deeper than the limit of {MAX_NESTING} levels", source=source
        ) from None


def csv_rows(
    rows: Iterable[list[str]], source: str, *, start: int = 1, columns: int = MAX_COLUMNS
) -> Iterator[tuple[int, list[str]]]:
    """Each row of a CSV reader with its line, refusing malformed rows, fields longer than
    :data:`MAX_FIELD_CHARS` and rows wider than ``columns``.

    ``line`` counts rows from ``start``; it is the reader's own line number when ``rows`` is a
    ``csv.reader`` (quoted fields may span lines)."""
    iterator = iter(rows)
    number = start - 1
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except csv.Error as error:
            line = getattr(iterator, "line_num", number + 1) or number + 1
            message = str(error)
            if "field larger than field limit" in message:
                message = f"a field is longer than the limit of {MAX_FIELD_CHARS:,} characters"
            elif "new-line character" in message:
                message = "a line break inside an unquoted field"
            raise ParseError(f"malformed CSV: {message}", source=source, line=line) from None
        number = getattr(iterator, "line_num", number + 1)
        if len(row) > columns:
            raise ParseError(
                f"a row of {len(row):,} columns is wider than the limit of {columns:,}",
                source=source,
                line=number,
            )
        yield number, row


def check_figures(record: object, source: str) -> None:
    """Refuse any count in ``record`` (an election and everything in it) beyond
    :data:`MAX_VOTES`, naming the line of the record that holds it when known."""
    _check_record(record, source, None, 0)


#: Types that hold no whole-number count (the counts this checks); skipped at once.
_NO_COUNTS: frozenset[type] = frozenset(
    {str, bool, float, type(None), Decimal, dt.date, dt.datetime}
)
#: Per dataclass type, the names of its fields to visit (not its ``line`` fields).
_VISITED: dict[type, tuple[str, ...]] = {}


def _visited(kind: type) -> tuple[str, ...]:
    names = _VISITED.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if not f.name.endswith("line"))
        _VISITED[kind] = names
    return names


def _check_record(value: object, source: str, line: int | None, depth: int) -> None:
    kind = type(value)
    if kind in _NO_COUNTS or depth > 12:
        return
    if isinstance(value, int):  # not a bool: bools hold no count, skipped above
        if abs(value) > MAX_VOTES:
            raise ValidationError(
                f"a count of {value:,} is beyond the limit of {MAX_VOTES:,}",
                source=source,
                line=line,
            )
        return
    if isinstance(value, tuple | list | frozenset | set):
        for item in value:
            if type(item) not in _NO_COUNTS:
                _check_record(item, source, line, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_record(key, source, line, depth + 1)
            _check_record(item, source, line, depth + 1)
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        own = getattr(value, "line", None)
        here = own if type(own) is int else line
        for name in _visited(kind):
            item = getattr(value, name)
            if type(item) not in _NO_COUNTS:
                _check_record(item, source, here, depth + 1)
        return
    from tallyroom.model import UnitResults  # a record is checked: model is in

    if isinstance(value, UnitResults):  # a column of counts: its extremes are looked at
        # (the only other type of the model that gets this far)
        votes = value.votes
        if votes and _counts_beyond(value):
            _check_record(next(v for v in votes if abs(v) > MAX_VOTES), source, line, depth + 1)


def _counts_beyond(figures: UnitResults) -> bool:
    """Whether the votes of a figure (there is one at least) are beyond :data:`MAX_VOTES` either
    way, with no step per figure for an array of them: an unsigned 16- or 32-bit array holds
    none such, a signed 64-bit one is looked at by numpy."""
    votes = figures.votes
    if not isinstance(votes, array):  # beyond 64 bits
        return max(max(votes), -min(votes)) > MAX_VOTES
    if votes.typecode in "BHI":
        return False
    from tallyroom.unit_arrays import code_arrays  # numpy: only for such votes

    found = code_arrays(figures)[3]
    return max(int(found.max()), -int(found.min())) > MAX_VOTES


def check_storable(election: Election, source: str) -> None:
    """Refuse, as the input problem it is, anything in ``election`` the database would refuse:
    two figures for one candidate, reporting unit and vote type; one reporting unit listed
    twice; a round number below 1 or used twice; a name longer than :data:`MAX_NAME_CHARS`.

    The readers keep such input apart or note it as unread; this is the last line before the
    store, so that no constraint failure of the database ever reaches a user."""
    _check_name(election.title, "the election's title", source, None)
    for number, stage in enumerate(election.stages, start=1):
        where = f"{stage.label().lower()} (stage {number})"
        for row in stage.results:
            _check_name(row.name, f"{where}: a candidate's name", source, row.line)
            _check_name(row.party, f"{where}: {row.name}'s party", source, row.line)
        if stage.units and not _UNITS_PLAIN(stage.units):
            _check_units(stage.units, where, source)
        if stage.unit_results and not _cells_plain(stage.unit_results):
            _check_cells(stage.unit_results, where, source)
        numbers: set[int] = set()
        for round_ in stage.rounds:
            if round_.number < 1 or round_.number in numbers:
                problem = "used twice" if round_.number in numbers else "below 1"
                raise ValidationError(
                    f"{where}: round number {round_.number} is {problem}; expected rounds "
                    "numbered 1, 2, 3, …",
                    source=source,
                )
            numbers.add(round_.number)


def _units_plain(units: tuple[ReportingUnit, ...]) -> bool:
    """Whether no reporting unit of ``units`` is listed twice and none's id or name is longer
    than :data:`MAX_NAME_CHARS`: checked a column at a time."""
    ids = list(map(_UNIT_ID, units))
    names = [name for name in map(_UNIT_NAME, units) if name is not None]
    return (
        len(set(ids)) == len(ids)
        and max(map(len, ids)) <= MAX_NAME_CHARS
        and max(map(len, names), default=0) <= MAX_NAME_CHARS
    )


_UNIT_ID = attrgetter("id")
_UNIT_NAME = attrgetter("name")
#: :func:`_units_plain` once per tuple of units (stages share them: see :mod:`tallyroom.memo`),
#: for tuples of 131,072 units at most.
_UNITS_PLAIN: ByIdentity[tuple[ReportingUnit, ...], bool] = ByIdentity(
    _units_plain, 1 << 17, lambda units, _: len(units)
)


def _check_units(units: tuple[ReportingUnit, ...], where: str, source: str) -> None:
    """Raise the error of the first of ``units`` (in order) listed a second time or whose id
    or name is too long."""
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            raise ValidationError(
                f"{where}: reporting unit {unit.id!r} is listed twice; expected each once",
                source=source,
            )
        seen.add(unit.id)
        _check_name(unit.id, f"{where}: a reporting unit", source, None)
        _check_name(unit.name, f"{where}: a reporting unit's name", source, None)


def _cells_plain(cells: UnitRows) -> bool:
    """Whether ``cells`` has no two figures for one candidate, unit and vote type, no candidate
    name longer than :data:`MAX_NAME_CHARS` and no vote type longer than
    :data:`MAX_SHORT_CHARS`: checked a column at a time (each distinct name once)."""
    from tallyroom.model import UnitResults, unit_columns  # an election is made: model is in

    if isinstance(cells, UnitResults):  # each distinct name once, the figures by their codes
        if (
            max(map(len, cells.candidates)) > MAX_NAME_CHARS
            or max(map(len, cells.vote_types)) > MAX_SHORT_CHARS
        ):
            return False
        from tallyroom.unit_arrays import figure_keys, repeated  # numpy: only for figures

        # A figure's unit, candidate and vote type as one number, u·C·T + c·T + t, told apart
        # by numpy: no tuple (a statewide race's 600,000 figures as a set of tuples took 100
        # MB) nor Python number made per figure.
        keyed = figure_keys(cells)
        if keyed is not None:
            return not repeated(*keyed)
    units, candidates, _, vote_types = unit_columns(cells)
    return (
        max(map(len, set(candidates))) <= MAX_NAME_CHARS
        and max(map(len, set(vote_types))) <= MAX_SHORT_CHARS
        and len(set(zip(units, candidates, vote_types, strict=True))) == len(cells)
    )


def _check_cells(cells: UnitRows, where: str, source: str) -> None:
    """Raise the error of the first of ``cells`` (in order) that is a second figure for its
    candidate, unit and vote type, or whose candidate name or vote type is too long."""
    seen: set[tuple[str, str, str]] = set()
    for cell in cells:
        key = (cell.unit, cell.candidate, cell.vote_type)
        if key in seen:
            raise ValidationError(
                f"{where}: two figures for {cell.candidate!r} in reporting unit "
                f"{cell.unit!r} ({cell.vote_type}); expected one for each candidate, unit "
                "and vote type",
                source=source,
            )
        seen.add(key)
        _check_name(cell.candidate, f"{where}: a candidate's name", source, None)
        if len(cell.vote_type) > MAX_SHORT_CHARS:
            raise ValidationError(
                f"{where}: vote type {cell.vote_type[:40]!r}… is longer than "
                f"{MAX_SHORT_CHARS} characters",
                source=source,
            )


def _check_name(value: str | None, what: str, source: str, line: int | None) -> None:
    if value is not None and len(value) > MAX_NAME_CHARS:
        raise ValidationError(
            f"{what} is {len(value):,} characters long; expected at most {MAX_NAME_CHARS}",
            source=source,
            line=line,
        )
