"""What a change since an export touches, read without reading the whole archive.

``export-site --since`` writes again only what changed elections touch. How far a change reaches
depends on how the election is listed: an election listed as it was (its summary) changes only
its own pages, its city's and its people's, while one listed anew or differently also changes the
index, its years' and its cities' lists and its neighbours' links. :func:`election_changes`
gives, for each changed election, the summaries of the version current at the export and of
those made current since, and the names in them. :func:`people_runs` is
:func:`~tallyroom.store.read.candidate_index` for a few people only: the whole index slugs every
name in the archive, which costs more than everything else such an export does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tallyroom.store import read
from tallyroom.store import schema as t

__all__ = ["ElectionChange", "election_changes", "people_runs"]

#: Ids bound in one query at most (SQLite's limit on bound values is far above it).
CHUNK = 500
#: People looked for one by one at most; for more, the whole index is read (one pattern each
#: would make a condition deeper than SQLite parses, and as slow as reading every name).
FEW_PEOPLE = 100


@dataclass(frozen=True, slots=True)
class ElectionChange:
    """One changed election: how it was listed at the mark and how it has been listed since."""

    id: int
    before: read.ElectionSummary | None
    """The version current at the mark; ``None`` when the election had none (it is new)."""
    since: tuple[read.ElectionSummary, ...]
    """Every version made current after the mark, oldest first; the current one is last."""
    names: frozenset[str]
    """The names in these versions (results, candidate lists, nominees)."""


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def election_changes(
    conn: sa.Connection,
    election_ids: Collection[int],
    *,
    after: int | None = None,
    at: dt.datetime | None = None,
) -> tuple[ElectionChange, ...]:
    """The changes of ``election_ids`` after the audit mark ``after`` or since the time ``at``
    (as :func:`~tallyroom.store.read.changed_elections` counts them), by id. The version current
    at the mark is the one the last audit record before it made current (a ``kept`` version is
    stored without being made current)."""
    a, e, v = t.audit, t.elections, t.versions
    earlier: list[sa.ColumnElement[bool]] = []
    if after is not None:
        earlier.append(a.c.id <= after)
    if at is not None:
        earlier.append(a.c.at < at)
    made_current = a.c.action != "kept"
    result: list[ElectionChange] = []
    for ids in _chunks(election_ids):
        current = dict(
            conn.execute(sa.select(e.c.id, e.c.current_version).where(e.c.id.in_(ids))).all()
        )
        base: dict[int, int] = {}
        later: dict[int, list[int]] = {i: [] for i in current}
        records = conn.execute(
            sa.select(a.c.election_id, a.c.version, sa.and_(*earlier) if earlier else sa.false())
            .where(a.c.election_id.in_(ids), made_current)
            .order_by(a.c.id)
        )
        for election_id, number, before_mark in records:
            if before_mark:
                base[election_id] = number
            elif election_id in later:
                later[election_id].append(number)
        wanted = {i: {base.get(i), *later[i], n} - {None} for i, n in current.items()}
        summaries: dict[tuple[int, int], read.ElectionSummary] = {}
        version_ids: dict[int, list[int]] = {}
        # The store's own reading of a summary (the columns, and the dates as drivers give them).
        rows = conn.execute(
            sa.select(*read.summary_columns(), v.c.id).where(v.c.election_id.in_(ids))
        )
        for row in rows:
            summary = read.summary_of(row[:-1])
            if summary.version in wanted.get(summary.id, ()):
                summaries[summary.id, summary.version] = summary
                version_ids.setdefault(summary.id, []).append(int(row[-1]))
        names = _names(conn, {vid: i for i, vids in version_ids.items() for vid in vids})
        for election_id, number in current.items():
            numbers = [n for n in dict.fromkeys(later[election_id]) if n != number] + [number]
            first = base.get(election_id)
            result.append(
                ElectionChange(
                    election_id,
                    summaries.get((election_id, first)) if first is not None else None,
                    tuple(summaries[election_id, n] for n in numbers),
                    frozenset(names.get(election_id, ())),
                )
            )
    return tuple(result)


def _names(conn: sa.Connection, elections_of: dict[int, int]) -> dict[int, set[str]]:
    """The names in the versions ``elections_of`` maps to their elections, by election."""
    found: dict[int, set[str]] = {}
    for version_ids in _chunks(elections_of):
        query = sa.union(
            *(
                sa.select(table.c.version_id, table.c.name).where(
                    table.c.version_id.in_(version_ids)
                )
                for table in (t.stage_results, t.candidates, t.nominees)
            )
        )
        for version_id, name in conn.execute(query):
            found.setdefault(elections_of[version_id], set()).add(name)
    return found


def _words(slug: str) -> list[str]:
    """The runs of ASCII letters and digits in a slug."""
    return re.findall(r"[a-z0-9]+", slug)


def _more_bytes_than_characters(conn: sa.Connection, column: Any) -> sa.ColumnElement[bool]:
    """Whether a text holds a character outside ASCII."""
    if conn.dialect.name == "sqlite":
        size = sa.func.length(sa.cast(column, sa.LargeBinary))
    else:
        size = sa.func.octet_length(column)
    return size > sa.func.length(column)


def people_runs(
    conn: sa.Connection, slugs: Collection[str], slug_of: Callable[[str], str]
) -> dict[str, tuple[int, ...]]:
    """:func:`~tallyroom.store.read.candidate_index` for the people ``slugs`` only (a slug no
    current election names is left out), in the same order.

    ``slug_of`` must keep the runs of ASCII letters and digits of a name's person key (as
    :func:`~tallyroom.figures.person_key` writes it, and each version's ``people`` column holds
    it), in order, and add none: the versions whose people may have one of the slugs are then
    found in SQL (the slug's runs in that order, or any character outside ASCII, which a slug
    may have folded away), and only their names are slugged. A slug without letters or digits
    gives no such clue, and many people would take as long: the whole index is read then."""
    wanted = set(slugs)
    if not wanted:
        return {}
    if len(wanted) > FEW_PEOPLE or any(not _words(slug) for slug in wanted):
        index = read.candidate_index(conn, slug_of)
        return {slug: runs for slug, runs in index.items() if slug in wanted}
    v = t.versions
    patterns = sorted({"%" + "%".join(_words(slug)) + "%" for slug in wanted})
    may_name = sa.or_(
        *(v.c.people.like(pattern) for pattern in patterns),
        _more_bytes_than_characters(conn, v.c.people),
    )
    # The versions first, then their names by id: the names tables are read by their keys.
    version_ids = conn.execute(read.current_versions(v.c.id).where(may_name)).scalars().all()
    named: dict[str, set[int]] = {}
    for chunk in _chunks(version_ids):
        names = sa.union(
            *(
                sa.select(table.c.version_id, table.c.name).where(table.c.version_id.in_(chunk))
                for table in (t.stage_results, t.candidates, t.nominees)
            )
        ).subquery()
        query = sa.select(v.c.election_id, names.c.name).join(names, names.c.version_id == v.c.id)
        for election_id, name in conn.execute(query):
            slug = slug_of(name)
            if slug in wanted:
                named.setdefault(slug, set()).add(int(election_id))
    if not named:
        return {}
    # Oldest first as the whole index orders them (by the database's collation of titles).
    ids = set().union(*named.values())
    order = conn.execute(
        read.current_versions(v.c.election_id)
        .where(v.c.election_id.in_(sorted(ids)))
        .order_by(sa.nulls_first(v.c.year), v.c.title, v.c.election_id)
    ).scalars()
    position = {int(election_id): at for at, election_id in enumerate(order)}
    return {slug: tuple(sorted(runs, key=position.__getitem__)) for slug, runs in named.items()}
