"""How two figures that should be equal differ when one was mistyped."""

from __future__ import annotations

from typing import Literal

__all__ = ["Slip", "digit_slip"]

Slip = Literal["transposed", "mistyped"]


def digit_slip(a: int, b: int) -> Slip | None:
    """ "transposed" when two neighbouring digits are swapped, "mistyped" when one digit differs,
    else None (also when equal or of different lengths)."""
    if a == b or a < 0 or b < 0:
        return None
    x, y = str(a), str(b)
    if len(x) != len(y):
        return None
    diffs = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if len(diffs) == 1:
        return "mistyped"
    if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        i, j = diffs
        if x[i] == y[j] and x[j] == y[i]:
            return "transposed"
    return None
