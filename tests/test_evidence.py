"""What a document's figures support: infobox columns, who is who, and a stage's true total.

The sample articles carry the usual cases (tests/test_checks_*.py); these are the edges, each
from a small election written here or a sample changed by one line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from tallyroom.evidence import (
    _decimal,
    _truncated_by_scale,
    _truncation,
    infobox_columns,
    intersect,
    same_person,
    stage_totals,
)
from tallyroom.formats import read_path
from tallyroom.model import CandidateResult, Election, InfoboxCandidate, InfoboxField, Stage
from tests.conftest import ROOT

MILWAUKEE = ROOT / "tallyroom" / "data" / "samples" / "2004-milwaukee.txt"


def test_an_infobox_column_without_a_name_is_no_candidate() -> None:
    (election,) = read_path(MILWAUKEE)
    named = infobox_columns(election)
    blank = InfoboxField("Candidate3", "", None)
    fewer = infobox_columns(dataclasses.replace(election, infobox=(*election.infobox, blank)))
    assert [c.name for c in fewer] == [c.name for c in named]


def test_percentages_that_are_not_numbers_are_unknown() -> None:
    assert _decimal("53.45%") == Decimal("53.45")
    assert _decimal("about half") is None
    assert _decimal("Infinity") is None


def test_who_is_who() -> None:
    assert same_person('David "The Ack" Ackerman', "David Ackerman")
    assert same_person("Arthur L. Jones", "Arthur Jones")
    assert not same_person("John A. B. Smith", "John C. Smith")
    assert not same_person("Ann Lee", "Bo Lee")


def test_ranges_intersect() -> None:
    assert intersect(None, (1, 5)) == (1, 5)
    assert intersect((1, 5), None) == (1, 5)
    assert intersect((1, 5), (3, 9)) == (3, 5)
    assert intersect((1, 2), (3, 4)) is None


def test_a_stated_total_is_cut_only_when_the_other_figures_say_so() -> None:
    # Nothing to compare with: not judged.
    assert _truncation(161, None, None) == (None, None)
    # At least the rows: not cut.
    assert _truncation(200_000, 160_854, None) == (None, None)
    # Within what the percentages allow: not cut.
    assert _truncation(161_800, None, (161_791, 161_812)) == (None, None)
    # Cut: the percentages narrow it, the rows bound it from below.
    assert _truncation(161, 160_854, (161_791, 161_812)) == ((161_791, 161_812), "percentages")
    # Percentages that no thousands cut can meet: not judged cut.
    assert _truncation(161, None, (500_000, 500_100)) == (None, None)
    # The rows alone: the cut's range from the rows' sum up.
    assert _truncation(133, 133_259, None) == ((133_259, 133_999), "rows")
    # A cut whose range lies wholly below the rows is tried at the next power.
    assert _truncation(2, 2_504_000, None) == ((2_504_000, 2_999_999), "rows")
    # A cut far above the rows (more than a plausible share of unaccounted votes): not judged.
    assert _truncation(9, 1_000, None) == (None, None)


def test_a_total_a_hundred_times_smaller_than_another_stage_is_cut() -> None:
    assert _truncated_by_scale(135, 161_800) == (135_000, 135_999)
    assert _truncated_by_scale(135, 10_000) is None  # not a hundred times smaller
    assert _truncated_by_scale(0, 1_000_000) is None
    assert _truncated_by_scale(5, 5_000_000_000_000) is None  # no power of 1,000 within 10x


def test_without_rows_or_a_stated_total_the_infobox_implies_the_total() -> None:
    general = Stage(kind="general", date=dt.date(2004, 4, 6), caption="General election")
    election = Election(
        title="2004 Milwaukee mayoral election",
        nominees=(
            InfoboxCandidate("Tom Barrett", votes=86_493, stated_percentage=Decimal("53.45")),
            InfoboxCandidate("Marvin Pratt", votes=74_361, stated_percentage=Decimal("45.96")),
        ),
        stages=(general,),
    )
    (total,) = stage_totals(election)
    assert total.stated is None and total.rows is None
    assert total.likely == total.implied and total.implied is not None
    low, high = total.implied
    assert low <= 161_812 and high >= 161_791


def test_rows_and_a_larger_stated_total_make_the_stated_one_likely() -> None:
    stage = Stage(
        kind="general",
        results=(CandidateResult("A", 600), CandidateResult("B", 400)),
        stated_total=1_020,
    )
    (total,) = stage_totals(Election(title="x", stages=(stage,)))
    assert total.rows == 1_000 and total.likely == (1_020, 1_020) and total.truncated is None
