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
import operator
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from tallyroom.figures import person_key
from tallyroom.memo import ByIdentity
from tallyroom.model import Election, ReportingUnit, UnitResult, UnitResults

__all__ = [
    "MAX_CHANGES",
    "canonical_text",
    "differences",
    "election_json",
    "fingerprint",
    "json_string",
    "json_text",
    "sha256_text",
    "to_json",
    "utf8_size",
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
    if kind is UnitResults:
        record = _record_converter(UnitResult, provenance)

        def figures(value: Any) -> JSON:
            return list(map(record, value))

        return figures
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


#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)``, without making an encoder for
#: each value (an import encodes every finding, and each version's figures and rules), nor
#: looking for cycles, which the data :func:`to_json` makes cannot have.
_dumps_sorted = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False).encode


#: ``json.dumps(value, ensure_ascii=False)`` with one encoder made once, not one per value (a
#: precinct file's import writes the JSON of each of its 15,000 units and of each block's names),
#: and no looking for cycles: for lists and mappings of plain values, which cannot hold one.
json_text = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


#: A string as JSON text, as :data:`json_text` and the encoder of :data:`_dumps_sorted` write
#: one (``ensure_ascii=False``).
json_string = json.encoder.encode_basestring
#: How :func:`sorted_json` writes a value of each type it has met that is not plain.
_WRITERS: dict[type, Callable[[Any], str]] = {}


def sorted_json(value: Any) -> str:
    """``json.dumps(to_json(value), sort_keys=True, ensure_ascii=False)``, written directly:
    the text of each record, list and mapping put together from the text of its values, without
    the dicts :func:`to_json` makes nor the encoder's sorting of their keys (an import writes
    every version's figures and every finding, and the general way costs half as much again).
    A value of a type whose conversion is :func:`to_json`'s own (floats, unit figures, and what
    it makes text of) is written the general way, which gives the same text for it within a
    larger one. ``tests/test_store_sorted_json.py`` holds the two ways to the same bytes."""
    kind = type(value)
    if kind is str:
        return json_string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    write = _WRITERS.get(kind)
    if write is None:
        write = _WRITERS[kind] = _writer(kind)
    return write(value)


def _writer(kind: type) -> Callable[[Any], str]:
    """How :func:`sorted_json` writes a value of type ``kind``."""
    if kind is bool:
        return _bool_text
    if kind is tuple or kind is list:
        return _list_text
    if kind is dict or kind is MappingProxyType:
        return _mapping_text
    if kind is dt.date or kind is dt.datetime:
        return _iso_text
    if kind is Decimal:
        return _decimal_text
    if dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        return _record_writer(kind)
    return _general_text


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _list_text(value: Sequence[Any]) -> str:
    return "[" + ", ".join([sorted_json(item) for item in value]) + "]"


def _mapping_text(value: Mapping[Any, Any]) -> str:
    items = sorted({str(key): item for key, item in value.items()}.items())
    return (
        "{" + ", ".join([f"{json_string(key)}: {sorted_json(item)}" for key, item in items]) + "}"
    )


def _iso_text(value: dt.date) -> str:
    return json_string(value.isoformat())


def _decimal_text(value: Decimal) -> str:
    return json_string(str(value))


def _general_text(value: Any) -> str:
    return _dumps_sorted(to_json(value))


def _record_writer(kind: type) -> Callable[[Any], str]:
    """The text of a dataclass record of type ``kind``: every field, by name in sorted order,
    as a function written for ``kind`` (as :mod:`dataclasses` writes ``__init__``)."""
    names = sorted(item.name for item in dataclasses.fields(kind))
    if not names:
        return lambda value: "{}"
    lines = [f"    v{i} = value.{name}" for i, name in enumerate(names)]
    parts = []
    for i, name in enumerate(names):
        parts.append(repr(("{" if i == 0 else ", ") + json_string(name) + ": "))
        parts.append(
            f"(text(v{i}) if type(v{i}) is str else "
            f"number(v{i}) if type(v{i}) is int else write(v{i}))"
        )
    body = f"    return ''.join(({', '.join(parts)}, '}}'))"
    source = "def record(value):\n" + "\n".join([*lines, body])
    namespace: dict[str, Any] = {"text": json_string, "number": int.__repr__, "write": sorted_json}
    exec(source, namespace)  # its text is made of the record's field names alone
    writer: Callable[[Any], str] = namespace["record"]
    return writer


def canonical_text(election: Election) -> str:
    """The canonical JSON text of the election, without provenance."""
    return json.dumps(
        election_json(election, provenance=False),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


#: Long texts are encoded this many characters at a time (to hash or measure them), so that a
#: source of tens of megabytes is not copied whole once more.
_ENCODE_CHARS = 1 << 20


def sha256_text(text: str) -> str:
    """SHA-256 of ``text`` in UTF-8."""
    digest = hashlib.sha256()
    for start in range(0, len(text), _ENCODE_CHARS):
        digest.update(text[start : start + _ENCODE_CHARS].encode("utf-8"))
    return digest.hexdigest()


def utf8_size(text: str) -> int:
    """How many bytes ``text`` takes in UTF-8."""
    if text.isascii():
        return len(text)
    return sum(
        len(text[start : start + _ENCODE_CHARS].encode("utf-8"))
        for start in range(0, len(text), _ENCODE_CHARS)
    )


_LEAVES: frozenset[type] = frozenset({str, int, bool, float, type(None), Decimal, dt.date})
#: A tuple (or a record's fields) is hashed a chunk of this many items at a time.
_CHUNK = 16384


#: :class:`_Digest` hashes its pieces when it holds this many, or this many characters.
_BATCH_PIECES = 64
_BATCH_CHARS = 1 << 16


class _Digest:
    """SHA-256 of text given in pieces, hashed as UTF-8 a batch of pieces at a time (short
    pieces are many: hashing each alone would cost more than joining them; a long one, such as
    a chunk of unit figures, goes at once, so that no more than one is held)."""

    __slots__ = ("chars", "hash", "pieces")

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.pieces: list[str] = []
        self.chars = 0

    def add(self, text: str) -> None:
        pieces = self.pieces
        pieces.append(text)
        self.chars += len(text)
        if len(pieces) >= _BATCH_PIECES or self.chars >= _BATCH_CHARS:
            self.hash.update("".join(pieces).encode("utf-8"))
            pieces.clear()
            self.chars = 0

    def add_bytes(self, data: bytes | memoryview) -> None:
        """Hash ``data`` as it is, after the pieces before it."""
        if self.pieces:
            self.hash.update("".join(self.pieces).encode("utf-8"))
            self.pieces.clear()
            self.chars = 0
        self.hash.update(data)

    def hexdigest(self) -> str:
        self.hash.update("".join(self.pieces).encode("utf-8"))
        self.pieces.clear()
        self.chars = 0
        return self.hash.hexdigest()


#: Per model type: a function giving its comparing fields' values (see :func:`_getter`).
_GETTERS: dict[type, Callable[[Any], Any]] = {}


def _getter(kind: type) -> Callable[[Any], Any]:
    """The comparing field values of a record of ``kind`` as a tuple (one value alone for a
    record of one field, which the callers wrap)."""
    getter = _GETTERS.get(kind)
    if getter is None:
        names = _field_names(kind, False)
        if not names:
            raise TypeError(f"{kind.__name__} has no comparing fields")
        getter = _GETTERS[kind] = operator.attrgetter(*names)
    return getter


def _values(kind: type, value: Any) -> tuple[Any, ...]:
    """A record's comparing field values (a record of one field: a tuple of its one value)."""
    got = _getter(kind)(value)
    return got if len(_field_names(kind, False)) > 1 else (got,)


def _feed(value: Any, digest: _Digest) -> None:
    """Hash the ``repr`` of ``value``'s comparing field values, nested as tuples (a record as
    the tuple of its comparing fields' values, each such value that is not a leaf nested the
    same way), into ``digest``, without making the nested tuples or the whole text. The items
    of a tuple or record go a chunk at a time: a chunk of leaves, or of records of one type
    whose fields are all leaves, as one text (the ``repr`` of its values less the outer
    brackets, see :func:`_records_text`); any other item by itself."""
    kind = type(value)
    if kind in _LEAVES:
        digest.add(repr(value))
        return
    if kind is tuple:
        if value and type(value[0]) is ReportingUnit:  # a stage's units, shared by stages
            text = _UNITS_TEXT(value)
            if text is not None:
                digest.add(text)
                return
        if value and all(type(item) is UnitResult for item in value):  # a stage's figures
            _feed_unit_results(UnitResults.of(value), digest)
            return
        items: tuple[Any, ...] = value
    elif kind is UnitResults:
        _feed_unit_results(value, digest)
        return
    else:
        items = _values(kind, value)
    digest.add("(")
    for start in range(0, len(items), _CHUNK):
        if start:
            digest.add(", ")
        _feed_chunk(items[start : start + _CHUNK], digest)
    digest.add(",)" if len(items) == 1 else ")")


def _feed_chunk(chunk: tuple[Any, ...], digest: _Digest) -> None:
    """The items of ``chunk`` as ``, ``-separated text (see :func:`_feed`)."""
    kinds = set(map(type, chunk))
    if kinds <= _LEAVES:
        text = repr(chunk)
        digest.add(text[1:-2] if len(chunk) == 1 else text[1:-1])
        return
    if len(kinds) == 1:
        (kind,) = kinds
        if kind is not tuple:
            names = _field_names(kind, False)
            if len(names) > 1:
                columns = [list(map(operator.attrgetter(name), chunk)) for name in names]
                kinds_of = [set(map(type, column)) for column in columns]
                if all(found <= _LEAVES for found in kinds_of):
                    digest.add(_records_text(columns, kinds_of)[:-2])
                    return
    for index, item in enumerate(chunk):
        if index:
            digest.add(", ")
        _feed(item, digest)


class TextCache(dict[tuple[Any, ...], str]):
    """Text made of a record's field values by ``make``, once per distinct values: look one up
    as ``cache[values]``. A precinct file's stages share their reporting units (a county's
    precincts are listed by each of its contests): 217,080 listings of 15,000 units. At most
    :data:`TEXTS_KEPT` are kept; past that the cache starts again."""

    def __init__(self, make: Callable[[tuple[Any, ...]], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, values: tuple[Any, ...]) -> str:
        if len(self) >= TEXTS_KEPT:
            self.clear()
        text = self[values] = self.make(values)
        return text


TEXTS_KEPT = 1 << 16
#: A reporting unit's comparing field values, in order.
_UNIT_VALUES = operator.attrgetter(*_field_names(ReportingUnit, False))
#: The ``repr`` of a reporting unit's field values, then ``, ``.
_UNIT_TEXTS = TextCache(lambda values: f"{values!r}, ")


def _units_text(units: tuple[Any, ...]) -> str | None:
    """The text :func:`_feed` hashes for a tuple of reporting units (as it would write it a
    chunk at a time), or ``None`` when not every item is one."""
    if not all(type(unit) is ReportingUnit for unit in units):
        return None
    joined = "".join(map(_UNIT_TEXTS.__getitem__, map(_UNIT_VALUES, units)))[:-2]
    return f"({joined},)" if len(units) == 1 else f"({joined})"


#: Characters of the texts of tuples of units kept (a statewide file's largest is 1.5 million).
UNITS_TEXT_KEPT = 1 << 22
#: The text of each tuple of reporting units: stages share them (see :mod:`tallyroom.memo`).
_UNITS_TEXT: ByIdentity[tuple[Any, ...], str | None] = ByIdentity(
    _units_text, UNITS_TEXT_KEPT, lambda _, text: len(text or "")
)


def _feed_unit_results(figures: UnitResults, digest: _Digest) -> None:
    """Hash a stage's unit figures (held as columns, or as a tuple of figures made columns) by
    their canonical columns (:func:`tallyroom.unit_arrays.canonical_columns`), not by the
    ``repr`` of each figure: ``UnitResults(units, candidates, vote types, count, types, ``
    (the three lists of names as their ``repr``, each in the order the figures first use it;
    ``types``: the four columns' types, such as ``u2 u1 u1 u4``), then each
    figure's unit, candidate and vote-type numbers among those names and its votes, a column
    at a time, as little-endian integers of those types, and ``)``. A column's type is the
    narrowest for its values: the numbers' for the count of names, the votes' unsigned for
    their largest (signed of 8 bytes when one is negative; when one does not fit 64 bits the
    type is ``repr`` and the votes are the ``repr`` of the tuple of them). Equal figures give
    equal text, and the text gives the figures back; a statewide file's six million figures
    hash from their own arrays, where their ``repr`` was 275 MB of text."""
    if not figures:
        digest.add("()")
        return
    from tallyroom.unit_arrays import canonical_codes, narrowest  # numpy: for unit figures

    names, codes, votes = canonical_codes(figures)
    columns = list(codes)
    if votes is not None:
        columns.append(narrowest(votes, int(votes.max()), int(votes.min())))
    types = " ".join(f"{c.dtype.kind}{c.dtype.itemsize}" for c in columns)
    types += " repr" if votes is None else ""
    digest.add(f"UnitResults({names[0]!r}, {names[1]!r}, {names[2]!r}, {len(figures)}, {types}, ")
    for column in columns:
        digest.add_bytes(column.data)
    if votes is None:
        digest.add(repr(tuple(figures.votes)))
    digest.add(")")


def _records_text(columns: list[list[Any]], kinds_of: list[set[type]]) -> str:
    """``repr`` of each record of two or more leaf fields (given as columns of equal length,
    with the types each holds), each followed by ``, ``. A column of text takes the brackets and
    separators beside it into the ``repr`` of each of its distinct values, worked out once; then
    the text is joined in one pass, with no tuple made per record."""
    last = len(columns) - 1
    parts: list[Iterator[str]] = []
    pending = "("  # separator text not yet given to a column
    for index, column in enumerate(columns):
        after = "), " if index == last else ", "
        if kinds_of[index] == {str}:
            texts = {value: f"{pending}{value!r}{after}" for value in set(column)}
            parts.append(map(texts.__getitem__, column))
            pending = ""
        else:
            if pending:
                parts.append(itertools.repeat(pending))
            parts.append(map(repr, column))
            pending = after
    if pending:
        parts.append(itertools.repeat(pending))
    return "".join(itertools.chain.from_iterable(zip(*parts, strict=False)))  # repeats end never


class _Long(Exception):
    """A value holds a tuple longer than a chunk, or unit figures (see :func:`_nested`)."""


def _nested(value: Any) -> Any:
    """``value``'s comparing field values nested as tuples (a record of one field as a tuple of
    one), whose ``repr`` is the text :func:`_feed` hashes; :class:`_Long` when it holds a tuple
    longer than a chunk, which :func:`_feed` writes a chunk at a time, or unit figures, which it
    writes from their columns without making a figure object each (twice as fast)."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is tuple:
        if len(value) > _CHUNK:
            raise _Long
        items: tuple[Any, ...] = value
    elif kind is UnitResults:
        if value:
            raise _Long
        items = ()
    else:
        items = _values(kind, value)
    leaves = _LEAVES
    return tuple([item if type(item) in leaves else _nested(item) for item in items])


def fingerprint(election: Election) -> str:
    """SHA-256 identifying the election's content: equal elections, equal fingerprints.

    It hashes the ``repr`` of the model's comparing fields, nested as tuples (strings, integers,
    decimals and dates have exact, stable ``repr``s); line numbers and the source name, which
    take no part in equality, take no part in it either. A stage's unit figures (a precinct
    file's, millions of them) are hashed by their canonical columns instead of the ``repr`` of
    each figure (see :func:`_feed_unit_results`): a fingerprint made before tallyroom did so
    differs for the same figures, and the import, finding the stored election equal, keeps the
    stored fingerprint (``service``: "fingerprinted by an older tallyroom").

    An election without unit figures (an article's) is nested as tuples and its ``repr`` hashed
    at once: half the time of writing it a piece at a time. One with unit figures or a tuple
    longer than a chunk is hashed a piece at a time, its text never made whole: a long tuple of
    records is written a chunk of records at a time as the ``repr`` of a tuple of their field
    values, which is the same text (see :func:`_feed`).
    """
    stages = election.stages if isinstance(election, Election) else ()
    if not any(stage.unit_results for stage in stages):  # else nested only to be dropped
        try:
            return sha256_text(repr(_nested(election)))
        except _Long:
            pass
    digest = _Digest()
    _feed(election, digest)
    return digest.hexdigest()


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
