"""Running a chosen family of checks, the table of codes, and parentheses nested in prose."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest

from tallyroom.checks import run_checks
from tallyroom.checks.registry import CODES, code_info
from tallyroom.formats.article import parse_article

SAMPLES = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "samples"
SAMPLETON = SAMPLES / "2023-sampleton-runoff.txt"
NOTE = "Sampleton is a made-up city:"


def _sampleton(note: str) -> str:
    text = SAMPLETON.read_text(encoding="utf-8")
    assert NOTE in text
    return text.replace(NOTE, f"{note} {NOTE}", 1)


def test_only_the_chosen_families_run() -> None:
    election = parse_article(_sampleton("Its mayor (since 2019 (re-elected 2023) sits here."))
    everything = run_checks(election)
    chosen = run_checks(election, families=("formatting",))
    assert chosen
    assert {code_info(finding.code).family for finding in chosen} == {"formatting"}
    assert set(chosen) <= set(everything)
    assert run_checks(election, families=()) == ()


def test_nested_parentheses_that_close_are_not_a_finding() -> None:
    balanced = parse_article(_sampleton("Its mayor (since 2019 (re-elected 2023)) sits here."))
    assert run_checks(balanced, families=("formatting",)) == ()
    unclosed = parse_article(_sampleton("Its mayor (since 2019 (re-elected 2023) sits here."))
    (finding,) = run_checks(unclosed, families=("formatting",))
    assert finding.code == "unbalanced-parenthesis"
    assert finding.field == "prose"


def test_every_code_is_described_by_its_entry() -> None:
    assert CODES
    for code, info in CODES.items():
        assert code_info(code) is info
        assert info.code == code
        assert info.title


def test_a_contradicting_type_is_found_from_the_title_when_no_office_is_given() -> None:
    typed = parse_article(_sampleton("").replace("- Type: mayoral", "- Type: gubernatorial"))
    (finding,) = run_checks(typed, families=("classification",))
    assert finding.code == "type-contradicts"
    assert finding.line == 4
    # A source without an office (as NIST or OpenElections files may be): the title says mayoral.
    untitled = replace(typed, office=None)
    assert [f.code for f in run_checks(untitled, families=("classification",))] == [
        "type-contradicts"
    ]
    # With neither an office nor a telling title, the type cannot be contradicted.
    unknown = replace(untitled, title="2023 Sampleton election")
    assert run_checks(unknown, families=("classification",)) == ()


def test_negative_totals_and_ballot_counts_are_impossible() -> None:
    election = parse_article(_sampleton(""))
    assert run_checks(election, families=("impossible",)) == ()
    first = election.stages[0]
    damaged = replace(
        election,
        stages=(replace(first, stated_total=-5, ballots_cast=-1), *election.stages[1:]),
    )
    found = run_checks(damaged, families=("impossible",))
    assert {f.field for f in found} == {"Total", "Ballots cast"}
    assert all(f.code == "negative-votes" for f in found)


@pytest.mark.parametrize("source", ["caption", "infobox", "prose", None])
def test_a_stage_dated_out_of_order_is_blamed_where_its_date_came_from(
    source: Literal["caption", "infobox", "prose"] | None,
) -> None:
    election = parse_article(_sampleton("A recount ended on December 16, 2023."))
    primary, runoff = election.stages
    assert primary.date is not None and runoff.date is not None
    assert primary.date < runoff.date
    late = replace(primary, date=dt.date(2023, 12, 16), date_source=source)
    (finding,) = run_checks(replace(election, stages=(late, runoff)), families=("dates",))
    assert finding.code == "stage-order"
    note = next(p.line for p in election.paragraphs if "December 16, 2023" in p.text)
    expected = {
        "caption": primary.caption_line,
        "infobox": 5,  # "- Election Date: November 7, 2023"
        "prose": note,
        None: primary.caption_line,
    }
    assert finding.line == expected[source]
