"""The article reader on the three seed articles and on the odd cases of the samples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tallyroom.claims import stated_statuses
from tallyroom.formats.article import parse_article, read_article
from tallyroom.model import Election
from tests.conftest import BALTIMORE, MILWAUKEE, PORTLAND

SAMPLES = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "samples"


def read(path: Path) -> Election:
    if not path.exists():
        pytest.skip(f"seed article not found at {path}")
    return parse_article(path.read_text(encoding="utf-8"), source=path.name)


def test_milwaukee_every_figure() -> None:
    e = read(MILWAUKEE)
    assert e.title == "2004 Milwaukee mayoral election"
    assert (e.jurisdiction.city, e.jurisdiction.state) == ("Milwaukee", "Wisconsin")
    assert e.office == "Mayor"
    assert e.type == "mayoral"
    assert e.date == dt.date(2004, 4, 6)
    assert (e.previous_election, e.previous_year) == ("2000 Milwaukee mayoral election", 2000)
    assert (e.next_election, e.next_year) == ("2008 Milwaukee mayoral election", 2008)
    assert (e.before_holder, e.before_acting, e.before_party) == (
        "Marvin Pratt",
        True,
        "Democratic",
    )
    assert (e.after_holder, e.after_party) == ("Tom Barrett", "Democratic")
    assert e.stated_turnout == Decimal("46.37")
    assert [(n.name, n.votes, n.stated_percentage) for n in e.nominees] == [
        ("Tom Barrett", 86493, Decimal("53.45")),
        ("Marvin Pratt", 74361, Decimal("45.96")),
    ]
    primary, general = e.stages
    assert (primary.kind, primary.party, primary.date) == ("primary", None, dt.date(2004, 2, 17))
    assert primary.date_source == "caption"
    # Both tables lost their rows: only the (truncated) totals survive.
    assert primary.results == () and primary.stated_total == 135
    assert primary.computed_total is None
    assert (general.kind, general.date, general.stated_total) == (
        "general",
        dt.date(2004, 4, 6),
        161,
    )
    assert general.results == ()
    assert [c.name for c in e.candidates][:2] == ["Tom Barrett", "Marvin Pratt"]
    assert len(e.candidates) == 10
    assert e.candidates[2].description == "former municipal judge"
    assert e.candidates[0].section == ("Candidates", "Advanced to general election")
    assert e.candidates[9].section == ("Candidates", "Eliminated in nonpartisan primary election")
    statuses = stated_statuses(e, 0)
    assert statuses["Marvin Pratt"] == "advanced" and statuses["Leon Todd"] == "eliminated"
    assert stated_statuses(e, 1) == {"Tom Barrett": "elected", "Marvin Pratt": "defeated"}
    assert any("non-partisan" in p.text for p in e.paragraphs)
    assert primary.total_line == 61 and general.total_line == 67
    assert len(e.infobox) == 24 and e.infobox[0].line == 4


def test_portland_every_figure() -> None:
    e = read(PORTLAND)
    assert (e.jurisdiction.city, e.jurisdiction.state) == ("Portland", "Oregon")
    assert e.type == "presidential"  # stated, though wrong: the checks flag it
    assert e.date == dt.date(2004, 11, 2)
    assert [n.name for n in e.nominees] == [
        "Tom Potter",
        "Jim Francesconi",
        "Phil Busse",
        "James L. Posey",
    ]
    assert all(n.votes is None and n.stated_percentage is None for n in e.nominees)
    primary, general = e.stages
    assert len(primary.results) == 23
    assert primary.results[0].name == "Tom Potter" and primary.results[0].votes == 56530
    assert primary.results[-1].name == "Bruce W. Hollen" and primary.results[-1].votes == 67
    assert all(r.party is None for r in primary.results)  # "Nonpartisan candidate"
    assert (primary.stated_total, primary.computed_total) == (133, 133259)
    # The caption names only the year, 2004; the prose gives the day in a damaged "May18, 2008",
    # whose year yields to the caption's (the checks report the prose's year).
    assert (primary.date, primary.date_source) == (dt.date(2004, 5, 18), "prose")
    assert (general.stated_total, general.computed_total) == (275, 273394)
    assert (general.date, general.date_source) == (dt.date(2004, 11, 2), "infobox")
    assert [(r.name, r.votes) for r in general.results] == [
        ("Tom Potter", 168377),
        ("Jim Francesconi", 105017),
    ]
    assert len(e.candidates) == 23
    ack = next(c for c in e.candidates if c.name == "David Ackerman")
    assert ack.nickname == "The Ack" and ack.display_name == 'David "The Ack" Ackerman'
    assert next(c for c in e.candidates if c.name == "Scot Campbell").nickname == (
        "Extremo the Clown"
    )
    statuses = stated_statuses(e, 0)
    assert statuses["Tom Potter"] == statuses["Jim Francesconi"] == "advanced"
    assert statuses["David Ackerman"] == "eliminated"


def test_baltimore_every_figure() -> None:
    e = read(BALTIMORE)
    assert e.title == "2003–04 Baltimore mayoral election"
    assert (e.jurisdiction.city, e.jurisdiction.state) == ("Baltimore", "Maryland")
    assert e.infobox_value("Election Name") == "Baltimore mayoral election, 2003–2004"
    assert e.before_party == "Democratic Party (United States)"
    dem, rep, general = e.stages
    assert (dem.kind, dem.party, rep.party, general.kind) == (
        "primary",
        "Democratic",
        "Republican",
        "general",
    )
    # The primaries' date is only in prose.
    assert dem.date == rep.date == dt.date(2003, 9, 9) and dem.date_source == "prose"
    assert general.date == dt.date(2004, 11, 2)
    omalley = dem.results[0]
    assert (omalley.name, omalley.votes, omalley.incumbent) == ("Martin O'Malley", 59569, True)
    assert omalley.party == "Democratic Party (United States)"
    assert (dem.stated_total, dem.computed_total) == (89, 89423)
    assert (rep.stated_total, rep.computed_total) == (2, 2504)
    assert [(r.name, r.votes, r.write_in) for r in general.results] == [
        ("Martin O'Malley", 173030, False),
        ("Elbert R. Henderson", 24445, False),
        ("Frank M. Conaway", 926, True),
        ("Charles U. Smith", 4, True),
    ]
    assert (general.stated_total, general.computed_total) == (198, 198405)
    assert general.result == "Democratic Party (United States) Hold"
    assert e.party_result == general.result
    assert [(n.name, n.votes, n.stated_percentage) for n in e.nominees] == [
        ("Martin O'Malley", 173030, Decimal("87.21")),
        ("Elbert R. Henderson", 24445, Decimal("12.32")),
    ]
    # A write-in in the general is not the primary's nominee.
    assert stated_statuses(e, 0)["Charles U. Smith"] == "eliminated"
    assert stated_statuses(e, 0)["Martin O'Malley"] == "advanced"


def test_shares_are_exact_and_use_the_rows_when_the_total_is_damaged() -> None:
    general = read(BALTIMORE).stages[2]
    assert general.counted_total == 198405
    share = general.share(173030)
    assert share is not None and share.numerator * 198405 == 173030 * share.denominator


def test_runoff_tie_and_write_in_samples() -> None:
    runoff = parse_article((SAMPLES / "2023-sampleton-runoff.txt").read_text())
    assert [s.kind for s in runoff.stages] == ["primary", "runoff"]
    assert runoff.deciding_stage is runoff.stages[1]
    tie = parse_article((SAMPLES / "2021-tiedale-tie.txt").read_text())
    first, second, _ = tie.stages[0].ranked()
    assert first.votes == second.votes == 1204
    write_in = parse_article((SAMPLES / "2019-writeinburg-write-in.txt").read_text())
    winner = write_in.stages[-1].ranked()[0]
    assert (winner.name, winner.write_in, winner.party) == ("Gus Hallett", True, "Independent")
    assert stated_statuses(write_in, 1)["Gus Hallett"] == "elected"


@pytest.mark.parametrize(
    ("caption", "date"),
    [
        ("General election results, April 6, 2004", dt.date(2004, 4, 6)),
        ("General election results, 2004-11-02", dt.date(2004, 11, 2)),
        ("General election results, November 2, 2004", dt.date(2004, 11, 2)),
        ("General election results, May18, 2008", dt.date(2008, 5, 18)),
        ("General election results, 2 November 2004", dt.date(2004, 11, 2)),
        ("General election results, 2004", None),
    ],
)
def test_caption_dates(caption: str, date: dt.date | None) -> None:
    text = f"= 2004 Town mayoral election =\n\n  - {caption}**\n\n- A B (X): 1 votes\n"
    assert parse_article(text).stages[0].date == date


@pytest.mark.parametrize(
    ("caption", "kind", "party"),
    [
        ("Non-partisan primary results", "primary", None),
        ("2003 Democratic primary results", "primary", "Democratic"),
        ("Republican primary results, 2003", "primary", "Republican"),
        ("Green Party primary results", "primary", "Green"),
        ("General election results", "general", None),
        ("Mayoral runoff results", "runoff", None),
        ("Blanket primary, 2004", "primary", None),
    ],
)
def test_stage_kinds(caption: str, kind: str, party: str | None) -> None:
    text = f"= 2004 Town mayoral election =\n\n  - {caption}**\n\n- A B (X): 1 votes\n"
    stage = parse_article(text).stages[0]
    assert (stage.kind, stage.party) == (kind, party)


def test_kind_from_heading_when_caption_is_silent() -> None:
    text = "= 2004 Town mayoral election =\n\n==Runoff==\n  - Results**\n\n- A B (X): 1 votes\n"
    assert parse_article(text).stages[0].kind == "runoff"


def test_row_markers_and_nested_party() -> None:
    text = (
        "= 2004 Town mayoral election =\n\n  - General election results**\n\n"
        "- Ann Lee (incumbent) (write-in) (Working Families Party (New York)): 1,234,567 votes\n"
        "- Bo Ray (Nonpartisan candidate): 5 votes\n"
        "- Cy Dee: 7 votes\n"
    )
    rows = parse_article(text).stages[0].results
    assert rows[0] == rows[0].__class__(
        "Ann Lee", 1234567, "Working Families Party (New York)", incumbent=True, write_in=True
    )
    assert (rows[1].party, rows[2].party, rows[2].votes) == (None, None, 7)


def test_windows_and_old_mac_line_endings_read_the_same(seeds_dir: Path) -> None:
    text = BALTIMORE.read_text(encoding="utf-8")
    expected = parse_article(text)
    assert parse_article(text.replace("\n", "\r\n")) == expected
    assert parse_article(text.replace("\n", "\r")) == expected


def test_provenance_lines(seeds_dir: Path) -> None:
    e = read(BALTIMORE)
    lines = BALTIMORE.read_text(encoding="utf-8").splitlines()
    for stage in e.stages:
        assert stage.caption_line is not None and stage.caption in lines[stage.caption_line - 1]
        for row in stage.results:
            assert row.line is not None and f"{row.votes:,} votes" in lines[row.line - 1]
    for item in e.infobox:
        assert item.line is not None and lines[item.line - 1] == f"- {item.key}: {item.value}"


def test_duplicate_infobox_key_warns_and_keeps_the_first() -> None:
    text = "= 2004 Town mayoral election =\n\nInfobox\n- Title: Mayor\n- Title: Sheriff\n"
    result = read_article(text, "dup.txt")
    assert result.election.office == "Mayor"
    assert [w.line for w in result.warnings] == [5]
    assert "appears again" in result.warnings[0].message


def test_bad_percentage_warns_and_is_unknown() -> None:
    text = "= 2004 Town mayoral election =\n\nInfobox\n- Candidate1: A B\n- Percentage1: abc\n"
    result = read_article(text, "pct.txt")
    assert result.election.nominees[0].stated_percentage is None
    assert result.warnings[0].describe() == (
        "pct.txt:5: warning: Percentage1: expected a percentage like 53.45%, got 'abc'"
    )


def test_infobox_key_with_a_non_ascii_digit_is_just_a_key() -> None:
    text = (
        "= 2004 Town mayoral election =\n\nInfobox\n- Candidate²: Ann Lee\n- Candidate1: Bo Ray\n"
    )
    election = parse_article(text)
    assert [n.name for n in election.nominees] == ["Bo Ray"]
    assert election.infobox_value("Candidate²") == "Ann Lee"


@pytest.mark.parametrize(
    "text",
    [
        "held on April 6, 2004 and again on 2004-11-02, or 6 April 2004",
        "May18, 2008; Mayor Smith; February 30, 2004; Maybe 2004-13-01",
        "no dates here at all, 1999",
    ],
)
def test_find_dates_agrees_with_a_plain_scan(text: str) -> None:
    import re

    from tallyroom.formats.dates import MONTHS, find_dates

    months = "|".join(MONTHS)
    plain = re.compile(
        rf"\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b|\b({months})\s*(\d{{1,2}}),?\s+(\d{{4}})\b"
        rf"|\b(\d{{1,2}})\s+({months}),?\s+(\d{{4}})\b"
    )
    expected = []
    for m in plain.finditer(text):
        try:
            if m.group(1):
                expected.append(dt.date(int(m[1]), int(m[2]), int(m[3])))
            elif m.group(4):
                expected.append(dt.date(int(m[6]), MONTHS.index(m[4]) + 1, int(m[5])))
            else:
                expected.append(dt.date(int(m[9]), MONTHS.index(m[8]) + 1, int(m[7])))
        except ValueError:
            pass
    assert [d for d, _ in find_dates(text)] == expected
