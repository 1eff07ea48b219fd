"""Every defect of the three seed articles, found with the right code, line and likely figure.

The list was drawn up by reading the seeds, before the checks were written; each entry names the
defect it stands for. Nothing else may be reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tallyroom.checks import Finding, run_checks
from tallyroom.formats.article import parse_article
from tests.conftest import BALTIMORE, MILWAUKEE, PORTLAND

EXPECTED: dict[Path, set[tuple[str, int]]] = {
    MILWAUKEE: {
        # "Before Party"/"After Party: Democratic" although municipal elections are non-partisan.
        ("nonpartisan-holder-party", 24),
        ("nonpartisan-holder-party", 26),
        # "Turnout: 46.37%" with no registered-voter figure to check it against.
        ("turnout-unchecked", 27),
        # "(after only 1960 and 1988." — the parenthesis is never closed.
        ("unbalanced-parenthesis", 49),
        # Both results tables lost their rows.
        ("table-rows-lost", 59),
        ("table-rows-lost", 65),
        # "Total: 135 votes" for a city primary: 135,xxx cut at the comma.
        ("total-truncated", 61),
        # "Total: 161 votes": the infobox votes and percentages put it at about 161,8xx.
        ("total-truncated", 67),
    },
    PORTLAND: {
        # Nominee3/Nominee4 (Busse, Posey) ran only in the primary.
        ("nominee-from-other-stage", 20),
        ("nominee-from-other-stage", 22),
        # "May18, 2008": no space, and the wrong year (2004). The primary is dated May 18, 2004
        # (its caption names 2004), so it is not dated after the general: no stage-order.
        ("date-malformed", 31),
        ("date-year", 31),
        # "the November 6 general election" against the infobox's 2004-11-02.
        ("date-conflict", 31),
        # 'Scot "Extremo the Clown" Campbell' and 'David "The Ack" Ackerman' in the table.
        ("name-variant", 68),
        ("name-variant", 76),
        # "Total: 133 votes" for rows adding up to 133,259.
        ("total-truncated", 84),
        # "Total: 275 votes": 275,xxx, more than the rows' 273,394 — write-ins not listed.
        ("total-truncated", 91),
        ("votes-unaccounted", 91),
    },
    BALTIMORE: {
        # Totals 89, 2 and 198 for rows adding up to 89,423, 2,504 and 198,405.
        ("total-truncated", 46),
        ("total-truncated", 53),
        ("total-truncated", 62),
        # Charles U. Smith lost the Democratic primary and ran again as a write-in.
        ("primary-loser-write-in", 61),
    },
}


def _findings(path: Path) -> tuple[Finding, ...]:
    return run_checks(parse_article(path.read_text(encoding="utf-8"), source=str(path)))


@pytest.mark.parametrize("path", list(EXPECTED), ids=["milwaukee", "portland", "baltimore"])
def test_seed_findings_are_exactly_the_known_defects(seeds_dir: Path, path: Path) -> None:
    found = {(f.code, f.line) for f in _findings(path)}
    assert found == EXPECTED[path]


def _one(path: Path, code: str, line: int) -> Finding:
    matches = [f for f in _findings(path) if f.code == code and f.line == line]
    assert len(matches) == 1
    return matches[0]


@pytest.mark.parametrize(
    ("path", "line", "fix", "confidence"),
    [
        (PORTLAND, 84, "133,259 votes", "high"),
        (BALTIMORE, 46, "89,423 votes", "high"),
        (BALTIMORE, 53, "2,504 votes", "high"),
        (BALTIMORE, 62, "198,405 votes", "high"),
        (PORTLAND, 91, "a figure from 275,000 to 275,999 votes", "medium"),
        (MILWAUKEE, 61, "a figure from 135,000 to 135,999 votes", "low"),
    ],
)
def test_truncated_totals_suggest_the_likely_figure(
    seeds_dir: Path, path: Path, line: int, fix: str, confidence: str
) -> None:
    finding = _one(path, "total-truncated", line)
    assert finding.severity == "error"
    assert finding.fix == fix
    assert finding.confidence == confidence


def test_milwaukee_general_total_is_narrowed_by_the_infobox(seeds_dir: Path) -> None:
    finding = _one(MILWAUKEE, "total-truncated", 67)
    low, high = finding.evidence["likely_low"], finding.evidence["likely_high"]
    assert isinstance(low, int) and isinstance(high, int)
    # 86,493 votes are 53.45% and 74,361 are 45.96% of the same total, which begins 161,.
    assert 161_000 <= low <= high <= 161_999
    assert high - low < 50
    assert 86_493 * 10_000 // high <= 5345 <= 86_493 * 10_000 // low + 1


def test_portland_dates_suggest_fixes(seeds_dir: Path) -> None:
    assert _one(PORTLAND, "date-malformed", 31).fix == "May 18, 2008"
    assert _one(PORTLAND, "date-year", 31).fix == "May 18, 2004"
    assert _one(PORTLAND, "date-conflict", 31).fix == "November 2"
    year = _one(PORTLAND, "date-year", 31)
    assert year.evidence["prose_date"] == "2008-05-18"
    assert year.evidence["election_years"] == (2004,)


def test_unaccounted_votes_of_portland_general(seeds_dir: Path) -> None:
    finding = _one(PORTLAND, "votes-unaccounted", 91)
    assert finding.severity == "info"
    assert finding.evidence["rows_total"] == 273_394
    assert finding.evidence["unaccounted_low"] == 275_000 - 273_394
    assert finding.evidence["unaccounted_high"] == 275_999 - 273_394


def test_an_infobox_layout_type_is_no_finding(seeds_dir: Path) -> None:
    """ "Type: presidential" chooses the infobox's layout; it says nothing of the office."""
    for path in (PORTLAND, BALTIMORE):
        election = parse_article(path.read_text(encoding="utf-8"), source=str(path))
        assert (election.type or "").casefold() == "presidential"
        codes = {f.code for f in run_checks(election, families=("classification",))}
        assert "type-contradicts" not in codes
