"""The one read API of the results database: typed records of what was decided and stored.

The command line, the website and the exports read through these functions (via
:class:`~tallyroom.store.Store`); none of them touches the tables or decides anything again.
Every function reads the *current* version of each election unless it is given a version.

- :func:`list_elections`: summaries matching an :class:`ElectionFilter`, newest first, a page
  at a time, with the count;
- :func:`election_record`: one version with its figures, decisions, findings and provenance;
- :func:`record_in_place`: what an election's page reads (record, source text, its city's list);
- :func:`facets`, :func:`places`, :func:`place_state`, :func:`city_elections`,
  :func:`candidate_index`: the website's listings.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from tallyroom.checks.types import Finding
from tallyroom.errors import NotFoundError, StorageError
from tallyroom.figures import ElectionFigures, person_key
from tallyroom.model import Election, StageDecision
from tallyroom.store import schema as t
from tallyroom.store.driver import read_rows
from tallyroom.store.people import PeopleIndex
from tallyroom.store.records import from_json
from tallyroom.store.rows import head_columns, load_election

__all__ = [
    "CityPlace",
    "CurrentHead",
    "ElectionFilter",
    "ElectionRecord",
    "ElectionSummary",
    "FacetCounts",
    "Page",
    "RecordInPlace",
    "StoredElection",
    "audit_mark",
    "candidate_index",
    "changed_elections",
    "city_elections",
    "city_summaries",
    "current_head",
    "current_versions",
    "election_record",
    "facets",
    "filtered_query",
    "find_election",
    "generation",
    "has_text_index",
    "list_elections",
    "most_elections_first",
    "place_state",
    "places",
    "record_in_place",
    "stored_election",
    "summary_columns",
    "summary_of",
    "version_id",
]

Order = Literal["newest", "oldest"]


@dataclass(frozen=True, slots=True)
class ElectionFilter:
    """Which elections :func:`list_elections` returns; ``None`` fields do not filter.

    ``city``, ``state``, ``office`` and ``rules`` match the whole value, case-insensitively;
    ``candidate`` any part of a person's name (as :func:`~tallyroom.figures.person_key` writes
    it) in any stage's results, the candidate list or the infobox's nominees; ``party`` the
    whole name of a candidate's party; ``q`` any part of the title, the city or a name.
    """

    city: str | None = None
    state: str | None = None
    year: int | None = None
    office: str | None = None
    candidate: str | None = None
    party: str | None = None
    rules: str | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class ElectionSummary:
    """One election in a list: its current version's label, place, date and decided outcome."""

    id: int
    version: int
    title: str
    city: str | None
    state: str | None
    office: str | None
    year: int | None
    date: dt.date | None
    """The date of the deciding stage (else the election's)."""
    rules: str | None
    winner: str | None
    winner_percent: str | None
    outcome: str | None
    margin_votes: int | None
    counted_total: int | None


@dataclass(frozen=True, slots=True)
class Page:
    """A page of summaries and how many match in all."""

    rows: tuple[ElectionSummary, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ElectionRecord:
    """One stored version of an election: everything decided and found when it was imported."""

    id: int
    version: int
    current: int
    """The election's current version number (equal to ``version`` for the current one)."""
    versions: int
    title: str
    imported_at: dt.datetime
    imported_by: str
    source_name: str
    source_sha256: str
    election: Election
    figures: ElectionFigures
    decisions: tuple[StageDecision, ...] | None
    rules: Mapping[str, Any] | None
    rules_note: str | None
    findings: tuple[Finding, ...]
    errors: int


@dataclass(frozen=True, slots=True)
class CityPlace:
    city: str
    state: str | None
    elections: int


def current_versions(*columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """``versions`` (or the given columns) joined to ``elections`` on each current version."""
    e, v = t.elections, t.versions
    return sa.select(*(columns or (v,))).join(
        e, sa.and_(v.c.election_id == e.c.id, v.c.number == e.c.current_version)
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column: sa.ColumnElement[Any], text: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(column).like(f"%{_escape(text.casefold())}%", escape="\\")


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    assert isinstance(value, dt.date)
    return value


#: The columns of an :class:`ElectionSummary` (not the large ones: figures, people).
SUMMARY_COLUMNS = (
    "election_id",
    "number",
    "title",
    "city",
    "state",
    "office",
    "year",
    "decided_on",
    "date",
    "rules",
    "winner",
    "winner_percent",
    "outcome",
    "margin_votes",
    "counted_total",
)


def summary_columns() -> list[sa.ColumnElement[Any]]:
    """The columns of a version :func:`summary_of` reads, in its order."""
    # Dates as the driver gives them (ISO text from SQLite, dates from PostgreSQL): _date reads
    # both, several times faster than SQLAlchemy's SQLite date parsing.
    v = t.versions
    return [
        sa.type_coerce(v.c[name], sa.String).label(name)
        if isinstance(v.c[name].type, sa.Date)
        else v.c[name]
        for name in SUMMARY_COLUMNS
    ]


#: The fewest characters the text indexes find; shorter text is looked for in every version.
TRIGRAM = 3
#: SQLite's text search table (migration 0010): the versions whose title, city or names may
#: contain a text, found by trigram; a query checks each with the filter itself.
_SEARCH = sa.table("versions_search", sa.column("rowid"))


def _phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (with the trigram tokenizer: any substring of a column)."""
    return '"' + text.replace('"', '""') + '"'


def _search(query: str) -> sa.ColumnElement[bool]:
    """The versions SQLite's text index finds for an FTS5 ``query``."""
    found = sa.select(_SEARCH.c.rowid).where(
        sa.literal_column("versions_search").op("MATCH")(query)
    )
    return t.versions.c.id.in_(found)


def _pattern(text: str) -> str:
    """A LIKE pattern (escape ``/``) matching values that contain ``text``."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _names_contain(key: str, dialect: str) -> sa.ColumnElement[bool]:
    """Versions naming a person whose key contains ``key``. On PostgreSQL the case-folded names
    are compared too, which the trigram index finds (the names are case-folded already); the
    plain comparison goes first, for a scan of every version: it makes no lower-case copy of
    each one's names (counting 100,000 versions' matches: 97–116 → 67–70 ms)."""
    people = t.versions.c.people
    pattern = _pattern(key)
    contains = people.like(pattern, escape="/")
    if dialect == "postgresql" and len(key) >= TRIGRAM:
        indexed = sa.func.lower(people).like(sa.func.lower(pattern), escape="/")
        return sa.and_(contains, indexed)
    return contains


def has_text_index(conn: sa.Connection) -> bool:
    """Whether SQLite's text index (``versions_search``) is there: migration 0010 leaves it out
    when the SQLite library lacks FTS5's trigram tokenizer."""
    found = conn.execute(
        sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions_search'")
    ).first()
    return found is not None


def filtered_query(
    where: ElectionFilter,
    *columns: sa.ColumnElement[Any],
    dialect: str,
    indexed: bool = True,
    text_index: bool = True,
) -> sa.Select[Any]:
    """The current versions matching ``where`` (the given columns of them) on a database of
    ``dialect`` (``sqlite``, ``postgresql``): the query :func:`list_elections` runs, whose plan
    tests check.

    The text filters (``candidate``, ``q``) are read through the text indexes of migration
    0010 when the text has at least :data:`TRIGRAM` characters; the filter itself still
    decides (an index only narrows the versions it is checked on). ``indexed=False`` (SQLite)
    keeps the filters off their indexes, so that a page of many matches is read in the
    index's order (:func:`list_elections` chooses); ``text_index=False``: SQLite's text index
    is not there (:func:`has_text_index`)."""
    v = t.versions
    bypass = dialect == "sqlite" and not indexed
    search = dialect == "sqlite" and indexed and text_index
    query = current_versions(*columns)
    for column, value in (
        (v.c.city, where.city),
        (v.c.state, where.state),
        (v.c.office, where.office),
        (v.c.rules, where.rules),
    ):
        if value is not None:
            folded = sa.func.lower(column)
            # SQLite uses no index for an expression other than the indexed one.
            compared = folded.concat("") if bypass else folded
            query = query.where(compared == " ".join(value.split()).casefold())
    if where.year is not None:
        query = query.where((v.c.year + 0 if bypass else v.c.year) == where.year)
    if where.candidate is not None:
        key = person_key(where.candidate)
        query = query.where(_names_contain(key, dialect))
        if search and len(key) >= TRIGRAM:
            query = query.where(_search(f"people : {_phrase(key)}"))
    if where.party is not None:
        line = "\n" + " ".join(where.party.split()).casefold() + "\n"
        query = query.where(v.c.parties.contains(line, autoescape=True))
    if where.q is not None:
        text, key = where.q.casefold(), person_key(where.q)
        query = query.where(
            sa.or_(
                _like(v.c.title, where.q),
                _like(v.c.city, where.q),
                _names_contain(key, dialect),
            )
        )
        if search and min(len(text), len(key)) >= TRIGRAM:
            found = f"{{title city}} : {_phrase(text)} OR people : {_phrase(key)}"
            query = query.where(_search(found))
    return query


def summary_of(row: Any) -> ElectionSummary:
    """A summary from a row of :func:`summary_columns` (read by position: fast for long lists)."""
    (ident, number, title, city, state, office, year, decided_on, date, rules, winner,
     share, outcome, margin, counted) = row  # fmt: skip
    return ElectionSummary(
        int(ident), int(number), title, city, state, office, year,
        _date(decided_on) or _date(date), rules, winner, share, outcome, margin, counted,
    )  # fmt: skip


def _newest_first(row: ElectionSummary) -> tuple[Any, ...]:
    """:func:`list_elections`' SQL order, newest first, as a sort key."""
    day = row.date.toordinal() if row.date is not None else 0
    return (row.year is None, -(row.year or 0), row.date is None, -day, row.title, row.id)


def _oldest(rows: list[ElectionSummary]) -> list[ElectionSummary]:
    """The same rows oldest first (undated still last, ties still by title)."""

    def key(row: ElectionSummary) -> tuple[Any, ...]:
        day = row.date.toordinal() if row.date is not None else 0
        return (row.year is None, row.year or 0, row.date is None, day, row.title, row.id)

    return sorted(rows, key=key)


def _text_index(conn: sa.Connection) -> bool:
    return conn.dialect.name != "sqlite" or has_text_index(conn)


def _in_order(conn: sa.Connection, matching: int, wanted: int) -> bool:
    """Whether a page of ``wanted`` rows of ``matching`` elections is read faster in the index's
    order (``ix_versions_newest``; about ``wanted`` x all / ``matching`` versions, checking the
    filters on each) than by reading every match and sorting them. SQLite's planner would
    choose by its statistics, which an unanalysed database does not have."""
    if not matching:
        return False
    elections = conn.execute(sa.select(sa.func.count()).select_from(t.elections)).scalar_one()
    return wanted * int(elections) < matching * matching


def list_elections(
    conn: sa.Connection,
    where: ElectionFilter,
    *,
    order: Order = "newest",
    limit: int | None = None,
    offset: int = 0,
) -> Page:
    """The current elections matching ``where``: newest first by year and date (an election
    known only by its year sorts by the year), undated last; ``order="oldest"`` reverses it."""
    v = t.versions
    dialect = conn.dialect.name
    texts = where.candidate is not None or where.q is not None
    text_index = not texts or _text_index(conn)
    query = filtered_query(where, *summary_columns(), dialect=dialect, text_index=text_index)
    if dialect == "sqlite" and limit is None and not offset:
        # The whole list from SQLite is sorted here: ordered by SQL, SQLite reads the rows
        # through the year index one page at a time, which is slower than reading the table
        # and sorting it. The order is the same.
        rows = sorted((summary_of(row) for row in conn.execute(query)), key=_newest_first)
        return Page(tuple(rows if order == "newest" else _oldest(rows)), len(rows))
    counted = filtered_query(where, v.c.id, dialect=dialect, text_index=text_index)
    total = conn.execute(sa.select(sa.func.count()).select_from(counted.subquery())).scalar_one()
    many = dialect == "sqlite" and order == "newest" and where != ElectionFilter()
    if many and limit is not None and _in_order(conn, int(total), offset + limit):
        query = filtered_query(where, *summary_columns(), dialect=dialect, indexed=False)
    if order == "newest":
        keys = [sa.nulls_last(v.c.year.desc()), sa.nulls_last(v.c.decided_on.desc())]
    else:
        keys = [sa.nulls_last(v.c.year.asc()), sa.nulls_last(v.c.decided_on.asc())]
    ordered = query.order_by(*keys, v.c.title, v.c.election_id).offset(offset)
    if limit is not None:
        ordered = ordered.limit(limit)
    return Page(tuple(summary_of(row) for row in conn.execute(ordered)), int(total))


def find_election(conn: sa.Connection, ref: int | str) -> int:
    """The id of the election ``ref`` names: an id, a title, or a unique part of a title."""
    e = t.elections
    if isinstance(ref, int):
        if conn.execute(sa.select(e.c.id).where(e.c.id == ref)).first() is None:
            raise NotFoundError(f"no election with id {ref}", ref=ref)
        return ref
    if ref.strip().isdigit():
        # An id; failing that, digits may be part of a title ("2004").
        wanted = int(ref)
        if conn.execute(sa.select(e.c.id).where(e.c.id == wanted)).first() is not None:
            return wanted
    text = " ".join(ref.split())
    if not text:
        raise StorageError("an election is named by its id or title; got an empty name")
    exact = conn.execute(sa.select(e.c.id).where(sa.func.lower(e.c.title) == text.casefold())).all()
    if len(exact) == 1:
        return int(exact[0].id)
    matches = conn.execute(
        sa.select(e.c.id, e.c.title).where(_like(e.c.title, text)).order_by(e.c.title).limit(11)
    ).all()
    if len(matches) == 1:
        return int(matches[0].id)
    if not matches:
        raise NotFoundError(
            f"no election matches {ref!r}; `tallyroom list` shows what is stored", ref=ref
        )
    shown = "; ".join(f"{m.id}: {m.title}" for m in matches[:10])
    more = " ..." if len(matches) > 10 else ""
    raise StorageError(f"{ref!r} matches several elections — name one by id: {shown}{more}")


def version_id(conn: sa.Connection, election_id: int, number: int | None = None) -> int:
    """The row id of version ``number`` (default: the current one) of an election."""
    e, v = t.elections, t.versions
    if number is None:
        query = current_versions(v.c.id).where(e.c.id == election_id)
    else:
        query = sa.select(v.c.id).where(v.c.election_id == election_id, v.c.number == number)
    found = conn.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            f"election {election_id} has no version {number}", ref=election_id, version=number
        )
    return int(found)


@functools.cache
def _record_query(*, current: bool, text: bool = False) -> sa.Select[Any]:
    """The stored row of a version (what :func:`~tallyroom.store.rows.load_election` reads of
    it too), its figures and rules' record (``rules_record``), its source's name (and with
    ``text`` its text's first piece) and the count of the election's versions (bound:
    ``election_id``, and ``number`` unless ``current``). Made once: building a statement costs
    more than SQLite takes to run it."""
    v, s, e = t.versions, t.sources, t.elections
    wanted = e.c.current_version if current else sa.bindparam("number", type_=sa.Integer)
    others = v.alias("others")
    count = sa.select(sa.func.count()).where(others.c.election_id == e.c.id).scalar_subquery()
    return (
        sa.select(
            *head_columns(),
            t.version_figures.c.figures,
            t.version_figures.c.rules.label("rules_record"),
            s.c.name.label("source_name"),
            s.c.sha256,
            e.c.current_version,
            count.label("versions"),
            *((s.c.text.label("source_head"),) if text else ()),
        )
        .select_from(e)
        .join(v, sa.and_(v.c.election_id == e.c.id, v.c.number == wanted))
        .join(s, s.c.id == v.c.source_id)
        .join(t.version_figures, t.version_figures.c.version_id == v.c.id)
        .where(e.c.id == sa.bindparam("election_id", type_=sa.Integer))
    )


@functools.cache
def _findings_query() -> sa.Select[Any]:
    f = t.findings
    version = sa.bindparam("version_id", type_=sa.Integer)
    return sa.select(f.c.data).where(f.c.version_id == version).order_by(f.c.position)


def election_record(
    conn: sa.Connection, election_id: int, number: int | None = None
) -> ElectionRecord:
    """Version ``number`` (default: the current one) of an election, as stored: its row, its
    figures, its source's name and the count of versions in one query, its findings in one, and
    the election's rows (:func:`~tallyroom.store.rows.load_election`)."""
    return _election_record(conn, _record_query(current=number is None), election_id, number)[0]


@dataclass(frozen=True, slots=True)
class RecordInPlace:
    """An election's current version with what its page shows beside it."""

    record: ElectionRecord
    source_head: str
    """The start of the text of the source the version was read from: its first piece (a
    mebibyte of characters at most; see :mod:`tallyroom.store.sources`), which names it."""
    same_office: tuple[tuple[int, str], ...]
    """The current elections of its city for the same office (itself included), as election
    id and title, in the order of :func:`city_summaries` (none when it names no city)."""


def record_in_place(conn: sa.Connection, election_id: int) -> RecordInPlace:
    """The current version of an election (as :func:`election_record`, with the start of its
    source's text in the same query) and its city's elections for the same office: what an
    election's page reads, in one transaction."""
    record, text = _election_record(conn, _record_query(current=True, text=True), election_id)
    election = record.election
    city, state, office = election.jurisdiction.city, election.jurisdiction.state, election.office
    same: tuple[tuple[int, str], ...] = ()
    if city is not None:
        query = _office_query(known_state=state is not None, known_office=office is not None)
        found = read_rows(conn, query, {"city": city, "state": state, "office": office})
        same = tuple((int(ident), str(title)) for ident, title in found)
    return RecordInPlace(record, str(text), same)


def _election_record(
    conn: sa.Connection, query: sa.Select[Any], election_id: int, number: int | None = None
) -> tuple[ElectionRecord, Any]:
    """The record :func:`election_record` reads with ``query`` (one of :func:`_record_query`),
    and the first piece of the source's text when the query reads it (else ``None``)."""
    found = read_rows(conn, query, {"election_id": election_id, "number": number})
    if not found:
        find_election(conn, election_id)  # no such election: its own message
        raise NotFoundError(
            f"election {election_id} has no version {number}", ref=election_id, version=number
        )
    (row,) = found  # the query names one version
    row_id = int(row.id)
    record = json.loads(row.rules_record)
    findings = tuple(
        from_json(Finding, json.loads(data))
        for (data,) in read_rows(conn, _findings_query(), {"version_id": row_id})
    )
    election = load_election(conn, row_id, source=str(row.source_name), head=row)
    figures = from_json(ElectionFigures, json.loads(row.figures))
    decisions = tuple(stage.decision for stage in figures.stages if stage.decision is not None)
    imported_at = row.imported_at
    if isinstance(imported_at, str):
        imported_at = dt.datetime.fromisoformat(imported_at)
    if imported_at.tzinfo is None:
        imported_at = imported_at.replace(tzinfo=dt.UTC)
    record = ElectionRecord(
        id=election_id,
        version=int(row.number),
        current=int(row.current_version),
        versions=int(row.versions),
        title=row.title,
        imported_at=imported_at,
        imported_by=row.imported_by,
        source_name=str(row.source_name),
        source_sha256=str(row.sha256),
        election=election,
        figures=figures,
        decisions=decisions if len(decisions) == len(election.stages) else None,
        rules=record.get("rules"),
        rules_note=record.get("note"),
        findings=findings,
        errors=int(row.error_findings),
    )
    return record, getattr(row, "source_head", None)


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """What the index can be filtered by, with how many current elections have each value."""

    places: tuple[CityPlace, ...]
    """By name; with a limit, only the places with the most elections (see :func:`facets`)."""
    place_count: int
    """How many places there are in all."""
    years: tuple[tuple[int, int], ...]
    """Newest first."""
    offices: tuple[tuple[str, int], ...]


def most_elections_first(counted: Any, limit: int) -> sa.Select[Any]:
    """The ``limit`` places of ``counted`` (a table or subquery of ``city``, ``state`` and
    ``elections``) with the most elections, ties by name: the places the index and ``stats``
    list. The limit is written into the SQL: as a parameter, SQLite plans a join with these
    places to read every version."""
    c = counted.c
    return (
        sa.select(c.city, c.state, c.elections)
        .order_by(c.elections.desc(), c.city, c.state)
        .limit(sa.bindparam("places", limit, literal_execute=True))
    )


def _places_query(*, limit: int | None) -> sa.Select[Any]:
    """Places with their current elections' count (migration 0011 keeps them in
    ``place_counts``), by name; with ``limit``, the ``limit`` with the most elections (ties by
    name), read in the order of that table's index (``ix_place_counts_most``)."""
    p = t.place_counts
    if limit is None:
        query = sa.select(p.c.city, p.c.state, p.c.elections).order_by(p.c.city, p.c.state)
    else:
        query = most_elections_first(p, limit)
    return query.where(p.c.elections > 0)


def _by_name(place: CityPlace) -> tuple[str, str]:
    return place.city, place.state or ""


@functools.cache
def _facet_queries() -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """The counts of years and of offices over every version, and of the versions that are not
    their election's current one (the stale ones, to take away), looked for only among the
    elections with a second version (through the index of version numbers).

    Every version is counted without its election: each count reads one index in order (years:
    ix_versions_year; offices: the index of places, ix_versions_places) and no version's row.
    Joining every version to its election to keep the current ones took three times as long
    at 100,000 elections."""
    v, e = t.versions, t.elections
    count = sa.func.count()
    years = sa.select(v.c.year, count).group_by(v.c.year)
    offices = sa.select(v.c.office, count).group_by(v.c.office)
    others = v.alias("others")
    revised = sa.select(others.c.election_id).where(others.c.number >= 2)
    stale = (
        sa.select(v.c.year, v.c.office, count)
        .join(e, v.c.election_id == e.c.id)
        .where(v.c.number != e.c.current_version, v.c.election_id.in_(revised))
        .group_by(v.c.year, v.c.office)
    )
    return years, offices, stale


def facets(conn: sa.Connection, places: int | None = None) -> FacetCounts:
    """The values the index can be filtered by, with how many current elections have each:
    places (every one, or the ``places`` with the most elections, listed by name), years
    (newest first) and offices (every one: they are few)."""
    found = [CityPlace(c, s, int(n)) for c, s, n in conn.execute(_places_query(limit=places))]
    if places is None or len(found) < places:
        total = len(found)
    else:
        p = t.place_counts
        counted = sa.select(sa.func.count()).select_from(p).where(p.c.elections > 0)
        total = int(conn.execute(counted).scalar_one())
    every_year, every_office, stale = _facet_queries()
    years: Counter[int] = Counter()
    offices: Counter[str] = Counter()
    for year, count in conn.execute(every_year):
        if year is not None:
            years[int(year)] += int(count)
    for office, count in conn.execute(every_office):
        if office is not None:
            offices[str(office)] += int(count)
    for year, office, count in conn.execute(stale):
        if year is not None:
            years[int(year)] -= int(count)
        if office is not None:
            offices[str(office)] -= int(count)
    return FacetCounts(
        tuple(found if places is None else sorted(found, key=_by_name)),
        total,
        tuple(sorted(((y, n) for y, n in years.items() if n > 0), reverse=True)),
        tuple(sorted((o, n) for o, n in offices.items() if n > 0)),
    )


def places(conn: sa.Connection) -> tuple[CityPlace, ...]:
    """Every place with current elections, by name, with their count."""
    return tuple(CityPlace(c, s, int(n)) for c, s, n in conn.execute(_places_query(limit=None)))


def place_state(conn: sa.Connection, name: str) -> str | None:
    """The state of the place whose full name (``"Portland, Maine"``, any case and spacing) is
    ``name``; ``None`` when no place with a state is called so. The city and the state are
    compared as the index's filters compare them, through their indexes."""
    wanted = " ".join(name.split()).casefold()
    city, comma, state = wanted.rpartition(", ")
    if not comma or not city or not state:
        return None
    v = t.versions
    rows = conn.execute(
        current_versions(v.c.city, v.c.state)
        .where(sa.func.lower(v.c.city) == city, sa.func.lower(v.c.state) == state)
        .distinct()
    ).all()
    found = sorted((str(c), str(s)) for c, s in rows if f"{c}, {s}".casefold() == wanted)
    return found[0][1] if found else None


def city_elections(conn: sa.Connection, city: str, state: str | None) -> tuple[int, ...]:
    """Ids of the current elections of one city, oldest first."""
    return tuple(row.id for row in city_summaries(conn, city, state))


def city_summaries(
    conn: sa.Connection, city: str, state: str | None
) -> tuple[ElectionSummary, ...]:
    """Summaries of the current elections of one city, oldest first (undated first)."""
    query = _city_query(known_state=state is not None)
    return tuple(summary_of(row) for row in conn.execute(query, {"city": city, "state": state}))


#: The order of a city's elections: oldest first, undated first.
_CITY_ORDER = (
    sa.nulls_first(t.versions.c.year),
    sa.nulls_first(t.versions.c.decided_on),
    t.versions.c.title,
    t.versions.c.election_id,
)


@functools.cache
def _city_query(*, known_state: bool) -> sa.Select[Any]:
    v = t.versions
    query = current_versions(*summary_columns()).where(v.c.city == sa.bindparam("city"))
    state = v.c.state == sa.bindparam("state") if known_state else v.c.state.is_(None)
    return query.where(state).order_by(*_CITY_ORDER)


@functools.cache
def _office_query(*, known_state: bool, known_office: bool) -> sa.Select[Any]:
    """Id and title of a city's current elections for one office, in :func:`_city_query`'s
    order (bound: ``city``, ``state`` and ``office``; a ``None`` state or office matches
    ``NULL``)."""
    v = t.versions
    query = current_versions(v.c.election_id, v.c.title).where(v.c.city == sa.bindparam("city"))
    state = v.c.state == sa.bindparam("state") if known_state else v.c.state.is_(None)
    office = v.c.office == sa.bindparam("office") if known_office else v.c.office.is_(None)
    return query.where(state, office).order_by(*_CITY_ORDER)


def audit_mark(conn: sa.Connection) -> int:
    """The newest audit record's id (0 for none): a mark that :func:`changed_elections` starts
    from, to find what changed after it."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.audit.c.id), 0))).scalar_one())


def changed_elections(
    conn: sa.Connection, *, after: int | None = None, at: dt.datetime | None = None
) -> tuple[int, ...]:
    """Ids of the elections with an audit record (a new version, a revert, a correction) after
    the mark ``after`` (see :func:`audit_mark`) or at or after the time ``at``."""
    a = t.audit
    query = sa.select(a.c.election_id).distinct()
    if after is not None:
        query = query.where(a.c.id > after)
    if at is not None:
        query = query.where(a.c.at >= at)
    return tuple(sorted(int(e) for (e,) in conn.execute(query)))


def candidate_index(conn: sa.Connection, slug_of: Callable[[str], str]) -> PeopleIndex:
    """Ids of the current elections naming each person, by the slug ``slug_of`` gives their
    name, oldest first. Names come from every stage's results, the candidate list and the
    infobox's nominees (slugs drop accents, which SQL cannot do portably, so the distinct names
    are read once and slugged here). Held compactly (:class:`PeopleIndex`): the whole archive's
    people are many."""
    v = t.versions
    current = current_versions(v.c.id, v.c.election_id, v.c.year, v.c.title).subquery()
    names = sa.union(
        sa.select(t.stage_results.c.version_id, t.stage_results.c.name),
        sa.select(t.candidates.c.version_id, t.candidates.c.name),
        sa.select(t.nominees.c.version_id, t.nominees.c.name),
    ).subquery()
    rows = conn.execute(
        sa.select(current.c.election_id, names.c.name)
        .join(names, names.c.version_id == current.c.id)
        .order_by(sa.nulls_first(current.c.year), current.c.title, current.c.election_id)
    )
    # An election's rows come together (the order ends with its id).
    return PeopleIndex.of((slug_of(name), int(election_id)) for election_id, name in rows)


@dataclass(frozen=True, slots=True)
class StoredElection:
    """What an import needs to know of the election a source describes, as stored."""

    id: int
    current: int
    election: Election
    """The current version."""
    stage_sources: tuple[int | None, ...]
    """The stored source of each of its stages."""
    fingerprint: str
    errors: int
    figure_count: int
    fingerprints: Mapping[str, int]
    """Every version's fingerprint, to its number."""


@dataclass(frozen=True, slots=True)
class CurrentHead:
    """The current version of a stored election, without its content."""

    id: int
    title: str
    current: int
    fingerprint: str
    errors: int


def current_head(conn: sa.Connection, identity: str) -> CurrentHead | None:
    """The current version of the election with this identity, in one query (an import that
    brings exactly that content is recognised without loading it)."""
    e, v = t.elections, t.versions
    row = conn.execute(
        current_versions(
            e.c.id, e.c.title, e.c.current_version, v.c.fingerprint, v.c.error_findings
        ).where(e.c.key == identity)
    ).one_or_none()
    if row is None:
        return None
    return CurrentHead(
        int(row.id), row.title, int(row.current_version), row.fingerprint, int(row.error_findings)
    )


def stored_election(conn: sa.Connection, identity: str) -> StoredElection | None:
    """The stored election with this identity (:func:`tallyroom.identity.election_identity`)."""
    e, v = t.elections, t.versions
    head = conn.execute(
        sa.select(e.c.id, e.c.current_version).where(e.c.key == identity)
    ).one_or_none()
    if head is None:
        return None
    versions = conn.execute(
        sa.select(v.c.id, v.c.number, v.c.fingerprint, v.c.error_findings, v.c.figure_count)
        .where(v.c.election_id == head.id)
        .order_by(v.c.number)
    ).all()
    current = next(row for row in versions if row.number == head.current_version)
    sources = conn.execute(
        sa.select(t.stages.c.source_id)
        .where(t.stages.c.version_id == current.id)
        .order_by(t.stages.c.position)
    ).all()
    return StoredElection(
        id=int(head.id),
        current=int(head.current_version),
        election=load_election(conn, current.id),
        stage_sources=tuple(source for (source,) in sources),
        fingerprint=current.fingerprint,
        errors=int(current.error_findings),
        figure_count=int(current.figure_count),
        fingerprints={row.fingerprint: int(row.number) for row in versions},
    )


def generation(conn: sa.Connection) -> tuple[int, int, int]:
    """A token that changes whenever anything is stored or made current: (newest version id,
    number of versions, number of audit records)."""
    v, a = t.versions, t.audit
    newest, count = conn.execute(sa.select(sa.func.max(v.c.id), sa.func.count(v.c.id))).one()
    events = conn.execute(sa.select(sa.func.count(a.c.id))).scalar_one()
    return int(newest or 0), int(count), int(events)
