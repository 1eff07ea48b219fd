"""The native election file: TOML a clerk writes by hand, returns inline or in a CSV beside it.

The keys are the fields of :class:`tallyroom.model.Election` and its parts (see
``docs/formats.md`` for a complete example). A file holds one election at the top level, or
several as ``[[elections]]``. A stage may name a returns file, ``returns = "returns.csv"``, with
columns ``unit, candidate, votes`` and optionally ``vote_type``; a result row without ``votes``
then takes the roll-up of its units' rows. Writing then reading gives the same election.

Every key is checked: an unknown key, a value of the wrong type, an unknown stage kind is a
:class:`~tallyroom.errors.ValidationError` naming the file, the line and the key path.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, fields, is_dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

import tomli_w

from tallyroom import model
from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats.conversion import Written
from tallyroom.formats.rollup import unit_totals
from tallyroom.limits import (
    MAX_DIGITS,
    MAX_FILE_BYTES,
    MAX_NESTING,
    check_file_size,
    check_nesting,
    csv_rows,
    whole_count,
)
from tallyroom.model import Election, Stage, UnitResult, UnitResults

__all__ = ["FORMAT_NAME", "looks_like_native", "read_native", "write_native"]

FORMAT_NAME = "tallyroom-election"
VERSION = 1


def looks_like_native(text: str) -> bool:
    return bool(re.search(rf'^format\s*=\s*"{FORMAT_NAME}"', text, re.MULTILINE))


# -- writing ---------------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        table: dict[str, Any] = {}
        for item in fields(value):
            if not item.compare:
                continue
            current = getattr(value, item.name)
            if item.default is not MISSING and current == item.default:
                continue
            if current is None or current == ():
                continue
            table[item.name] = _dump(current)
        return table
    if isinstance(value, tuple | UnitResults):
        return [_dump(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_native(elections: Sequence[Election]) -> Written:
    """The native TOML of ``elections`` (one at the top level; several as ``[[elections]]``)."""
    document: dict[str, Any] = {"format": FORMAT_NAME, "version": VERSION}
    if len(elections) == 1:
        document.update(_dump(elections[0]))
    else:
        document["elections"] = [_dump(e) for e in elections]
    return Written(tomli_w.dumps(document))


# -- reading ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.hints: dict[type, dict[str, Any]] = {}

    def line_of(self, path: str) -> int | None:
        key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        match = re.search(
            rf"^\s*\"?{re.escape(key)}\"?\s*=|^\s*\[\[?[\w.]*\b{re.escape(key)}\]",
            self.text,
            re.MULTILINE,
        )
        return self.text.count("\n", 0, match.start()) + 1 if match else None

    def fail(self, path: str, message: str) -> ValidationError:
        return ValidationError(message, source=self.source, line=self.line_of(path), key=path)

    def load(self, hint: Any, value: Any, path: str) -> Any:
        origin = get_origin(hint)
        if hint is Any:
            return value
        if origin in (typing.Union, types.UnionType):
            options = [a for a in get_args(hint) if a is not type(None)]
            if value is None:
                return None
            return self.load(options[0], value, path)
        if origin is Literal:
            if value not in get_args(hint):
                allowed = ", ".join(repr(a) for a in get_args(hint))
                raise self.fail(path, f"expected one of {allowed}, found {value!r}")
            return value
        if origin is tuple:
            args = get_args(hint)
            if not isinstance(value, list):
                raise self.fail(path, f"expected a list, found {value!r}")
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(self.load(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
            if len(value) != len(args):
                raise self.fail(path, f"expected {len(args)} items, found {len(value)}")
            return tuple(
                self.load(a, v, f"{path}[{i}]")
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        if isinstance(hint, type) and is_dataclass(hint):
            return self.load_dataclass(hint, value, path)
        if hint is Decimal:
            try:
                return Decimal(str(value))
            except InvalidOperation:
                raise self.fail(path, f"expected a decimal number, found {value!r}") from None
        if hint is bool:
            if not isinstance(value, bool):
                raise self.fail(path, f"expected true or false, found {value!r}")
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(path, f"expected a whole number, found {value!r}")
            if value < 0:
                raise self.fail(path, f"expected a non-negative number, found {value}")
            return value
        if hint is str:
            if not isinstance(value, str):
                raise self.fail(path, f"expected text, found {value!r}")
            return value
        if hint is dt.date:
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                raise self.fail(path, f"expected a date (2006-09-12), found {value!r}")
            return value
        raise self.fail(path, f"cannot read a value of type {hint!r}")  # pragma: no cover

    def load_dataclass(self, cls: type, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a table, found {value!r}")
        if cls not in self.hints:
            self.hints[cls] = get_type_hints(cls, vars(model))
        hints = self.hints[cls]
        known = {f.name for f in fields(cls) if f.compare} | (
            {"returns"} if cls is Stage else set()
        )
        unknown = sorted(set(value) - known)
        if unknown:
            where = f"{path}.{unknown[0]}" if path else unknown[0]
            raise self.fail(where, f"unknown key; expected one of {', '.join(sorted(known))}")
        kwargs = {}
        for item in fields(cls):
            if item.name in value:
                kwargs[item.name] = self.load(
                    hints[item.name], value[item.name], f"{path}.{item.name}".lstrip(".")
                )
            elif item.default is MISSING and type(None) in get_args(hints[item.name]):
                kwargs[item.name] = None  # an unknown figure may be left out
            elif item.default is MISSING and item.default_factory is MISSING:
                raise self.fail(path or item.name, f"missing key {item.name!r}")
        if cls is Stage and "returns" in value:
            return self.with_returns(Stage(**kwargs), value["returns"], f"{path}.returns")
        try:
            return cls(**kwargs)
        except ValueError as error:  # a record's own check, e.g. a round's inactive ballots
            raise self.fail(path, str(error)) from None

    def with_returns(self, stage: Stage, name: object, path: str) -> Stage:
        if not isinstance(name, str):
            raise self.fail(path, f"expected a file name, found {name!r}")
        csv_path = Path(self.source).parent / name
        try:
            with csv_path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise self.fail(path, f"cannot read returns file {name!r}: {error.strerror}") from None
        check_file_size(len(data), str(csv_path))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ParseError("expected UTF-8 text", source=str(csv_path)) from None
        lines = text.replace("\r\n", "\n").replace("\r", "\n")
        rows = [row for _, row in csv_rows(csv.reader(io.StringIO(lines)), str(csv_path))]
        header = [h.strip().lower() for h in rows[0]] if rows else []
        if not {"unit", "candidate", "votes"} <= set(header):
            raise ParseError(
                "expected columns unit, candidate, votes", source=str(csv_path), line=1
            )
        found = []
        for line, values in enumerate(rows[1:], start=2):
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(header, (v.strip() for v in values), strict=False))
            if "unit" not in row or "candidate" not in row:
                raise ParseError(
                    f"expected {len(header)} columns, found {len(values)}",
                    source=str(csv_path),
                    line=line,
                )
            votes = row.get("votes", "").replace(",", "")
            if not votes.isdigit():
                raise ParseError(
                    "expected a whole number of votes",
                    source=str(csv_path),
                    line=line,
                    text=votes or "(empty)",
                )
            found.append(
                UnitResult(
                    row["unit"],
                    row["candidate"],
                    whole_count(votes, str(csv_path), line),
                    row.get("vote_type") or "total",
                )
            )
        stage = replace(stage, unit_results=stage.unit_results + tuple(found))
        roots = [u.id for u in stage.units if u.parent is None]
        rolled = unit_totals(stage).get(roots[0], {}) if len(roots) == 1 else {}
        results = tuple(
            replace(r, votes=rolled.get(r.name)) if r.votes is None else r for r in stage.results
        )
        return replace(stage, results=results)


def read_native(text: str, source: str = "<native>") -> tuple[Election, ...]:
    """The elections of a native TOML file (``source`` locates returns files beside it)."""
    check_nesting(text, source, quotes="\"'")
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise ParseError(
            f"nested deeper than the limit of {MAX_NESTING} levels", source=source
        ) from None
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        raise ParseError(
            f"expected TOML: {error}", source=source, line=int(match.group(1)) if match else None
        ) from None
    except ValueError:  # an integer longer than Python converts
        raise ParseError(
            f"a number is longer than the limit of {MAX_DIGITS} digits", source=source
        ) from None
    reader = _Reader(text, source)
    if document.get("format") != FORMAT_NAME:
        raise reader.fail("format", f'expected format = "{FORMAT_NAME}"')
    if document.get("version") != VERSION:
        raise reader.fail("version", f"expected version = {VERSION}")
    body = {k: v for k, v in document.items() if k not in ("format", "version")}
    if "elections" in body:
        if set(body) != {"elections"} or not isinstance(body["elections"], list):
            raise reader.fail(
                "elections", "expected only [[elections]] tables beside format and version"
            )
        return tuple(
            reader.load_dataclass(Election, item, f"elections[{i}]")
            for i, item in enumerate(body["elections"])
        )
    return (reader.load_dataclass(Election, body, ""),)
