"""Unit figures as numpy arrays and back (:mod:`tallyroom.unit_arrays`)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings

from tallyroom.model import UnitResult, UnitResults, unit_columns
from tallyroom.unit_arrays import (
    canonical_codes,
    canonical_columns,
    code_arrays,
    narrowest,
    unit_results,
    vote_type,
)

from .test_model_unit_results import figures


@settings(max_examples=300)
@given(figures)
def test_figures_made_of_their_arrays_are_the_same_figures(rows: list[UnitResult]) -> None:
    held = UnitResults.from_columns(*unit_columns(tuple(rows)))
    arrays = code_arrays(held)
    made = unit_results(held.units, held.candidates, held.vote_types, *arrays)
    assert made == held and tuple(made) == tuple(rows)
    assert pickle.loads(pickle.dumps(made)) == held
    for ours, theirs in zip(code_arrays(made), arrays, strict=True):
        assert ours.tolist() == theirs.tolist()
    # each column as narrow as from_columns keeps it
    for name in ("unit_codes", "candidate_codes", "type_codes", "votes"):
        ours, theirs = getattr(made, name), getattr(held, name)
        assert getattr(ours, "typecode", None) == getattr(theirs, "typecode", None), name


def test_arrays_share_the_figures_memory_and_cannot_change_them() -> None:
    held = UnitResults.of([UnitResult("p1", "Ann", 5, "total"), UnitResult("p2", "Bo", 7, "total")])
    units, _, _, votes = code_arrays(held)
    assert votes.tolist() == [5, 7] and units.tolist() == [0, 1]
    with pytest.raises(ValueError):
        votes[0] = 9
    assert held[0].votes == 5


def test_codes_outside_their_names_and_columns_of_different_lengths_are_refused() -> None:
    one = np.array([0], dtype=np.uint8)
    with pytest.raises(ValueError, match="outside its names"):
        unit_results(("p1",), ("Ann",), ("total",), np.array([1]), one, one, one)
    with pytest.raises(ValueError, match="different lengths"):
        unit_results(("p1",), ("Ann",), ("total",), one, one, one, np.array([1, 2]))


@settings(max_examples=200)
@given(figures)
def test_canonical_codes_are_the_canonical_columns_narrowed_made_once(
    rows: list[UnitResult],
) -> None:
    held = UnitResults.of(rows)
    names, codes, votes = canonical_codes(held)
    expected_names, expected_codes, expected_votes = canonical_columns(held)
    assert names == expected_names
    assert (votes is None) == (expected_votes is None)
    if votes is not None and expected_votes is not None:
        assert votes.tolist() == expected_votes.tolist()
    for ours, theirs, used in zip(codes, expected_codes, expected_names, strict=True):
        assert ours.tolist() == theirs.tolist()
        assert ours.dtype == narrowest(theirs, len(used) - 1).dtype
        assert not ours.flags.writeable  # shared with the next caller
    # the fingerprint and the stored block of the same figures share one making of them
    again = canonical_codes(held)
    assert again[0] is names and all(a is b for a, b in zip(again[1], codes, strict=True))
    assert canonical_codes(UnitResults.of(rows))[0] == names  # other figures, equal: made anew


@pytest.mark.parametrize(
    ("top", "kind"),
    [
        (0, "<u2"),
        (65_535, "<u2"),
        (65_536, "<u4"),
        (2**32 - 1, "<u4"),
        (2**32, "<i8"),
        (2**63 - 1, "<i8"),
    ],
)
def test_a_column_of_votes_takes_the_type_the_models_arrays_hold_it_in(top: int, kind: str) -> None:
    held = UnitResults.of(
        [UnitResult("p1", "Ann", 0, "total"), UnitResult("p2", "Bo", top, "total")]
    )
    assert vote_type(top).str == kind
    assert vote_type(top) == code_arrays(held)[3].dtype.newbyteorder("<")
