"""Read-only queries of the results website, over the :class:`~tallyroom.store.Store`'s engine.

The store answers "which elections match these filters, by year"; the website also needs the
newest first a page at a time with a count, the facets of the index (cities, years, offices), the
elections a person ran in and those of one city. All of them read the *current* version of each
election, as :func:`tallyroom.store.queries.current_versions` defines it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tallyroom.model import Election
from tallyroom.store import ElectionFilter
from tallyroom.store import schema as t
from tallyroom.store.queries import current_versions
from tallyroom.store.rows import load_election

__all__ = [
    "ElectionPage",
    "Generation",
    "NameIndex",
    "candidate_index",
    "city_places",
    "current_version",
    "election_page",
    "facets",
    "generation",
    "load_current",
    "slug",
]

JSONDict = dict[str, Any]
#: Candidate slug -> (election id, current version row) of the elections naming them.
NameIndex = Mapping[str, tuple[tuple[int, int], ...]]
#: A token that changes whenever anything is imported: (newest version id, number of versions).
Generation = tuple[int, int]


def slug(text: str) -> str:
    """A URL and file-name safe form: "São Paulo, SP" -> "sao-paulo-sp"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "unnamed"


def city_slug(city: str, state: str | None) -> str:
    return slug(f"{city} {state}" if state else city)


def generation(conn: sa.Connection) -> Generation:
    v = t.versions
    newest, count = conn.execute(sa.select(sa.func.max(v.c.id), sa.func.count(v.c.id))).one()
    return int(newest or 0), int(count)


def current_version(conn: sa.Connection, election_id: int) -> tuple[int, int] | None:
    """(version row id, version number) of the election's current version; ``None`` if unknown."""
    e, v = t.elections, t.versions
    row = conn.execute(
        sa.select(v.c.id, v.c.number)
        .join(e, sa.and_(v.c.election_id == e.c.id, v.c.number == e.c.current_version))
        .where(e.c.id == election_id)
    ).first()
    return None if row is None else (int(row.id), int(row.number))


def load_current(conn: sa.Connection, version_row: int) -> Election:
    s, v = t.sources, t.versions
    name = conn.execute(
        sa.select(s.c.name).join(v, v.c.source_id == s.c.id).where(v.c.id == version_row)
    ).scalar_one()
    return load_election(conn, version_row, source=str(name))


@dataclass(frozen=True, slots=True)
class ElectionPage:
    """One page of the index: the matching elections' summaries, newest first, and the count."""

    rows: tuple[JSONDict, ...]
    total: int


def _summary(row: Any) -> JSONDict:
    return {
        "id": int(row.election_id),
        "title": row.title,
        "city": row.city,
        "state": row.state,
        "office": row.office,
        "year": row.year,
        "date": row.date.isoformat() if row.date is not None else None,
        "version": int(row.number),
        "winner": row.winner,
        "margin_votes": row.margin_votes,
        "counted_total": row.counted_total,
    }


def _named(pattern: str) -> sa.CompoundSelect[Any]:
    """Ids of the versions with a name matching ``pattern`` (LIKE, lower case, ``\\`` escapes) in
    any stage's results, the candidate list or the infobox's nominees — as the store filters."""
    r = t.stage_results
    return sa.union(
        sa.select(r.c.version_id).where(r.c.name_key.like(pattern, escape="\\")),
        sa.select(t.candidates.c.version_id).where(
            sa.func.lower(t.candidates.c.name).like(pattern, escape="\\")
        ),
        sa.select(t.nominees.c.version_id).where(
            sa.func.lower(t.nominees.c.name).like(pattern, escape="\\")
        ),
    )


def _filtered(where: ElectionFilter, search: str | None) -> sa.Select[Any]:
    v = t.versions
    query = current_versions()
    for column, value in ((v.c.city, where.city), (v.c.office, where.office)):
        if value is not None:
            query = query.where(sa.func.lower(column) == value.casefold())
    if where.year is not None:
        query = query.where(v.c.year == where.year)
    if where.candidate is not None:
        named = _named(f"%{_escape(where.candidate.casefold())}%")
        query = query.where(v.c.id.in_(named))
    if search is not None:
        pattern = f"%{_escape(search.casefold())}%"
        named = _named(pattern)
        query = query.where(
            sa.or_(
                sa.func.lower(v.c.title).like(pattern, escape="\\"),
                sa.func.lower(v.c.city).like(pattern, escape="\\"),
                v.c.id.in_(named),
            )
        )
    return query


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def election_page(
    conn: sa.Connection,
    where: ElectionFilter,
    search: str | None = None,
    *,
    limit: int | None,
    offset: int = 0,
) -> ElectionPage:
    """The current elections matching the filters, newest first (undated ones last)."""
    v = t.versions
    query = _filtered(where, search)
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    ordered = query.order_by(
        v.c.date.is_(None), v.c.date.desc(), v.c.year.desc(), v.c.title, v.c.election_id
    ).offset(offset)
    if limit is not None:
        ordered = ordered.limit(limit)
    return ElectionPage(tuple(_summary(row) for row in conn.execute(ordered)), int(total))


def facets(conn: sa.Connection) -> JSONDict:
    """The values the index can be filtered by, with how many current elections have each."""
    current = current_versions().subquery()
    cities = conn.execute(
        sa.select(current.c.city, current.c.state, sa.func.count())
        .where(current.c.city.is_not(None))
        .group_by(current.c.city, current.c.state)
        .order_by(current.c.city, current.c.state)
    ).all()
    years = conn.execute(
        sa.select(current.c.year, sa.func.count())
        .where(current.c.year.is_not(None))
        .group_by(current.c.year)
        .order_by(current.c.year.desc())
    ).all()
    offices = conn.execute(
        sa.select(current.c.office, sa.func.count())
        .where(current.c.office.is_not(None))
        .group_by(current.c.office)
        .order_by(current.c.office)
    ).all()
    return {
        "cities": [
            {"city": c, "state": s, "slug": city_slug(c, s), "elections": int(n)}
            for c, s, n in cities
        ],
        "years": [{"year": int(y), "elections": int(n)} for y, n in years],
        "offices": [{"office": o, "elections": int(n)} for o, n in offices],
    }


def city_places(conn: sa.Connection, wanted: str) -> list[tuple[str, str | None]]:
    """The (city, state) pairs whose slug is ``wanted``."""
    rows = conn.execute(
        sa.select(t.versions.c.city, t.versions.c.state)
        .where(t.versions.c.city.is_not(None))
        .distinct()
    ).all()
    return [(c, s) for c, s in rows if city_slug(c, s) == wanted]


def city_version_rows(conn: sa.Connection, city: str, state: str | None) -> list[tuple[int, int]]:
    """(election id, current version row) of the elections of one city, oldest first."""
    current = current_versions().subquery()
    query = sa.select(current.c.election_id, current.c.id).where(current.c.city == city)
    query = query.where(
        current.c.state.is_(None) if state is None else current.c.state == state
    ).order_by(current.c.date.is_(None), current.c.date, current.c.title)
    return [(int(e), int(v)) for e, v in conn.execute(query)]


def candidate_index(conn: sa.Connection, slug_of: Callable[[str], str]) -> NameIndex:
    """(election id, current version row) of the elections naming each person, by the slug
    ``slug_of`` gives their name, in election order. Names are read from every stage's results,
    the candidate list and the infobox's nominees (a superset of those who ran:
    :func:`tallyroom.web.pages.candidate_data` keeps the elections whose stages have them).

    Slugs drop accents ("José Núñez" -> "jose-nunez"), which SQL cannot do portably, so the
    distinct names are read once and slugged here."""
    current = current_versions().subquery()
    names = sa.union(
        sa.select(t.stage_results.c.version_id, t.stage_results.c.name),
        sa.select(t.candidates.c.version_id, t.candidates.c.name),
        sa.select(t.nominees.c.version_id, t.nominees.c.name),
    ).subquery()
    rows = conn.execute(
        sa.select(current.c.election_id, current.c.id, names.c.name)
        .join(names, names.c.version_id == current.c.id)
        .order_by(current.c.election_id)
    )
    found: dict[str, list[tuple[int, int]]] = {}
    for election_id, version_row, name in rows:
        runs = found.setdefault(slug_of(name), [])
        run = (int(election_id), int(version_row))
        if not runs or runs[-1] != run:
            runs.append(run)
    return {key: tuple(runs) for key, runs in found.items()}
