"""Unit figures held as columns (:class:`~tallyroom.model.UnitResults`) against the tuple of the
same :class:`~tallyroom.model.UnitResult` s: a stage holding either is the same stage, to every
reader, writer, check and fingerprint."""

from __future__ import annotations

import copy
import hashlib
import pickle
from array import array
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.errors import StorageError, ValidationError
from tallyroom.formats.openelections import read_openelections
from tallyroom.formats.rollup import check_rollup, root_totals, unit_totals
from tallyroom.limits import check_figures, check_storable
from tallyroom.model import (
    Election,
    ReportingUnit,
    Stage,
    UnitResult,
    UnitResults,
    UnitResultsBuilder,
    unit_columns,
)
from tallyroom.store import schema as t
from tallyroom.store.codec import canonical_text, fingerprint, to_json
from tallyroom.store.rows import election_rows
from tallyroom.store.unit_blocks import BLOCK_KEYS, read_blocks

from .test_store_codec import plain_values

figures = st.lists(
    st.builds(
        UnitResult,
        st.sampled_from(["precinct-1", "precinct-2", "ward-1", "city"]),
        st.sampled_from(["Ann Lee", "Bo Diaz", "Ballots Cast", "Über Ötz"]),
        st.one_of(
            st.integers(0, 300),
            st.integers(-(10**12), 10**12),
            st.integers(-(2**70), 2**70),
        ),
        st.sampled_from(["total", "early", "election-day"]),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(figures)
def test_columns_are_the_tuple_of_their_figures(rows: list[UnitResult]) -> None:
    held = UnitResults.of(rows)
    whole = tuple(rows)
    assert held == whole and whole == held and held == UnitResults.of(rows)
    assert hash(held) == hash(whole)
    assert tuple(held) == whole and len(held) == len(whole)
    assert list(reversed(held)) == list(reversed(whole))
    for index in range(-len(whole), len(whole)):
        assert held[index] == whole[index]
    assert held[1:4] == whole[1:4] and held[::2] == whole[::2] and held[5:2] == ()
    assert unit_columns(held) == unit_columns(whole)
    assert pickle.loads(pickle.dumps(held)) == whole
    assert held + () == whole and () + held == whole  # noqa: RUF005 - the operators are tested
    assert held != (*whole, UnitResult("x", "y", 1))
    assert held != list(whole)  # as a tuple is not its list
    with pytest.raises(TypeError):
        held + list(whole)  # as a tuple and a list are not added
    with pytest.raises(IndexError):
        held[len(whole)]


@settings(max_examples=200)
@given(figures)
def test_columns_made_whole_are_those_made_a_figure_at_a_time(rows: list[UnitResult]) -> None:
    built, whole = UnitResults.of(rows), UnitResults.from_columns(*unit_columns(tuple(rows)))
    assert whole == built == tuple(rows)
    for name in ("units", "candidates", "vote_types"):
        assert getattr(whole, name) == getattr(built, name)
    for name in ("unit_codes", "candidate_codes", "type_codes", "votes"):
        assert list(getattr(whole, name)) == list(getattr(built, name))
    with pytest.raises(ValueError, match="different lengths"):
        UnitResults.from_columns(["a"], [], [], [])


def test_arrays_widen_as_values_need() -> None:
    made = UnitResultsBuilder()
    made.add("u0", "c", 1, "total")
    first = made.build()
    assert (first.unit_codes.typecode, first.votes.typecode) == ("H", "H")
    assert len(made) == 0  # the arrays were handed over: what is added next is not in them
    made.add("u0", "c", 1, "total")
    for n in range(1, 70_000):
        made.add(f"u{n}", f"c{n % 300}", n, "total")
    made.add("u0", "c", -5, "early")
    made.add("u0", "c", 2**70, "early")
    assert len(made) == 70_002
    held = made.build()
    assert first == (UnitResult("u0", "c", 1, "total"),)
    assert isinstance(held.unit_codes, array) and held.unit_codes.typecode == "I"
    assert isinstance(held.candidate_codes, array) and held.candidate_codes.typecode == "H"
    assert held.votes[-2:] == [-5, 2**70]  # beyond 64 bits: a list
    assert held[69_999] == UnitResult("u69999", "c99", 69_999, "total")
    assert len(held) == 70_002
    assert len(set(map(len, unit_columns(held)))) == 1  # the columns stay of one length


def test_unit_results_cannot_be_changed() -> None:
    held = UnitResults.of([UnitResult("u", "c", 1)])
    with pytest.raises(AttributeError, match="cannot be changed"):
        held.votes = [2]
    with pytest.raises(AttributeError, match="cannot be changed"):
        del held.units
    assert held == (UnitResult("u", "c", 1),) and copy.deepcopy(held) == held


def _election(unit_results: tuple[UnitResult, ...] | UnitResults) -> Election:
    units = (
        ReportingUnit("city", "Avon", "city"),
        ReportingUnit("ward-1", "Ward 1", "ward", "city"),
        ReportingUnit("precinct-1", "Precinct 1", "precinct", "ward-1"),
        ReportingUnit("precinct-2", "Precinct 2", "precinct", "ward-1"),
    )
    stage = Stage(kind="general", units=units, unit_results=unit_results)
    return Election(title="Mayor", stages=(stage,))


@settings(max_examples=150)
@given(figures)
def test_a_stage_holding_columns_is_the_same_stage(rows: list[UnitResult]) -> None:
    as_tuple, as_columns = _election(tuple(rows)), _election(UnitResults.of(rows))
    assert as_tuple == as_columns and hash(as_tuple) == hash(as_columns)
    assert fingerprint(as_columns) == fingerprint(as_tuple)
    # the repr of the comparing fields, but for unit figures (hashed by their columns:
    # tests/test_unit_columns_vectorized.py)
    expected = hashlib.sha256(repr(plain_values(as_tuple)).encode("utf-8")).hexdigest()
    assert (fingerprint(as_columns) == expected) == (not rows)
    assert to_json(as_columns) == to_json(as_tuple)
    assert canonical_text(as_columns) == canonical_text(as_tuple)
    # The rows the writer inserts: the same either way, and read back as the same figures;
    # a negative or too large count refused either way, as the database refused it.
    made = []
    for election in (as_tuple, as_columns):
        try:
            made.append(election_rows(election).get(t.unit_figures))
        except StorageError as error:
            made.append(str(error))
    assert made[0] == made[1]
    storable = all(0 <= r.votes < 1 << 63 for r in rows)
    assert isinstance(made[0], str) == (not storable)
    if storable:
        blocks = [
            SimpleNamespace(**dict(zip(BLOCK_KEYS, row, strict=True))) for row in made[0] or ()
        ]
        assert (read_blocks(blocks, "stage 1") if rows else ()) == tuple(rows)
    (stage_t,), (stage_c,) = as_tuple.stages, as_columns.stages
    assert root_totals(stage_c) == root_totals(stage_t)
    assert unit_totals(stage_c, "early") == unit_totals(stage_t, "early")
    assert check_rollup(stage_c) == check_rollup(stage_t)
    outcomes = []
    for election in (as_tuple, as_columns):
        try:
            check_storable(election, "f.csv")
            check_figures(election, "f.csv")
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(str(error))
    assert outcomes[0] == outcomes[1]


def test_a_long_column_hashes_as_the_tuple_of_its_figures() -> None:
    rows = [
        UnitResult(f"p{n % 700}", f"c{n % 9}", n * 7, ("total", "early")[n % 2])
        for n in range(40_000)
    ]
    election = _election(UnitResults.of(rows))
    assert fingerprint(election) == fingerprint(_election(tuple(rows)))
    rows[-1] = UnitResult(rows[-1].unit, rows[-1].candidate, 1, rows[-1].vote_type)
    assert fingerprint(election) != fingerprint(_election(tuple(rows)))


def test_a_precinct_file_is_read_into_columns_of_a_few_bytes_a_figure(tmp_path: Path) -> None:
    lines = ["county,precinct,office,district,party,candidate,votes,early_voting"]
    for precinct in range(2000):
        for candidate in ("Ann Lee", "Bo Diaz", "Cy Young"):
            lines.append(f"Avon,{precinct},Governor,,,{candidate},{precinct % 97 + 3},3")
        lines.append(f"Avon,{precinct},Ballots Cast,,,,{precinct % 97 + 400},")
    (election,) = read_openelections("\n".join(lines), "avon.csv").elections
    (stage,) = election.stages
    held = stage.unit_results
    assert isinstance(held, UnitResults)
    assert len(held) == 2000 * (3 * 2 + 1)
    size = sum(
        column.itemsize * len(column)
        for column in (held.unit_codes, held.candidate_codes, held.type_codes, held.votes)
        if isinstance(column, array)
    )
    assert size / len(held) == 6  # 2-byte units, 1-byte candidates and types, 2-byte votes
    assert stage.ballots_cast == sum(p % 97 + 400 for p in range(2000))
    assert {r.name: r.votes for r in stage.results} == {
        name: sum(p % 97 + 3 for p in range(2000))  # the votes column, not its sum with early
        for name in ("Ann Lee", "Bo Diaz", "Cy Young")
    }
