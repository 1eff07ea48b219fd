"""Every write to the database: importing a source and its elections, in one transaction.

An import either lands completely or not at all. The election's identity is its normalised title
(:func:`~tallyroom.store.rows.election_key`); its content is identified by a fingerprint of the
canonical form (:func:`~tallyroom.store.codec.fingerprint`). Importing an election whose
fingerprint equals its current version's changes nothing; a different fingerprint adds a version,
keeps the old one, and appends an audit record of who, when and what changed.

Concurrency: the election's row is created with ``INSERT ... ON CONFLICT DO NOTHING`` and then
locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers hold the database lock from
``BEGIN IMMEDIATE``), so two processes importing the same election at once make one version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from tallyroom.model import Election
from tallyroom.store import schema as t
from tallyroom.store.codec import (
    MAX_CHANGES,
    differences,
    election_json,
    fingerprint,
    sha256_text,
    to_json,
)
from tallyroom.store.driver import insert_returning_id, insert_rows
from tallyroom.store.rows import (
    election_key,
    election_rows,
    load_election,
    party_names,
    version_columns,
)

__all__ = [
    "CheckRunner",
    "Decider",
    "Decision",
    "ImportResult",
    "ImportStatus",
    "decide_by_rules",
    "default_checks",
    "import_source",
]

ImportStatus = Literal["new", "unchanged", "new version"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did to one election."""

    election_id: int
    title: str
    status: ImportStatus
    version: int
    """The election's current version number after the import."""
    source_sha256: str
    findings: int
    """How many findings the checks reported for the stored version (0 when unchanged)."""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules derive for an election: JSON records to store, and the deciding winners."""

    records: tuple[tuple[int | None, dict[str, Any]], ...]
    """``(stage index, record)``; index ``None`` for the record of the rules themselves."""
    winners: tuple[str, ...]
    """Winners of the deciding stage."""


#: Applies the rules to an election; ``None`` when they cannot be applied.
Decider = Callable[[Election], Decision | None]


def decide_by_rules(election: Election) -> Decision | None:
    """The election's outcomes under the rules it declares (or that are inferred from it)."""
    from tallyroom.errors import TallyroomError
    from tallyroom.rules import choose_rules, verdict_json, verify_choice

    try:
        verdict = verify_choice(election, choose_rules(election))
    except TallyroomError:
        return None
    data = verdict_json(verdict)
    stages = data.pop("stages")
    records: list[tuple[int | None, dict[str, Any]]] = [(None, data)]
    records.extend(enumerate(stages))
    deciding = election.deciding_stage
    winners: tuple[str, ...] = ()
    for stage, judged in zip(election.stages, verdict.stages, strict=True):
        if stage is deciding:
            winners = judged.outcome.winners
    return Decision(tuple(records), winners)


#: A check runner: returns findings (dataclasses with at least ``code``, ``severity``, ``message``).
CheckRunner = Callable[[Election], Sequence[Any]]


def default_checks() -> CheckRunner | None:
    """``tallyroom.checks.run_checks`` when that package is installed, else ``None``."""
    try:
        module = importlib.import_module("tallyroom.checks")
    except ImportError:
        return None
    runner: CheckRunner | None = getattr(module, "run_checks", None)
    return runner


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _source_id(conn: sa.Connection, text: str, name: str, sha: str, user: str) -> int:
    row = {
        "sha256": sha,
        "name": name,
        "text": text,
        "size": len(text.encode("utf-8")),
        "imported_at": _now(),
        "imported_by": user,
    }
    found = insert_returning_id(conn, t.sources, row, ignore_conflict=True)
    if found is None:
        query = sa.select(t.sources.c.id).where(t.sources.c.sha256 == sha)
        found = conn.execute(query).scalar_one()
    return int(found)


def _party_ids(conn: sa.Connection, names: set[str], cache: dict[str, int]) -> dict[str, int]:
    missing = sorted(names - cache.keys())
    if missing:
        for name in missing:
            insert_returning_id(conn, t.parties, {"name": name}, ignore_conflict=True)
        query = sa.select(t.parties.c.name, t.parties.c.id).where(t.parties.c.name.in_(missing))
        found = dict(conn.execute(query).all())
        return {**cache, **found}
    return cache


def _finding_rows(version_id: int, findings: Sequence[Any]) -> list[dict[str, Any]]:
    rows = []
    for position, finding in enumerate(findings):
        data = to_json(finding)
        rows.append(
            {
                "version_id": version_id,
                "position": position,
                "code": str(getattr(finding, "code", "")),
                "severity": str(getattr(finding, "severity", "")),
                "message": str(getattr(finding, "message", "")),
                "data": json.dumps(data, ensure_ascii=False, sort_keys=True),
            }
        )
    return rows


def _store_election(
    conn: sa.Connection,
    election: Election,
    source_id: Callable[[], int],
    sha: str,
    user: str,
    party_cache: dict[str, int],
    checks: CheckRunner | None,
    decider: Decider | None,
) -> tuple[ImportResult, dict[str, int]]:
    key = election_key(election.title)
    print_ = fingerprint(election)
    now = _now()
    created = insert_returning_id(
        conn,
        t.elections,
        {"key": key, "title": election.title, "current_version": 1, "created_at": now},
        ignore_conflict=True,
    )
    previous: Any = None
    changes: dict[str, Any] = {"count": 0, "changes": []}
    if created is not None:
        election_id, number = int(created), 1
    else:
        head = conn.execute(
            sa.select(t.elections.c.id, t.elections.c.current_version)
            .where(t.elections.c.key == key)
            .with_for_update()
        ).one()
        election_id = int(head.id)
        previous = conn.execute(
            sa.select(t.versions.c.id, t.versions.c.fingerprint).where(
                t.versions.c.election_id == election_id,
                t.versions.c.number == head.current_version,
            )
        ).one()
        unchanged = ImportResult(
            election_id, election.title, "unchanged", head.current_version, sha, 0
        )
        if previous.fingerprint == print_:
            return unchanged, party_cache
        old = election_json(load_election(conn, previous.id), provenance=False)
        found = differences(old, election_json(election, provenance=False))
        if not found:
            # Equal content under an older way of fingerprinting: keep the version, renew the
            # fingerprint, so the next import is recognised at once.
            conn.execute(
                sa.update(t.versions)
                .where(t.versions.c.id == previous.id)
                .values(fingerprint=print_)
            )
            return unchanged, party_cache
        changes = {"count": len(found), "changes": found[:MAX_CHANGES]}
        number = int(head.current_version) + 1

    party_ids = _party_ids(conn, party_names(election), party_cache)
    decision = decider(election) if decider is not None else None
    decided = decision.winners if decision is not None else None
    version_id = insert_returning_id(
        conn,
        t.versions,
        {
            "election_id": election_id,
            "number": number,
            "source_id": source_id(),
            "fingerprint": print_,
            "imported_at": now,
            "imported_by": user,
            **version_columns(election, decided),
        },
    )
    assert version_id is not None
    for table, rows in election_rows(election, version_id, party_ids).items():
        insert_rows(conn, table, rows)
    findings = tuple(checks(election)) if checks is not None else ()
    if findings:
        insert_rows(conn, t.findings, _finding_rows(version_id, findings))
    if decision is not None:
        outcome_rows = [
            {
                "version_id": version_id,
                "position": position,
                "stage": stage,
                "data": json.dumps(record, ensure_ascii=False, sort_keys=True),
            }
            for position, (stage, record) in enumerate(decision.records)
        ]
        insert_rows(conn, t.outcomes, outcome_rows)

    if previous is not None:
        conn.execute(
            sa.update(t.elections)
            .where(t.elections.c.id == election_id)
            .values(current_version=number, title=election.title)
        )
    insert_rows(
        conn,
        t.audit,
        [
            {
                "election_id": election_id,
                "version": number,
                "action": "created" if previous is None else "changed",
                "at": now,
                "by": user,
                "source_id": source_id(),
                "changes": json.dumps(changes, ensure_ascii=False),
            }
        ],
    )
    status: ImportStatus = "new" if previous is None else "new version"
    result = ImportResult(election_id, election.title, status, number, sha, len(findings))
    return result, party_ids


def import_source(
    conn: sa.Connection,
    elections: Sequence[Election],
    source_text: str,
    source_name: str,
    user: str,
    party_cache: Mapping[str, int],
    checks: CheckRunner | None,
    decider: Decider | None = None,
) -> tuple[tuple[ImportResult, ...], dict[str, int]]:
    """Store one source and its elections on ``conn`` (inside the caller's transaction).

    The source's text is stored (once per content hash) only if some election changed, so
    re-importing a source leaves the database exactly as it was. Returns the results and the
    party ids known after the import (for the caller's cache, to be kept only once the
    transaction commits).
    """
    sha = sha256_text(source_text)
    stored: list[int] = []

    def source_id() -> int:
        # The source is stored once, and only when a version refers to it.
        if not stored:
            stored.append(_source_id(conn, source_text, source_name, sha, user))
        return stored[0]

    known = dict(party_cache)
    results = []
    for election in elections:
        result, known = _store_election(
            conn, election, source_id, sha, user, known, checks, decider
        )
        results.append(result)
    return tuple(results), known
