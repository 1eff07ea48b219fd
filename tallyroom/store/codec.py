"""Elections as JSON-ready data: the canonical form, its fingerprint and differences.

:func:`election_json` turns an :class:`~tallyroom.model.Election` into plain JSON data (dates
as ISO text, decimals as exact text, tuples as lists). Without provenance (line numbers and the
source name, which take no part in the model's equality) it is the election's canonical form:
:func:`fingerprint` identifies the same content (faster than hashing the JSON), so two imports of
equal elections are recognised as one.
:func:`differences` lists what changed between two canonical forms, for the audit trail: lists of
records are compared by identity (a stage by its kind, party and date, a results row by the
person), so a reordered table is one change, not one per row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from collections import Counter, deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tallyroom.figures import person_key
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

#: How :func:`to_json` converts a value of each type it has met, by type and ``provenance``:
#: what it does depends on the type alone, so it is worked out once per type.
_CONVERTERS: dict[tuple[type, bool], Callable[[Any], JSON]] = {}


def to_json(value: object, *, provenance: bool = True) -> JSON:
    """Plain JSON data for a model value; ``provenance=False`` drops non-comparing fields.

    Strings, numbers, booleans and ``None`` are themselves; tuples and lists become lists; dates
    ISO text; decimals their exact text; dataclass records dicts of their fields (in their
    order); mappings dicts with text keys; anything else its ``str``."""
    return _json(value, provenance)


def _json(value: Any, provenance: bool) -> JSON:
    kind = type(value)
    if kind in _PLAIN:
        return value
    convert = _CONVERTERS.get((kind, provenance))
    if convert is None:
        convert = _CONVERTERS[kind, provenance] = _converter(kind, provenance)
    return convert(value)


def _converter(kind: type, provenance: bool) -> Callable[[Any], JSON]:
    """How :func:`to_json` converts a value of type ``kind``."""
    plain = _PLAIN
    if kind is tuple or kind is list:

        def items(value: Any) -> JSON:
            return [item if type(item) in plain else _json(item, provenance) for item in value]

        return items
    if kind is dt.date or kind is dt.datetime:
        return _isoformat
    if kind is Decimal:
        return str
    if dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        return _record_converter(kind, provenance)
    if issubclass(kind, Mapping):

        def mapping(value: Any) -> JSON:
            return {str(key): _json(item, provenance) for key, item in value.items()}

        return mapping
    return str


def _record_converter(kind: type, provenance: bool) -> Callable[[Any], JSON]:
    """The dict of a dataclass record's fields, as a function written for ``kind`` (as
    :mod:`dataclasses` writes ``__init__``): one attribute read per field, and a call only for
    a value that is not plain already."""
    names = _field_names(kind, provenance)
    lines = [f"    v{i} = value.{name}" for i, name in enumerate(names)]
    fields = ", ".join(
        f"{name!r}: v{i} if type(v{i}) in plain else convert(v{i}, provenance)"
        for i, name in enumerate(names)
    )
    source = "def record(value):\n" + "\n".join([*lines, f"    return {{{fields}}}"])
    namespace: dict[str, Any] = {"plain": _PLAIN, "convert": _json, "provenance": provenance}
    exec(source, namespace)  # its text is made of the record's field names alone
    converter: Callable[[Any], JSON] = namespace["record"]
    return converter


def _isoformat(value: dt.date) -> str:
    return value.isoformat()


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


_LEAVES: frozenset[type] = frozenset({str, int, bool, float, type(None), Decimal, dt.date})
#: Per model type: the function that gives its comparing fields' values (see :func:`_values`).
_VALUES: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _values(value: Any) -> tuple[Any, ...]:
    """The comparing field values of a model value, nested as tuples (its equality, as data)."""
    kind = type(value)
    if kind is tuple:
        return tuple([item if type(item) in _LEAVES else _values(item) for item in value])
    values = _VALUES.get(kind)
    if values is None:
        values = _VALUES[kind] = _values_function(kind)
    return values(value)


def _values_function(kind: type) -> Callable[[Any], tuple[Any, ...]]:
    """:func:`_values` of a model type, written for it (as :func:`_record_converter`)."""
    names = _field_names(kind, False)
    if not names:
        raise TypeError(f"{kind.__name__} has no comparing fields")
    lines = [f"    v{i} = value.{name}" for i, name in enumerate(names)]
    items = "".join(f"v{i} if type(v{i}) in leaves else nested(v{i}), " for i in range(len(names)))
    source = "def values(value):\n" + "\n".join([*lines, f"    return ({items})"])
    namespace: dict[str, Any] = {"leaves": _LEAVES, "nested": _values}
    exec(source, namespace)  # its text is made of the model type's field names alone
    function: Callable[[Any], tuple[Any, ...]] = namespace["values"]
    return function


def fingerprint(election: Election) -> str:
    """SHA-256 identifying the election's content: equal elections, equal fingerprints.

    It hashes the ``repr`` of the model's comparing fields, nested as tuples (strings, integers,
    decimals and dates have exact, stable ``repr``s); line numbers and the source name, which
    take no part in equality, take no part in it either.
    """
    return sha256_text(repr(_values(election)))


def differences(old: JSON, new: JSON, path: str = "") -> list[dict[str, JSON]]:
    """Every changed value from ``old`` to ``new`` (canonical forms, see :func:`election_json`)
    as ``{"path", "old", "new"}`` records.

    Lists of records are compared by identity, not by position (see :data:`_IDENTITIES`):
    stages by kind, party and date, results rows, nominees and candidates by the person's key
    (:func:`tallyroom.figures.person_key`), infobox fields by key, paragraphs by text. Paths name
    items by identity: ``stages[general].results[Tom Potter].votes``, ``stages[Democratic
    primary].date``, ``infobox[Election Date].value``. An item present on one side only is
    reported with ``None`` (JSON ``null``) on the other side. Items that only moved make one
    record for their list, ``{"path": "infobox", "change": "order", "old": [...], "new": [...]}``
    listing the labels of the items on both sides in the old and in the new order; so a reordered
    infobox or table is one record, and one changed vote is one record.
    """
    found: list[dict[str, JSON]] = []
    _differences(old, new, path, None, found)
    return found


def _differences(
    old: JSON, new: JSON, path: str, name: str | None, found: list[dict[str, JSON]]
) -> None:
    """Append to ``found`` the changes from ``old`` to ``new``, the value of field ``name``."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            where = f"{path}.{key}" if path else str(key)
            _differences(old.get(key), new.get(key), where, str(key), found)
        return
    if isinstance(old, list) and isinstance(new, list) and name not in _WHOLE:
        identity = _IDENTITIES.get(name) if name is not None else None
        if identity is not None:
            try:
                pairs = _pairs(old, new, identity)
                labels = _labels(pairs, old, new, identity)
            except (KeyError, TypeError, IndexError, AttributeError):
                pass  # not the canonical form's shape: compared by position
            else:
                _list_differences(old, new, path, identity, pairs, labels, found)
                return
        for index in range(max(len(old), len(new))):
            left = old[index] if index < len(old) else None
            right = new[index] if index < len(new) else None
            _differences(left, right, f"{path}[{index}]", None, found)
        return
    if old != new:
        found.append({"path": path, "old": old, "new": new})


@dataclass(frozen=True, slots=True)
class _Identity:
    """How the items of one kind of list are told apart. ``key``: items with equal keys are one
    item (the n-th of a key on one side is the n-th on the other). ``loose``: pairs the items
    left over (a stage whose date changed), or None. ``label``: the item in a path; ``detail``
    is added to labels two items share (a stage's date). ``whole``: items are compared as one
    value, not field by field."""

    key: Callable[[JSON], Hashable]
    label: Callable[[JSON], str]
    loose: Callable[[JSON], Hashable] | None = None
    detail: Callable[[JSON], str] | None = None
    whole: bool = False


def _person(field: str) -> _Identity:
    return _Identity(key=lambda item: person_key(item[field]), label=lambda item: item[field])


def _stage_label(item: JSON) -> str:
    return f"{item['party']} {item['kind']}" if item["party"] else str(item["kind"])


def _paragraph_label(item: JSON) -> str:
    text = str(item["text"])
    return text if len(text) <= 40 else f"{text[:40].rstrip()}…"


_NAME_LIST = _Identity(key=person_key, label=str, whole=True)
_PAIR_LIST = _Identity(key=lambda item: person_key(item[0]), label=lambda item: item[0], whole=True)

#: The identity of the items of each list of an election's canonical form, by the list's field
#: name. Lists not named here are compared by position.
_IDENTITIES: dict[str, _Identity] = {
    "stages": _Identity(
        key=lambda item: (item["kind"], item["party"], item["date"]),
        label=_stage_label,
        loose=lambda item: (item["kind"], item["party"]),
        detail=lambda item: str(item["date"] or "undated"),
    ),
    "results": _person("name"),
    "nominees": _person("name"),
    "candidates": _person("name"),
    "infobox": _Identity(
        key=lambda item: " ".join(item["key"].casefold().split()), label=lambda item: item["key"]
    ),
    "paragraphs": _Identity(
        key=lambda item: item["text"],
        label=_paragraph_label,
        loose=lambda item: tuple(item["section"]),
    ),
    "outline": _Identity(key=tuple, label=lambda item: " / ".join(item) or "(lead)", whole=True),
    "units": _Identity(key=lambda item: item["id"], label=lambda item: item["id"]),
    "unit_results": _Identity(
        key=lambda item: (item["unit"], person_key(item["candidate"]), item["vote_type"]),
        label=lambda item: f"{item['unit']}: {item['candidate']} ({item['vote_type']})",
    ),
    "rounds": _Identity(key=lambda item: item["number"], label=lambda item: str(item["number"])),
    "tally": _PAIR_LIST,
    "elected": _NAME_LIST,
    "eliminated": _NAME_LIST,
    "inactive_by_reason": _Identity(
        key=lambda item: item[0], label=lambda item: item[0], whole=True
    ),
    "transfers": _Identity(
        key=lambda item: (person_key(item["source"]), person_key(item["target"])),
        label=lambda item: f"{item['source']} to {item['target']}",
    ),
}
#: Lists that are one value (a heading path), compared whole.
_WHOLE = frozenset({"section"})


def _pairs(
    old: list[JSON], new: list[JSON], identity: _Identity
) -> list[tuple[int | None, int | None]]:
    """The items of ``old`` and ``new`` paired by identity, as (old index, new index): the new
    side's in its order, then the old items no new one pairs with (``None`` for the side
    without)."""
    waiting: dict[Hashable, deque[int]] = {}
    for index, item in enumerate(old):
        waiting.setdefault(identity.key(item), deque()).append(index)
    matched: list[int | None] = []
    for item in new:
        queue = waiting.get(identity.key(item))
        matched.append(queue.popleft() if queue else None)
    left = sorted(index for queue in waiting.values() for index in queue)
    if identity.loose is not None and left and None in matched:
        loose: dict[Hashable, deque[int]] = {}
        for index in left:
            loose.setdefault(identity.loose(old[index]), deque()).append(index)
        for position, item in enumerate(new):
            if matched[position] is None:
                queue = loose.get(identity.loose(item))
                if queue:
                    matched[position] = queue.popleft()
        left = sorted(index for queue in loose.values() for index in queue)
    pairs: list[tuple[int | None, int | None]] = [
        (index, position) for position, index in enumerate(matched)
    ]
    pairs.extend((index, None) for index in left)
    return pairs


def _list_differences(
    old: list[JSON],
    new: list[JSON],
    path: str,
    identity: _Identity,
    pairs: list[tuple[int | None, int | None]],
    labels: list[str],
    found: list[dict[str, JSON]],
) -> None:
    # The items on both sides, in the new order, with their old places.
    moved = [
        (i, label)
        for (i, j), label in zip(pairs, labels, strict=True)
        if i is not None and j is not None
    ]
    if any(before[0] > after[0] for before, after in itertools.pairwise(moved)):
        found.append(
            {
                "path": path,
                "change": "order",
                "old": [label for _, label in sorted(moved)],
                "new": [label for _, label in moved],
            }
        )
    for (i, j), label in zip(pairs, labels, strict=True):
        left = old[i] if i is not None else None
        right = new[j] if j is not None else None
        where = f"{path}[{label}]"
        if identity.whole:
            if left != right:
                found.append({"path": where, "old": left, "new": right})
        else:
            _differences(left, right, where, None, found)


def _labels(
    pairs: list[tuple[int | None, int | None]],
    old: list[JSON],
    new: list[JSON],
    identity: _Identity,
) -> list[str]:
    """The label of each pair's item (the new one where there is one), unique in the list: with
    the identity's detail where labels collide, then numbered ("Ann Lee #2")."""
    items = []
    for i, j in pairs:
        if j is None:
            assert i is not None  # a pair has an item on one side at least
            items.append(old[i])
        else:
            items.append(new[j])
    labels = [identity.label(item) for item in items]
    if len(set(labels)) == len(labels):
        return labels
    counts = Counter(labels)
    if identity.detail is not None:
        detail = identity.detail
        labels = [
            f"{label} {detail(item)}" if counts[label] > 1 else label
            for label, item in zip(labels, items, strict=True)
        ]
        counts = Counter(labels)
    seen: Counter[str] = Counter()
    numbered = []
    for label in labels:
        if counts[label] > 1:
            seen[label] += 1
            numbered.append(f"{label} #{seen[label]}")
        else:
            numbered.append(label)
    return numbered
