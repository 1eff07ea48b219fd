"""Unit figures as numpy arrays and back (:mod:`tallyroom.unit_arrays`)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings

from tallyroom.model import UnitResult, UnitResults, unit_columns
from tallyroom.unit_arrays import code_arrays, unit_results

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
