"""Elections as JSON-ready data: the canonical form, its fingerprint and differences.

:func:`election_json` turns an :class:`~tallyroom.model.Election` into plain JSON data (dates
as ISO text, decimals as exact text, tuples as lists). Without provenance (line numbers and the
source name, which take no part in the model's equality) it is the election's canonical form:
:func:`fingerprint` identifies the same content (faster than hashing the JSON), so two imports of
equal elections are recognised as one.
:func:`differences` lists what changed between two canonical forms, for the audit trail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import operator
from decimal import Decimal
from typing import Any

from tallyroom.model import Election

__all__ = [
    "MAX_CHANGES",
    "canonical_text",
    "differences",
    "election_json",
    "fingerprint",
    "sha256_text",
    "to_json",
]

#: The audit trail records at most this many changed values per version (and the count of all).
MAX_CHANGES = 200

JSON = Any


_FIELD_NAMES: dict[tuple[type, bool], tuple[str, ...]] = {}


def _field_names(kind: type, provenance: bool) -> tuple[str, ...]:
    names = _FIELD_NAMES.get((kind, provenance))
    if names is None:
        fields = dataclasses.fields(kind)
        names = tuple(item.name for item in fields if provenance or item.compare)
        _FIELD_NAMES[kind, provenance] = names
    return names


_PLAIN: frozenset[type] = frozenset({str, int, bool, float, type(None)})


def to_json(value: object, *, provenance: bool = True) -> JSON:
    """Plain JSON data for a model value; ``provenance=False`` drops non-comparing fields."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple or kind is list:
        assert isinstance(value, tuple | list)
        return [to_json(item, provenance=provenance) for item in value]
    if kind is dt.date or kind is dt.datetime:
        assert isinstance(value, dt.date)
        return value.isoformat()
    if kind is Decimal:
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            name: to_json(getattr(value, name), provenance=provenance)
            for name in _field_names(kind, provenance)
        }
    if isinstance(value, dict):
        return {str(key): to_json(item, provenance=provenance) for key, item in value.items()}
    return str(value)


def election_json(election: Election, *, provenance: bool = True) -> dict[str, JSON]:
    """The election as a JSON-ready dict (see :func:`to_json`)."""
    data = to_json(election, provenance=provenance)
    assert isinstance(data, dict)
    return data


def canonical_text(election: Election) -> str:
    """The canonical JSON text of the election, without provenance."""
    return json.dumps(
        election_json(election, provenance=False),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_GETTERS: dict[type, operator.attrgetter[Any]] = {}
_LEAVES: frozenset[type] = frozenset({str, int, bool, float, type(None), Decimal, dt.date})


def _values(value: Any) -> tuple[Any, ...]:
    """The comparing field values of a model value, nested as tuples (its equality, as data)."""
    kind = type(value)
    if kind is not tuple:
        getter = _GETTERS.get(kind)
        if getter is None:
            names = [item.name for item in dataclasses.fields(kind) if item.compare]
            getter = _GETTERS[kind] = operator.attrgetter(*names)
        value = getter(value)
        if len(_field_names(kind, False)) == 1:
            value = (value,)
    return tuple([item if type(item) in _LEAVES else _values(item) for item in value])


def fingerprint(election: Election) -> str:
    """SHA-256 identifying the election's content: equal elections, equal fingerprints.

    It hashes the ``repr`` of the model's comparing fields, nested as tuples (strings, integers,
    decimals and dates have exact, stable ``repr``s); line numbers and the source name, which
    take no part in equality, take no part in it either.
    """
    return sha256_text(repr(_values(election)))


def differences(old: JSON, new: JSON, path: str = "") -> list[dict[str, JSON]]:
    """Every changed value from ``old`` to ``new`` as ``{"path", "old", "new"}`` records.

    Paths look like ``stages[0].results[2].votes``. A key or list item present on one side only
    is reported with ``None`` (JSON ``null``) on the other side.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[dict[str, JSON]] = []
        for key in sorted(old.keys() | new.keys()):
            where = f"{path}.{key}" if path else str(key)
            found.extend(differences(old.get(key), new.get(key), where))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for index in range(max(len(old), len(new))):
            left = old[index] if index < len(old) else None
            right = new[index] if index < len(new) else None
            found.extend(differences(left, right, f"{path}[{index}]"))
        return found
    if old == new:
        return []
    return [{"path": path, "old": old, "new": new}]
