"""The codec's conversions, written per type for speed, against their plain definitions.

:func:`~tallyroom.store.codec.to_json` and :func:`~tallyroom.store.codec.fingerprint` make one
function per model type; these tests hold them to the field-by-field definitions in their
docstrings, over every bundled sample, seed and test article, their decisions and findings.
A fingerprint that changed would make every stored election look new to the next import.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from tallyroom import service
from tallyroom.store.codec import fingerprint, to_json

from .conftest import ROOT, SEEDS, TEST_DATA

ARTICLES = [
    *sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt")),
    *sorted((TEST_DATA / "articles").glob("*.txt")),
    *sorted((TEST_DATA / "checks").glob("*.txt")),
    *(seed for seed in SEEDS if seed.exists()),
]
PLAIN = (str, int, bool, float, type(None))
LEAVES = (str, int, bool, float, type(None), Decimal, dt.date)


def plain_json(value: Any, provenance: bool = True) -> Any:
    """What ``to_json`` is documented to make, written out field by field."""
    if type(value) in PLAIN:
        return value
    if type(value) in (tuple, list):
        return [plain_json(item, provenance) for item in value]
    if type(value) in (dt.date, dt.datetime):
        return value.isoformat()
    if type(value) is Decimal:
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: plain_json(getattr(value, field.name), provenance)
            for field in dataclasses.fields(value)
            if provenance or field.compare
        }
    if isinstance(value, Mapping):
        return {str(key): plain_json(item, provenance) for key, item in value.items()}
    return str(value)


def plain_values(value: Any) -> tuple[Any, ...]:
    """The comparing fields of a model value nested as tuples, as ``fingerprint`` hashes them."""
    items = (
        value
        if type(value) is tuple
        else tuple(getattr(value, f.name) for f in dataclasses.fields(value) if f.compare)
    )
    return tuple(item if type(item) in LEAVES else plain_values(item) for item in items)


def _decided(path: Path) -> list[service.Decided]:
    _text, elections, _warnings = service.read_file(path)
    return [service.decide(election) for election in elections]


@pytest.mark.parametrize("path", ARTICLES, ids=lambda path: path.name)
def test_json_and_fingerprint_are_their_definitions(path: Path) -> None:
    for decided in _decided(path):
        values: list[Any] = [
            decided.election,
            decided.figures,
            decided.decisions,
            decided.rules,
            *decided.findings,
        ]
        for value in values:
            for provenance in (True, False):
                made = to_json(value, provenance=provenance)
                expected = plain_json(value, provenance)
                assert made == expected
                # The same keys in the same order: stored and shown JSON keeps the fields' order.
                assert json.dumps(made) == json.dumps(expected)
        election = decided.election
        expected_print = hashlib.sha256(repr(plain_values(election)).encode("utf-8")).hexdigest()
        assert fingerprint(election) == expected_print


@dataclasses.dataclass(frozen=True)
class _One:
    value: Any


@dataclasses.dataclass(frozen=True)
class _Two:
    kept: Any
    line: int | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class _None:
    pass


def test_records_of_one_field_none_and_provenance_only_fields() -> None:
    nested = _Two(_One((Decimal("1.50"), dt.date(2004, 11, 2), None)), line=7)
    assert to_json(nested) == {"kept": {"value": ["1.50", "2004-11-02", None]}, "line": 7}
    assert to_json(nested, provenance=False) == {"kept": {"value": ["1.50", "2004-11-02", None]}}
    assert to_json(_None()) == {}
    mapping = MappingProxyType({1: _One(True), "b": (1, "x")})
    assert to_json(mapping) == {"1": {"value": True}, "b": [1, "x"]}
    assert to_json(dt.datetime(2004, 11, 2, 8, 30)) == "2004-11-02T08:30:00"
    assert to_json(frozenset()) == "frozenset()"
    assert to_json(_One) == str(_One)  # a class is not one of its records
    # A record of one field is a tuple of one value; a tuple inside is a tuple of its own.
    for value in (_One("a"), _Two(("a", 1), line=3), _One(_One(None))):
        assert (
            fingerprint(value)
            == hashlib.sha256(  # type: ignore[arg-type]
                repr(plain_values(value)).encode("utf-8")
            ).hexdigest()
        )
    assert fingerprint(_Two("a", line=1)) == fingerprint(_Two("a", line=2))  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class _Cell:
    unit: Any
    candidate: Any
    votes: Any
    line: int | None = dataclasses.field(default=None, compare=False)


def _long_tuples() -> dict[str, tuple[Any, ...]]:
    """Tuples long enough to be hashed a chunk at a time, of each kind of item a chunk can hold
    (lengths around the chunk size, so that a last chunk of one item occurs)."""
    cells = tuple(_Cell(f"p{n % 300}", f"C'{n % 7}\"", n) for n in range(2 * 16384 + 1))
    return {
        "records of text and numbers": cells,
        "a last chunk of one record": cells[: 16384 + 1],
        "exactly one chunk": cells[:16384],
        "fields of mixed leaves": tuple(
            _Cell(n if n % 3 else f"u{n}", None if n % 5 else Decimal(n) / 4, n % 2 == 0)
            for n in range(20000)
        ),
        "equal values of other types in one column": tuple(
            _Cell("u", (1, True, 1.0)[n % 3], n) for n in range(20000)
        ),
        "a record inside a record": tuple(_Cell(_One(n), "x", n) for n in range(17000)),
        "records of one field": tuple(_One(f"v{n}") for n in range(17000)),
        "two kinds of records": tuple(
            _Cell("u", "c", n) if n % 2 else _Two(n) for n in range(17000)
        ),
        "leaves": tuple(f"v{n}" if n % 2 else n for n in range(16385)),
        "tuples": tuple((n, f"v{n}") for n in range(17000)),
    }


@pytest.mark.parametrize("name", list(_long_tuples()))
def test_a_long_tuple_is_hashed_as_its_whole_repr(name: str) -> None:
    items = _long_tuples()[name]
    for value in (items, _One(items), _Two((items, items[:1], ()), line=1)):
        expected = hashlib.sha256(repr(plain_values(value)).encode("utf-8")).hexdigest()
        assert fingerprint(value) == expected  # type: ignore[arg-type]
