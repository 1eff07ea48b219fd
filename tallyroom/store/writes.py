"""Every write to the database: a decided election as a new version, a revert; nothing else.

The store decides nothing. What it stores comes from :mod:`tallyroom.service` as a
:class:`NewVersion`: the election, the rules' decision of each stage, the checks' findings and the
figures made from them (:mod:`tallyroom.figures`). An election is identified by its jurisdiction,
office and year (:func:`tallyroom.identity.election_identity`); its title is a label.

A write names the version it was decided against (``base``): if another writer made a different
version current in the meantime, :class:`Conflict` is raised and the service decides again.
Concurrency: the election's row is created with ``INSERT ... ON CONFLICT DO NOTHING`` and then
locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers hold the database lock from
``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import getpass
import json
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from tallyroom.errors import NotFoundError, StorageError
from tallyroom.figures import ElectionFigures
from tallyroom.model import Election, StageDecision
from tallyroom.store import schema as t
from tallyroom.store.codec import sorted_json, utf8_size
from tallyroom.store.driver import insert_new, insert_returning_id, insert_rows, insert_values
from tallyroom.store.rows import (
    ROW_KEYS,
    election_rows,
    party_names,
    version_columns,
)
from tallyroom.store.sources import (
    SourceText,
    source_pieces,
    source_sha256,
    source_size,
    store_pieces,
)

__all__ = [
    "Ahead",
    "Attempt",
    "AuditAction",
    "Certified",
    "Conflict",
    "ImportResult",
    "ImportStatus",
    "NewVersion",
    "Pending",
    "SourceWriter",
    "VersionRows",
    "attempt_row",
    "create_elections",
    "record_attempt",
    "revert_version",
    "running_as",
    "store_sources",
    "version_rows",
]

#: ``new``: a new election; ``new version``: a new current version; ``kept``: stored, but the
#: current version stays (the new one is worse: more errors or fewer figures); ``unchanged``:
#: nothing written; ``reverted``: an older version made current again.
ImportStatus = Literal["new", "new version", "kept", "unchanged", "reverted"]
#: See :data:`tallyroom.store.schema.AUDIT_ACTIONS`.
AuditAction = Literal["created", "changed", "kept", "replaced", "reverted", "corrected"]


@functools.cache
def running_as() -> dict[str, str]:
    """The operating-system user and host a write runs as, recorded beside the actor it was
    made for (which the user states, and could state wrongly)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return {"os_user": user[: t.NAME], "host": (socket.gethostname() or "unknown")[: t.NAME]}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One file an import tried, for :data:`tallyroom.store.schema.import_attempts`."""

    source: str
    sha256: str | None
    elections: tuple[str, ...] | None
    """The identities of the file's elections; ``None`` when it could not be read."""
    outcome: Literal["stored", "unchanged", "refused"]
    reason: str | None = None


def attempt_row(actor: str, attempt: Attempt) -> dict[str, Any]:
    """The :data:`~tallyroom.store.schema.import_attempts` row of ``attempt``."""
    return {
        "at": _now(),
        "actor": actor[: t.NAME],
        **running_as(),
        "source": attempt.source[: t.NAME],
        "sha256": attempt.sha256,
        "elections": None if attempt.elections is None else "\n".join(attempt.elections),
        "outcome": attempt.outcome,
        "reason": attempt.reason,
    }


def record_attempt(conn: sa.Connection, actor: str, attempt: Attempt) -> None:
    """Add ``attempt`` to the append-only record of import attempts."""
    insert_rows(conn, t.import_attempts, [attempt_row(actor, attempt)])


@functools.cache
def _table_order() -> dict[sa.Table, int]:
    """Each table's place in an order where parents come before children (sorting the schema's
    tables takes longer than inserting a chunk's rows of a small table)."""
    order = {table: position for position, table in enumerate(t.metadata.sorted_tables)}
    order[t.versions_search] = len(order)  # each row names a version
    return order


#: Rows a batch's buffer may hold before they are inserted at the end of a version, not at the
#: end of the batch. A version with unit figures is inserted at its end whatever the count:
#: its few rows hold a precinct file's figures, up to 8 bytes a figure.
PENDING_ROWS = 50_000


class Pending:
    """Rows waiting to be inserted: for each table and set of keys, the rows' values in the
    keys' order. :meth:`flush` inserts them, one ``executemany`` per table, parents first."""

    def __init__(self) -> None:
        self.rows: dict[tuple[sa.Table, tuple[str, ...]], list[tuple[Any, ...]]] = {}

    def __len__(self) -> int:
        """How many rows are waiting (a few lists' lengths: one per table and set of keys)."""
        return sum(map(len, self.rows.values()))

    def add(self, table: sa.Table, keys: tuple[str, ...], values: list[tuple[Any, ...]]) -> None:
        if values:
            self.rows.setdefault((table, keys), []).extend(values)

    def add_dicts(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            keys = tuple(rows[0])
            self.add(table, keys, [tuple([row[key] for key in keys]) for row in rows])

    def flush(self, conn: sa.Connection) -> None:
        """Insert the rows, and forget them (whether the database took them or not)."""
        waiting, self.rows = self.rows, {}
        order = _table_order()
        for (table, keys), values in sorted(waiting.items(), key=lambda item: order[item[0][0]]):
            insert_values(conn, table, keys, values)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did to one election."""

    election_id: int
    title: str
    status: ImportStatus
    version: int
    """The version this import stored or found (for ``kept``, the stored, non-current one)."""
    current: int
    """The election's current version after the import."""
    source_sha256: str
    findings: int
    """How many findings the checks reported for that version."""
    errors: int
    """How many of them are errors."""
    note: str | None = None
    """Why a version was kept rather than made current, or what a replace did."""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class NewVersion:
    """One decided election to store as a new version of the election ``identity``."""

    identity: str
    election: Election
    decisions: tuple[StageDecision, ...] | None
    rules: Mapping[str, Any] | None
    """The rules record (``tallyroom.rules.rules_json``), or ``None`` when none applied."""
    rules_note: str | None
    findings: tuple[Any, ...]
    """The checks' findings (:class:`~tallyroom.checks.types.Finding`)."""
    errors: int
    figures: ElectionFigures
    figure_count: int
    fingerprint: str
    base: int | None
    """The current version number this was decided against (``None``: a new election)."""
    make_current: bool
    action: AuditAction
    note: str | None = None
    stage_sources: tuple[int | None, ...] = ()
    """For each stage, the id of the stored source it came from; ``None``: the source being
    imported now. Empty: every stage comes from it."""
    changes: tuple[Mapping[str, Any], ...] = ()
    change_count: int = 0


@dataclass(frozen=True, slots=True)
class VersionRows:
    """A new version as the rows to insert, made before the database is involved (in an
    import's worker process, so that what it sends is strings, numbers and tuples rather than
    the model): see :func:`version_rows`. Ids the database gives (the version's, its election's,
    its source's, the parties') are filled in by :meth:`SourceWriter.write_rows`."""

    identity: str
    title: str
    parties: tuple[str, ...]
    columns: dict[str, Any]
    """The ``versions`` columns that do not depend on the database."""
    figures: str
    rules: str
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[Any, ...], ...]], ...]
    """Each table below a version: its name, the keys, and the rows' values in that order;
    without the ``version_id`` that comes first (and a stage's ``source_id`` that comes last),
    and with a result's party by name in ``party_id``."""
    findings: int
    errors: int


def version_rows(new: NewVersion) -> VersionRows:
    """The rows of ``new`` (its findings included), with no id of the database in them."""
    election, figures = new.election, new.figures
    rows = election_rows(election)
    if new.findings:
        rows[t.findings] = _finding_rows(new.findings)
    return VersionRows(
        identity=new.identity,
        title=election.title,
        parties=tuple(sorted(party_names(election))),
        columns={
            "fingerprint": new.fingerprint,
            **version_columns(election, figures),
            "error_findings": new.errors,
            "figure_count": new.figure_count,
        },
        figures=sorted_json(figures),
        rules=sorted_json({"rules": new.rules, "note": new.rules_note}),
        tables=tuple(
            (
                table.name,
                _FINDING_KEYS if table is t.findings else ROW_KEYS[table],
                tuple(values),
            )
            for table, values in rows.items()
            if values
        ),
        findings=len(new.findings),
        errors=new.errors,
    )


class Conflict(StorageError):
    """Another writer changed the election's current version after this one was decided."""


class Certified(StorageError):
    """A rival version of an election whose current version is certified, imported without
    ``--correction``: refused, nothing written."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: The keys of a finding's row (after its version's id, as in :data:`ROW_KEYS`).
_FINDING_KEYS = ("position", "code", "severity", "message", "data")


def _finding_rows(findings: Sequence[Any]) -> list[tuple[Any, ...]]:
    return [
        (
            position,
            str(getattr(finding, "code", "")),
            str(getattr(finding, "severity", "")),
            str(getattr(finding, "message", "")),
            sorted_json(finding),
        )
        for position, finding in enumerate(findings)
    ]


@dataclass(slots=True)
class Ahead:
    """What a buffered batch made for many sources at once, before their writers need it: the
    elections it created (id and title, by identity), each to be claimed by the first source
    that claims its identity, and the sources it stored (id, by the text's SHA-256)."""

    elections: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)
    sources: dict[str, int] = dataclasses.field(default_factory=dict)


def create_elections(conn: sa.Connection, elections: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Create the elections (identity, title) that are not stored yet, together: the ids of
    those created, by identity (in the order given, as one at a time would)."""
    now = _now()
    rows = [(identity, title, 1, now) for identity, title in elections]
    keys = ("key", "title", "current_version", "created_at")
    return {key: int(id_) for id_, key in insert_new(conn, t.elections, keys, rows, ("id", "key"))}


def store_sources(
    conn: sa.Connection, sources: Sequence[tuple[str, str, str]], user: str
) -> dict[str, int]:
    """Store the sources (text, name, the text's SHA-256) not stored yet, together: every
    source's id, by the SHA-256 (see :meth:`SourceWriter.source_id`)."""
    now = _now()
    rows = []
    rest: dict[str, Iterator[str]] = {}
    for text, name, sha256 in sources:
        pieces = source_pieces(text, name)
        rows.append((sha256, name, next(pieces), utf8_size(text), now, user))
        rest[sha256] = pieces  # the pieces after the first, if any
    keys = ("sha256", "name", "text", "size", "imported_at", "imported_by")
    ids = {sha: int(id_) for id_, sha in insert_new(conn, t.sources, keys, rows, ("id", "sha256"))}
    for sha256, pieces in rest.items():
        if sha256 in ids:  # made now, not stored before
            store_pieces(conn, ids[sha256], pieces)
    stored = [row[0] for row in rows if row[0] not in ids]
    if stored:
        query = sa.select(t.sources.c.sha256, t.sources.c.id).where(t.sources.c.sha256.in_(stored))
        ids.update((sha, int(id_)) for sha, id_ in conn.execute(query))
    return ids


#: The columns of SQLite's text index that the writer fills (see
#: :data:`tallyroom.store.schema.versions_search`).
SEARCH_KEYS = ("rowid", "title", "city", "people")


class SourceWriter:
    """Writes of one source inside the caller's transaction on ``conn``.

    The source's text is stored (once per content hash) only when a version refers to it, so
    re-importing a source leaves the database exactly as it was.

    With ``pending`` (a batch's buffer), the rows nothing is read back from (everything below a
    version, its audit entry) are added to it instead of inserted, for the batch to insert with
    those of other sources in one statement per table; :meth:`flush` (the batch's ``flush``)
    inserts them at once, before anything stored is read. With ``ahead``, an election the batch
    created already is claimed from it, and the source's id taken from it when it is there.
    With ``search`` (SQLite with its text index), each version's title, city and people are
    added to ``versions_search`` with the version's rows.
    """

    def __init__(
        self,
        conn: sa.Connection,
        text: SourceText,
        name: str,
        user: str,
        parties: dict[str, int],
        pending: Pending | None = None,
        flush: Callable[[], None] | None = None,
        ahead: Ahead | None = None,
        sha256: str | None = None,
        search: bool = False,
    ) -> None:
        self.conn = conn
        self.text = text
        self.name = name
        self.user = user
        self.sha256 = sha256 if sha256 is not None else source_sha256(text)
        self.parties = parties
        self.pending = pending
        self._flush = flush
        self.ahead = ahead
        self._source_id: int | None = None if ahead is None else ahead.sources.get(self.sha256)
        self._claimed: dict[str, tuple[int, str]] = {}
        self.search = search

    def _insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if self.pending is None:
            insert_rows(self.conn, table, rows)
        else:
            self.pending.add_dicts(table, rows)

    def _insert_values(
        self, table: sa.Table, keys: tuple[str, ...], values: list[tuple[Any, ...]]
    ) -> None:
        if self.pending is None:
            insert_values(self.conn, table, keys, values)
        else:
            self.pending.add(table, keys, values)

    def flush(self) -> None:
        """Insert the rows waiting in the batch's buffer (before reading what is stored)."""
        if self.pending:
            if self._flush is not None:
                self._flush()
            else:
                self.pending.flush(self.conn)

    def source_id(self) -> int:
        if self._source_id is None:
            pieces = source_pieces(self.text, self.name)
            row = {
                "sha256": self.sha256,
                "name": self.name,
                "text": next(pieces),
                "size": source_size(self.text),
                "imported_at": _now(),
                "imported_by": self.user,
            }
            found = insert_returning_id(self.conn, t.sources, row, ignore_conflict=True)
            if found is None:
                query = sa.select(t.sources.c.id).where(t.sources.c.sha256 == self.sha256)
                found = self.conn.execute(query).scalar_one()
            else:
                store_pieces(self.conn, found, pieces)
            self._source_id = int(found)
        return self._source_id

    def _party_ids(self, names: set[str]) -> None:
        missing = sorted(names - self.parties.keys())
        if not missing:
            return
        for name in missing:
            insert_returning_id(self.conn, t.parties, {"name": name}, ignore_conflict=True)
        query = sa.select(t.parties.c.name, t.parties.c.id).where(t.parties.c.name.in_(missing))
        self.parties.update(dict(self.conn.execute(query).all()))

    def claim(self, identity: str, title: str) -> bool:
        """Create the election ``identity`` unless it exists: ``True`` when this writer made it
        (its first version is the next :meth:`write` with ``base=None``), ``False`` when it is
        stored already (read it, decide against it, and write with its current version)."""
        if self.ahead is not None:
            made = self.ahead.elections.pop(identity, None)
            if made is not None:
                self._claimed[identity] = made
                return True
        created = insert_returning_id(
            self.conn,
            t.elections,
            {"key": identity, "title": title, "current_version": 1, "created_at": _now()},
            ignore_conflict=True,
        )
        if created is None:
            return False
        self._claimed[identity] = int(created), title
        return True

    def _lock(self, new: NewVersion) -> tuple[int, int | None, str | None]:
        """The election's id and current version, locked against other writers, and for an
        election this writer claimed (whose current version is ``None``) the title it was
        claimed with; :class:`Conflict` when it is not what ``new`` was decided on."""
        if new.base is None:
            if new.identity in self._claimed or self.claim(new.identity, new.election.title):
                election_id, title = self._claimed.pop(new.identity)
                return election_id, None, title
            found = None
        else:
            e = t.elections
            head = self.conn.execute(
                sa.select(e.c.id, e.c.current_version)
                .where(e.c.key == new.identity)
                .with_for_update()
            ).one_or_none()
            found = None if head is None else head.current_version
            if head is not None and found == new.base:
                return int(head.id), int(head.current_version), None
        raise Conflict(
            f"{self.name}: {new.election.title}: the current version changed while it was "
            f"decided (expected {new.base}, found {found})"
        )

    def write(self, new: NewVersion, rows: VersionRows | None = None) -> ImportResult:
        """Store ``new`` as the next version of its election (see :class:`NewVersion`);
        ``rows``: its :func:`version_rows`, when already made."""
        conn = self.conn
        election_id, current, claimed = self._lock(new)
        number = 1
        if current is not None:
            top = conn.execute(
                sa.select(sa.func.max(t.versions.c.number)).where(
                    t.versions.c.election_id == election_id
                )
            ).scalar_one()
            number = int(top) + 1
        now_current = number if new.make_current or current is None else current
        # A new election's row was made with version 1 current and this title already.
        if now_current != current and (current is not None or claimed != new.election.title):
            conn.execute(
                sa.update(t.elections)
                .where(t.elections.c.id == election_id)
                .values(current_version=now_current, title=new.election.title)
            )
        changes: dict[str, Any] = {"count": new.change_count, "changes": list(new.changes)}
        if new.note:
            changes["note"] = new.note
        rows = rows if rows is not None else version_rows(new)
        self._write_rows(rows, election_id, number, new.stage_sources, new.action, changes)
        status: ImportStatus
        if current is None:
            status = "new"
        elif now_current == number:
            status = "new version"
        else:
            status = "kept"
        return ImportResult(
            election_id,
            rows.title,
            status,
            number,
            now_current,
            self.sha256,
            rows.findings,
            rows.errors,
            new.note,
        )

    def write_rows(self, rows: VersionRows) -> ImportResult | None:
        """Store ``rows`` as the first version of a new election, and ``None`` when the election
        is stored already (then it is to be decided against the stored one and written with
        :meth:`write`)."""
        if not self.claim(rows.identity, rows.title):
            return None
        election_id, _title = self._claimed.pop(rows.identity)
        self._write_rows(rows, election_id, 1, (), "created", {"count": 0, "changes": []})
        return ImportResult(
            election_id, rows.title, "new", 1, 1, self.sha256, rows.findings, rows.errors
        )

    def _write_rows(
        self,
        rows: VersionRows,
        election_id: int,
        number: int,
        stage_sources: tuple[int | None, ...],
        action: AuditAction,
        changes: Mapping[str, Any],
    ) -> None:
        self._party_ids(set(rows.parties))
        source_id = self.source_id()
        now = _now()
        version_id = insert_returning_id(
            self.conn,
            t.versions,
            {
                "election_id": election_id,
                "number": number,
                "source_id": source_id,
                "imported_at": now,
                "imported_by": self.user,
                **rows.columns,
            },
        )
        assert version_id is not None
        if self.search:
            columns = rows.columns
            self._insert_values(
                t.versions_search,
                SEARCH_KEYS,
                [(version_id, columns["title"], columns["city"], columns["people"])],
            )
        self._insert(
            t.version_figures,
            [{"version_id": version_id, "figures": rows.figures, "rules": rows.rules}],
        )
        parties = self.parties
        for name, keys, values in rows.tables:
            table = t.metadata.tables[name]
            items: list[tuple[Any, ...]]
            if table is t.stage_results:
                at = keys.index("party_id")
                items = [
                    (
                        version_id,
                        *row[:at],
                        None if row[at] is None else parties[row[at]],
                        *row[at + 1 :],
                    )
                    for row in values
                ]
            elif table is t.stages:
                keys = (*keys, "source_id")
                sources = stage_sources or (None,) * len(values)
                items = [(version_id, *row, sources[row[0]] or source_id) for row in values]
            else:
                items = [(version_id, *row) for row in values]
            self._insert_values(table, ("version_id", *keys), items)
        self._audit(election_id, number, action, source_id, changes, now)
        figured = any(name == t.unit_figures.name for name, _, _ in rows.tables)
        if self.pending is not None and (figured or len(self.pending) >= PENDING_ROWS):
            self.flush()  # a whole version's rows: parents and children go in together

    def _audit(
        self,
        election_id: int,
        number: int,
        action: AuditAction,
        source_id: int,
        changes: Mapping[str, Any],
        at: dt.datetime,
    ) -> None:
        self._insert(
            t.audit,
            [
                {
                    "election_id": election_id,
                    "version": number,
                    "action": action,
                    "at": at,
                    "by": self.user,
                    "source_id": source_id,
                    "changes": json.dumps({**changes, **running_as()}, ensure_ascii=False),
                }
            ],
        )


def revert_version(
    conn: sa.Connection, election_id: int, number: int, user: str, reason: str | None = None
) -> ImportResult:
    """Make version ``number`` of the election current again, with an audit record."""
    e, v = t.elections, t.versions
    head = conn.execute(
        sa.select(e.c.id, e.c.current_version).where(e.c.id == election_id).with_for_update()
    ).one()
    row = conn.execute(
        sa.select(v.c.id, v.c.title, v.c.source_id, v.c.error_findings).where(
            v.c.election_id == election_id, v.c.number == number
        )
    ).one_or_none()
    if row is None:
        raise NotFoundError(
            f"election {election_id} has no version {number}", ref=election_id, version=number
        )
    sha = conn.execute(
        sa.select(t.sources.c.sha256).where(t.sources.c.id == row.source_id)
    ).scalar_one()
    findings = conn.execute(
        sa.select(sa.func.count()).where(t.findings.c.version_id == row.id)
    ).scalar_one()
    if head.current_version == number:
        return ImportResult(
            election_id, row.title, "unchanged", number, number, sha, findings,
            row.error_findings, f"version {number} is already current",
        )  # fmt: skip
    conn.execute(
        sa.update(e).where(e.c.id == election_id).values(current_version=number, title=row.title)
    )
    note = f"version {number} made current again (was {head.current_version})"
    if reason:
        note = f"{note}: {reason}"
    insert_rows(
        conn,
        t.audit,
        [
            {
                "election_id": election_id,
                "version": number,
                "action": "reverted",
                "at": _now(),
                "by": user,
                "source_id": row.source_id,
                "changes": json.dumps(
                    {"count": 0, "changes": [], "note": note, **running_as()}, ensure_ascii=False
                ),
            }
        ],
    )
    return ImportResult(
        election_id, row.title, "reverted", number, number, sha, findings, row.error_findings,
        note,
    )  # fmt: skip
