"""Figures and names as reasons state them: "56,530", "42.4%", "Potter and Francesconi".

Percentages are formatted from exact fractions by integer arithmetic (half rounds up), with as
many decimals as it takes to tell a share apart from the threshold it is compared with.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from fractions import Fraction

from tallyroom.figures import percent, ratio_percent

__all__ = [
    "names_text",
    "percent_text",
    "ratio_percent_text",
    "ratio_share_text",
    "share_text",
    "threshold_text",
    "votes_text",
]


def votes_text(votes: int) -> str:
    return f"{votes:,}"


def percent_text(share: Fraction, places: int = 1) -> str:
    """``Fraction(1, 3)`` -> ``"33.3%"``, rounded by :func:`tallyroom.figures.percent`."""
    return f"{percent(share, places)}%"


def ratio_percent_text(numerator: int, denominator: int, places: int = 1) -> str:
    """``numerator / denominator`` (``denominator`` > 0) as :func:`percent_text` writes it:
    ``(1, 3)`` -> ``"33.3%"``."""
    return f"{ratio_percent(numerator, denominator, places)}%"


def threshold_text(threshold: Fraction) -> str:
    """A threshold as rules state it: ``Fraction(1, 2)`` -> ``"50%"``, 91/200 -> ``"45.5%"``."""
    return _threshold_text(threshold.numerator, threshold.denominator)


@functools.lru_cache(maxsize=256)
def _threshold_text(numerator: int, denominator: int) -> str:
    """:func:`threshold_text` of ``numerator / denominator``, memoised (a rules file has few
    thresholds, and each stage decided states its own; keyed by the two integers, which hash
    far faster than the fraction)."""
    threshold = Fraction(numerator, denominator)
    percent = threshold * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    for places in range(1, 8):
        if (percent * 10**places).denominator == 1:
            return percent_text(threshold, places)
    return percent_text(threshold, 8)


def share_text(share: Fraction, threshold: Fraction | None = None) -> str:
    """A share, with enough decimals not to look equal to ``threshold`` when it is not."""
    if threshold is None or share == threshold:
        return percent_text(share)
    for places in range(1, 8):
        text = percent_text(share, places)
        if text != _threshold_percent(threshold.numerator, threshold.denominator, places):
            return text
    return percent_text(share, 8)


def ratio_share_text(part: int, whole: int, threshold: Fraction) -> str:
    """:func:`share_text` of ``part / whole`` (``whole`` > 0), without making the fraction."""
    if part * threshold.denominator == threshold.numerator * whole:
        return ratio_percent_text(part, whole)
    for places in range(1, 8):
        text = ratio_percent_text(part, whole, places)
        if text != _threshold_percent(threshold.numerator, threshold.denominator, places):
            return text
    return ratio_percent_text(part, whole, 8)


#: :func:`ratio_percent_text` of a threshold (its numerator and denominator), memoised: a rules
#: file has few thresholds.
_threshold_percent = functools.lru_cache(maxsize=256)(ratio_percent_text)


def names_text(names: Sequence[str]) -> str:
    """``["A"]`` -> ``"A"``; ``["A", "B", "C"]`` -> ``"A, B and C"``; empty -> ``"no one"``."""
    if not names:
        return "no one"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"
