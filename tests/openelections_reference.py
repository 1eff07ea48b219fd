"""The row-by-row OpenElections reader as it stood before the reader was made to stream: the
reference the equivalence tests hold the current reader to (same elections, notes, lines)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from tallyroom.errors import ParseError
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    BLANK_BALLOTS,
    OVER_VOTES,
    REGISTERED_VOTERS,
    REJECTED_WRITE_INS,
    UNDER_VOTES,
    WRITE_INS,
    Loaded,
)
from tallyroom.formats.rollup import unit_totals
from tallyroom.formats.states import nonpartisan_primary
from tallyroom.limits import MAX_DIGITS, check_count, csv_rows
from tallyroom.model import (
    CandidateResult,
    Election,
    Jurisdiction,
    ReportingUnit,
    Stage,
    StageKind,
    UnitResult,
    Unread,
)

__all__ = ["read_openelections"]

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
    if text.isdigit():
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
    stages: dict[str | None, list[UnitResult]] = field(default_factory=dict)
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
        return unit_id

    def of(self, used: Iterable[str]) -> tuple[ReportingUnit, ...]:
        """``used`` and every unit above them, the root first, then by kind and natural order."""
        wanted: set[str] = {self.root.id}
        for unit_id in used:
            current: str | None = unit_id
            while current is not None and current not in wanted:
                wanted.add(current)
                current = self.known[current].parent
        rank = {"city": 0, "county": 1, "ward": 2, "precinct": 3}
        return tuple(
            sorted(
                (self.known[u] for u in wanted),
                key=lambda u: (u.id != self.root.id, rank.get(u.kind, 4), _natural(u.id)),
            )
        )


class _Parts:
    """Splits a unit whose rows come again (the same contest and candidate) into parts."""

    def __init__(self, units: _Units, notes: list[Unread]) -> None:
        self.units = units
        self.notes = notes
        self.current: dict[str, tuple[int, str]] = {}
        self.seen: set[tuple[str, tuple[str, ...]]] = set()

    def unit(self, unit: str, key: tuple[str, ...], line: int) -> str:
        number, current = self.current.get(unit, (1, unit))
        if (current, key) in self.seen:
            number += 1
            current = self.units.part(unit, number)
            self.current[unit] = (number, current)
            name = self.units.known[unit].name
            self.notes.append(
                Unread.of(
                    name,
                    f"rows of this unit come again from here: read as its part {number} "
                    "(a split precinct); check the file if they are a repeat",
                    line,
                )
            )
        self.seen.add((current, key))
        return current


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key putting ``precinct-9`` before ``precinct-10`` (numbers of any length)."""
    return tuple(
        (0, len(p.lstrip("0")), p) if p.isdecimal() else (1, 0, p)
        for p in re.split(r"(\d+)", text)
        if p
    )


def read_openelections(
    text: str,
    source: str = "<openelections>",
    *,
    precinct_wards: Mapping[str, str] | None = None,
    date: dt.date | None = None,
    kind: StageKind | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> Loaded:
    """Elections (one per office, district and municipality) of an OpenElections CSV file.

    ``kind`` and the state come from the file name when it follows the convention
    (``20060912__dc__primary__precinct.csv``) and are not given; the date from a date column,
    else ``date``, else the file name. Raises :class:`ParseError` for a file without a header
    naming office, candidate and votes, or without a single contest row."""
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
    kind = kind or "general"
    jurisdiction = jurisdiction or Jurisdiction()
    reader = csv_rows(csv.reader(io.StringIO(_lines(text))), source)
    try:
        header = next(reader)[1]
    except StopIteration:
        raise ParseError("expected a header line, found an empty file", source=source) from None
    layout = _layout(header, source)
    file_notes = [Unread.of(name, "column not read", 1) for name in layout.unknown]
    contests: dict[tuple[str, str, str | None], _Contest] = {}
    summary: dict[str, list[UnitResult]] = {}
    root = ReportingUnit(CITY_UNIT, jurisdiction.city or jurisdiction.state or "All", "city")
    units = _Units(root, precinct_wards or {})
    dates: dict[str, int] = {}
    parts = _Parts(units, file_notes)
    width = layout.width
    l_office, l_candidate, l_total = layout.office, layout.candidate, layout.total
    l_district, l_party, l_place = layout.district, layout.party, layout.place
    l_county, l_ward, l_precinct = layout.county, layout.ward, layout.precinct
    for line, values in reader:
        if len(values) != width:
            if not any(v.strip() for v in values):
                continue
            file_notes.append(
                Unread.of(",".join(values), f"expected {width} columns, found {len(values)}", line)
            )
            continue
        office = values[l_office].strip() if l_office is not None else ""
        candidate = values[l_candidate].strip() if l_candidate is not None else ""
        unit = units.unit(
            values[l_county].strip() if l_county is not None else "",
            values[l_ward].strip() if l_ward is not None else "",
            values[l_precinct].strip() if l_precinct is not None else "",
        )
        if layout.date is not None and values[layout.date].strip():
            stated = values[layout.date].strip()
            dates[stated] = dates.get(stated, line)
        notes: list[Unread] = []
        counts: list[tuple[str, int]] = []
        if l_total is not None:
            cell = values[l_total].strip()
            if cell:
                votes = parse_votes(cell, source, line)
                if votes is None:
                    notes.append(Unread.of(cell, "expected a whole number of votes", line))
                else:
                    counts.append(("total", votes))
        for column, vote_type in layout.types:
            cell = values[column].strip()
            if cell:
                votes = parse_votes(cell, source, line)
                if votes is None:
                    notes.append(
                        Unread.of(cell, f"expected a whole number of {vote_type} votes", line)
                    )
                else:
                    counts.append((vote_type, votes))
        if l_total is None and counts:
            counts.insert(0, ("total", sum(v for _, v in counts)))
        lowered_office = office.lower()
        reserved = _UNIT_OFFICES.get(lowered_office)
        if reserved is None and not office:
            reserved = _UNIT_OFFICES.get(candidate.lower())
        if reserved is not None and office and candidate:
            file_notes.append(
                Unread.of(",".join(values), f"a {reserved} row that names a candidate", line)
            )
            continue
        if reserved is not None:
            unit = parts.unit(unit, (reserved,), line)
            file_notes.extend(notes)
            if not counts and not notes:
                file_notes.append(Unread.of(",".join(values), "no votes given", line))
            rows = summary.setdefault(unit, [])
            rows.extend(UnitResult(unit, reserved, v, t) for t, v in counts)
            continue
        if not office:
            file_notes.append(Unread.of(",".join(values), "expected an office", line))
            continue
        district = values[l_district].strip() if l_district is not None else ""
        place = None
        if _MUNICIPAL.search(office) and not _NAMES_PLACE.search(office):
            if l_place is not None:
                place = _place_name(values[l_place]) or None
            elif l_precinct is not None:
                found = _PLACE_IN_PRECINCT.match(values[l_precinct].strip())
                place = _place_name(found.group(1)) if found else None
        key = (office.upper(), district.upper(), place)
        contest = contests.get(key)
        if contest is None:
            partisan = kind == "primary" and not nonpartisan_primary(jurisdiction.state, office)
            contest = contests[key] = _Contest(office, district, place, partisan)
        contest.unread.extend(notes)
        if not counts:
            if not notes:
                contest.unread.append(Unread.of(",".join(values), "no votes given", line))
            continue
        pseudo = _PSEUDO_CANDIDATES.get(candidate.lower())
        party_cell = values[l_party].strip() if l_party is not None else ""
        marker = party_cell.upper()
        party = None if marker in _NOT_PARTIES or marker in _INCUMBENT_MARKS else party_cell
        stage_party = party if contest.partisan else None
        if pseudo is None:
            if not candidate:
                contest.unread.append(Unread.of(",".join(values), "expected a candidate", line))
                continue
            if _WRITE_IN.match(candidate):
                contest.write_ins.add(candidate)
            if marker in _INCUMBENT_MARKS:
                contest.incumbents.add(candidate)
            contest.order[candidate] = None
            contest.parties.setdefault((stage_party, candidate), party)
        name = pseudo or candidate
        unit = parts.unit(unit, (*key[:2], key[2] or "", stage_party or "", name), line)
        contest.stages.setdefault(stage_party, []).extend(
            UnitResult(unit, name, v, t) for t, v in counts
        )
        contest.units.setdefault(stage_party, {})[unit] = None
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
    elections = [
        _election(contest, kind, election_date, jurisdiction, summary, units, source)
        for contest in contests.values()
    ]
    if file_notes:
        first = elections[0]
        elections[0] = replace(first, unread=(*file_notes, *first.unread))
    for election in elections:
        warnings.extend(f"{source}:{u.line}: {u.reason}: {u.text}" for u in election.unread)
    return Loaded(tuple(elections), tuple(warnings))


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
    summary: Mapping[str, list[UnitResult]],
    units: _Units,
    source: str,
) -> Election:
    stages = []
    for party, rows in contest.stages.items():
        tree = units.of(contest.units[party])
        shared = [row for unit in tree for row in summary.get(unit.id, ())]
        stages.append(_stage(kind, party, date, contest, (*rows, *shared), tree))
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
        stages=tuple(stages),
        unread=tuple(contest.unread),
        source=source,
    )


def _stage(
    kind: StageKind,
    party: str | None,
    date: dt.date | None,
    contest: _Contest,
    rows: tuple[UnitResult, ...],
    units: tuple[ReportingUnit, ...],
) -> Stage:
    draft = Stage(kind=kind, party=party, date=date, units=units, unit_results=rows)
    rolled = unit_totals(draft).get(CITY_UNIT, {})
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
    return replace(
        stage,
        results=tuple(replace(r, name=mapping.get(r.name, r.name)) for r in stage.results),
        unit_results=tuple(
            replace(r, candidate=mapping.get(r.candidate, r.candidate)) for r in stage.unit_results
        ),
    )
