"""Entering returns: one reporting unit by form, or many from a CSV file, checked against the
declaration and stored whole or not at all.

A unit's returns give the votes of every candidate of the stage, and may give the unit's
``Ballots Cast``, ``Over Votes``, ``Under Votes`` and ``Write-ins``. Refused, with every
problem named (by line for a file): an unknown unit or candidate, a unit that has units under
it, a missing candidate, votes that are negative or not whole numbers, more votes than the
unit's registered voters, the same row twice. Nothing is stored then.

Optimistic locking: an entry names the unit's revision it was made against; when another user
changed the unit meanwhile, :class:`~tallyroom.errors.StaleEdit` names who and when, and
nothing is stored. Every accepted change of a unit is a record of the append-only trail (who,
when, old and new votes, the reason; for a file its SHA-256), and a new version of the
election (:mod:`tallyroom.night.publish`).

CSV files have a header of ``unit``, ``candidate``, ``votes`` and optionally ``vote_type``
(only ``total``: tallyroom keeps the total of each unit).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import sqlalchemy as sa

from tallyroom.errors import ParseError, PermissionDenied, StaleEdit, ValidationError
from tallyroom.formats.conversion import BALLOTS_CAST, WRITE_INS
from tallyroom.night.accounts import Actor, User
from tallyroom.night.declare import RETURN_ROWS, Declaration
from tallyroom.night.publish import (
    Night,
    UnitEntry,
    change,
    declared_state,
    record,
    refuse_certified,
    save_unit,
)
from tallyroom.store import Store

__all__ = [
    "RowsRefused",
    "enter_returns",
    "problems_of",
    "read_returns_csv",
    "unit_entry",
    "upload_returns",
]

HEADER = ("unit", "candidate", "votes")
_WHOLE = re.compile(r"\d+|\d{1,3}(,\d{3})+")


class RowsRefused(ValidationError):
    """Returns refused: ``problems`` lists each (``line N: ...`` for a file); nothing stored."""

    def __init__(self, problems: list[str], *, source: str) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(problems[:20])
        more = f"; and {len(problems) - 20} more" if len(problems) > 20 else ""
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"nothing stored, {count}: {shown}{more}", source=source)


def _may_enter(actor: Actor, key: str) -> None:
    if isinstance(actor, User) and not actor.may_enter(key):
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not enter returns for {key}")


def _stage_of(declaration: Declaration, stage: int) -> str | None:
    if not 0 <= stage < len(declaration.stages):
        return f"stage {stage}: expected 0 to {len(declaration.stages) - 1}"
    return None


def problems_of(
    declaration: Declaration, stage: int, unit: str, votes: Mapping[str, object]
) -> list[str]:
    """What is wrong with ``votes`` as the returns of ``unit`` in ``stage`` (empty: nothing)."""
    wrong = _stage_of(declaration, stage)
    if wrong is not None:
        return [wrong]
    declared = declaration.stages[stage]
    found = declaration.unit(unit)
    if found is None:
        return [f"unknown unit {unit!r}"]
    if found not in declaration.reporting_units:
        return [f"unit {unit!r} has units under it; enter the returns of those units"]
    problems = []
    for candidate, figure in votes.items():
        if candidate not in declared.names and candidate not in RETURN_ROWS:
            problems.append(f"{unit}: unknown candidate {candidate!r} in the {declared.label()}")
        elif isinstance(figure, bool) or not isinstance(figure, int):
            problems.append(f"{unit}: {candidate}: votes {figure!r}: expected a whole number")
        elif figure < 0:
            problems.append(f"{unit}: {candidate}: votes {figure}: expected 0 or more")
    for name in declared.names:
        if name not in votes:
            problems.append(f"{unit}: no votes for {name!r}")
    if problems:
        return problems
    counted = {name: figure for name, figure in votes.items() if isinstance(figure, int)}
    registered = found.registered_voters
    if registered is not None:
        cast_votes = sum(counted[name] for name in declared.names) + counted.get(WRITE_INS, 0)
        if cast_votes > registered:
            problems.append(
                f"{unit}: {cast_votes:,} votes, more than its {registered:,} registered voters"
            )
        ballots = counted.get(BALLOTS_CAST)
        if ballots is not None and ballots > registered:
            problems.append(
                f"{unit}: {ballots:,} ballots cast, more than its {registered:,} registered voters"
            )
    return problems


def unit_entry(store: Store, key: str, stage: int, unit: str) -> UnitEntry | None:
    """The returns of one unit as stored (with the revision to edit them against); ``None``
    when it has not reported."""
    return declared_state(store, key).returns.get((stage, unit))


def enter_returns(
    store: Store,
    key: str,
    stage: int,
    unit: str,
    votes: Mapping[str, int],
    *,
    expected_revision: int,
    actor: Actor,
    reason: str | None = None,
) -> int:
    """Store one unit's returns in one stage (``stage``: its position in the declaration),
    made against the unit's revision ``expected_revision`` (0: it had not reported); returns
    the unit's new revision. Entering what is stored changes nothing."""
    _may_enter(actor, key)

    def work(conn: sa.Connection, night: Night) -> tuple[int, Night | None]:
        refuse_certified(night)
        problems = problems_of(night.declaration, stage, unit, votes)
        if problems:
            raise RowsRefused(problems, source=f"{night.declaration.display_title}")
        current = night.returns.get((stage, unit))
        found = 0 if current is None else current.revision
        if found != expected_revision:
            assert current is not None
            label = night.declaration.stages[stage].label()
            raise StaleEdit(
                f"{unit} in the {label} was changed by {current.by} at "
                f"{current.at:%H:%M} UTC (revision {found}; this edit was made against "
                f"revision {expected_revision}): nothing stored; reload and enter it again",
                expected=expected_revision,
                found=found,
                by=current.by,
            )
        if current is not None and dict(current.votes) == dict(votes):
            return found, None
        night = save_unit(conn, night, stage, unit, votes, actor)
        night = _with_status(night)
        record(
            conn,
            _next(night),
            actor,
            "entered",
            stage=stage,
            unit=unit,
            old=None if current is None else dict(current.votes),
            new=dict(votes),
            reason=reason,
        )
        return found + 1, night

    return change(store, key, actor, work)


def _with_status(night: Night) -> Night:
    return replace(night, status=night.next_status())


def _next(night: Night) -> Night:
    """The night as it is recorded: at the revision the change saves."""
    return replace(night, revision=night.revision + 1)


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    unit: str
    candidate: str
    votes: int


def read_returns_csv(
    text: str, source: str, declaration: Declaration, stage: int
) -> dict[str, dict[str, int]]:
    """Returns by unit from CSV, checked against the declaration; :class:`RowsRefused` lists
    every problem by line."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise ParseError("expected a header line (unit,candidate,votes)", source=source)
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:3] != list(HEADER) or header[3:] not in ([], ["vote_type"]):
        raise ParseError(
            "expected a header of unit,candidate,votes (and optionally vote_type)",
            source=source,
            line=1,
            text=",".join(rows[0]),
        )
    wrong = _stage_of(declaration, stage)
    if wrong is not None:
        raise RowsRefused([wrong], source=source)
    declared = declaration.stages[stage]
    reporting = {unit.id for unit in declaration.reporting_units}
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    kept: list[_Row] = []
    refused_units: set[str] = set()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: expected {len(header)} columns, found {len(cells)}")
            continue
        unit, candidate, figure = (cell.strip() for cell in cells[:3])
        vote_type = cells[3].strip().lower() if len(cells) > 3 else ""
        bad = []
        if vote_type not in ("", "total"):
            bad.append(f"vote_type {cells[3].strip()!r}: expected total (give each unit's total)")
        if declaration.unit(unit) is None:
            bad.append(f"unknown unit {unit!r}")
        elif unit not in reporting:
            bad.append(f"unit {unit!r} has units under it; give the returns of those units")
        if candidate not in declared.names and candidate not in RETURN_ROWS:
            bad.append(f"unknown candidate {candidate!r} in the {declared.label()}")
        if figure.startswith("-") and _WHOLE.fullmatch(figure[1:]):
            bad.append(f"votes {figure!r}: expected 0 or more")
        elif not _WHOLE.fullmatch(figure):
            bad.append(f"votes {figure!r}: expected a whole number")
        first = seen.setdefault((unit, candidate), line)
        if first != line:
            bad.append(f"{unit}, {candidate} is given again (first on line {first})")
        if bad:
            problems.extend(f"line {line}: {message}" for message in bad)
            refused_units.add(unit)
            continue
        kept.append(_Row(line, unit, candidate, int(figure.replace(",", ""))))
    by_unit: dict[str, dict[str, int]] = {}
    first_line: dict[str, int] = {}
    for row in kept:
        by_unit.setdefault(row.unit, {})[row.candidate] = row.votes
        first_line.setdefault(row.unit, row.line)
    for unit, votes in by_unit.items():
        for problem in problems_of(declaration, stage, unit, votes):
            if unit in refused_units and problem.startswith(f"{unit}: no votes for"):
                continue  # its row is refused above
            problems.append(f"line {first_line[unit]}: {problem}")
    if not kept and not problems:
        problems.append("no returns in the file")
    if problems:
        raise RowsRefused(sorted(problems, key=_line_number), source=source)
    return by_unit


def _line_number(problem: str) -> int:
    found = re.match(r"line (\d+)", problem)
    return int(found.group(1)) if found else 0


def upload_returns(
    store: Store,
    key: str,
    stage: int,
    csv_text: str,
    source: str,
    *,
    actor: Actor,
    reason: str | None = None,
) -> int:
    """Store the returns of every unit in a CSV file, all or nothing; returns how many units
    changed (units whose returns are already stored as given are left as they are)."""
    _may_enter(actor, key)
    digest = hashlib.sha256(csv_text.encode("utf-8")).hexdigest()

    def work(conn: sa.Connection, night: Night) -> tuple[int, Night | None]:
        refuse_certified(night)
        by_unit = read_returns_csv(csv_text, source, night.declaration, stage)
        changed = 0
        saved = night
        trail = []
        for unit, votes in by_unit.items():
            current = saved.returns.get((stage, unit))
            if current is not None and dict(current.votes) == votes:
                continue
            saved = save_unit(conn, saved, stage, unit, votes, actor)
            trail.append((unit, None if current is None else dict(current.votes), votes))
            changed += 1
        if not changed:
            return 0, None
        saved = _with_status(saved)
        for unit, old, new in trail:
            record(
                conn,
                _next(saved),
                actor,
                "uploaded",
                stage=stage,
                unit=unit,
                old=old,
                new=new,
                reason=reason or source,
                file_sha256=digest,
            )
        return changed, saved

    return change(store, key, actor, work)
