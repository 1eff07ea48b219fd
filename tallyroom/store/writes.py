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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from tallyroom.errors import NotFoundError, StorageError
from tallyroom.figures import ElectionFigures
from tallyroom.model import Election, StageDecision
from tallyroom.store import schema as t
from tallyroom.store.codec import sha256_text, to_json
from tallyroom.store.driver import insert_returning_id, insert_rows
from tallyroom.store.rows import election_rows, party_names, version_columns

__all__ = [
    "Attempt",
    "AuditAction",
    "Certified",
    "Conflict",
    "ImportResult",
    "ImportStatus",
    "NewVersion",
    "SourceWriter",
    "record_attempt",
    "revert_version",
    "running_as",
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


def record_attempt(conn: sa.Connection, actor: str, attempt: Attempt) -> None:
    """Add ``attempt`` to the append-only record of import attempts."""
    insert_rows(
        conn,
        t.import_attempts,
        [
            {
                "at": _now(),
                "actor": actor[: t.NAME],
                **running_as(),
                "source": attempt.source[: t.NAME],
                "sha256": attempt.sha256,
                "elections": None if attempt.elections is None else "\n".join(attempt.elections),
                "outcome": attempt.outcome,
                "reason": attempt.reason,
            }
        ],
    )


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
    """The checks' findings (``tallyroom.checks.Finding``)."""
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


class Conflict(StorageError):
    """Another writer changed the election's current version after this one was decided."""


class Certified(StorageError):
    """A rival version of an election whose current version is certified, imported without
    ``--correction``: refused, nothing written."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _finding_rows(version_id: int, findings: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "version_id": version_id,
            "position": position,
            "code": str(getattr(finding, "code", "")),
            "severity": str(getattr(finding, "severity", "")),
            "message": str(getattr(finding, "message", "")),
            "data": json.dumps(to_json(finding), ensure_ascii=False, sort_keys=True),
        }
        for position, finding in enumerate(findings)
    ]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SourceWriter:
    """Writes of one source inside the caller's transaction on ``conn``.

    The source's text is stored (once per content hash) only when a version refers to it, so
    re-importing a source leaves the database exactly as it was.
    """

    def __init__(
        self, conn: sa.Connection, text: str, name: str, user: str, parties: dict[str, int]
    ) -> None:
        self.conn = conn
        self.text = text
        self.name = name
        self.user = user
        self.sha256 = sha256_text(text)
        self.parties = parties
        self._source_id: int | None = None
        self._claimed: dict[str, int] = {}

    def source_id(self) -> int:
        if self._source_id is None:
            row = {
                "sha256": self.sha256,
                "name": self.name,
                "text": self.text,
                "size": len(self.text.encode("utf-8")),
                "imported_at": _now(),
                "imported_by": self.user,
            }
            found = insert_returning_id(self.conn, t.sources, row, ignore_conflict=True)
            if found is None:
                query = sa.select(t.sources.c.id).where(t.sources.c.sha256 == self.sha256)
                found = self.conn.execute(query).scalar_one()
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
        created = insert_returning_id(
            self.conn,
            t.elections,
            {"key": identity, "title": title, "current_version": 1, "created_at": _now()},
            ignore_conflict=True,
        )
        if created is None:
            return False
        self._claimed[identity] = int(created)
        return True

    def _lock(self, new: NewVersion) -> tuple[int, int | None]:
        """The election's id and current version (``None`` for one this writer claimed), locked
        against other writers; :class:`Conflict` when it is not what ``new`` was decided on."""
        if new.base is None:
            if new.identity in self._claimed or self.claim(new.identity, new.election.title):
                return self._claimed.pop(new.identity), None
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
                return int(head.id), int(head.current_version)
        raise Conflict(
            f"{self.name}: {new.election.title}: the current version changed while it was "
            f"decided (expected {new.base}, found {found})"
        )

    def write(self, new: NewVersion) -> ImportResult:
        """Store ``new`` as the next version of its election (see :class:`NewVersion`)."""
        conn = self.conn
        election_id, current = self._lock(new)
        number = 1
        if current is not None:
            top = conn.execute(
                sa.select(sa.func.max(t.versions.c.number)).where(
                    t.versions.c.election_id == election_id
                )
            ).scalar_one()
            number = int(top) + 1
        election, figures = new.election, new.figures
        self._party_ids(party_names(election))
        source_id = self.source_id()
        now = _now()
        version_id = insert_returning_id(
            conn,
            t.versions,
            {
                "election_id": election_id,
                "number": number,
                "source_id": source_id,
                "fingerprint": new.fingerprint,
                "imported_at": now,
                "imported_by": self.user,
                **version_columns(election, figures),
                "error_findings": new.errors,
                "figure_count": new.figure_count,
            },
        )
        assert version_id is not None
        insert_rows(
            conn,
            t.version_figures,
            [
                {
                    "version_id": version_id,
                    "figures": _json(to_json(figures)),
                    "rules": _json({"rules": new.rules, "note": new.rules_note}),
                }
            ],
        )
        origins = new.stage_sources or (None,) * len(election.stages)
        rows = election_rows(election, version_id, self.parties)
        for row in rows.get(t.stages, []):
            row["source_id"] = origins[row["position"]] or source_id
        for table, items in rows.items():
            insert_rows(conn, table, items)
        if new.findings:
            insert_rows(conn, t.findings, _finding_rows(version_id, new.findings))
        now_current = number if new.make_current or current is None else current
        if now_current != current:
            conn.execute(
                sa.update(t.elections)
                .where(t.elections.c.id == election_id)
                .values(current_version=now_current, title=election.title)
            )
        changes: dict[str, Any] = {"count": new.change_count, "changes": list(new.changes)}
        if new.note:
            changes["note"] = new.note
        self._audit(election_id, number, new.action, source_id, changes, now)
        status: ImportStatus
        if current is None:
            status = "new"
        elif now_current == number:
            status = "new version"
        else:
            status = "kept"
        return ImportResult(
            election_id,
            election.title,
            status,
            number,
            now_current,
            self.sha256,
            len(new.findings),
            new.errors,
            new.note,
        )

    def _audit(
        self,
        election_id: int,
        number: int,
        action: AuditAction,
        source_id: int,
        changes: Mapping[str, Any],
        at: dt.datetime,
    ) -> None:
        insert_rows(
            self.conn,
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
