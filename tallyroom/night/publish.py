"""The state of a declared election, the election it makes, and the one way it changes.

:func:`change` runs a change of the election-night tables (returns, status, declaration) and
stores the election made from the new state (:func:`build_election`) as a new version through
:func:`tallyroom.service.store_source`, in ONE transaction: the returns as entered and the
figures every page, export and command shows never disagree. Changes to one election queue
(its declaration row is locked; SQLite has one writer at a time), so none is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, TypeVar, cast

import sqlalchemy as sa

from tallyroom import service
from tallyroom.errors import InputError, NotFoundError
from tallyroom.formats.conversion import BALLOTS_CAST, REGISTERED_VOTERS
from tallyroom.formats.native import write_native
from tallyroom.identity import election_identity
from tallyroom.model import (
    CandidateResult,
    Election,
    Jurisdiction,
    ReportingUnit,
    ResultsStatus,
    Stage,
    UnitResult,
)
from tallyroom.night._db import aware, now, read
from tallyroom.night.accounts import Actor, actor_name
from tallyroom.night.declare import RETURN_ROWS, Declaration
from tallyroom.store import Batch, Busy, Store
from tallyroom.store import schema as t
from tallyroom.store.driver import insert_rows
from tallyroom.store.writes import Certified, SourceWriter

__all__ = [
    "Night",
    "NightStatus",
    "UnitEntry",
    "build_election",
    "change",
    "declare_election",
    "declared_keys",
    "declared_state",
    "load",
    "record",
    "save_unit",
]

NightStatus = Literal[
    "unofficial-partial", "unofficial-complete", "certified", "correction", "recount"
]
T = TypeVar("T")
ATTEMPTS = 8
BACKOFF = 0.05


@dataclass(frozen=True, slots=True)
class UnitEntry:
    """The returns of one unit in one stage as entered: votes by candidate (and the unit's
    other figures, such as ``Ballots Cast``), the unit's revision, who entered them and when."""

    votes: Mapping[str, int]
    revision: int
    by: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Night:
    """A declared election's state: its declaration, status, revision and returns."""

    key: str
    declaration: Declaration
    status: NightStatus
    revision: int
    updated_at: dt.datetime
    updated_by: str
    returns: Mapping[tuple[int, str], UnitEntry] = field(default_factory=dict)
    """By (stage position, unit id)."""

    def reported(self, stage: int) -> int:
        return sum(1 for s, _ in self.returns if s == stage)

    def complete(self) -> bool:
        """Whether every reporting unit has returns in every stage."""
        total = len(self.declaration.reporting_units)
        return all(self.reported(s) == total for s in range(len(self.declaration.stages)))

    def next_status(self) -> NightStatus:
        """The status after a change of the returns: a correction or recount stays one."""
        if self.status in ("correction", "recount"):
            return self.status
        return "unofficial-complete" if self.complete() else "unofficial-partial"


def load(conn: sa.Connection, key: str, *, lock: bool = False) -> Night:
    """The declared election ``key``; with ``lock`` its row is locked until the transaction
    ends. :class:`~tallyroom.errors.NotFoundError` when it is not declared."""
    d, r = t.declarations, t.unit_returns
    query = sa.select(d).where(d.c.key == key)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no declared election {key!r}", ref=key)
    entries: dict[tuple[int, str], dict[str, int]] = {}
    meta: dict[tuple[int, str], tuple[int, str, dt.datetime]] = {}
    rows = conn.execute(
        sa.select(r.c.stage, r.c.unit, r.c.candidate, r.c.votes, r.c.revision, r.c.updated_by,
                  r.c.updated_at).where(r.c.election_key == key)
    )  # fmt: skip
    for stage, unit, candidate, votes, revision, by, at in rows:
        entries.setdefault((stage, unit), {})[candidate] = votes
        meta[(stage, unit)] = (revision, by, aware(at))
    declaration = Declaration.from_json(row.declaration)
    order = {name: n for n, name in enumerate(_row_order(declaration))}
    returns = {
        where: UnitEntry(
            dict(sorted(votes.items(), key=lambda item: order.get(item[0], len(order)))),
            *meta[where],
        )
        for where, votes in entries.items()
    }
    return Night(
        key,
        declaration,
        cast(NightStatus, row.status),
        int(row.revision),
        aware(row.updated_at),
        str(row.updated_by),
        returns,
    )


def declared_state(store: Store, key: str) -> Night:
    """The declared election ``key`` as stored now (:func:`load` in a read transaction)."""
    return read(store, lambda conn: load(conn, key))


def declared_keys(store: Store) -> tuple[str, ...]:
    """The keys of every declared election, in order."""
    d = t.declarations
    return read(
        store, lambda conn: tuple(conn.execute(sa.select(d.c.key).order_by(d.c.key)).scalars())
    )


def _row_order(declaration: Declaration) -> tuple[str, ...]:
    names = [name for stage in declaration.stages for name in stage.names]
    return (*dict.fromkeys(names), *RETURN_ROWS)


def _stage_status(night: Night, position: int) -> ResultsStatus:
    if night.status == "certified":
        return "certified"
    total = len(night.declaration.reporting_units)
    return "complete" if night.reported(position) == total else "unofficial"


def build_election(night: Night) -> Election:
    """The election a declared election's state makes: every declared unit, the returns of the
    reporting units that reported, candidate totals rolled up from them (unknown while no unit
    has reported), registered voters, and each stage's status."""
    declaration = night.declaration
    units = tuple(ReportingUnit(u.id, u.name, u.kind, u.parent) for u in declaration.units)
    registered = [
        UnitResult(u.id, REGISTERED_VOTERS, u.registered_voters)
        for u in declaration.reporting_units
        if u.registered_voters is not None
    ]
    every_registered = len(registered) == len(declaration.reporting_units)
    unit_order = {u.id: n for n, u in enumerate(declaration.units)}
    stages = []
    for position, declared in enumerate(declaration.stages):
        entered = [(unit, entry) for (s, unit), entry in night.returns.items() if s == position]
        entered.sort(key=lambda item: unit_order[item[0]])
        rows = [
            UnitResult(unit, candidate, votes)
            for unit, entry in entered
            for candidate, votes in entry.votes.items()
        ]
        totals = {
            c.name: sum(entry.votes.get(c.name, 0) for _, entry in entered)
            for c in declared.candidates
        }
        ballots = [entry.votes.get(BALLOTS_CAST) for _, entry in entered]
        stages.append(
            Stage(
                kind=declared.kind,
                party=declared.party,
                date=declared.date,
                results=tuple(
                    CandidateResult(c.name, totals[c.name] if entered else None, c.party)
                    for c in declared.candidates
                ),
                registered_voters=sum(r.votes for r in registered) if every_registered else None,
                ballots_cast=(
                    sum(b for b in ballots if b is not None)
                    if ballots and None not in ballots
                    else None
                ),
                status=_stage_status(night, position),
                units=units,
                unit_results=(*registered, *rows),
            )
        )
    return Election(
        title=declaration.display_title,
        jurisdiction=Jurisdiction(declaration.city, declaration.state),
        office=declaration.office,
        date=declaration.deciding_stage.date,
        stages=tuple(stages),
        rules=declaration.rules,
        source=f"election night: {night.key}",
    )


def record(
    conn: sa.Connection,
    night: Night,
    actor: Actor,
    action: str,
    *,
    stage: int | None = None,
    unit: str | None = None,
    old: object = None,
    new: object = None,
    reason: str | None = None,
    file_sha256: str | None = None,
) -> None:
    """Add a record to the append-only trail of the returns (at the night's new revision)."""
    insert_rows(
        conn,
        t.returns_audit,
        [
            {
                "at": now(),
                "by": actor_name(actor)[: t.NAME],
                "election_key": night.key,
                "stage": stage,
                "unit": unit,
                "action": action,
                "old": None if old is None else json.dumps(old, ensure_ascii=False),
                "new": None if new is None else json.dumps(new, ensure_ascii=False),
                "reason": reason,
                "file_sha256": file_sha256,
                "revision": night.revision,
            }
        ],
    )


def save_unit(
    conn: sa.Connection, night: Night, stage: int, unit: str, votes: Mapping[str, int], actor: Actor
) -> Night:
    """Replace one unit's returns in one stage; the night with them (not yet saved: see
    :func:`save`)."""
    r = t.unit_returns
    where = (stage, unit)
    previous = night.returns.get(where)
    revision = 1 if previous is None else previous.revision + 1
    at = now()
    conn.execute(
        sa.delete(r).where(r.c.election_key == night.key, r.c.stage == stage, r.c.unit == unit)
    )
    insert_rows(
        conn,
        r,
        [
            {
                "election_key": night.key,
                "stage": stage,
                "unit": unit,
                "candidate": candidate,
                "votes": figure,
                "revision": revision,
                "updated_at": at,
                "updated_by": actor_name(actor)[: t.NAME],
            }
            for candidate, figure in votes.items()
        ],
    )
    entry = UnitEntry(dict(votes), revision, actor_name(actor), at)
    return replace(night, returns={**night.returns, where: entry})


def _save(conn: sa.Connection, night: Night, actor: Actor) -> Night:
    """Write the night's status and next revision; the night as saved."""
    at = now()
    saved = replace(night, revision=night.revision + 1, updated_at=at, updated_by=actor_name(actor))
    d = t.declarations
    conn.execute(
        sa.update(d)
        .where(d.c.key == night.key)
        .values(
            declaration=night.declaration.to_json(),
            status=saved.status,
            revision=saved.revision,
            updated_at=at,
            updated_by=actor_name(actor)[: t.NAME],
        )
    )
    return saved


def refuse_certified(night: Night) -> None:
    if night.status == "certified":
        raise Certified(
            f"{night.declaration.display_title} is certified: its returns cannot change; "
            "a certifier records a correction or recount first (tallyroom certify --correction)"
        )


def change(
    store: Store,
    key: str,
    actor: Actor,
    work: Callable[[sa.Connection, Night], tuple[T, Night | None]],
    *,
    correction: str | None = None,
) -> T:
    """Run ``work`` on the locked state of election ``key`` and store the election its new
    state makes, in one transaction (``work`` returns its result and the new state, whose
    revision this saves; ``None``: nothing changed). ``correction``: the reason a certified
    election changes."""

    def locked(writer: SourceWriter) -> tuple[T, Night | None]:
        result, night = work(writer.conn, load(writer.conn, key, lock=True))
        if night is None:
            return result, None
        return result, _save(writer.conn, night, actor)

    def once() -> T:
        with store.batch(user=actor_name(actor), commit_every=1_000, optimize=False) as batch:
            result, saved = batch.write("", key, locked)
            if saved is not None:
                _publish(batch, saved, correction)
        return result

    return _retrying(once)


def _retrying(once: Callable[[], T]) -> T:
    """``once()``, tried again after a short, growing pause while another writer is in the way
    (:class:`~tallyroom.store.Busy`), at most ``ATTEMPTS`` times."""
    for attempt in range(ATTEMPTS):
        try:
            return once()
        except Busy:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(BACKOFF * 2**attempt * (1 + random.random()))
    raise AssertionError("unreachable")


def _publish(batch: Batch, night: Night, correction: str | None) -> None:
    election = build_election(night)
    text = write_native([election]).text
    name = f"election night {night.key} revision {night.revision}"[: t.NAME]
    service.store_source(batch, [election], text, name, replace=True, correction=correction)


def declare_election(store: Store, declaration: Declaration, actor: Actor) -> str:
    """Store a declaration (new, or again with the returns kept) and its election."""
    if not declaration.units:
        raise InputError(
            "no units declared; give [[units]] or --units CSV", source=declaration.display_title
        )
    empty = Night("", declaration, "unofficial-partial", 0, now(), actor_name(actor))
    key = election_identity(build_election(empty))
    at = now()
    d = t.declarations

    def work(writer: SourceWriter) -> Night:
        conn = writer.conn
        found = conn.execute(sa.select(d.c.key).where(d.c.key == key).with_for_update()).first()
        if found is None:
            insert_rows(
                conn,
                d,
                [
                    {
                        "key": key,
                        "declaration": declaration.to_json(),
                        "status": "unofficial-partial",
                        "revision": 1,
                        "declared_at": at,
                        "declared_by": actor_name(actor)[: t.NAME],
                        "updated_at": at,
                        "updated_by": actor_name(actor)[: t.NAME],
                    }
                ],
            )
            night = load(conn, key)
            record(conn, night, actor, "declared", new=json.loads(night.declaration.to_json()))
            return night
        old = load(conn, key, lock=True)
        refuse_certified(old)
        night = _redeclared(old, declaration)
        saved = _save(conn, replace(night, status=night.next_status()), actor)
        record(
            conn,
            saved,
            actor,
            "declared",
            old=json.loads(old.declaration.to_json()),
            new=json.loads(declaration.to_json()),
        )
        return saved

    def once() -> str:
        with store.batch(user=actor_name(actor), commit_every=1_000, optimize=False) as batch:
            _publish(batch, batch.write("", key, work), None)
        return key

    return _retrying(once)


def _redeclared(old: Night, declaration: Declaration) -> Night:
    """The old state under a new declaration: every stage is still declared and every return
    still names a declared stage, reporting unit and candidate (stages are matched by kind and
    party); :class:`~tallyroom.errors.InputError` naming what is no longer declared."""
    title = declaration.display_title
    position = {stage.identity: n for n, stage in enumerate(declaration.stages)}
    reporting = {unit.id for unit in declaration.reporting_units}
    returns: dict[tuple[int, str], UnitEntry] = {}
    for stage in old.declaration.stages:
        if stage.identity not in position:
            raise InputError(
                f"the {stage.label()} is no longer declared; a stage cannot be removed",
                source=title,
            )
    for (s, unit), entry in old.returns.items():
        old_stage = old.declaration.stages[s]
        new = position[old_stage.identity]
        if unit not in reporting:
            raise InputError(
                f"unit {unit!r} has returns in the {old_stage.label()} but is no longer a "
                "reporting unit",
                source=title,
            )
        names = set(declaration.stages[new].names)
        missing = sorted(c for c in entry.votes if c not in names and c not in RETURN_ROWS)
        if missing:
            raise InputError(
                f"candidate {missing[0]!r} has returns in the {old_stage.label()} but is no "
                "longer declared",
                source=title,
            )
        returns[(new, unit)] = entry
    if any(s != position[old.declaration.stages[s].identity] for s, _ in old.returns):
        raise InputError(
            "the declared stages would change order; returns are kept by stage", source=title
        )
    return replace(old, declaration=declaration, returns=returns)
