"""Ranked-choice round tables, summary rows, numbered infobox rows and tolerant reading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.checks import run_checks
from tallyroom.cli import main
from tallyroom.formats.article import parse_article
from tallyroom.model import Election
from tallyroom.rules import choose_rules, verify_choice

ARTICLES = Path(__file__).resolve().parent / "data" / "articles"
HEAD = "= 2021 Elmwood, Ohio mayoral election =\n\nInfobox\n- Election Date: November 2, 2021\n\n"

PIPES = """==Results==
| Elmwood mayoral election, November 2, 2021 | | | |
| Candidate | Party | Round 1 | Round 2 |
| Ann Lee | Green | 4,000 | 5,100 |
| Bo Kim | Independent | 3,500 | 4,200 |
| Cy Roe | | 1,500 | Eliminated |
| Exhausted | | 10 | 710 |
| Total | | 9,010 | 10,010 |
"""
LISTED = """==Results==
Ranked-choice count:
- Ann Lee: 4,000 votes, 5,100 votes
- Bo Kim: 3,500 votes, 4,200 votes
- Cy Roe (eliminated in round 1): 1,500 votes
- Exhausted: 10 votes, 710 votes
"""
BARE = """==Results==
Ann Lee (Green): 4,000 votes, 5,100 votes
Bo Kim (Independent): 3,500 votes, 4,200 votes
Cy Roe: 1,500 votes, eliminated
Exhausted ballots: 10 votes, 710 votes
"""


def winner(election: Election) -> tuple[str, ...]:
    verdict = verify_choice(election, choose_rules(election))
    return verdict.stages[-1].outcome.winners


@pytest.mark.parametrize("table", [PIPES, LISTED, BARE], ids=["pipes", "listed", "bare"])
def test_round_tables_become_rounds(table: str) -> None:
    election = parse_article(HEAD + table)
    (stage,) = election.stages
    assert stage.kind == "general" and stage.date == dt.date(2021, 11, 2)
    assert [(r.name, r.votes) for r in stage.results] == [
        ("Ann Lee", 4000),
        ("Bo Kim", 3500),
        ("Cy Roe", 1500),
    ]
    first, second = stage.rounds
    assert first.tally == (
        ("Ann Lee", Decimal(4000)),
        ("Bo Kim", Decimal(3500)),
        ("Cy Roe", Decimal(1500)),
    )
    assert first.eliminated == ("Cy Roe",)
    assert second.tally == (("Ann Lee", Decimal(5100)), ("Bo Kim", Decimal(4200)))
    assert (first.inactive, second.inactive) == (Decimal(10), Decimal(710))
    assert second.inactive_for("exhausted") == Decimal(710)
    assert election.unread == ()
    assert choose_rules(election).rules.name == "ranked-choice"
    assert winner(election) == ("Ann Lee",)


def test_pipe_table_party_column_and_total() -> None:
    (stage,) = parse_article(HEAD + PIPES).stages
    assert [r.party for r in stage.results] == ["Green", "Independent", None]
    assert stage.caption == "Elmwood mayoral election, November 2, 2021"
    assert stage.stated_total == 9010


def test_summary_rows_are_not_candidates() -> None:
    text = HEAD + (
        "==Results==\n  - General election, November 2, 2021**\n\n"
        "- Ann Lee: 4,000 votes\n- Bo Kim: 3,500 votes\n"
        "- Registered voters: 20,000 votes\n- Ballots cast: 7,600 votes\n"
        "- Blank: 100 votes\nTotal votes: 7,500 votes\n"
    )
    election = parse_article(text)
    (stage,) = election.stages
    assert [r.name for r in stage.results] == ["Ann Lee", "Bo Kim"]
    assert (stage.registered_voters, stage.ballots_cast, stage.stated_total) == (
        20_000,
        7_600,
        7_500,
    )
    (note,) = election.unread
    assert (note.line, note.text) == (13, "Blank: 100 votes")
    assert note.reason == "a summary line (Blank) with no place in the model"


def test_a_second_total_is_kept_as_not_read() -> None:
    text = HEAD + "  - General election**\n\n- Ann Lee: 4 votes\nTotal: 4 votes\nTotal: 5 votes\n"
    election = parse_article(text)
    assert election.stages[0].stated_total == 4
    assert [note.line for note in election.unread] == [10]


def test_numbered_infobox_rows_give_the_deciding_stage_votes() -> None:
    chicago = parse_article((ARTICLES / "2019-chicago.txt").read_text(encoding="utf-8"))
    runoff = chicago.stages[-1]
    assert runoff.kind == "runoff"
    by_name = {n.name: n.votes for n in chicago.nominees}
    assert by_name["Lori Lightfoot"] == next(
        r.votes for r in runoff.results if r.name == "Lori Lightfoot"
    )
    burlington = parse_article((ARTICLES / "2009-burlington.txt").read_text(encoding="utf-8"))
    first = {r.name: r.votes for r in burlington.stages[0].results}
    assert {n.name: n.votes for n in burlington.nominees} == {
        name: first[name] for name in ("Bob Kiss", "Kurt Wright", "Andy Montroll", "Dan Smith")
    }


def test_the_infobox_date_goes_to_the_general_not_the_runoff() -> None:
    text = HEAD + (
        "==First round==\n  - General election**\n\n- Ann Lee: 40 votes\n- Bo Kim: 35 votes\n"
        "- Cy Roe: 30 votes\n\n==Runoff==\n  - Runoff**\n\n- Ann Lee: 50 votes\n"
        "- Bo Kim: 45 votes\n"
    )
    general, runoff = parse_article(text).stages
    assert (general.date, general.date_source) == (dt.date(2021, 11, 2), "infobox")
    assert runoff.date is None
    marked = text.replace(
        "November 2, 2021\n", "November 2, 2021 (first round), November 30, 2021 (runoff)\n", 1
    )
    general, runoff = parse_article(marked).stages
    assert (general.date, runoff.date) == (dt.date(2021, 11, 2), dt.date(2021, 11, 30))


def test_a_heading_naming_the_city_gives_the_party_alone() -> None:
    text = (
        "= 2003 Baltimore mayoral election =\n\nInfobox\n- Election Date: November 4, 2003\n\n"
        "==2003 Baltimore Democratic primary results==\n  - Primary, September 9, 2003**\n\n"
        "- A B: 10 votes\n"
    )
    (stage,) = parse_article(text).stages
    assert (stage.kind, stage.party) == ("primary", "Democratic")


def test_a_file_without_title_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "elmwood.txt"
    path.write_text(HEAD.split("\n", 2)[2] + LISTED, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "not-read" in result.output
    assert "expected a title line" in result.output


def test_unread_lines_are_check_warnings() -> None:
    text = HEAD + "  - General election**\n\n- Ann Lee: 4,0O0 votes\n- Bo Kim: 3 votes\n"
    findings = [f for f in run_checks(parse_article(text, "x.txt")) if f.code == "not-read"]
    (finding,) = findings
    assert finding.severity == "warning" and finding.line == 8
    assert finding.message.startswith("line 8: not read (expected a results row")
    assert finding.message.endswith(": - Ann Lee: 4,0O0 votes")
