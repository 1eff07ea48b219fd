"""OpenElections precinct CSV: one row per reporting unit, office, district, party and candidate.

Reading is tolerant of what the state repositories' files do: columns missing or in another order,
upper-case headers, a ``total_votes`` column, no unit column at all, thousands separators
(``"1,142"``), whole numbers written as ``"6.0"``, old Mac (CR-only) line endings, vote-type
columns (``early_voting``, ``election_day``, ``absentee``, ``mail``, ``provisional`` and the
states' own names: see :data:`VOTE_TYPE_COLUMNS`). A cell, row or column the reader does not
understand (a vote cell ``$3`` or ``x``, a row without a candidate, a ``page`` column) becomes a
:class:`~tallyroom.model.Unread` note of the election it belongs to, and reading goes on.

Units: a row's unit is the deepest non-empty cell of ``county`` (or ``parish``), ``ward`` and
``precinct``. A row with a county and no precinct is the county's total: it is kept on the county
unit, so the roll-up leaves it out and checks it against the precincts' sum. Precincts and wards
are keyed with their county, so same-named precincts of two counties stay apart.

Summary rows become the reserved rows of :mod:`tallyroom.formats.conversion`: an office (or, with
an empty office, a candidate) ``Registered Voters`` or ``Ballots Cast`` (with or without
``- Total``) applies to every contest of its unit; a candidate ``Over Votes``, ``Under Votes``,
``Write-ins`` or ``Unresolved write-in votes:`` to its contest. A candidate named like a write-in
(``Write In``, ``WRITE-IN``) is a result row with ``write_in=True``.

Contests are keyed by office, district and, for a municipal office (mayor, council, alderman...),
the place: a ``city``/``town`` column, else the municipality a precinct name starts with
(``"City of DeWitt, Precinct 1"``), so two cities' mayors in one county file stay apart. Each
contest becomes one election; in a primary file each party is a stage (party cells that are not
parties, such as ``I`` for an incumbent or ``NP``, make no primary; a top-two state's primaries
are nonpartisan). The election date comes from a ``date`` column, else the ``date`` argument,
else the file name (with a warning saying so).

:func:`merge_elections` joins the files of one office (a primary and a general) into one election;
:func:`write_openelections` (in :mod:`tallyroom.formats.openelections_write`) writes elections
back so that reading the result gives the same elections.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any, NoReturn

from tallyroom.errors import ParseError
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    BLANK_BALLOTS,
    OVER_VOTES,
    REGISTERED_VOTERS,
    REJECTED_WRITE_INS,
    UNDER_VOTES,
    UNIT_ROWS,
    WRITE_INS,
    Loaded,
)
from tallyroom.formats.openelections_write import write_openelections
from tallyroom.formats.rollup import root_totals
from tallyroom.formats.states import nonpartisan_primary
from tallyroom.limits import MAX_COLUMNS, MAX_DIGITS, check_count, collector_paused, csv_rows
from tallyroom.model import (
    CandidateResult,
    Election,
    Jurisdiction,
    ReportingUnit,
    Stage,
    StageKind,
    UnitResults,
    UnitResultsBuilder,
    Unread,
    unit_columns,
)

__all__ = [
    "CITY_UNIT",
    "VOTE_TYPE_COLUMNS",
    "looks_like_openelections",
    "merge_elections",
    "read_openelections",
    "read_openelections_file",
    "read_precinct_map",
    "write_openelections",
]

#: Vote-type column (lower case) → the model's vote type (a NIST count type where one fits).
VOTE_TYPE_COLUMNS: dict[str, str] = {
    "election_day": "election-day",
    "election_day_votes": "election-day",
    "polling_place": "election-day",
    "early_voting": "early",
    "early_votes": "early",
    "early_vote": "early",
    "advance_voting_votes": "early",
    "advance_in_person": "early",
    "one_stop": "early",
    "absentee": "absentee",
    "absentee_votes": "absentee",
    "mail": "absentee-mail",
    "mail_votes": "absentee-mail",
    "absentee_by_mail": "absentee-mail",
    "absentee_by_mail_votes": "absentee-mail",
    "vote_by_mail": "absentee-mail",
    "absentee_in_person": "absentee-in-person",
    "provisional": "provisional",
    "provisional_votes": "provisional",
}
#: The order a row's counts are kept in, whatever the order of the file's columns.
TYPE_ORDER: dict[str, int] = {
    "total": 0,
    "election-day": 1,
    "early": 2,
    "absentee": 3,
    "absentee-mail": 4,
    "absentee-in-person": 5,
    "provisional": 6,
}
CITY_UNIT = "city"
#: Files and texts of this many bytes or more are read by columns. A smaller one is read row
#: by row: at about 1 MB the two take the same time once numpy and pyarrow are loaded, and
#: loading them (0.2 s) pays for itself from about 4 MB.
COLUMNAR_MIN_BYTES = 4 << 20

_TOTAL_COLUMNS = ("votes", "total_votes", "total")
_COUNTY_COLUMNS = ("county", "parish")
_PLACE_COLUMNS = ("city", "town", "municipality", "jurisdiction")
_DATE_COLUMNS = ("date", "election_date")
_UNIT_OFFICES = {
    "registered voters": REGISTERED_VOTERS,
    "registered voters - total": REGISTERED_VOTERS,
    "ballots cast": BALLOTS_CAST,
    "ballots cast - total": BALLOTS_CAST,
    "ballots cast - blank": BLANK_BALLOTS,
    "blank ballots": BLANK_BALLOTS,
}
_UNIT_OFFICES.update(
    {name.lower(): name for name in (REGISTERED_VOTERS, BALLOTS_CAST, BLANK_BALLOTS)}
)
_PSEUDO_CANDIDATES = {
    "over votes": OVER_VOTES,
    "overvotes": OVER_VOTES,
    "over votes:": OVER_VOTES,
    "under votes": UNDER_VOTES,
    "undervotes": UNDER_VOTES,
    "under votes:": UNDER_VOTES,
    "write-ins": WRITE_INS,
    "unresolved write-in votes:": WRITE_INS,
    "unresolved write-in votes": WRITE_INS,
    "rejected write-in votes:": REJECTED_WRITE_INS,
    "rejected write-in votes": REJECTED_WRITE_INS,
}
_PSEUDO_CANDIDATES.update(
    {name.lower(): name for name in (OVER_VOTES, UNDER_VOTES, WRITE_INS, REJECTED_WRITE_INS)}
)
#: Party cells that are markers, not parties: ``I`` marks an incumbent.
_NOT_PARTIES = frozenset({"", "I", "NP", "NON", "NONPARTISAN", "NON-PARTISAN", "NPA", "N/A", "-"})
_INCUMBENT_MARKS = frozenset({"I", "(I)", "INC"})
_WRITE_IN = re.compile(r"^write[- ]?ins?\b", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d+(?:\.0+)?$")
_FILE_NAME = re.compile(r"(\d{8})__([a-z]{2})__(?:.*__)?(primary|general|runoff|special)__")
#: Offices a municipality elects whose name does not say which one (then the precinct's does).
_MUNICIPAL = re.compile(
    r"\b(mayor|council(?:or|lor|man|woman|member)?s?|alderm[ae]n|aldermanic|selectm[ae]n"
    r"|city commission(?:ers?)?)\b",
    re.IGNORECASE,
)
_NAMES_PLACE = re.compile(r"\b(?:city|village|town|borough|township) of\b| - ", re.IGNORECASE)
_PLACE_IN_PRECINCT = re.compile(r"^(.+?),\s*(?:precinct|ward|pct|district)\b", re.IGNORECASE)
_PLACE_PREFIX = re.compile(r"^(?:city|village|town|borough) of\s+", re.IGNORECASE)


def looks_like_openelections(text: str) -> bool:
    """Whether ``text`` starts with an OpenElections header: office, candidate and a votes column
    (a total or a vote-type column) among comma-separated names."""
    for line in text.lstrip("\ufeff").splitlines()[:3]:
        if not line.strip():
            continue
        header = {h.strip().strip('"').lower() for h in line.split(",")}
        votes = header & ({*_TOTAL_COLUMNS} | set(VOTE_TYPE_COLUMNS))
        return "office" in header and "candidate" in header and bool(votes)
    return False


def read_precinct_map(text: str, era: str = "2002-2011", source: str = "<map>") -> dict[str, str]:
    """Precinct → ward from a map whose first line names eras (``2002-2011``) over column pairs."""
    rows = [row for _, row in csv_rows(csv.reader(io.StringIO(_lines(text))), source)]
    if not rows or era not in rows[0]:
        raise ParseError(f"expected an era {era!r} in the first line", source=source, line=1)
    column = rows[0].index(era)
    found: dict[str, str] = {}
    for row in rows[2:]:
        if len(row) > column + 1 and row[column].strip() and row[column + 1].strip():
            found[row[column].strip()] = row[column + 1].strip()
    return found


def _lines(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_votes(text: str, source: str, line: int) -> int | None:
    """The count a vote cell states; ``None`` when it states none (a note is the caller's)."""
    if text.isascii() and text.isdigit():
        if len(text) > MAX_DIGITS:
            return None
        return check_count(int(text), source, line)
    cleaned = text.replace(" ", "")
    if not _NUMBER.match(cleaned):
        return None
    digits = cleaned.replace(",", "").split(".", 1)[0]
    if len(digits) > MAX_DIGITS:
        return None
    return check_count(int(digits), source, line)


def _place_name(text: str) -> str:
    return _PLACE_PREFIX.sub("", text.strip())


@dataclass
class _Contest:
    office: str
    district: str
    place: str | None
    partisan: bool
    number: int
    stages: dict[str | None, UnitResultsBuilder] = field(default_factory=dict)
    units: dict[str | None, dict[str, None]] = field(default_factory=dict)
    parties: dict[tuple[str | None, str], str | None] = field(default_factory=dict)
    incumbents: set[str] = field(default_factory=set)
    write_ins: set[str] = field(default_factory=set)
    order: dict[str, None] = field(default_factory=dict)
    unread: list[Unread] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a file keeps what: column indexes of the header."""

    width: int
    office: int | None
    candidate: int | None
    district: int | None
    party: int | None
    county: int | None
    ward: int | None
    precinct: int | None
    place: int | None
    date: int | None
    total: int | None
    types: tuple[tuple[int, str], ...]
    unknown: tuple[str, ...]


def _layout(header: list[str], source: str) -> _Layout:
    names = [h.strip().strip('"').lower().replace(" ", "_") for h in header]

    def find(*options: str) -> int | None:
        return next((names.index(o) for o in options if o in names), None)

    types = tuple(
        sorted(
            ((i, VOTE_TYPE_COLUMNS[n]) for i, n in enumerate(names) if n in VOTE_TYPE_COLUMNS),
            key=lambda item: TYPE_ORDER.get(item[1], 99),
        )
    )
    layout = _Layout(
        width=len(names),
        office=find("office"),
        candidate=find("candidate"),
        district=find("district"),
        party=find("party"),
        county=find(*_COUNTY_COLUMNS),
        ward=find("ward"),
        precinct=find("precinct"),
        place=find(*_PLACE_COLUMNS),
        date=find(*_DATE_COLUMNS),
        total=find(*_TOTAL_COLUMNS),
        types=types,
        unknown=(),
    )
    used = {
        i
        for i in (
            layout.office,
            layout.candidate,
            layout.district,
            layout.party,
            layout.county,
            layout.ward,
            layout.precinct,
            layout.place,
            layout.date,
            layout.total,
        )
        if i is not None
    } | {i for i, _ in types}
    missing = [
        n for n, i in (("office", layout.office), ("candidate", layout.candidate)) if i is None
    ]
    if layout.total is None and not types:
        missing.append("votes")
    if missing:
        raise ParseError(
            f"expected columns {', '.join(missing)} in the header", source=source, line=1
        )
    return replace(layout, unknown=tuple(n for i, n in enumerate(names) if i not in used and n))


class _Units:
    """The reporting units met so far, by id, in a county → ward → precinct tree under the root."""

    def __init__(self, root: ReportingUnit, wards: Mapping[str, str]) -> None:
        self.root = root
        self.wards = wards
        self.known: dict[str, ReportingUnit] = {root.id: root}
        self.cache: dict[tuple[str, str, str], str] = {}
        self.order: dict[str, tuple[object, ...]] = {}
        self.ranks: dict[str, int] = {}
        #: The natural order's key: :func:`_natural_text`, or :func:`_natural` once a unit's
        #: id is not :func:`_text_sortable` (see :meth:`_add`).
        self.natural: Callable[[str], object] = (
            _natural_text if _text_sortable(root.id) else _natural
        )
        self.trees: dict[tuple[str, ...], tuple[ReportingUnit, ...]] = {}

    def unit(self, county: str, ward: str, precinct: str) -> str:
        key = (county, ward, precinct)
        found = self.cache.get(key)
        if found is not None:
            return found
        parent = self.root.id
        prefix = ""
        if county:
            parent = self._add(f"county-{county}", county, "county", parent)
            prefix = f"{county}-"
        if not ward and precinct and precinct in self.wards:
            ward = self.wards[precinct]
        if ward:
            parent = self._add(f"ward-{prefix}{ward}", f"Ward {ward}", "ward", parent)
        if precinct:
            shown = precinct if "precinct" in precinct.lower() else f"Precinct {precinct}"
            parent = self._add(f"precinct-{prefix}{precinct}", shown, "precinct", parent)
        self.cache[key] = parent
        return parent

    def part(self, unit_id: str, number: int) -> str:
        """The ``number``-th part of a unit whose rows the file gives more than once (a split
        precinct): a unit beside it, named for the part."""
        unit = self.known[unit_id]
        parent = unit.parent or self.root.id
        return self._add(
            f"{unit_id} (part {number})", f"{unit.name} (part {number})", unit.kind, parent
        )

    def _add(self, unit_id: str, name: str, kind: str, parent: str) -> str:
        if unit_id not in self.known:
            self.known[unit_id] = ReportingUnit(unit_id, name, kind, parent)  # type: ignore[arg-type]
            if self.natural is _natural_text and not _text_sortable(unit_id):
                self.natural = _natural  # keys of one kind only: those made are made again
                self.order.clear()
        return unit_id

    def of(self, used: Iterable[str]) -> tuple[ReportingUnit, ...]:
        """``used`` and every unit above them, the root first, then by kind and natural order:
        one tuple for contests of the same units (a county's contests share its precincts), so
        that what is made of it is made once (:mod:`tallyroom.memo`)."""
        wanted: set[str] = {self.root.id}
        for unit_id in used:
            current: str | None = unit_id
            while current is not None and current not in wanted:
                wanted.add(current)
                current = self.known[current].parent
        rank = self._rank()
        ids = tuple(sorted(wanted, key=rank.__getitem__))
        found = self.trees.get(ids)
        if found is None:
            found = self.trees[ids] = tuple(map(self.known.__getitem__, ids))
        return found

    def _rank(self) -> dict[str, int]:
        """Each known unit's place in the order of :meth:`_order`: worked out once for all
        units (again only after more were added), so each contest's units sort by a number.
        Unit ids are distinct and so are their keys: the two orders agree."""
        if len(self.ranks) != len(self.known):
            ordered = sorted(self.known, key=self._order)
            self.ranks = {unit_id: place for place, unit_id in enumerate(ordered)}
        return self.ranks

    def _order(self, unit_id: str) -> tuple[object, ...]:
        """The root first, then by kind and natural order (worked out once per unit)."""
        found = self.order.get(unit_id)
        if found is None:
            kind = self.known[unit_id].kind
            found = (unit_id != self.root.id, _RANK.get(kind, 4), self.natural(unit_id))
            self.order[unit_id] = found
        return found


class _Parts:
    """Splits a unit whose rows come again (the same contest and candidate) into parts.

    ``key`` numbers what a row gives (a contest's candidate, or a unit's summary figure); the keys
    seen are kept per unit, so looking one up costs the same however large the file. They are
    kept as the bits of a number: a set of them for each of a statewide file's 15,000 precincts
    took 60 MB, the numbers 2 MB."""

    def __init__(self, units: _Units, notes: list[Unread]) -> None:
        self.units = units
        self.notes = notes
        self.current: dict[str, tuple[int, str]] = {}
        self.seen: dict[str, int] = {}

    def unit(self, unit: str, key: int, line: int) -> str:
        number, current = self.current.get(unit, (1, unit))
        seen = self.seen.get(current, 0)
        if seen >> key & 1:
            number += 1
            current = self.units.part(unit, number)
            self.current[unit] = (number, current)
            seen = self.seen.get(current, 0)
            name = self.units.known[unit].name
            self.notes.append(
                Unread.of(
                    name,
                    f"rows of this unit come again from here: read as its part {number} "
                    "(a split precinct); check the file if they are a repeat",
                    line,
                )
            )
        self.seen[current] = seen | 1 << key
        return current


_RANK = {"city": 0, "county": 1, "ward": 2, "precinct": 3}


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key putting ``precinct-9`` before ``precinct-10`` (numbers of any length): the
    runs of digits and of other characters in turn, a run of digits before any other and
    after one of fewer digits (leading zeros aside), runs alike by their text."""
    return tuple(
        (0, len(p.lstrip("0")), p) if p.isdecimal() else (1, 0, p) for p in _DIGIT_RUNS(text) if p
    )


_DIGIT_RUNS = re.compile(r"(\d+)").split
#: What :func:`_natural_text` marks the runs of a text with (and below), and the most digits a
#: run of its texts may hold (a count of digits is one character).
_MARKS = ("\x00", "\x01", "\x02")
_MOST_DIGITS = 0x10FFFF - 3


def _natural_text(text: str) -> str:
    """:func:`_natural` as one text that sorts the same among texts of :func:`_text_sortable`
    (a precinct file's 15,000 units sort in half the time): each run of digits as ``\\x01``, a
    character numbering its digits without leading zeros, and the digits; each other run as
    ``\\x02`` and the run. Runs of digits come before other runs, by their count of digits,
    then by their text; where a run ends first, the mark of the next run or the end of the
    text comes before any character of the other, as the shorter comes first in a tuple."""
    return "".join(
        [
            f"\x01{chr(len(p.lstrip('0')) + 3)}{p}" if i & 1 else f"\x02{p}"
            for i, p in enumerate(_DIGIT_RUNS(text))
            if p
        ]
    )


def _text_sortable(text: str) -> bool:
    """Whether :func:`_natural_text` sorts ``text`` as :func:`_natural` does: it holds no
    character at or below those that mark runs, nor more digits in a row than a character
    counts."""
    return len(text) <= _MOST_DIGITS and not any(mark in text for mark in _MARKS)


def _text_lines(text: str, size: int = 1 << 20) -> Iterator[str]:
    """The lines of ``text`` as ``io.StringIO(text)`` gives them (split after each ``\\n``), made
    a slice of about ``size`` characters at a time, so no copy of the whole text is held. The
    lines are chained in C (no generator step per line)."""
    return chain.from_iterable(map(io.StringIO, _slices(text, size)))


def _slices(text: str, size: int) -> Iterator[str]:
    """``text`` in slices of about ``size`` characters, each ending after a ``\n`` (but the
    last)."""
    start, end = 0, len(text)
    while start < end:
        cut = text.find("\n", start + size) if start + size < end else -1
        stop = end if cut < 0 else cut + 1
        yield text[start:stop]
        start = stop


#: The lines of a file's text, line ends made ``\n``, from its start each time it is called.
Lines = Callable[[], Iterator[str]]


def _refuse_malformed(lines: Lines, source: str) -> NoReturn:
    """Raise the error :func:`tallyroom.limits.csv_rows` gives for the text of ``lines``
    (malformed CSV, or a row wider than the limit), with its line."""
    for _ in csv_rows(csv.reader(lines()), source):
        pass
    raise ParseError("malformed CSV", source=source)  # pragma: no cover - csv_rows raised


@dataclass(frozen=True, slots=True)
class _Office:
    """What an office cell says: the office, the unit figure it is (if a summary row) and
    whether a municipality elects it without naming itself."""

    name: str
    reserved: str | None
    municipal: bool


@dataclass(frozen=True, slots=True)
class _Candidate:
    name: str
    pseudo: str | None
    write_in: bool
    reserved: str | None


@dataclass(frozen=True, slots=True)
class _Party:
    party: str | None
    incumbent: bool


def _office(cell: str) -> _Office:
    office = cell.strip()
    municipal = bool(_MUNICIPAL.search(office)) and not _NAMES_PLACE.search(office)
    return _Office(office, _UNIT_OFFICES.get(office.lower()), municipal)


def _candidate(cell: str) -> _Candidate:
    name = cell.strip()
    lowered = name.lower()
    return _Candidate(
        name,
        _PSEUDO_CANDIDATES.get(lowered),
        bool(_WRITE_IN.match(name)),
        _UNIT_OFFICES.get(lowered),
    )


def _party(cell: str) -> _Party:
    stated = cell.strip()
    marker = stated.upper()
    party = None if marker in _NOT_PARTIES or marker in _INCUMBENT_MARKS else stated
    return _Party(party, marker in _INCUMBENT_MARKS)


def _place_in_precinct(cell: str) -> str | None:
    found = _PLACE_IN_PRECINCT.match(cell.strip())
    return _place_name(found.group(1)) if found else None


def read_openelections(
    text: str,
    source: str = "<openelections>",
    *,
    precinct_wards: Mapping[str, str] | None = None,
    date: dt.date | None = None,
    kind: StageKind | None = None,
    jurisdiction: Jurisdiction | None = None,
    columnar: bool | None = None,
) -> Loaded:
    """Elections (one per office, district and municipality) of an OpenElections CSV file.

    ``kind`` and the state come from the file name when it follows the convention
    (``20060912__dc__primary__precinct.csv``) and are not given; the date from a date column,
    else ``date``, else the file name. Raises :class:`ParseError` for a file without a header
    naming office, candidate and votes, or without a single contest row.

    The text is read a slice at a time and every cell that repeats (a unit, an office, a party,
    a candidate) is understood once, so time and memory grow with the number of rows only.
    A text of :data:`COLUMNAR_MIN_BYTES` or more is read by columns
    (:mod:`tallyroom.formats.openelections_columnar`), the same elections in a fifth of the time;
    ``columnar`` True reads any text so, False row by row (the reference), None by its size."""
    normalized = _lines(text)
    with collector_paused():
        if columnar or (columnar is None and len(normalized) >= COLUMNAR_MIN_BYTES):
            from tallyroom.formats.openelections_columnar import read_columnar_text

            found = read_columnar_text(normalized, source, precinct_wards, date, kind, jurisdiction)
            if found is not None:
                return found
        return _read_openelections(
            lambda: _text_lines(normalized), source, precinct_wards, date, kind, jurisdiction
        )


def read_openelections_file(
    path: Path,
    source: str | None = None,
    *,
    precinct_wards: Mapping[str, str] | None = None,
    date: dt.date | None = None,
    kind: StageKind | None = None,
    jurisdiction: Jurisdiction | None = None,
    feed: Callable[[memoryview], None] | None = None,
    columnar: bool | None = None,
) -> Loaded:
    """:func:`read_openelections` of the UTF-8 file at ``path``, read from disk a line at a time:
    its text is never held whole (a statewide file is tens of megabytes), and memory grows with
    its figures alone. Line ends are made ``\n`` as :func:`read_openelections` makes them. A
    byte that is not UTF-8 raises :class:`UnicodeDecodeError` and a failed read
    :class:`OSError` (the caller, which knows how the file was given, words the error).
    ``feed``: given, it is fed the file's bytes (less a byte-order mark) as they are read,
    once, whichever way the file is read. ``columnar`` as :func:`read_openelections` takes it,
    by the file's size."""

    def lines() -> Iterator[str]:
        with path.open("rb") as raw:
            if raw.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
                raw.seek(0)
            binary = raw if feed is None else io.BufferedReader(_Fed(raw, feed), 1 << 16)
            with io.TextIOWrapper(binary, encoding="utf-8", newline=None) as file:
                first = next(file, None)
                if first is not None:
                    yield first.lstrip("\ufeff")
                    yield from file

    with collector_paused():
        if columnar or (columnar is None and path.stat().st_size >= COLUMNAR_MIN_BYTES):
            from tallyroom.formats.openelections_columnar import read_columnar_file

            found = read_columnar_file(
                path, source or str(path), precinct_wards, date, kind, jurisdiction, feed
            )
            if found is not None:
                return found
            feed = None  # the columnar reader gave the feed every byte
        return _read_openelections(
            lines, source or str(path), precinct_wards, date, kind, jurisdiction
        )


class _Fed(io.RawIOBase):
    """A binary file that gives the bytes read from it to ``feed`` too."""

    def __init__(self, file: io.BufferedReader, feed: Callable[[memoryview], None]) -> None:
        super().__init__()
        self.file = file
        self.feed = feed

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.file.readinto(buffer)
        if count:
            with memoryview(buffer) as view:
                self.feed(view[:count])
        return count


def _read_openelections(
    lines: Lines,
    source: str,
    precinct_wards: Mapping[str, str] | None,
    date: dt.date | None,
    kind: StageKind | None,
    jurisdiction: Jurisdiction | None,
) -> Loaded:
    kind, jurisdiction, named_date, warnings = _naming(source, kind, jurisdiction)
    reader = csv.reader(lines())
    try:
        header = next(reader)
    except StopIteration:
        raise ParseError("expected a header line, found an empty file", source=source) from None
    except csv.Error:
        _refuse_malformed(lines, source)
    if len(header) > MAX_COLUMNS:
        _refuse_malformed(lines, source)
    layout = _layout(header, source)
    file_notes = [Unread.of(name, "column not read", 1) for name in layout.unknown]
    contests: dict[tuple[str, str, str | None], _Contest] = {}
    summary: dict[str, list[_Figure]] = {}
    root = ReportingUnit(CITY_UNIT, jurisdiction.city or jurisdiction.state or "All", "city")
    units = _Units(root, precinct_wards or {})
    dates: dict[str, int] = {}
    parts = _Parts(units, file_notes)
    reading = _Reading(kind, jurisdiction.state, units, parts, contests, summary, dates, file_notes)
    try:
        _read_rows(reader, layout, source, reading)
    except csv.Error:
        _refuse_malformed(lines, source)
    return _finish(
        contests,
        lambda contest, day: _election(contest, kind, day, jurisdiction, summary, units, source),
        dates,
        file_notes,
        date,
        named_date,
        warnings,
        source,
    )


def _naming(
    source: str, kind: StageKind | None, jurisdiction: Jurisdiction | None
) -> tuple[StageKind, Jurisdiction, dt.date | None, list[str]]:
    """The kind, jurisdiction and date a file's name gives (where they are not given), with a
    warning for a name's date that is no date."""
    warnings: list[str] = []
    named = _FILE_NAME.search(source.replace("\\", "/").rsplit("/", 1)[-1])
    named_date: dt.date | None = None
    if named:
        try:
            named_date = dt.datetime.strptime(named.group(1), "%Y%m%d").date()
        except ValueError:
            warnings.append(f"{source}: the file name's date {named.group(1)} is not a date")
        kind = kind or ("general" if named.group(3) == "special" else named.group(3))  # type: ignore[assignment]
        jurisdiction = jurisdiction or Jurisdiction(state=named.group(2).upper())
    return kind or "general", jurisdiction or Jurisdiction(), named_date, warnings


def _finish(
    contests: Mapping[tuple[str, str, str | None], _Contest],
    make: Callable[[_Contest, dt.date | None], Election],
    dates: Mapping[str, int],
    file_notes: list[Unread],
    date: dt.date | None,
    named_date: dt.date | None,
    warnings: list[str],
    source: str,
) -> Loaded:
    """The elections of a file's contests (each made by ``make``) once its rows are read:
    the date settled, the file's notes on the first election, every note a warning."""
    if not contests:
        raise ParseError(
            "expected at least one contest row (an office, a candidate and votes)", source=source
        )
    stated_date = _file_date(dates, source, file_notes)
    if date is not None and stated_date is not None and date != stated_date:
        warnings.append(f"{source}: the file's date {stated_date} differs from {date}; kept {date}")
    election_date = date or stated_date
    if election_date is None and named_date is not None:
        election_date = named_date
        warnings.append(
            f"{source}: election date {named_date} taken from the file name "
            "(no date column; give the date to be sure)"
        )
    elections = [make(contest, election_date) for contest in contests.values()]
    if file_notes:
        first = elections[0]
        elections[0] = replace(first, unread=(*file_notes, *first.unread))
    for election in elections:
        warnings.extend(f"{source}:{u.line}: {u.reason}: {u.text}" for u in election.unread)
    return Loaded(tuple(elections), tuple(warnings))


@dataclass(slots=True)
class _Reading:
    """What reading the rows of one file builds."""

    kind: StageKind
    state: str | None
    units: _Units
    parts: _Parts
    contests: dict[tuple[str, str, str | None], _Contest]
    summary: dict[str, list[_Figure]]
    dates: dict[str, int]
    notes: list[Unread]


def _read_rows(reader: Iterator[list[str]], layout: _Layout, source: str, into: _Reading) -> None:
    """Read every row after the header into ``into``: counts, notes and summary rows."""
    width = layout.width
    blank = width  # a missing column reads the empty cell added after each row
    l_office = layout.office if layout.office is not None else blank
    l_candidate = layout.candidate if layout.candidate is not None else blank
    l_district = layout.district if layout.district is not None else blank
    l_party = layout.party if layout.party is not None else blank
    l_county = layout.county if layout.county is not None else blank
    l_ward = layout.ward if layout.ward is not None else blank
    l_precinct = layout.precinct if layout.precinct is not None else blank
    l_place, l_date = layout.place, layout.date
    count_columns = [(c, t, f"expected a whole number of {t} votes") for c, t in layout.types]
    if layout.total is not None:
        count_columns.insert(0, (layout.total, "total", "expected a whole number of votes"))
    add_total = layout.total is None
    units, parts, notes_of_file = into.units, into.parts, into.notes
    contests, summary, dates = into.contests, into.summary, into.dates
    unit_of_cells: dict[tuple[str, str, str], str] = {}
    offices: dict[str, _Office] = {}
    candidates: dict[str, _Candidate] = {}
    parties: dict[str, _Party] = {}
    places: dict[str, str | None] = {}
    contest_of_cells: dict[tuple[str, str, str | None], _Contest] = {}
    part_keys: dict[tuple[int, str | None, str], int] = {}
    for values in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if len(values) != width:
            if len(values) > MAX_COLUMNS:
                raise csv.Error("a row wider than the limit")
            if not any(v.strip() for v in values):
                continue
            notes_of_file.append(
                Unread.of(",".join(values), f"expected {width} columns, found {len(values)}", line)
            )
            continue
        values.append("")
        cells = (values[l_county], values[l_ward], values[l_precinct])
        unit = unit_of_cells.get(cells)
        if unit is None:
            unit = unit_of_cells[cells] = units.unit(*(c.strip() for c in cells))
        if l_date is not None:
            stated = values[l_date].strip()
            if stated and stated not in dates:
                dates[stated] = line
        notes: list[Unread] = []
        counts: list[tuple[str, int]] = []
        for column, vote_type, expected in count_columns:
            cell = values[column]
            if not cell:
                continue
            if cell.isdigit() and cell.isascii() and len(cell) <= 12:  # below MAX_VOTES
                counts.append((vote_type, int(cell)))
                continue
            if cell[-2:] == ".0" and cell[:-2].isdigit() and cell.isascii() and len(cell) <= 14:
                counts.append((vote_type, int(cell[:-2])))  # 653.0: a whole number as a float
                continue
            cell = cell.strip()
            if cell:
                votes = parse_votes(cell, source, line)
                if votes is None:
                    notes.append(Unread.of(cell, expected, line))
                else:
                    counts.append((vote_type, votes))
        if add_total and counts:
            counts.insert(0, ("total", check_count(sum(v for _, v in counts), source, line)))
        office_cell = values[l_office]
        office = offices.get(office_cell)
        if office is None:
            office = offices[office_cell] = _office(office_cell)
        candidate_cell = values[l_candidate]
        candidate = candidates.get(candidate_cell)
        if candidate is None:
            candidate = candidates[candidate_cell] = _candidate(candidate_cell)
        reserved = office.reserved
        if reserved is None and not office.name:
            reserved = candidate.reserved
        if reserved is not None:
            if office.name and candidate.name:
                notes_of_file.append(
                    Unread.of(
                        ",".join(values[:width]), f"a {reserved} row that names a candidate", line
                    )
                )
                continue
            unit = parts.unit(unit, _reserved_key(reserved), line)
            notes_of_file.extend(notes)
            if not counts and not notes:
                notes_of_file.append(Unread.of(",".join(values[:width]), "no votes given", line))
            rows = summary.get(unit)
            if rows is None:
                rows = summary[unit] = []
            for vote_type, votes in counts:
                rows.append((reserved, votes, vote_type))
            continue
        if not office.name:
            notes_of_file.append(Unread.of(",".join(values[:width]), "expected an office", line))
            continue
        place = None
        if office.municipal:
            cell = values[l_place] if l_place is not None else values[l_precinct]
            if cell not in places:
                places[cell] = (
                    _place_name(cell) or None if l_place is not None else _place_in_precinct(cell)
                )
            place = places[cell]
        contest = contest_of_cells.get((office_cell, values[l_district], place))
        if contest is None:
            key = (office.name.upper(), values[l_district].strip().upper(), place)
            contest = contests.get(key)
            if contest is None:
                partisan = into.kind == "primary" and not nonpartisan_primary(
                    into.state, office.name
                )
                district = values[l_district].strip()
                contest = contests[key] = _Contest(
                    office.name, district, place, partisan, len(contests)
                )
            contest_of_cells[(office_cell, values[l_district], place)] = contest
        if notes:
            contest.unread.extend(notes)
        if not counts:
            if not notes:
                contest.unread.append(Unread.of(",".join(values[:width]), "no votes given", line))
            continue
        party_cell = values[l_party]
        party = parties.get(party_cell)
        if party is None:
            party = parties[party_cell] = _party(party_cell)
        stage_party = party.party if contest.partisan else None
        name = candidate.pseudo
        if name is None:
            name = candidate.name
            if not name:
                contest.unread.append(
                    Unread.of(",".join(values[:width]), "expected a candidate", line)
                )
                continue
            if (stage_party, name) not in contest.parties:
                contest.parties[(stage_party, name)] = party.party
                contest.order[name] = None
                if candidate.write_in:
                    contest.write_ins.add(name)
            if party.incumbent:
                contest.incumbents.add(name)
        given = (contest.number, stage_party, name)
        part_key = part_keys.get(given)
        if part_key is None:  # numbered after the summary rows' keys
            part_key = part_keys[given] = len(UNIT_ROWS) + len(part_keys)
        unit = parts.unit(unit, part_key, line)
        figures = contest.stages.get(stage_party)
        if figures is None:
            figures = contest.stages[stage_party] = UnitResultsBuilder()
            contest.units[stage_party] = {}
        for vote_type, votes in counts:
            figures.add(unit, name, votes, vote_type)
        contest.units[stage_party][unit] = None


#: A unit's summary figure (its registered voters, its ballots cast): row name, votes, vote type.
_Figure = tuple[str, int, str]


def _reserved_key(reserved: str) -> int:
    """The part key of a unit's summary figure (the contests' keys come after these)."""
    return UNIT_ROWS.index(reserved)


def _file_date(dates: Mapping[str, int], source: str, notes: list[Unread]) -> dt.date | None:
    found: dict[dt.date, int] = {}
    for text, line in dates.items():
        parsed = _parse_date(text)
        if parsed is None:
            notes.append(Unread.of(text, "expected a date (2024-11-05 or 11/05/2024)", line))
        else:
            found.setdefault(parsed, line)
    if len(found) > 1:
        shown = ", ".join(str(d) for d in sorted(found))
        raise ParseError(f"expected one election date in the file, found {shown}", source=source)
    return next(iter(found), None)


def _parse_date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    return None


def _election(
    contest: _Contest,
    kind: StageKind,
    date: dt.date | None,
    jurisdiction: Jurisdiction,
    summary: Mapping[str, list[_Figure]],
    units: _Units,
    source: str,
) -> Election:
    stages = []
    for party in list(contest.stages):
        figures = contest.stages.pop(party)  # the stage holds them now, as columns
        tree = units.of(contest.units[party])
        for unit in tree:
            for name, votes, vote_type in summary.get(unit.id, ()):
                figures.add(unit.id, name, votes, vote_type)
        stages.append(_stage(kind, party, date, contest, figures.build(), tree, source))
    return _contest_election(contest, tuple(stages), date, jurisdiction, source)


def _contest_election(
    contest: _Contest,
    stages: tuple[Stage, ...],
    date: dt.date | None,
    jurisdiction: Jurisdiction,
    source: str,
) -> Election:
    """The election of a contest and its stages: titled by office, district and place."""
    title = f"{contest.office} {contest.district}".strip()
    where = jurisdiction
    if contest.place is not None:
        title = f"{title} ({contest.place})"
        where = replace(jurisdiction, city=contest.place)
    return Election(
        title=title,
        jurisdiction=where,
        office=contest.office,
        district=contest.district or None,
        date=date,
        stages=stages,
        unread=tuple(contest.unread),
        source=source,
    )


def _stage(
    kind: StageKind,
    party: str | None,
    date: dt.date | None,
    contest: _Contest,
    rows: UnitResults,
    units: tuple[ReportingUnit, ...],
    source: str,
    rolled: Mapping[str, int] | None = None,
) -> Stage:
    """The stage of ``rows``, its results the roll-up of its units' figures (``rolled``, when
    the caller summed them as :func:`~tallyroom.formats.rollup.root_totals` does)."""
    draft = Stage(kind=kind, party=party, date=date, units=units, unit_results=rows)
    if rolled is None:
        rolled = root_totals(draft)  # every unit lies under the city
    for votes in rolled.values():  # every row's count was checked; their sums are the largest
        check_count(votes, source)
    results = tuple(
        CandidateResult(
            name,
            rolled.get(name),
            contest.parties.get((party, name)),
            incumbent=name in contest.incumbents,
            write_in=name in contest.write_ins,
        )
        for name in contest.order
        if (party, name) in contest.parties
    )
    return replace(
        draft,
        results=results,
        registered_voters=rolled.get(REGISTERED_VOTERS),
        ballots_cast=rolled.get(BALLOTS_CAST),
    )


def merge_elections(elections: Iterable[Election]) -> Loaded:
    """Join elections of the same office into one, stages in date order.

    A candidate whose name differs only in case from a name of an earlier stage takes the earlier
    spelling (``ADRIAN FENTY`` → ``Adrian Fenty``); each such change is reported.
    """
    groups: dict[str, list[Election]] = {}
    for election in elections:
        groups.setdefault(" ".join(election.title.upper().split()), []).append(election)
    merged = []
    warnings: list[str] = []
    for group in groups.values():
        stages = sorted(
            (s for e in group for s in e.stages),
            key=lambda s: (s.date or dt.date.min, s.kind != "primary", s.party or ""),
        )
        spelling: dict[str, str] = {}
        renamed = []
        for stage in stages:
            names = {r.name for r in stage.results} | {r.candidate for r in stage.unit_results}
            mapping = {}
            for name in sorted(names):
                key = " ".join(name.upper().split())
                first = spelling.setdefault(key, name)
                if first != name:
                    mapping[name] = first
                    warnings.append(f"{group[0].title}: {name!r} read as {first!r}")
            renamed.append(_rename(stage, mapping) if mapping else stage)
        first_election = group[0]
        merged.append(
            replace(
                first_election,
                stages=tuple(renamed),
                date=None,
                unread=tuple(u for e in group for u in e.unread),
            )
        )
    return Loaded(tuple(merged), tuple(warnings))


def _rename(stage: Stage, mapping: Mapping[str, str]) -> Stage:
    units, candidates, votes, vote_types = unit_columns(stage.unit_results)
    renamed = [mapping.get(name, name) for name in candidates]
    return replace(
        stage,
        results=tuple(replace(r, name=mapping.get(r.name, r.name)) for r in stage.results),
        unit_results=UnitResults.from_columns(units, renamed, votes, vote_types),
    )
