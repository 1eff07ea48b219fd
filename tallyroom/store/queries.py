"""Read-only reports across the stored elections, as JSON-ready dicts: the audit trail and
statistics. Averages are made here from stored integers and rounded by
:func:`tallyroom.figures.percent`, the one rounding rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from tallyroom.figures import percent, ratio_percent
from tallyroom.store import schema as t
from tallyroom.store.read import (
    ElectionFilter,
    current_versions,
    filtered_query,
    has_text_index,
    most_elections_first,
)
from tallyroom.store.schema import STAGE_KINDS
from tallyroom.store.sources import full_text

__all__ = ["election_source", "history", "source_text", "stats"]

JSONDict = dict[str, Any]


def _iso(value: Any) -> Any:
    """ISO text of a date or time (text already ISO is kept); times are UTC (SQLite returns
    them without the zone)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def _percent(part: int, whole: int) -> str:
    found = ratio_percent(part, whole)
    assert found is not None
    return found


def source_text(conn: sa.Connection, version: int) -> tuple[str, str]:
    """The name and raw text of the source a version was imported from."""
    v, s = t.versions, t.sources
    row = conn.execute(
        sa.select(s.c.id, s.c.name, s.c.text)
        .join(v, v.c.source_id == s.c.id)
        .where(v.c.id == version)
    ).one()
    return str(row.name), full_text(conn, row.id, row.text)


def election_source(
    conn: sa.Connection, election_id: int, number: int | None = None
) -> tuple[str, str] | None:
    """The name and raw text of the source of version ``number`` (default: the current one) of
    an election, in one query; ``None`` when there is no such version."""
    query = _source_query(current=number is None)
    row = conn.execute(query, {"election_id": election_id, "number": number}).one_or_none()
    return None if row is None else (str(row.name), full_text(conn, row.id, row.text))


@functools.cache
def _source_query(*, current: bool) -> sa.Select[Any]:
    e, v, s = t.elections, t.versions, t.sources
    wanted = e.c.current_version if current else sa.bindparam("number", type_=sa.Integer)
    return (
        sa.select(s.c.id, s.c.name, s.c.text)
        .select_from(e)
        .join(v, sa.and_(v.c.election_id == e.c.id, v.c.number == wanted))
        .join(s, s.c.id == v.c.source_id)
        .where(e.c.id == sa.bindparam("election_id", type_=sa.Integer))
    )


def history(conn: sa.Connection, election_id: int) -> list[JSONDict]:
    """The audit trail of an election, oldest first."""
    a, s = t.audit, t.sources
    rows = conn.execute(
        sa.select(a, s.c.name.label("source_name"), s.c.sha256)
        .join(s, s.c.id == a.c.source_id)
        .where(a.c.election_id == election_id)
        .order_by(a.c.id)
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


def _across(conn: sa.Connection, current: Any) -> tuple[int, ...]:
    """Incumbents' record, winning margins and deciding stages of the versions ``current``
    selects, summed in one pass (the sums :func:`_shaped` reads; migration 0011 keeps the same
    sums over all current versions in ``current_totals``).

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

    row = conn.execute(
        sa.select(
            total(c.incumbents_ran),
            total(c.incumbents_won),
            total(sa.case((c.winner.is_(None), c.incumbents_ran), else_=zero)),
            sa.func.count(sa.case((has_margin, 1))),
            total(sa.case((has_margin, share))),
            *(sa.func.count(sa.case((c.decided_in == kind, 1))) for kind in STAGE_KINDS),
            sa.func.count(sa.case((c.decided_in.is_(None), 1))),
        )
    ).one()
    return tuple(int(value) for value in row)


def _totals(conn: sa.Connection) -> tuple[int, ...]:
    """:func:`_across` of every current version, as migration 0011's triggers keep it."""
    c = t.current_totals.c
    row = conn.execute(
        sa.select(
            c.incumbents_ran,
            c.incumbents_won,
            c.incumbents_unknown,
            c.margins,
            c.margin_shares,
            c.decided_primary,
            c.decided_general,
            c.decided_runoff,
            c.decided_none,
        )
    ).one()
    return tuple(int(value) for value in row)


def _shaped(sums: tuple[int, ...]) -> JSONDict:
    ran, won, unknown, margins, shares, *decided = sums
    if margins:
        average = percent(Fraction(shares, MARGIN_SCALE * margins))
        margin: JSONDict = {"elections": margins, "average_percent": average}
    else:
        margin = {"elections": 0, "average_percent": None}
    decided_in = dict(zip(STAGE_KINDS, decided[:3], strict=True))
    if decided[3]:
        decided_in["no stages"] = decided[3]
    return {
        "incumbents": {"ran": ran, "won": won, "lost": ran - won - unknown, "unknown": unknown},
        "winning_margin": margin,
        "decided_in": decided_in,
    }


#: The places whose turnout over time :func:`stats` lists: those with the most elections, ties
#: by name. An archive of every city's elections would otherwise list a table the size of the
#: archive (100,000 points for 100,000 one-off places); ``turnout_places`` says how many places
#: have elections, so none is left out unseen, and a filter (``stats --city``) lists any place.
TURNOUT_PLACES = 50


def _turnout(conn: sa.Connection, current: Any, places: int, *, every: bool) -> JSONDict:
    """Per city and year: ballots cast over registered voters of the deciding stages, summed
    over the year's elections where both are known; else the turnouts the sources state. For
    the ``places`` places with the most elections of those ``current`` selects (``every``:
    it selects every current version, whose places migration 0011 counts in
    ``place_counts``); with how many places there are.

    One grouped query over those places: the sums where both are known, and the stated
    turnouts of the others (listed, to be averaged exactly here)."""
    c = current.c
    counted: Any
    if every:
        counted = t.place_counts
    else:
        counted = (
            sa.select(c.city, c.state, sa.func.count().label("elections"))
            .where(c.city.is_not(None))
            .group_by(c.city, c.state)
            .subquery()
        )
    total = int(conn.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one())
    top = most_elections_first(counted, places).subquery()
    both = sa.and_(c.turnout_ballots.is_not(None), c.turnout_registered > 0)
    stated = sa.case((sa.and_(sa.not_(both), c.stated_turnout.is_not(None)), c.stated_turnout))
    place = (c.city, c.state, c.year)
    rows = conn.execute(
        sa.select(
            *place,
            sa.func.sum(sa.case((both, c.turnout_ballots))),
            sa.func.sum(sa.case((both, c.turnout_registered))),
            sa.func.count(sa.case((both, 1))),
            sa.func.aggregate_strings(stated, " "),
        )
        .join(top, sa.and_(c.city == top.c.city, c.state.is_not_distinct_from(top.c.state)))
        .group_by(*place)
    )
    found: dict[tuple[str, str | None], list[tuple[int, JSONDict]]] = defaultdict(list)
    for city, state, year, ballots, voters, count, claims in rows:
        if count:
            point = {
                "year": year,
                "turnout_percent": _percent(int(ballots), int(voters)),
                "basis": "computed",
                "elections": int(count),
            }
        elif claims:
            values = [Decimal(value) for value in claims.split()]
            average = percent(Fraction(sum(values, Decimal(0))) / 100 / len(values))
            point = {
                "year": year,
                "turnout_percent": average,
                "basis": "stated",
                "elections": len(values),
            }
        else:
            continue
        found[city, state].append((year or 0, point))
    by_city: dict[str, list[JSONDict]] = {}
    for city, state in sorted(found, key=lambda place: (place[0], place[1] or "")):
        points = found[city, state]
        points.sort(key=lambda item: item[0])
        shown = by_city.setdefault(f"{city}, {state}" if state else city, [])
        shown.extend(point for _, point in points)
    return {
        "turnout_places": {"places": total, "listed": min(total, places)},
        "turnout_by_city": by_city,
    }


def stats(
    conn: sa.Connection, where: ElectionFilter | None = None, *, places: int = TURNOUT_PLACES
) -> JSONDict:
    """Figures across the current versions of the elections ``where`` matches (all when
    ``None``; see docs/store.md); turnout over time for ``places`` places at most.

    Over all elections, the sums are read as migration 0011's triggers keep them; a filter
    sums the versions it matches."""
    if where is None or where == ElectionFilter():
        current = current_versions().subquery()
        counts = {
            "elections": sa.select(sa.func.count()).select_from(t.elections),
            "versions": sa.select(sa.func.count()).select_from(t.versions),
            "sources": sa.select(sa.func.count()).select_from(t.sources),
        }
        sums = _totals(conn)
        every = True
    else:
        dialect = conn.dialect.name
        text_index = dialect != "sqlite" or has_text_index(conn)
        current = filtered_query(where, dialect=dialect, text_index=text_index).subquery()
        matched = sa.select(current.c.election_id)
        v = t.versions
        counts = {
            "elections": sa.select(sa.func.count()).select_from(current),
            "versions": sa.select(sa.func.count()).where(v.c.election_id.in_(matched)),
            "sources": sa.select(sa.func.count(v.c.source_id.distinct())).where(
                v.c.election_id.in_(matched)
            ),
        }
        sums = _across(conn, current)
        every = False
    return {
        **{name: int(conn.execute(query).scalar_one()) for name, query in counts.items()},
        **_shaped(sums),
        **_turnout(conn, current, places, every=every),
    }
