"""Planted-defect documents: each defect found with its code at its line, and nothing else;
clean documents: no warning and no error."""

from __future__ import annotations

import pytest

from tallyroom.checks import CODES, run_checks
from tallyroom.cli.demo import sample_elections
from tallyroom.formats.article import parse_article
from tests.conftest import TEST_DATA

DATA = TEST_DATA / "checks"

PLANTED: dict[str, set[tuple[str, int]]] = {
    "planted-arithmetic.txt": {
        ("percentage-mismatch", 8),  # 61.20% for 15,400 of 25,200 (61.11%)
        ("infobox-votes-mismatch", 10),  # 9,350 in the infobox, 9,800 in the table
        ("percentage-mismatch", 11),  # 37.14% for 9,800 of 25,200 (38.89%)
        ("turnout-mismatch", 15),  # 38% while 25,200 of 60,000 voted (42%)
        ("total-mismatch", 24),  # rows 25,200, total 24,000
    },
    "planted-damaged.txt": {
        ("digits-transposed", 7),  # 41,352 for the table's 41,532
        ("separator-misplaced", 10),  # 31,1,33
        ("separator-misplaced", 16),  # 1,20,000 in the prose
        ("digit-mistyped", 24),  # 59,605 for rows of 59,635
        ("total-truncated", 31),  # 72 for 72,665
    },
    "planted-missing.txt": {
        ("nominee-not-in-table", 10),  # Pia Holm in the infobox only
        ("table-rows-lost", 23),  # a primary caption with no rows
        ("rows-short-of-total", 31),  # rows 30,974 of 40,100
    },
    "planted-missing-2.txt": {
        ("candidate-not-in-table", 19),  # Ken Ward listed, in no table
        ("candidate-unlisted", 26),  # Rui Teles in the table, not listed
        ("votes-unaccounted", 27),  # 100 votes in no row
    },
    "planted-outcomes.txt": {
        ("winner-mismatch", 17),  # After Election: the loser
        ("after-party-mismatch", 18),  # After Party: the loser's party
        ("party-result-mismatch", 23),  # "Republican Hold" after a Democratic mayor
    },
    "planted-advancing.txt": {
        ("winner-mismatch", 12),  # After Election: the general's loser
        ("advancing-mismatch", 19),  # the third listed as advanced
        ("advancing-mismatch", 22),  # the second listed as eliminated
    },
    "planted-winner.txt": {
        ("winner-not-candidate", 12),  # After Election names no candidate
        ("weekday-mismatch", 14),  # November 7, 2006 was a Tuesday
        ("name-variant", 20),  # Gus Tamm / Gus R. Tamm
    },
    "planted-dates.txt": {
        ("weekday-mismatch", 14),  # "Monday, November 7, 2017" was a Tuesday
        ("date-malformed", 16),  # June 31
        ("date-conflict", 16),  # the general on November 9 against the table's November 7
        ("stage-order", 19),  # a primary caption dated after the general
    },
    "planted-dates-2.txt": {
        ("date-year", 16),  # a primary in 2012 for a 2016 election
        ("table-rows-lost", 27),
        ("implied-total-mismatch", 29),  # 60%/40% of 21,000/14,000 is 35,000, not 38,000
    },
    "planted-classification.txt": {
        ("type-contradicts", 4),  # gubernatorial
        ("nonpartisan-holder-party", 12),
        ("nonpartisan-with-parties", 20),
        ("nonpartisan-with-parties", 21),
    },
    "planted-primaries.txt": {
        ("duplicate-candidate", 26),
        ("primary-party-mismatch", 27),  # a Republican in the Democratic primary
        ("incumbent-mismatch", 33),  # the marker on someone who did not hold the office
        ("party-result-mismatch", 38),  # "Hold" for a Republican-to-Democratic change
    },
    "planted-labels.txt": {
        ("partisan-without-labels", 19),
        ("outcome-unchecked", 26),  # a tie the rules do not break
        ("partisan-without-labels", 26),
    },
    "planted-identity.txt": {
        ("unbalanced-parenthesis", 14),
        ("name-variant", 17),  # Lou Baptiste / Lou M. Baptiste
        ("unbalanced-parenthesis", 19),
        ("incumbent-mismatch", 32),
        ("primary-loser-write-in", 34),
    },
    "planted-impossible.txt": {
        ("percentage-out-of-range", 8),
        ("percentages-over-100", 8),
        ("turnout-over-100", 15),
        ("votes-exceed-registered", 24),
    },
    "planted-mixed-1.txt": {
        ("percentages-over-100", 8),  # 55.10% + 46.70%
        ("percentage-mismatch", 8),  # 55.10% for 52,340 of 98,2xx
        ("turnout-over-100", 15),
        ("unbalanced-parenthesis", 17),  # a ")" that closes nothing
        ("total-truncated", 24),  # 98 for 98,210
    },
    "planted-mixed-2.txt": {
        ("digit-mistyped", 7),  # 7,214 for the table's 7,314
        ("percentages-over-100", 8),  # 65% + 40%
        ("percentage-mismatch", 8),
        ("percentage-mismatch", 11),
        ("unbalanced-parenthesis", 16),
        ("total-mismatch", 23),  # rows 11,814, total 10,000
    },
}

CLEAN = ("clean-plurality.txt", "clean-top-two.txt", "clean-partisan.txt")


def _check(name: str) -> set[tuple[str, int | None]]:
    path = DATA / name
    election = parse_article(path.read_text(encoding="utf-8"), source=name)
    return {(f.code, f.line) for f in run_checks(election)}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_defects_are_found_and_nothing_else(name: str) -> None:
    assert _check(name) == PLANTED[name]


def test_planted_documents_cover_every_family_three_times() -> None:
    per_family: dict[str, set[str]] = {}
    for name, expected in PLANTED.items():
        for code, _ in expected:
            per_family.setdefault(CODES[code].family, set()).add(name)
    assert all(len(names) >= 3 for names in per_family.values()), per_family
    assert set(per_family) >= {
        "arithmetic",
        "damaged",
        "missing",
        "outcomes",
        "dates",
        "classification",
        "identity",
        "impossible",
    }


@pytest.mark.parametrize("name", CLEAN)
def test_clean_documents_raise_no_warning_or_error(name: str) -> None:
    path = DATA / name
    election = parse_article(path.read_text(encoding="utf-8"), source=name)
    loud = [f for f in run_checks(election) if f.severity != "info"]
    assert loud == []


def test_clean_partisan_document_reports_its_write_in_as_info() -> None:
    assert _check("clean-partisan.txt") == {("primary-loser-write-in", 41)}


@pytest.mark.parametrize(
    "source", ["2019-writeinburg-write-in.txt", "2023-sampleton-runoff.txt", "2004-portland.txt"]
)
def test_corrected_samples_raise_no_warning_or_error(source: str) -> None:
    (election,) = [e for e in sample_elections() if e.source == source]
    assert [f for f in run_checks(election) if f.severity != "info"] == []


def test_min_severity_filters() -> None:
    path = DATA / "planted-identity.txt"
    election = parse_article(path.read_text(encoding="utf-8"), source=path.name)
    every = run_checks(election)
    warnings = run_checks(election, min_severity="warning")
    assert {f.severity for f in warnings} == {"warning"}
    assert len(warnings) < len(every)
