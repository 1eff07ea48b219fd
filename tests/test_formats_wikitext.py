"""MediaWiki wikitext: the skeleton's templates and numbers, the round trip, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.errors import ParseError
from tallyroom.formats.article import read_article_file
from tallyroom.formats.wikitext import party_article, read_wikitext, write_wikitext
from tallyroom.model import CandidateResult, Election, Stage

from .conftest import SEEDS


def _figures(election: Election) -> list[object]:
    return [
        (
            s.kind,
            s.party,
            s.date,
            [(r.name, r.votes, party_article(r.party), r.incumbent, r.write_in) for r in s.results],
            s.stated_total if s.stated_total is not None else s.computed_total,
            s.registered_voters,
            s.ballots_cast,
            s.result,
        )
        for s in election.stages
    ]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_round_trip_keeps_every_figure(seed: Path, seeds_dir: Path) -> None:
    election = read_article_file(seed)
    written = write_wikitext([election])
    back = read_wikitext(written.text, "seed.wiki")
    assert _figures(back) == _figures(election)
    assert back.stated_turnout == election.stated_turnout
    assert [(n.name, n.votes, n.stated_percentage) for n in back.nominees] == [
        (n.name, n.votes, n.stated_percentage) for n in election.nominees
    ]
    assert "{{Infobox election" in written.text
    assert "{{Election box end}}" in written.text


def test_numbers_carry_thousands_separators() -> None:
    stage = Stage(
        kind="general",
        date=dt.date(2006, 11, 7),
        results=(CandidateResult("Adrian Fenty", 104443, "Democratic"),),
        registered_voters=1234567,
        ballots_cast=123456,
    )
    text = write_wikitext([Election(title="2006 mayoral election", stages=(stage,))]).text
    assert "| votes = 104,443 |" in text
    assert "| party = Democratic Party (United States) |" in text
    assert "reg. electors = 1,234,567" in text
    assert "{{Election box turnout no change | votes = 123,456 | percentage = 10.0}}" in text


names = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij .'-", min_size=1, max_size=20).map(
    lambda s: " ".join(s.split()) or "X"
)
rows = st.lists(
    st.builds(
        CandidateResult,
        name=names,
        votes=st.one_of(st.none(), st.integers(0, 10**7)),
        party=st.sampled_from([None, "Democratic", "Republican", "Green", "Libertarian"]),
        incumbent=st.booleans(),
        write_in=st.booleans(),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda r: r.name,
)
stages = st.builds(
    Stage,
    kind=st.sampled_from(["general", "runoff"]),
    date=st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
    results=rows.map(tuple),
    stated_total=st.one_of(st.none(), st.integers(0, 10**8)),
    registered_voters=st.one_of(st.none(), st.integers(1, 10**8)),
    ballots_cast=st.one_of(st.none(), st.integers(0, 10**8)),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(stages, min_size=1, max_size=3))
def test_any_election_round_trips_through_wikitext(stage_list: list[Stage]) -> None:
    election = Election(title="Test election", stages=tuple(stage_list))
    back = read_wikitext(write_wikitext([election]).text, "prop.wiki")
    assert _figures(back) == _figures(election)


def test_unknown_template_names_its_line() -> None:
    text = "{{Infobox election\n| election_name = X\n}}\n\n{{Mystery box|a=1}}\n"
    with pytest.raises(ParseError, match=r"page\.wiki:5: unknown template \{\{Mystery box\}\}"):
        read_wikitext(text, "page.wiki")


def test_bad_vote_figure_names_its_line() -> None:
    text = (
        "{{Election box begin no change | title = General election}}\n"
        "{{Election box candidate no party link no change | candidate = A | votes = 12,34}}\n"
        "{{Election box end}}\n"
    )
    with pytest.raises(ParseError, match=r"p\.wiki:2: votes: expected a whole number"):
        read_wikitext(text, "p.wiki")
