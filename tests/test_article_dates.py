"""A stage's date comes from the strongest source: its table's caption, then the infobox, then
the prose; a year the caption names outweighs the prose's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tallyroom.formats.article import read_article
from tallyroom.formats.dates import stage_kind_near
from tallyroom.model import Election
from tests.conftest import BALTIMORE, MILWAUKEE, PORTLAND

SAMPLES = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "samples"


def dates(election: Election) -> list[tuple[str, dt.date | None, str | None]]:
    return [(s.kind, s.date, s.date_source) for s in election.stages]


def test_portland_primary_takes_its_year_from_the_caption(seeds_dir: Path) -> None:
    # Caption "Portland mayoral primary election, 2004"; prose "... primary election on
    # May18, 2008." (line 31); the general's caption names only 2004, the infobox 2004-11-02.
    read = read_article(PORTLAND.read_text(encoding="utf-8"), PORTLAND.name)
    assert dates(read.election) == [
        ("primary", dt.date(2004, 5, 18), "prose"),
        ("general", dt.date(2004, 11, 2), "infobox"),
    ]
    (warning,) = read.warnings
    assert warning.describe() == (
        f"{PORTLAND.name}:31: warning: the prose dates the primary May 18, 2008 but its table's "
        "caption 'Portland mayoral primary election, 2004' names 2004: read as May 18, 2004"
    )


def test_seeds_whose_prose_agrees_with_the_captions_read_without_warnings(
    seeds_dir: Path,
) -> None:
    baltimore = read_article(BALTIMORE.read_text(encoding="utf-8"), BALTIMORE.name)
    assert dates(baltimore.election) == [
        ("primary", dt.date(2003, 9, 9), "prose"),
        ("primary", dt.date(2003, 9, 9), "prose"),
        ("general", dt.date(2004, 11, 2), "infobox"),
    ]
    milwaukee = read_article(MILWAUKEE.read_text(encoding="utf-8"), MILWAUKEE.name)
    assert dates(milwaukee.election) == [
        ("primary", dt.date(2004, 2, 17), "caption"),
        ("general", dt.date(2004, 4, 6), "caption"),
    ]
    assert baltimore.warnings == milwaukee.warnings == ()


def test_a_caption_date_outweighs_the_infobox_and_the_prose() -> None:
    election = read_article((SAMPLES / "2004-portland.txt").read_text(encoding="utf-8")).election
    assert dates(election) == [
        ("primary", dt.date(2004, 5, 18), "caption"),
        ("general", dt.date(2004, 11, 2), "caption"),
    ]


def article(caption: str, prose: str, infobox: str = "") -> str:
    box = f"Infobox\n- Election Date: {infobox}\n\n" if infobox else ""
    return (
        f"= 2004 Town mayoral election =\n\n{box}{prose}\n\n"
        f"  - {caption}**\n\n- Ann Lee (X): 10 votes\n- Bo Ray (X): 7 votes\n"
    )


def test_the_prose_date_in_the_captions_year_is_chosen_over_an_earlier_one() -> None:
    text = article(
        "Primary election results, 2004",
        "The primary of 2000 was on May 16, 2000. This primary was held on May 18, 2004.",
    )
    read = read_article(text)
    assert dates(read.election) == [("primary", dt.date(2004, 5, 18), "prose")]
    assert read.warnings == ()


def test_a_prose_date_stands_when_the_caption_names_no_single_year() -> None:
    for caption in ("Primary election results", "Primary election results, 2003–04"):
        read = read_article(article(caption, "The primary was held on May 18, 2008."))
        assert dates(read.election) == [("primary", dt.date(2008, 5, 18), "prose")]
        assert read.warnings == ()


def test_a_day_the_captions_year_lacks_leaves_the_stage_undated() -> None:
    read = read_article(
        article("Primary election results, 2005", "The primary was held on February 29, 2004.")
    )
    assert dates(read.election) == [("primary", None, None)]
    (warning,) = read.warnings
    assert warning.line == 3
    assert warning.message.endswith("names 2005, which has no February 29: left undated")


def test_the_infobox_dates_the_deciding_stage_before_the_prose() -> None:
    text = article(
        "General election results, 2004",
        "The general election was held on November 9, 2004.",
        infobox="November 2, 2004",
    )
    read = read_article(text)
    assert dates(read.election) == [("general", dt.date(2004, 11, 2), "infobox")]
    assert read.warnings == ()


def test_a_prose_date_belongs_to_the_stage_named_next_to_it() -> None:
    # The clause names the primary first, but the date is the general election's.
    prose = (
        "Nobody won half of the votes in the primary, so the top two met in the "
        "November 2, 2004 general election."
    )
    read = read_article(article("Primary election results", prose))
    assert dates(read.election) == [("primary", None, None)]
    both = prose.replace("primary,", "primary on May 18, 2004,")
    read = read_article(article("Primary election results", both))
    assert dates(read.election) == [("primary", dt.date(2004, 5, 18), "prose")]


@pytest.mark.parametrize(
    ("clause", "date", "kind"),
    [
        ("advanced to a runoff in the November 6, 2004 general election", "November", "general"),
        ("the primary was held on May 18, 2004", "May", "primary"),
        ("on April 6, 2004, in the primaries", "April", "primary"),
        # A date set apart from the stage named after it is not that stage's.
        ("on April 6, 2004, after the primaries", "April", None),
        ("elected on November 2, 2004, after party primaries on May 18", "November", None),
        ("the run-off of December 5, 2017", "December", "runoff"),
        ("the vote of April 6, 2004", "April", None),
    ],
)
def test_stage_kind_near(clause: str, date: str, kind: str | None) -> None:
    start = clause.index(date)
    end = clause.index("2004" if "2004" in clause else "2017") + 4
    assert stage_kind_near(clause, start, end) == kind
