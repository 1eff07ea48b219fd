"""Declaring an election for election night: what it is, its stages, candidates and units.

A declaration is a TOML file::

    city = "Springfield"
    state = "Illinois"
    office = "Mayor"
    rules = "majority-runoff"          # a rules preset (`tallyroom rules list`); optional

    [[stages]]
    kind = "general"                   # primary, general or runoff
    date = 2025-04-01
    candidates = ["Ann Lee", { name = "Bo Park", party = "Independent" }]

    [[units]]                          # or: tallyroom declare FILE --units units.csv
    id = "P1"
    name = "Precinct 1"
    kind = "precinct"                  # precinct (default), ward, district, ...
    parent = "W1"                      # optional: the unit it rolls up into
    registered_voters = 1200

Units without units under them are the *reporting units*: returns are entered for them and
roll up into their parents. When the units have more than one top unit, a unit for the whole
city (id ``city``) is added above them.

:func:`declare` stores the declaration and its election (no returns yet) as a new version
through :mod:`tallyroom.service`; the election's key is its identity
(:func:`tallyroom.identity.election_identity`). Declaring an election again (to add a runoff
and its candidates, or a precinct) keeps the returns entered so far, as long as their stage,
unit and candidate are still declared.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    OVER_VOTES,
    PSEUDO_ROWS,
    UNDER_VOTES,
    WRITE_INS,
)
from tallyroom.model import STAGE_KINDS, StageKind, UnitKind
from tallyroom.night.accounts import Actor, require_role
from tallyroom.store import Store

__all__ = [
    "RETURN_ROWS",
    "ROOT_UNIT",
    "Declaration",
    "DeclaredCandidate",
    "DeclaredStage",
    "DeclaredUnit",
    "declare",
    "read_declaration",
    "read_units_csv",
]

#: The id of the unit added above several top units.
ROOT_UNIT = "city"
#: Figures a unit may report beside its candidates' votes.
RETURN_ROWS: tuple[str, ...] = (BALLOTS_CAST, OVER_VOTES, UNDER_VOTES, WRITE_INS)
UNIT_KINDS: tuple[UnitKind, ...] = ("city", "ward", "precinct", "district", "county", "other")
MAX_TEXT = 200
TOP_KEYS = ("title", "city", "state", "office", "year", "rules", "stages", "units")
STAGE_KEYS = ("kind", "party", "date", "candidates")
UNIT_KEYS = ("id", "name", "kind", "parent", "registered_voters")


@dataclass(frozen=True, slots=True)
class DeclaredCandidate:
    name: str
    party: str | None = None


@dataclass(frozen=True, slots=True)
class DeclaredStage:
    kind: StageKind
    date: dt.date
    candidates: tuple[DeclaredCandidate, ...]
    party: str | None = None
    """The party of a partisan primary."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(candidate.name for candidate in self.candidates)

    @property
    def identity(self) -> tuple[str, str | None]:
        return self.kind, self.party

    def label(self) -> str:
        if self.kind == "primary":
            return f"{self.party} primary" if self.party else "primary"
        return self.kind


@dataclass(frozen=True, slots=True)
class DeclaredUnit:
    id: str
    name: str
    kind: UnitKind = "precinct"
    parent: str | None = None
    registered_voters: int | None = None


@dataclass(frozen=True, slots=True)
class Declaration:
    """An election as its clerk declares it; stages are in date order."""

    city: str | None
    state: str | None
    office: str
    year: int
    stages: tuple[DeclaredStage, ...]
    units: tuple[DeclaredUnit, ...] = ()
    rules: str | None = None
    """A rules preset's name; ``None``: inferred from the election."""
    title: str | None = None

    @property
    def display_title(self) -> str:
        return self.title or f"{self.year} {self.city or self.state} {self.office} election"

    @property
    def deciding_stage(self) -> DeclaredStage:
        """The last runoff or general election; else the last stage (as
        :attr:`tallyroom.model.Election.deciding_stage`)."""
        return _deciding(self.stages)

    @property
    def reporting_units(self) -> tuple[DeclaredUnit, ...]:
        """The units returns are entered for: those no unit names as its parent."""
        parents = {unit.parent for unit in self.units}
        return tuple(unit for unit in self.units if unit.id not in parents)

    def unit(self, unit_id: str) -> DeclaredUnit | None:
        return next((unit for unit in self.units if unit.id == unit_id), None)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "title": self.title,
            "city": self.city,
            "state": self.state,
            "office": self.office,
            "year": self.year,
            "rules": self.rules,
            "stages": [
                {
                    "kind": stage.kind,
                    "party": stage.party,
                    "date": stage.date.isoformat(),
                    "candidates": [{"name": c.name, "party": c.party} for c in stage.candidates],
                }
                for stage in self.stages
            ],
            "units": [
                {
                    "id": u.id,
                    "name": u.name,
                    "kind": u.kind,
                    "parent": u.parent,
                    "registered_voters": u.registered_voters,
                }
                for u in self.units
            ],
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Declaration:
        data = json.loads(text)
        return cls(
            city=data["city"],
            state=data["state"],
            office=data["office"],
            year=data["year"],
            rules=data["rules"],
            title=data["title"],
            stages=tuple(
                DeclaredStage(
                    kind=s["kind"],
                    party=s["party"],
                    date=dt.date.fromisoformat(s["date"]),
                    candidates=tuple(
                        DeclaredCandidate(c["name"], c["party"]) for c in s["candidates"]
                    ),
                )
                for s in data["stages"]
            ),
            units=tuple(DeclaredUnit(**u) for u in data["units"]),
        )


def _deciding(stages: tuple[DeclaredStage, ...]) -> DeclaredStage:
    return next((s for s in reversed(stages) if s.kind in ("general", "runoff")), stages[-1])


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ValidationError:
        return ValidationError(message, source=self.source, key=key)

    def text(self, value: object, key: str, *, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected a non-empty text")
        plain = " ".join(value.split())
        if len(plain) > MAX_TEXT or not plain.isprintable():
            raise self.fail(key, f"expected at most {MAX_TEXT} printable characters")
        return plain

    def keys(self, table: object, allowed: tuple[str, ...], key: str) -> Mapping[str, Any]:
        if not isinstance(table, dict):
            raise self.fail(key, "expected a table")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}" if key else unknown[0],
                f"unknown key; expected one of {', '.join(allowed)}",
            )
        return table

    def candidate(self, value: object, key: str) -> DeclaredCandidate:
        if isinstance(value, str):
            name = self.text(value, key)
            party = None
        else:
            table = self.keys(value, ("name", "party"), key)
            name = self.text(table.get("name"), f"{key}.name")
            party = self.text(table.get("party"), f"{key}.party", required=False)
        assert name is not None
        if name in PSEUDO_ROWS:
            raise self.fail(key, f"{name!r} is a reserved row name, not a candidate")
        return DeclaredCandidate(name, party)

    def stage(self, value: object, key: str) -> DeclaredStage:
        table = self.keys(value, STAGE_KEYS, key)
        kind = table.get("kind")
        if kind not in STAGE_KINDS:
            raise self.fail(f"{key}.kind", f"expected one of {', '.join(STAGE_KINDS)}")
        date = table.get("date")
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise self.fail(f"{key}.date", "expected a date (2025-04-01)")
        party = self.text(table.get("party"), f"{key}.party", required=False)
        if party is not None and kind != "primary":
            raise self.fail(f"{key}.party", "only a partisan primary has a party")
        listed = table.get("candidates")
        if not isinstance(listed, list) or not listed:
            raise self.fail(f"{key}.candidates", "expected a list of at least one candidate")
        candidates = tuple(
            self.candidate(item, f"{key}.candidates[{n}]") for n, item in enumerate(listed)
        )
        names = [candidate.name for candidate in candidates]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise self.fail(f"{key}.candidates", f"{twice[0]!r} is listed twice")
        return DeclaredStage(cast(StageKind, kind), date, candidates, party)

    def unit(self, table: Mapping[str, Any], key: str) -> DeclaredUnit:
        def k(name: str) -> str:  # "units[2].kind", or "line 3: kind" in a CSV file
            return f"{key}: {name}" if key.startswith("line ") else f"{key}.{name}"

        unit_id = self.text(table.get("id"), k("id"))
        name = self.text(table.get("name", unit_id), k("name"))
        assert unit_id is not None and name is not None
        kind = table.get("kind") or "precinct"
        if kind not in UNIT_KINDS:
            raise self.fail(k("kind"), f"expected one of {', '.join(UNIT_KINDS)}")
        parent = self.text(table.get("parent") or None, k("parent"), required=False)
        registered = table.get("registered_voters")
        if registered is not None and (
            isinstance(registered, bool) or not isinstance(registered, int) or registered < 0
        ):
            raise self.fail(k("registered_voters"), "expected a whole number, 0 or more")
        return DeclaredUnit(unit_id, name, cast(UnitKind, kind), parent, registered)


def check_units(units: tuple[DeclaredUnit, ...], source: str) -> tuple[DeclaredUnit, ...]:
    """The units with a unit for the whole city added above several top units; refused when
    an id is used twice, a parent is unknown, or the parents go round in a circle."""
    reader = _Reader(source)
    ids = [unit.id for unit in units]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise reader.fail("units", f"unit id {twice[0]!r} is used twice")
    by_id = {unit.id: unit for unit in units}
    for unit in units:
        if unit.parent is not None and unit.parent not in by_id:
            raise reader.fail("units", f"unit {unit.id!r} names parent {unit.parent!r}, not a unit")
        seen = {unit.id}
        parent = unit.parent
        while parent is not None:
            if parent in seen:
                raise reader.fail("units", f"unit {unit.id!r}: its parents go round in a circle")
            seen.add(parent)
            parent = by_id[parent].parent
    parents = {unit.parent for unit in units}
    for unit in units:
        if unit.id in parents and unit.registered_voters is not None:
            raise reader.fail(
                "units",
                f"unit {unit.id!r} has units under it: registered voters go on those units",
            )
    tops = [unit for unit in units if unit.parent is None]
    if len(tops) <= 1:
        return units
    if ROOT_UNIT in by_id:
        raise reader.fail("units", f"unit id {ROOT_UNIT!r} is kept for the whole city")
    root = DeclaredUnit(ROOT_UNIT, "All units", "city")
    return (
        root,
        *(replace(unit, parent=ROOT_UNIT) if unit.parent is None else unit for unit in units),
    )


def read_declaration(text: str, source: str = "<declaration>") -> Declaration:
    """A declaration from TOML; :class:`~tallyroom.errors.ParseError` for TOML that does not
    read, :class:`~tallyroom.errors.ValidationError` naming the key for content that does not
    fit."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ParseError(f"expected TOML: {error}", source=source) from None
    reader = _Reader(source)
    reader.keys(data, TOP_KEYS, "")
    city = reader.text(data.get("city"), "city", required=False)
    state = reader.text(data.get("state"), "state", required=False)
    if city is None and state is None:
        raise reader.fail("city", "expected the city (and state) the election is held in")
    office = reader.text(data.get("office"), "office")
    assert office is not None
    rules = reader.text(data.get("rules"), "rules", required=False)
    if rules is not None:
        from tallyroom.rules import preset_names

        if rules not in preset_names():
            raise reader.fail("rules", f"expected a preset: {', '.join(preset_names())}")
    listed = data.get("stages")
    if not isinstance(listed, list) or not listed:
        raise reader.fail("stages", "expected at least one [[stages]] table")
    stages = tuple(
        sorted(
            (reader.stage(item, f"stages[{n}]") for n, item in enumerate(listed)),
            key=lambda s: (s.date, STAGE_KINDS.index(s.kind)),
        )
    )
    identities = [stage.identity for stage in stages]
    for identity in identities:
        if identities.count(identity) > 1:
            kind, party = identity
            raise reader.fail("stages", f"the {party or ''} {kind} is declared twice".strip())
    deciding = _deciding(stages)
    year = data.get("year", deciding.date.year)
    if year != deciding.date.year:
        raise reader.fail("year", f"expected {deciding.date.year}, the deciding stage's year")
    units_data = data.get("units", [])
    if not isinstance(units_data, list):
        raise reader.fail("units", "expected [[units]] tables")
    units = tuple(
        reader.unit(reader.keys(item, UNIT_KEYS, f"units[{n}]"), f"units[{n}]")
        for n, item in enumerate(units_data)
    )
    return Declaration(
        city=city,
        state=state,
        office=office,
        year=year,
        stages=stages,
        units=check_units(units, source) if units else (),
        rules=rules,
        title=reader.text(data.get("title"), "title", required=False),
    )


def read_units_csv(text: str, source: str = "<units>") -> tuple[DeclaredUnit, ...]:
    """Units from CSV with a header of ``id``, ``name`` and optionally ``kind``, ``parent``,
    ``registered_voters``; every bad row is reported, by line."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise ParseError(
            "expected a header line (id,name,kind,parent,registered_voters)", source=source
        )
    header = [cell.strip().lower() for cell in rows[0]]
    unknown = [name for name in header if name not in UNIT_KEYS]
    if unknown or "id" not in header:
        raise ParseError(
            f"expected a header of {', '.join(UNIT_KEYS)} (id required)",
            source=source,
            line=1,
            text=",".join(rows[0]),
        )
    reader = _Reader(source)
    units: list[DeclaredUnit] = []
    problems: list[str] = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: expected {len(header)} columns, found {len(cells)}")
            continue
        table: dict[str, Any] = {
            name: cell.strip() for name, cell in zip(header, cells, strict=True) if cell.strip()
        }
        if "registered_voters" in table:
            figure = table["registered_voters"].replace(",", "")
            table["registered_voters"] = int(figure) if figure.isdigit() else figure
        try:
            units.append(reader.unit(table, f"line {line}"))
        except ValidationError as error:
            problems.append(error.message)
    if problems:
        raise ValidationError("; ".join(problems), source=source)
    return check_units(tuple(units), source)


def declare(store: Store, declaration: Declaration, *, actor: Actor) -> str:
    """Store ``declaration`` (an admin's act) and its election, without returns or with the
    returns entered so far; returns the election's key."""
    require_role(actor, "admin")
    from tallyroom.night.publish import declare_election

    return declare_election(store, declaration, actor)
