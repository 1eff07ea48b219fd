"""How far the count is, and its status as NIST SP 1500-100 names it.

``unofficial-partial`` (some reporting units have returns) → ``unofficial-complete`` (all
have, in every stage) → ``certified`` (by a certifier, after the integrity gate) → then
``correction`` or ``recount`` with a reason, until certified again. A certified election is
read-only through every path: returns entry and upload refuse, and so does ``tallyroom import``
(the stored version is certified: only ``--correction REASON`` changes it).

The integrity gate of :func:`certify`: every reporting unit has returns in every stage; where
a unit reports its ballots cast, they equal its votes (candidates and write-ins) plus its over-
and undervotes; the stored version has no error findings. A refusal lists every reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal

import sqlalchemy as sa

from tallyroom.errors import InputError, PermissionDenied
from tallyroom.formats.conversion import BALLOTS_CAST, OVER_VOTES, UNDER_VOTES, WRITE_INS
from tallyroom.night.accounts import Actor, User, require_role
from tallyroom.night.publish import Night, NightStatus, change, declared_state, record
from tallyroom.store import Store
from tallyroom.store.read import current_head

__all__ = ["CertifyRefused", "Progress", "certify", "correct", "gate", "progress"]


@dataclass(frozen=True, slots=True)
class Progress:
    """``reported`` of ``total`` reporting units have returns in ``stage`` (by default the
    latest stage with any returns, else the first); ``revision`` grows with every change."""

    reported: int
    total: int
    updated_at: dt.datetime
    status: NightStatus
    stage: int
    revision: int
    title: str


class CertifyRefused(InputError):
    """The integrity gate refused to certify; ``reasons`` lists why."""

    def __init__(self, title: str, reasons: list[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(f"not certified: {'; '.join(reasons)}", source=title)


def _progress(night: Night, stage: int | None) -> Progress:
    if stage is None:
        with_returns = [s for s, _ in night.returns]
        stage = max(with_returns) if with_returns else 0
    return Progress(
        reported=night.reported(stage),
        total=len(night.declaration.reporting_units),
        updated_at=night.updated_at,
        status=night.status,
        stage=stage,
        revision=night.revision,
        title=night.declaration.display_title,
    )


def progress(store: Store, key: str, stage: int | None = None) -> Progress:
    """How many reporting units have reported, when the returns last changed, the status."""
    return _progress(declared_state(store, key), stage)


def gate(night: Night, error_findings: int) -> list[str]:
    """Why the election cannot be certified (empty: it can)."""
    reasons = []
    declaration = night.declaration
    if night.status == "certified":
        reasons.append("it is certified already")
    units = declaration.reporting_units
    for position, stage in enumerate(declaration.stages):
        missing = [u.id for u in units if (position, u.id) not in night.returns]
        if missing:
            shown = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
            reasons.append(
                f"{len(missing)} of {len(units)} units have not reported in the "
                f"{stage.label()} ({shown})"
            )
        for unit in units:
            entry = night.returns.get((position, unit.id))
            if entry is None or BALLOTS_CAST not in entry.votes:
                continue
            votes = entry.votes
            counted = sum(votes.get(name, 0) for name in stage.names) + votes.get(WRITE_INS, 0)
            over, under = votes.get(OVER_VOTES, 0), votes.get(UNDER_VOTES, 0)
            if votes[BALLOTS_CAST] != counted + over + under:
                reasons.append(
                    f"{unit.id} in the {stage.label()}: {votes[BALLOTS_CAST]:,} ballots cast, "
                    f"but {counted:,} votes + {over:,} over + {under:,} under = "
                    f"{counted + over + under:,}"
                )
    if error_findings:
        reasons.append(f"the stored results have {error_findings} error findings (tallyroom show)")
    return reasons


def _error_findings(conn: sa.Connection, key: str) -> int:
    head = current_head(conn, key)
    return 0 if head is None else head.errors


def certify(store: Store, key: str, *, actor: User) -> None:
    """Certify the election (a certifier's act) once the integrity gate passes; refused with
    every reason (:class:`CertifyRefused`) otherwise."""
    if not isinstance(actor, User):
        raise PermissionDenied("certifying needs a signed-in certifier")
    require_role(actor, "certifier")

    def work(conn: sa.Connection, night: Night) -> tuple[None, Night]:
        reasons = gate(night, _error_findings(conn, key))
        if reasons:
            raise CertifyRefused(night.declaration.display_title, reasons)
        certified = replace(night, status="certified")
        record(conn, replace(certified, revision=night.revision + 1), actor, "certified")
        return None, certified

    change(store, key, actor, work)


def correct(
    store: Store,
    key: str,
    reason: str,
    *,
    actor: Actor,
    kind: Literal["correction", "recount"] = "correction",
) -> None:
    """Open a certified election for a correction or a recount, for ``reason`` (a certifier's
    or an admin's act): its returns can change again, and it is certified again afterwards."""
    require_role(actor, "certifier", "admin")
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("a correction needs a reason")

    def work(conn: sa.Connection, night: Night) -> tuple[None, Night]:
        if night.status != "certified":
            raise InputError(
                f"{night.declaration.display_title} is {night.status}, not certified: "
                "its returns can be changed as they are"
            )
        opened = replace(night, status=kind)
        record(conn, replace(opened, revision=night.revision + 1), actor, kind, reason=reason)
        return None, opened

    change(store, key, actor, work, correction=reason)
