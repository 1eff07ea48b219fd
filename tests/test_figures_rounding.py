"""The one rounding rule of tallyroom, and RCTab's cut for its own reports, side by side."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyroom.figures import percent, ratio_percent, rctab_percent


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 800, "0.13"), (1, 3, "33.33"), (2, 3, "66.67"), (1, 2, "50.00"), (0, 7, "0.00")],
)
def test_percent_rounds_half_up_to_two_places(part: int, whole: int, expected: str) -> None:
    assert percent(Fraction(part, whole)) == ratio_percent(part, whole) == expected


@pytest.mark.parametrize(
    ("votes", "active", "expected"),
    [("1", "3", "33.33%"), ("2", "3", "66.66%"), ("1", "2", "50.0%"), ("0", "5", "0.0%"),
     ("5", "5", "100.0%"), ("1", "0", "")],
)  # fmt: skip
def test_rctab_percent_cuts_to_four_places_of_the_fraction(
    votes: str, active: str, expected: str
) -> None:
    assert rctab_percent(Decimal(votes), Decimal(active)) == expected


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_the_cut_never_exceeds_the_rounded_share(part: int, extra: int) -> None:
    whole = part + extra
    cut = Decimal(rctab_percent(Decimal(part), Decimal(whole)).rstrip("%"))
    rounded = Decimal(percent(Fraction(part, whole)) or "0")
    assert cut <= Fraction(part, whole) * 100 < cut + Decimal("0.01")
    assert abs(rounded - cut) <= Decimal("0.01")
