"""Generated elections: a clean one raises no warning or error; one injected defect of a known
kind raises a finding of that code at that place."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.checks import run_checks
from tallyroom.model import (
    CandidateResult,
    Election,
    InfoboxCandidate,
    InfoboxField,
    Jurisdiction,
    Stage,
)

_FIRST = ("Ada", "Bo", "Cy", "Di", "Ed", "Fay", "Gus", "Hal", "Ivy", "Jo")
_LAST = ("Ames", "Burke", "Chen", "Diaz", "Egan", "Ford", "Gray", "Hale", "Ito", "Joyce")


@st.composite
def clean_elections(draw: st.DrawFn) -> Election:
    count = draw(st.integers(min_value=2, max_value=5))
    people = draw(
        st.lists(
            st.tuples(st.sampled_from(_FIRST), st.sampled_from(_LAST)),
            min_size=count,
            max_size=count,
            unique_by=lambda p: p[1],
        )
    )
    names = [f"{first} {last}" for first, last in people]
    votes = draw(
        st.lists(
            st.integers(min_value=100, max_value=90_000),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    rows = tuple(
        CandidateResult(name, vote, line=20 + i)
        for i, (name, vote) in enumerate(zip(names, votes, strict=True))
    )
    total = sum(votes)
    year = draw(st.integers(min_value=1990, max_value=2030))
    day = dt.date(year, 11, draw(st.integers(min_value=2, max_value=8)))
    stage = Stage(
        kind="general",
        date=day,
        caption=f"General election results, {day:%B} {day.day}, {year}",
        results=rows,
        stated_total=total,
        date_source="caption",
        caption_line=18,
        total_line=20 + count,
    )
    winner = max(rows, key=lambda r: r.votes or 0)
    return Election(
        title=f"{year} Testville mayoral election",
        jurisdiction=Jurisdiction("Testville", None),
        office="Mayor",
        date=day,
        type="mayoral",
        after_holder=winner.name,
        nominees=tuple(InfoboxCandidate(r.name, None, r.votes) for r in rows),
        stages=(stage,),
        infobox=(
            InfoboxField("Type", "mayoral", 4),
            InfoboxField("Election Date", f"{day:%B} {day.day}, {year}", 5),
            InfoboxField("After Election", winner.name, 6),
        ),
        rules="plurality",
        source="generated.txt",
    )


@settings(max_examples=60, deadline=None)
@given(clean_elections())
def test_a_clean_election_raises_no_warning_or_error(election: Election) -> None:
    assert [f for f in run_checks(election) if f.severity != "info"] == []


def _only_stage(election: Election, stage: Stage) -> Election:
    return replace(election, stages=(stage,))


@settings(max_examples=40, deadline=None)
@given(clean_elections(), st.sampled_from(["truncate", "negative", "duplicate", "type", "winner"]))
def test_one_injected_defect_is_found_at_its_place(election: Election, defect: str) -> None:
    stage = election.stages[0]
    assert stage.stated_total is not None
    match defect:
        case "truncate":
            total = stage.stated_total
            broken = _only_stage(election, replace(stage, stated_total=total // 1000))
            code, line = "total-truncated", stage.total_line
            if total < 1000:
                return  # nothing to cut
        case "negative":
            first = stage.results[0]
            rows = (replace(first, votes=-(first.votes or 1)), *stage.results[1:])
            broken = _only_stage(election, replace(stage, results=rows))
            code, line = "negative-votes", first.line
        case "duplicate":
            last = stage.results[-1]
            copy = replace(stage.results[0], line=(last.line or 0) + 1)
            broken = _only_stage(election, replace(stage, results=(*stage.results, copy)))
            code, line = "duplicate-candidate", copy.line
        case "type":
            broken = replace(election, type="gubernatorial")
            code, line = "type-contradicts", 4
        case "winner":
            loser = min(stage.results, key=lambda r: r.votes or 0)
            broken = replace(election, after_holder=loser.name)
            code, line = "winner-mismatch", 6
        case _:
            raise AssertionError(defect)
    found = {(f.code, f.line) for f in run_checks(broken)}
    assert (code, line) in found


def test_negative_votes_of_a_built_election() -> None:
    stage = Stage(
        kind="general",
        results=(CandidateResult("Ann Lee", -40, line=12), CandidateResult("Bo Ray", 300)),
    )
    election = Election(title="Built", stages=(stage,), source="results.json")
    found = [f for f in run_checks(election) if f.code == "negative-votes"]
    assert [(f.line, f.severity, f.evidence["votes"]) for f in found] == [(12, "error", -40)]


def _thirds(stated: str) -> set[str]:
    rows = (CandidateResult("A B", 1), CandidateResult("C D", 1), CandidateResult("E F", 1))
    election = Election(
        title="Thirds",
        nominees=tuple(InfoboxCandidate(r.name, None, 1, Decimal(stated)) for r in rows),
        stages=(Stage(kind="general", results=rows, stated_total=3),),
    )
    return {f.code for f in run_checks(election)}


def test_percentages_are_compared_with_rounding() -> None:
    # A third is 33.33% rounded; 33.34% is not a rounding of it, but three of them summing to
    # 100.02% are within what rounding allows for the sum.
    assert not {"percentage-mismatch", "percentages-over-100"} & _thirds("33.33")
    assert "percentages-over-100" not in _thirds("33.34")
    assert "percentage-mismatch" in _thirds("33.34")
    assert "percentages-over-100" in _thirds("35.00")
