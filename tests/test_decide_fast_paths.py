"""The quick ways the rules and the checks take give what the plain ways give.

- A finding made by :meth:`~tallyroom.checks.types.CheckCode.found` is the finding the
  dataclass makes: equal, equally hashed, immutable, with a read-only copy of its evidence.
- :func:`~tallyroom.rules.wording.ratio_share_text` writes ``part / whole`` as
  :func:`~tallyroom.rules.wording.share_text` writes the fraction; a threshold's text, memoised,
  stays what it was.
- :func:`~tallyroom.rules.selection.select_leaders` without a shared count takes the candidates
  in the order of their votes, as the general way (with shared counts) does.
- A stage whose leader has exactly the threshold's share is decided by the integer comparison
  as by the fractions; votes no row accounts for at exactly the plausible share are judged as
  the float comparison judged them; a turnout's derived percentage is the fraction's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.checks import run_checks
from tallyroom.checks.context import make_context
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.evidence import UNACCOUNTED_PLAUSIBLE, pct_text
from tallyroom.figures import ratio_percent
from tallyroom.model import CandidateResult, Election, Stage
from tallyroom.rules.deciding import decide
from tallyroom.rules.selection import select_leaders
from tallyroom.rules.types import RulesSpec, StageRule, TieBreak
from tallyroom.rules.wording import percent_text, ratio_share_text, share_text, threshold_text

CODE = CheckCode("total-mismatch", "arithmetic", "error", "a title")


def test_found_makes_the_dataclass_finding() -> None:
    election = Election(title="t", source="f.txt")
    evidence = {"stated_total": 5, "names": ("A", "B")}
    made = CODE.found(election, 3, "Total", "m", evidence, fix="x", confidence="medium")
    plain = Finding("total-mismatch", "error", "f.txt", 3, "Total", "m", evidence, "x", "medium")
    assert type(made) is Finding
    assert made == plain
    assert hash(made) == hash(plain)
    assert repr(made) == repr(plain)
    evidence["stated_total"] = 6  # the finding keeps its own copy
    assert made.evidence["stated_total"] == 5
    with pytest.raises(TypeError):
        made.evidence["stated_total"] = 7  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 4  # type: ignore[misc]
    assert dataclasses.replace(made, line=4).line == 4
    bare = CODE.found(election, None, None, "m")
    assert bare == Finding("total-mismatch", "error", "f.txt", None, None, "m")
    assert dict(bare.evidence) == {} and bare.confidence == "high" and bare.fix is None


@settings(max_examples=400, deadline=None)
@given(
    part=st.integers(0, 10**9),
    extra=st.integers(0, 10**9),
    numerator=st.integers(1, 999),
    denominator=st.integers(1, 1000),
)
def test_ratio_share_text_is_share_text(
    part: int, extra: int, numerator: int, denominator: int
) -> None:
    whole = part + extra + 1
    threshold = Fraction(numerator, denominator)
    assert ratio_share_text(part, whole, threshold) == share_text(Fraction(part, whole), threshold)


@pytest.mark.parametrize(
    ("part", "whole", "threshold"),
    [(1, 2, Fraction(1, 2)), (2, 4, Fraction(1, 2)), (4999, 10000, Fraction(1, 2))],
)
def test_ratio_share_text_at_the_threshold(part: int, whole: int, threshold: Fraction) -> None:
    assert ratio_share_text(part, whole, threshold) == share_text(Fraction(part, whole), threshold)


@pytest.mark.parametrize(
    ("threshold", "text"),
    [(Fraction(1, 2), "50%"), (Fraction(91, 200), "45.5%"), (Fraction(1, 3), "33.33333333%")],
)
def test_threshold_text_memoised(threshold: Fraction, text: str) -> None:
    assert threshold_text(threshold) == text
    assert threshold_text(threshold) == text  # from the memo
    assert (
        percent_text(threshold, 3)
        == f"{ratio_percent(threshold.numerator, threshold.denominator, 3)}%"
    )


def _general(counts: list[tuple[str, int]], n: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The leaders and the rest as the general way takes them (every count shared by one)."""
    ordered = [name for name, _ in sorted(counts, key=lambda item: (-item[1], item[0]))]
    seats = max(n, 0)
    return tuple(ordered[:seats]), tuple(ordered[seats:])


@settings(max_examples=300, deadline=None)
@given(
    votes=st.lists(st.integers(0, 10**6), unique=True, max_size=9),
    n=st.integers(-1, 10),
)
def test_select_leaders_without_shared_counts(votes: list[int], n: int) -> None:
    counts = [(f"Candidate {i}", v) for i, v in enumerate(votes)]
    picked = select_leaders(counts, n, TieBreak("none"))
    assert (picked.chosen, picked.rest) == _general(counts, n)
    assert picked.tied is None and picked.record is None and picked.reasons == ()
    assert select_leaders(list(reversed(counts)), n, TieBreak("none")) == picked


def test_select_leaders_with_a_shared_count_still_reports_the_tie() -> None:
    picked = select_leaders([("A", 5), ("B", 5), ("C", 1)], 1, TieBreak("none"))
    assert picked.tied == ("A", "B") and picked.chosen == () and picked.rest == ("C",)


def _stage(*votes: int, total: int | None = None) -> Stage:
    rows = tuple(CandidateResult(f"Candidate {i}", v) for i, v in enumerate(votes))
    return Stage(kind="general", results=rows, stated_total=total, date=dt.date(2004, 11, 2))


@pytest.mark.parametrize("inclusive", [False, True])
def test_majority_at_exactly_the_threshold(inclusive: bool) -> None:
    rule = StageRule("majority-runoff", threshold=Fraction(1, 2), threshold_inclusive=inclusive)
    rules = RulesSpec(name="t", title="t", law="t", general=rule, runoff=StageRule("plurality"))
    outcome = decide(_stage(50, 30, 20), rules)
    assert (outcome.further_stage is False) is inclusive
    assert "(50.0%)" in outcome.reasons[0].text


@pytest.mark.parametrize(
    ("unaccounted", "code"), [(4, "votes-unaccounted"), (5, "rows-short-of-total")]
)
def test_unaccounted_at_the_plausible_share(unaccounted: int, code: str) -> None:
    # 5 of 100 is exactly the plausible share; as a float (0.05, a hair above 1/20) it is over.
    assert Fraction(5, 100) == UNACCOUNTED_PLAUSIBLE
    election = Election(
        title="t", source="f.txt", stages=(_stage(60, 100 - 60 - unaccounted, total=100),)
    )
    codes = {finding.code for finding in run_checks(election, context=make_context(election))}
    assert code in codes


@settings(max_examples=300, deadline=None)
@given(cast=st.integers(0, 10**8), registered=st.integers(1, 10**8), places=st.integers(0, 4))
def test_turnout_percentage_is_the_fractions(cast: int, registered: int, places: int) -> None:
    assert ratio_percent(cast, registered, places) == pct_text(
        Fraction(cast * 100, registered), places
    )
