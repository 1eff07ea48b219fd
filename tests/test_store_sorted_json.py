"""The stored JSON of a version (its figures, its rules, each finding) is written directly
(:func:`~tallyroom.store.codec.sorted_json`), and is the text the general way gives:
``json.dumps(to_json(value), sort_keys=True, ensure_ascii=False)``, byte for byte, whatever the
value holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyroom import service
from tallyroom.checks.types import Finding
from tallyroom.errors import StorageError
from tallyroom.store.codec import json_text, sorted_json, to_json
from tallyroom.store.rows import _unit_json
from tallyroom.store.writes import version_rows

from .conftest import ROOT, SEEDS, TEST_DATA

ARTICLES = [
    *sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt")),
    *sorted((TEST_DATA / "articles").glob("*.txt")),
    *sorted((TEST_DATA / "checks").glob("*.txt")),
    *(seed for seed in SEEDS if seed.exists()),
]


def general(value: Any) -> str:
    return json.dumps(to_json(value), sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda path: path.name)
def test_a_versions_stored_json_is_the_general_encoding(path: Path) -> None:
    _text, elections, _warnings = service.read_file(path)
    for election in elections:
        decided = service.decide(election)
        new = service._version(decided, "x", None, (), "", False, None)
        rows = version_rows(new)
        assert rows.figures == general(decided.figures)
        assert rows.rules == general({"rules": decided.rules, "note": decided.rules_note})
        (findings,) = [values for name, _keys, values in rows.tables if name == "findings"] or [()]
        assert [row[-1] for row in findings] == [general(f) for f in decided.findings]


@dataclasses.dataclass(frozen=True)
class _Empty:
    pass


@dataclasses.dataclass(frozen=True)
class _Record:
    zeta: Any
    alpha: Any = None
    line: int | None = dataclasses.field(default=None, compare=False)


class _Pair(NamedTuple):
    left: int
    right: str


class _Text(str):
    def __str__(self) -> str:
        return f"text {super().__str__()}"


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'quotes " and \\ and \n and \x01 and é and \u2028 and 😀',
        0,
        -12345678901234567890,
        True,
        False,
        None,
        1.5,
        float("nan"),
        float("inf"),
        -float("inf"),
        Decimal("53.450"),
        dt.date(2004, 11, 2),
        dt.datetime(2004, 11, 2, 20, 15, 1, 5),
        (),
        [],
        (1, "two", None, (3, [4.0, Decimal("5")])),
        {},
        {"b": 1, "a": [dt.date(2001, 1, 1)], 3: "three", "10": {"z": None, "y": True}},
        {1: "one", "1": "the same key written"},
        MappingProxyType({"só": "é", "so": 1}),
        OrderedDict([("b", 1), ("a", 2)]),
        _Empty(),
        _Record(zeta=_Record(zeta=(), alpha=_Empty()), alpha={"k": 1.25}, line=7),
        _Pair(1, "one"),
        _Text("value"),
        Finding(
            code="a-code",
            severity="warning",
            file="ä.txt",
            line=None,
            field=None,
            message='it says "so"',
            evidence={"votes": (1, 2), "share": "53.45", "whole": True, "none": None, "n": 3},
            fix=None,
            confidence="medium",
        ),
    ],
    ids=repr,
)
def test_any_value_is_written_as_the_general_encoding_writes_it(value: Any) -> None:
    assert sorted_json(value) == general(value)


@given(
    st.lists(
        st.one_of(st.none(), st.text(), st.integers(), st.lists(st.text(), max_size=3)),
        max_size=6,
    )
)
def test_the_plain_lists_a_version_stores_are_the_text_json_dumps_gives(value: list[Any]) -> None:
    # a unit's [id, name, kind, parent], a block's names, a section's path, a round's names
    assert json_text(value) == json.dumps(value, ensure_ascii=False)


@given(
    st.text(),
    st.text(),
    st.sampled_from(["city", "ward", "precinct"]),
    st.one_of(st.none(), st.text()),
)
def test_a_units_stored_json_is_the_text_json_dumps_gives(
    unit_id: str, name: str, kind: str, parent: str | None
) -> None:
    values = (unit_id, name, kind, parent)
    assert _unit_json(values) == json.dumps(list(values), ensure_ascii=False)


class _Text(str):
    """Text of a subclass of ``str``: its JSON is written by the encoder, not put together."""


def test_a_unit_of_other_values_is_written_by_the_encoder_and_a_kind_not_known_is_refused() -> None:
    values = ("p1", _Text('Précinct "1"'), "precinct", _Text("county-A"))
    assert _unit_json(values) == json.dumps(list(values), ensure_ascii=False)
    with pytest.raises(StorageError, match="'p1': expected a kind of"):
        _unit_json(("p1", "P 1", "parish", None))
