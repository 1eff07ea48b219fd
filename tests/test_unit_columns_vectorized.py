"""Work on unit figures' whole columns (numpy, pyarrow) gives what the work a figure at a time
gave: fingerprints, the storable check's errors, the vote limit, and the roll-up's totals and
problems, their orders included.

Each test compares the columns' way with the way it replaced, on generated figures: names that
``repr`` escapes (quotes, backslashes, line breaks, lone surrogates, non-ASCII), votes negative
and beyond 64 bits, names listed twice in figures made of arrays, and chunks of any size."""

from __future__ import annotations

import hashlib
import string
import sys
from array import array
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.errors import ValidationError
from tallyroom.formats import rollup
from tallyroom.formats.conversion import BALLOTS_CAST
from tallyroom.limits import (
    MAX_NAME_CHARS,
    MAX_SHORT_CHARS,
    MAX_VOTES,
    check_figures,
    check_storable,
)
from tallyroom.model import (
    Election,
    Jurisdiction,
    ReportingUnit,
    Stage,
    UnitResult,
    UnitResults,
    unit_columns,
)
from tallyroom.store import codec
from tallyroom.unit_arrays import unit_results

_ODD = st.sampled_from(["'", '"', "\\", "\n", "\t", "\x00", "\ud800", "é", "日", "\U0001f600"])
_NAME = st.one_of(
    st.sampled_from(["p1", "p2", "Ann Lee", "O'Neil", 'say "hi"', "Über Ötz", "total"]),
    st.text(st.one_of(st.characters(), _ODD), max_size=12),
)
_VOTES = st.one_of(
    st.integers(0, 300),
    st.integers(0, 2**32),
    st.integers(-(10**12), 10**12),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**70), 2**70),
)
_FIGURE = st.builds(UnitResult, _NAME, _NAME, _VOTES, _NAME)
_FIGURES = st.lists(_FIGURE, max_size=60)


def _columns(rows: list[UnitResult]) -> UnitResults:
    return UnitResults.from_columns(*unit_columns(tuple(rows)))


def _digest(figures: UnitResults, feed: Any) -> str:
    digest = codec._Digest()
    digest.add("x")  # a piece before: hashed in its order
    feed(figures, digest)
    digest.add("y")
    return digest.hexdigest()


def _canonical_text(rows: list[UnitResult]) -> bytes:
    """What the fingerprint hashes for ``rows``, by its definition, written a figure at a time
    in plain Python: the names in the order first used, the columns' types, then the numbers
    and votes as bytes, a column at a time."""
    if not rows:
        return b"()"
    fields = ("unit", "candidate", "vote_type")
    names = [list(dict.fromkeys(getattr(r, f) for r in rows)) for f in fields]
    types, body = [], b""
    for f, listed in zip(fields, names, strict=True):
        width = next(
            w for w, code in ((1, "B"), (2, "H"), (4, "I"), (8, "Q")) if len(listed) <= 1 << (8 * w)
        )
        code = {1: "B", 2: "H", 4: "I", 8: "Q"}[width]
        types.append(f"u{width}")
        body += array(code, [listed.index(getattr(r, f)) for r in rows]).tobytes()
    votes = [r.votes for r in rows]
    if all(-(2**63) <= v < 2**63 for v in votes):
        if min(votes) < 0:
            types.append("i8")
            body += array("q", votes).tobytes()
        else:
            width = next(w for w in (1, 2, 4, 8) if max(votes) < 1 << (8 * w))
            types.append(f"u{width}")
            body += array({1: "B", 2: "H", 4: "I", 8: "Q"}[width], votes).tobytes()
        tail = b""
    else:
        types.append("repr")
        tail = repr(tuple(votes)).encode()
    head = f"UnitResults({names[0]!r}, {names[1]!r}, {names[2]!r}, {len(rows)}, {' '.join(types)}, "
    return head.encode() + body + tail + b")"


@settings(max_examples=400, deadline=None)
@given(_FIGURES)
def test_unit_figures_hash_as_their_canonical_columns(rows: list[UnitResult]) -> None:
    assert sys.byteorder == "little"  # the reference above writes the machine's order
    expected = hashlib.sha256(b"x" + _canonical_text(rows) + b"y").hexdigest()
    assert _digest(_columns(rows), codec._feed_unit_results) == expected


def _election(stages: list[Stage]) -> Election:
    return Election(title="Mayor", jurisdiction=Jurisdiction(city="Avon"), stages=tuple(stages))


def _renumbered(rows: list[UnitResult], seed: int) -> UnitResults:
    """``rows`` made of arrays whose names are listed in a shuffled order, with a name that no
    figure uses and (when there are names) one listed twice."""
    import random

    lists = []
    codes = []
    rng = random.Random(seed)
    for field in ("unit", "candidate", "vote_type"):
        values = [getattr(r, field) for r in rows]
        listed = sorted(set(values))
        rng.shuffle(listed)
        listed = [*listed, "unused name", *listed[:1]]
        lists.append(listed)
        codes.append(np.array([listed.index(v) for v in values], dtype=np.int64))
    votes = [r.votes for r in rows]
    if not all(-(2**63) <= v < 2**63 for v in votes):
        return _columns(rows)
    return unit_results(*lists, *codes, np.array(votes, dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(_FIGURES, st.integers(0, 9), st.data())
def test_equal_figures_equal_fingerprints_and_others_differ(
    rows: list[UnitResult], seed: int, data: st.DataObject
) -> None:
    ways = [_columns(rows), tuple(rows), _renumbered(rows, seed)]
    prints = {
        codec.fingerprint(_election([Stage(kind="general", unit_results=way)])) for way in ways
    }
    assert len(prints) == 1
    if rows:
        at = data.draw(st.integers(0, len(rows) - 1))
        changed = list(rows)
        changed[at] = UnitResult(
            rows[at].unit, rows[at].candidate, rows[at].votes + 1, rows[at].vote_type
        )
        other = codec.fingerprint(
            _election([Stage(kind="general", unit_results=_columns(changed))])
        )
        assert other not in prints


@pytest.mark.parametrize("count", [0, 1, 2, 16_384, 16_385, 70_000])
def test_many_figures_compare_and_hash_by_columns(count: int) -> None:
    rows = [
        UnitResult(f"p{i % 97}", f"c\n{i % 7}'", (-1) ** i * i * 1_000_003, f"t{i % 3}")
        for i in range(count)
    ]
    figures, again = _columns(rows), _renumbered(rows, 3)
    assert figures == again and (figures == tuple(rows)) and hash(figures) == hash(again)
    expected = hashlib.sha256(b"x" + _canonical_text(rows) + b"y").hexdigest()
    assert _digest(figures, codec._feed_unit_results) == expected
    assert _digest(again, codec._feed_unit_results) == expected
    if count:
        changed = [*rows[:-1], UnitResult(rows[-1].unit, rows[-1].candidate, 7, "other")]
        assert _columns(changed) != figures and _columns(changed) != again


# figures made of arrays may list a name twice: the figures are still told by their names
_SMALL = st.sampled_from(["p1", "p2", "a"])


@st.composite
def _coded_figures(draw: st.DrawFn) -> UnitResults:
    """Figures made by :func:`unit_results`, their names drawn from a few (so repeated figures
    come often), a name maybe listed twice."""
    names = [draw(st.lists(_SMALL, min_size=1, max_size=4)) for _ in range(3)]
    count = draw(st.integers(0, 40))
    codes = [
        np.array(draw(st.lists(st.integers(0, len(n) - 1), min_size=count, max_size=count)))
        for n in names
    ]
    votes = np.array(draw(st.lists(st.integers(0, 10**6), min_size=count, max_size=count)))
    return unit_results(names[0], names[1], names[2], *codes, votes)


def _long(limit: int) -> st.SearchStrategy[str]:
    return st.sampled_from(["x" * limit, "y" * (limit + 1), "é" * (limit + 5)])


def _check_cells_walk(cells: tuple[UnitResult, ...], where: str) -> str | None:
    """The storable check's error for figures, found by walking them in order."""
    seen: set[tuple[str, str, str]] = set()
    for cell in cells:
        key = (cell.unit, cell.candidate, cell.vote_type)
        if key in seen:
            return (
                f"{where}: two figures for {cell.candidate!r} in reporting unit "
                f"{cell.unit!r} ({cell.vote_type}); expected one for each candidate, unit "
                "and vote type"
            )
        seen.add(key)
        if len(cell.candidate) > MAX_NAME_CHARS:
            return (
                f"{where}: a candidate's name is {len(cell.candidate):,} characters long; "
                f"expected at most {MAX_NAME_CHARS}"
            )
        if len(cell.vote_type) > MAX_SHORT_CHARS:
            return (
                f"{where}: vote type {cell.vote_type[:40]!r}… is longer than "
                f"{MAX_SHORT_CHARS} characters"
            )
    return None


def _units_walk(units: tuple[ReportingUnit, ...], where: str) -> str | None:
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            return f"{where}: reporting unit {unit.id!r} is listed twice; expected each once"
        seen.add(unit.id)
        for value, what in ((unit.id, "a reporting unit"), (unit.name, "a reporting unit's name")):
            if len(value) > MAX_NAME_CHARS:
                return (
                    f"{where}: {what} is {len(value):,} characters long; expected at most "
                    f"{MAX_NAME_CHARS}"
                )
    return None


def _error(election: Election) -> str | None:
    try:
        check_storable(election, "f.csv")
    except ValidationError as error:
        assert error.source == "f.csv"
        return error.message
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(
            st.builds(
                UnitResult,
                _SMALL,
                st.one_of(_SMALL, _long(MAX_NAME_CHARS)),
                st.integers(0, 9),
                st.one_of(_SMALL, _long(MAX_SHORT_CHARS)),
            ),
            max_size=30,
        ).map(_columns),
        _coded_figures(),
    ),
    st.lists(
        st.builds(
            ReportingUnit,
            st.one_of(_SMALL, _long(MAX_NAME_CHARS)),
            st.one_of(_SMALL, _long(MAX_NAME_CHARS)),
            st.just("precinct"),
        ),
        max_size=5,
    ),
)
def test_the_storable_check_finds_the_first_problem_as_a_walk_does(
    figures: UnitResults, units: list[ReportingUnit]
) -> None:
    stage = Stage(kind="general", units=tuple(units), unit_results=figures)
    where = "general election (stage 1)"
    expected = _units_walk(tuple(units), where) or _check_cells_walk(tuple(figures), where)
    assert _error(_election([stage])) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(_VOTES, min_size=1, max_size=20))
def test_the_vote_limit_is_found_in_columns_of_every_width(votes: list[int]) -> None:
    figures = UnitResults.from_columns(
        ["p1"] * len(votes), ["Ann"] * len(votes), votes, ["total"] * len(votes)
    )
    beyond = [v for v in votes if abs(v) > MAX_VOTES]
    if not beyond:
        check_figures(figures, "f.csv")
        return
    with pytest.raises(ValidationError) as raised:
        check_figures(figures, "f.csv")
    assert raised.value.message == f"a count of {beyond[0]:,} is beyond the limit of {MAX_VOTES:,}"


_UNIT_IDS = ["city", "w1", "w2", "p1", "p2", "p3", "lost"]


@st.composite
def _rollup_stage(draw: st.DrawFn) -> Stage:
    """A stage of units under a city (a parent maybe missing, maybe in a loop) and figures of a
    few candidates and vote types for any of them."""
    units = []
    for index, unit in enumerate(_UNIT_IDS[:-1]):
        parent = draw(st.sampled_from([None, *_UNIT_IDS[:index], "gone", unit]))
        units.append(ReportingUnit(unit, unit.upper(), "precinct", parent))
    big = draw(st.sampled_from([10**6, 2**62, 2**70]))
    rows = draw(
        st.lists(
            st.builds(
                UnitResult,
                st.sampled_from(_UNIT_IDS),
                st.sampled_from(["Ann", "Bo", BALLOTS_CAST, "Over Votes"]),
                st.integers(-big, big),
                st.sampled_from(["total", "total", "early"]),
            ),
            max_size=40,
        )
    )
    return Stage(kind="general", units=tuple(units), unit_results=_columns(rows))


def _ordered(value: Any) -> Any:
    """Dicts as lists of items, nested: equal only in the same order."""
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    return value


@settings(max_examples=300, deadline=None)
@given(_rollup_stage(), st.sampled_from(["total", "early", "none"]))
def test_the_rollup_by_columns_is_the_rollup_of_the_tuple(stage: Stage, vote_type: str) -> None:
    as_tuple = Stage(kind="general", units=stage.units, unit_results=tuple(stage.unit_results))
    assert rollup.leaf_units(stage) == rollup.leaf_units(as_tuple)
    for totals in (rollup.root_totals, rollup.unit_totals):
        assert _ordered(totals(stage, vote_type)) == _ordered(totals(as_tuple, vote_type))
    assert rollup.check_rollup(stage, "Mayor") == rollup.check_rollup(as_tuple, "Mayor")


@settings(max_examples=200, deadline=None)
@given(_coded_figures())
def test_figures_listing_a_name_twice_roll_up_by_name(figures: UnitResults) -> None:
    units = tuple(ReportingUnit(u, u, "precinct") for u in dict.fromkeys(figures.units))
    stage = Stage(kind="general", units=units, unit_results=figures)
    as_tuple = Stage(kind="general", units=units, unit_results=tuple(figures))
    for vote_type in ("a", "p1"):
        assert _ordered(rollup.root_totals(stage, vote_type)) == _ordered(
            rollup.root_totals(as_tuple, vote_type)
        )
        assert _ordered(rollup.unit_totals(stage, vote_type)) == _ordered(
            rollup.unit_totals(as_tuple, vote_type)
        )
    assert rollup.check_rollup(stage) == rollup.check_rollup(as_tuple)
    repeated = Counter((r.unit, r.candidate, r.vote_type) for r in figures)
    found = [p for p in rollup.check_rollup(stage) if p.code == "rollup.duplicate-row"]
    assert len(found) == sum(1 for n in repeated.values() if n > 1)


def test_many_figures_roll_up_as_the_tuple_does() -> None:
    units = (
        ReportingUnit("city", "City", "city"),
        *(ReportingUnit(f"p{i}", f"P{i}", "precinct", "city") for i in range(3000)),
    )
    rows = [
        UnitResult(
            f"p{i % 3000}", string.ascii_letters[i % 13], i % 1000, ("total", "early")[i % 2]
        )
        for i in range(80_000)
    ]
    stage = Stage(kind="general", units=units, unit_results=_columns(rows))
    as_tuple = Stage(kind="general", units=units, unit_results=tuple(rows))
    assert _ordered(rollup.unit_totals(stage)) == _ordered(rollup.unit_totals(as_tuple))
    assert _ordered(rollup.root_totals(stage)) == _ordered(rollup.root_totals(as_tuple))
    assert rollup.check_rollup(stage) == rollup.check_rollup(as_tuple)


@pytest.mark.parametrize("count", [1, 2, 16_384, 40_000])
def test_reporting_units_hash_as_the_repr_of_their_fields(count: int) -> None:
    units = tuple(
        ReportingUnit(f"p-{i % 999}", f"Précinct '{i}'", "precinct", None if i % 3 else "w1")
        for i in range(count)
    )
    digest = codec._Digest()
    codec._feed(units, digest)
    fields = tuple((u.id, u.name, u.kind, u.parent) for u in units)
    assert digest.hexdigest() == hashlib.sha256(repr(fields).encode("utf-8")).hexdigest()


def test_a_text_cache_makes_each_text_once_and_starts_again_when_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[tuple[object, ...]] = []

    def make(values: tuple[object, ...]) -> str:
        made.append(values)
        return repr(values)

    monkeypatch.setattr(codec, "TEXTS_KEPT", 3)
    cache = codec.TextCache(make)
    texts = [cache[(n % 3,)] for n in range(9)]
    assert texts == [repr((n % 3,)) for n in range(9)] and len(made) == 3
    assert cache[(7,)] == "(7,)" and len(cache) == 1  # full: started again
