"""The stage a date of prose belongs to, found by bisection over the clause's stage words, is the
one the plain reading finds (every stage word looked at for every date); and the checks find
a clause's dates and tell whether a spelled date lies within a full one as a plain scan does."""

from __future__ import annotations

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.checks import dates as checks_dates
from tallyroom.formats.dates import StageWords, find_dates, stage_kind_near, stage_words
from tallyroom.model import StageKind

_APART = re.compile(r"\b(after|before|following|since|than|unlike)\b", re.I)


def plain_stage_kind_near(clause: str, start: int, end: int, words: StageWords) -> StageKind | None:
    """The rule read plainly: the stage word right after the date, else the nearest one before
    it, else the first one after it unless a word sets the date apart from it."""
    after = [word for word in words if word[0] >= end]
    before = [word for word in words if word[1] <= start]
    if after and not clause[end : after[0][0]].strip():
        chosen = after[0][2]
    elif before:
        chosen = before[-1][2]
    elif after and _APART.search(clause, end, after[0][0]) is None:
        chosen = after[0][2]
    else:
        return None
    if chosen.startswith("primar"):
        return "primary"
    if chosen == "general":
        return "general"
    return "runoff"


_PIECES = [
    "May 18, 2004",
    "November 2, 2004",
    "2004-11-02",
    "6 April 2004",
    "primary",
    "Primaries",
    "general",
    "GENERAL",
    "runoff",
    "run-off",
    "primaryx",
    "xgeneral",
    "after",
    "Before",
    "following",
    "since",
    "than",
    "unlike",
    "afterwards",
    "the",
    "election",
    "held on",
    "on",
    ",",
    " ",
    "  ",
    "\t",
    "\u00a0",
    "x",
    "ſince",
]


def _check_clause(clause: str) -> None:
    words = stage_words(clause)
    assert [word[0] for word in words] == sorted(word[0] for word in words)
    spans = [match.span() for _, match in find_dates(clause)]
    # Every date of the clause, and a sample of other spans (the rule holds for any span).
    spans += [(start, start + 3) for start in range(0, len(clause), 7)]
    for start, end in spans:
        expected = plain_stage_kind_near(clause, start, end, words)
        assert stage_kind_near(clause, start, end, words) == expected, (clause, start, end)
        assert stage_kind_near(clause, start, end) == expected, (clause, start, end)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=16).map(" ".join))
def test_stage_kind_near_is_the_plain_reading(clause: str) -> None:
    _check_clause(clause)


def test_stage_kind_near_is_the_plain_reading_in_long_generated_clauses() -> None:
    # Long clauses: many dates before the first stage word, between words and after the last.
    rng = random.Random(20041102)
    for _ in range(200):
        pieces = rng.choices(_PIECES, k=rng.randrange(1, 120))
        joiners = rng.choices([" ", "", ", ", "  "], k=len(pieces))
        clause = "".join(piece + joiner for piece, joiner in zip(pieces, joiners, strict=True))
        _check_clause(clause)


def test_a_date_before_every_stage_word_is_set_apart_only_by_a_word_after_it() -> None:
    clause = "May 18, 2004 and June 1, 2004, after which November 2, 2004 came the general"
    kinds = [stage_kind_near(clause, m.start(), m.end()) for _, m in find_dates(clause)]
    assert kinds == [None, None, "general"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=6), max_size=12),
    st.integers(min_value=0, max_value=80),
)
def test_within_a_span_is_the_plain_test(lengths: list[int], position: int) -> None:
    # Spans in order, none overlapping another, with gaps of 0 to 2 between them.
    spans = []
    at = 0
    for number, length in enumerate(lengths):
        at += number % 3
        spans.append((at, at + length))
        at += length
    plain = any(start <= position < end for start, end in spans)
    assert checks_dates._within(position, spans) == plain
