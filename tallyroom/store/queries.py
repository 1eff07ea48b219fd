"""Read-only queries across the stored elections, returning JSON-ready dicts.

Queries see each election's *current* version unless they ask for history. Shares and averages
are derived here from the stored integers with :class:`~decimal.Decimal` arithmetic; nothing
derived is read back as truth.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.store import schema as t
from tallyroom.store.driver import fetch_rows
from tallyroom.store.rows import election_key

__all__ = [
    "ElectionFilter",
    "current_versions",
    "find_election",
    "history",
    "list_elections",
    "stats",
    "version_id",
]

JSONDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ElectionFilter:
    """Which elections :func:`list_elections` returns; ``None`` fields do not filter.

    Text fields match case-insensitively: ``city``, ``state``, ``office`` and ``rules`` the
    whole value; ``candidate`` any part of a name in any stage's results, the candidate list or
    the infobox's nominees; ``party`` the whole name of a candidate's party in any stage.
    """

    city: str | None = None
    state: str | None = None
    year: int | None = None
    office: str | None = None
    candidate: str | None = None
    party: str | None = None
    rules: str | None = None


def current_versions(*columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """``versions`` (or the given columns) joined to ``elections`` on each current version."""
    e, v = t.elections, t.versions
    return sa.select(*(columns or (v,))).join(
        e, sa.and_(v.c.election_id == e.c.id, v.c.number == e.c.current_version)
    )


#: The columns :func:`list_elections` reads.
LISTED = (
    "election_id",
    "title",
    "city",
    "state",
    "office",
    "year",
    "date",
    "rules",
    "number",
    "winner",
    "margin_votes",
    "counted_total",
)
#: The keys of :func:`list_elections`' dicts, in the order of :data:`LISTED`.
LISTED_AS = tuple({"election_id": "id", "number": "version"}.get(n, n) for n in LISTED)


def _iso(value: Any) -> Any:
    """ISO text of a date or time (text already ISO is kept); times are UTC (SQLite returns
    them without the zone)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _percent(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / Decimal(whole):.2f}"


def _same_text(column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(column) == value.lower()


def list_elections(
    conn: sa.Connection,
    where: ElectionFilter,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> list[JSONDict]:
    """The current version of every election matching ``where``, by year then title."""
    v = t.versions
    # The date as the driver gives it: ISO text from SQLite, a date from PostgreSQL (see _iso).
    columns = [sa.type_coerce(v.c[n], sa.String) if n == "date" else v.c[n] for n in LISTED]
    query = current_versions(*columns)
    for column, value in (
        (v.c.city, where.city),
        (v.c.state, where.state),
        (v.c.office, where.office),
        (v.c.rules, where.rules),
    ):
        if value is not None:
            query = query.where(_same_text(column, value))
    if where.year is not None:
        query = query.where(v.c.year == where.year)
    if where.candidate is not None:
        query = query.where(v.c.people.contains(where.candidate.casefold(), autoescape=True))
    if where.party is not None:
        line = "\n" + where.party.casefold() + "\n"
        query = query.where(v.c.parties.contains(line, autoescape=True))
    # The whole list from SQLite is sorted here: ordered by SQL, SQLite reads the rows through
    # the year index, one random page at a time, which is slower than reading the table and
    # sorting it. Both orders are the same: NULL years first, titles by code point.
    sort_here = conn.dialect.name == "sqlite" and limit is None and not offset
    if not sort_here:
        query = query.order_by(sa.nulls_first(v.c.year), v.c.title, v.c.election_id)
        query = query.offset(offset).limit(limit)
    rows = fetch_rows(conn, query)
    if sort_here:
        year, title = LISTED.index("year"), LISTED.index("title")
        rows.sort(key=lambda row: (row[year] is not None, row[year] or 0, row[title], row[0]))
    found = []
    for row in rows:
        item = dict(zip(LISTED_AS, row, strict=True))
        item["date"] = _iso(item["date"])
        found.append(item)
    return found


def find_election(conn: sa.Connection, ref: int | str) -> int:
    """The id of the election ``ref`` names: an id, a title, or a unique part of a title."""
    e = t.elections
    if isinstance(ref, int):
        if conn.execute(sa.select(e.c.id).where(e.c.id == ref)).first() is None:
            raise StorageError(f"no election with id {ref}")
        return ref
    if ref.strip().isdigit():
        # An id; failing that, digits may be part of a title ("2004").
        wanted = int(ref)
        if conn.execute(sa.select(e.c.id).where(e.c.id == wanted)).first() is not None:
            return wanted
    key = election_key(ref)
    if not key:
        raise StorageError("an election is named by its id or title; got an empty name")
    exact = conn.execute(sa.select(e.c.id).where(e.c.key == key)).scalar_one_or_none()
    if exact is not None:
        return int(exact)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    matches = conn.execute(
        sa.select(e.c.id, e.c.title)
        .where(e.c.key.like(f"%{escaped}%", escape="\\"))
        .order_by(e.c.title)
        .limit(11)
    ).all()
    if len(matches) == 1:
        return int(matches[0].id)
    if not matches:
        raise StorageError(f"no election matches {ref!r}; `tallyroom list` shows what is stored")
    shown = "; ".join(f"{m.id}: {m.title}" for m in matches[:10])
    more = " ..." if len(matches) > 10 else ""
    raise StorageError(
        f"{ref!r} matches several elections — name one by id or full title: {shown}{more}"
    )


def version_id(conn: sa.Connection, election_id: int, number: int | None = None) -> int:
    """The row id of version ``number`` (default: the current one) of an election."""
    e, v = t.elections, t.versions
    if number is None:
        query = sa.select(v.c.id).join(
            e, sa.and_(v.c.election_id == e.c.id, v.c.number == e.c.current_version)
        )
        query = query.where(e.c.id == election_id)
    else:
        query = sa.select(v.c.id).where(v.c.election_id == election_id, v.c.number == number)
    found = conn.execute(query).scalar_one_or_none()
    if found is None:
        raise StorageError(f"election {election_id} has no version {number}")
    return int(found)


def version_summary(conn: sa.Connection, version: int) -> JSONDict:
    """Where a version came from and what the checks found in it."""
    v, s, f = t.versions, t.sources, t.findings
    row = conn.execute(
        sa.select(v, s.c.name.label("source_name"), s.c.sha256)
        .join(s, s.c.id == v.c.source_id)
        .where(v.c.id == version)
    ).one()
    count = conn.execute(
        sa.select(sa.func.count()).select_from(v).where(v.c.election_id == row.election_id)
    ).scalar_one()
    found = conn.execute(
        sa.select(f.c.data).where(f.c.version_id == version).order_by(f.c.position)
    )
    return {
        "id": row.election_id,
        "version": row.number,
        "versions": count,
        "imported_at": _iso(row.imported_at),
        "imported_by": row.imported_by,
        "source": {"name": row.source_name, "sha256": row.sha256},
        "winner": row.winner,
        "findings": [json.loads(data) for (data,) in found],
    }


def outcomes(conn: sa.Connection, version: int) -> list[JSONDict]:
    """The rules' records for a version: the rules first, then each stage's outcome."""
    o = t.outcomes
    rows = conn.execute(
        sa.select(o.c.stage, o.c.data).where(o.c.version_id == version).order_by(o.c.position)
    )
    return [{"stage_index": stage, **json.loads(data)} for stage, data in rows]


def source_text(conn: sa.Connection, version: int) -> tuple[str, str]:
    """The name and raw text of the source a version was imported from."""
    v, s = t.versions, t.sources
    row = conn.execute(
        sa.select(s.c.name, s.c.text).join(v, v.c.source_id == s.c.id).where(v.c.id == version)
    ).one()
    return str(row.name), str(row.text)


def history(conn: sa.Connection, election_id: int) -> list[JSONDict]:
    """The audit trail of an election, oldest first."""
    a, s = t.audit, t.sources
    rows = conn.execute(
        sa.select(a, s.c.name.label("source_name"), s.c.sha256)
        .join(s, s.c.id == a.c.source_id)
        .where(a.c.election_id == election_id)
        .order_by(a.c.version)
    )
    return [
        {
            "version": row.version,
            "action": row.action,
            "at": _iso(row.at),
            "by": row.by,
            "source": {"name": row.source_name, "sha256": row.sha256},
            **json.loads(row.changes),
        }
        for row in rows
    ]


#: Winning margins are summed in millionths of the counted total (exact integer arithmetic; the
#: average printed to two decimals of a percentage point is not affected by the truncation).
MARGIN_SCALE = 1_000_000


def _across(conn: sa.Connection, current: Any) -> JSONDict:
    """Incumbents' record, average winning margin and deciding stages, in one pass.

    Incumbents are candidates flagged incumbent in any stage, or named as the holder before;
    the margin is the winner's votes less the best other's, over the deciding stage's counted
    total; an election is decided in the kind of its deciding stage.
    """
    c = current.c
    has_margin = sa.and_(c.margin_votes.is_not(None), c.counted_total > 0)
    share = sa.cast(c.margin_votes, sa.BigInteger) * MARGIN_SCALE // c.counted_total
    zero = sa.literal(0)

    def total(value: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(value), zero)

    kinds = ("primary", "general", "runoff")
    row = conn.execute(
        sa.select(
            total(c.incumbents_ran),
            total(c.incumbents_won),
            total(sa.case((c.winner.is_(None), c.incumbents_ran), else_=zero)),
            sa.func.count(sa.case((has_margin, 1))),
            total(sa.case((has_margin, share))),
            *(sa.func.count(sa.case((c.decided_in == kind, 1))) for kind in kinds),
            sa.func.count(sa.case((c.decided_in.is_(None), 1))),
        )
    ).one()
    ran, won, unknown, margins, shares, *decided = (int(value) for value in row)
    if margins:
        average = Decimal(shares) * 100 / MARGIN_SCALE / margins
        margin: JSONDict = {"elections": margins, "average_percent": f"{average:.2f}"}
    else:
        margin = {"elections": 0, "average_percent": None}
    decided_in = dict(zip(kinds, decided[:3], strict=True))
    if decided[3]:
        decided_in["no stages"] = decided[3]
    return {
        "incumbents": {"ran": ran, "won": won, "lost": ran - won - unknown, "unknown": unknown},
        "winning_margin": margin,
        "decided_in": decided_in,
    }


def _turnout(conn: sa.Connection, current: Any) -> dict[str, list[JSONDict]]:
    """Per city and year: ballots cast over registered voters of the deciding stages, summed
    over the year's elections where both are known; else the turnouts the sources state."""
    c = current.c
    both = sa.and_(c.turnout_ballots.is_not(None), c.turnout_registered > 0)
    place = (c.city, c.state, c.year)
    rows = conn.execute(
        sa.select(
            *place,
            sa.func.sum(sa.case((both, c.turnout_ballots))),
            sa.func.sum(sa.case((both, c.turnout_registered))),
            sa.func.count(sa.case((both, 1))),
        )
        .where(c.city.is_not(None))
        .group_by(*place)
    ).all()
    points: dict[tuple[str, str | None, int | None], JSONDict] = {}
    for city, state, year, ballots, voters, count in rows:
        if count:
            points[city, state, year] = {
                "year": year,
                "turnout_percent": _percent(int(ballots), int(voters)),
                "basis": "computed",
                "elections": int(count),
            }
    stated = conn.execute(
        sa.select(*place, c.stated_turnout).where(
            c.city.is_not(None), c.stated_turnout.is_not(None), sa.not_(both)
        )
    ).all()
    claims: dict[tuple[str, str | None, int | None], list[Decimal]] = defaultdict(list)
    for city, state, year, turnout in stated:
        if (city, state, year) not in points:
            claims[city, state, year].append(Decimal(turnout))
    for key, values in claims.items():
        average = sum(values, Decimal(0)) / len(values)
        points[key] = {
            "year": key[2],
            "turnout_percent": f"{average:.2f}",
            "basis": "stated",
            "elections": len(values),
        }
    by_city: dict[str, list[JSONDict]] = defaultdict(list)
    for (city, state, _year), point in sorted(
        points.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][2] or 0)
    ):
        by_city[f"{city}, {state}" if state else city].append(point)
    return dict(by_city)


def stats(conn: sa.Connection) -> JSONDict:
    """Figures across the current versions of all elections (see docs/store.md)."""
    current = current_versions().subquery()
    counts = {
        "elections": conn.execute(sa.select(sa.func.count()).select_from(t.elections)),
        "versions": conn.execute(sa.select(sa.func.count()).select_from(t.versions)),
        "sources": conn.execute(sa.select(sa.func.count()).select_from(t.sources)),
    }
    return {
        **{name: int(result.scalar_one()) for name, result in counts.items()},
        **_across(conn, current),
        "turnout_by_city": _turnout(conn, current),
    }
