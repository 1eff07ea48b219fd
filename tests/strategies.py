"""Hypothesis strategies for generated elections, shared by the property tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from tallyroom.formats.article_writer import infobox_fields
from tallyroom.formats.dates import format_date
from tallyroom.model import (
    Candidate,
    CandidateResult,
    Election,
    InfoboxCandidate,
    Jurisdiction,
    Paragraph,
    Stage,
    StageKind,
)
from tallyroom.rcv.types import BallotSet

FIRST = ("Ann", "Bo", "Cy", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lia")
LAST = ("Lee", "Ray", "Dee", "Novak", "Ortiz", "Price", "Grant", "Hallett", "Okafor", "Mendes")
CITIES = ("Millbrook", "Eastvale", "Stonebridge", "Lakeport", "Northfield")
STATES = ("Oregon", "Wisconsin", "Maryland", "Vermont")
PARTIES = ("Democratic", "Republican", "Green")
WORDS = ("the", "city", "voters", "council", "chose", "ballot", "count", "mayor", "race")

names = st.builds(lambda f, last: f"{f} {last}", st.sampled_from(FIRST), st.sampled_from(LAST))
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 12, 31))
votes = st.integers(min_value=0, max_value=5_000_000)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
    return " ".join(words).capitalize() + "."


@st.composite
def stages(draw: st.DrawFn, kind: StageKind, party: str | None) -> Stage:
    date = draw(dates)
    label = {"primary": f"{party or 'Nonpartisan'} primary", "general": "General election"}.get(
        kind, "Runoff"
    )
    people = draw(st.lists(names, min_size=0, max_size=6, unique=True))
    rows = tuple(
        CandidateResult(
            name,
            draw(votes),
            draw(
                st.sampled_from([f"{party} Party (United States)"] if party else [None, *PARTIES])
            ),
            draw(st.booleans()),
            draw(st.booleans()),
        )
        for name in people
    )
    return Stage(
        kind=kind,
        party=party,
        date=date,
        caption=f"{label} results, {format_date(date)}",
        section=("Results",),
        results=rows,
        stated_total=draw(st.none() | votes),
        result=draw(st.none() | st.just("Democratic Party (United States) Hold")),
        registered_voters=draw(st.none() | votes),
        ballots_cast=draw(st.none() | votes),
    )


@st.composite
def elections(draw: st.DrawFn) -> Election:
    """An election as the article reader would produce it from a well-formed document."""
    city, state = draw(st.sampled_from(CITIES)), draw(st.sampled_from(STATES))
    year = draw(st.integers(min_value=1950, max_value=2030))
    partisan = draw(st.booleans())
    kinds: list[tuple[StageKind, str | None]] = (
        [("primary", p) for p in draw(st.lists(st.sampled_from(PARTIES), unique=True, max_size=2))]
        if partisan
        else [("primary", None)] * draw(st.integers(0, 1))
    )
    kinds.append(("general", None))
    if draw(st.booleans()):
        kinds.append(("runoff", None))
    built = tuple(draw(stages(kind, party)) for kind, party in kinds)
    listed = tuple(
        Candidate(
            name,
            draw(st.none() | st.sampled_from(("The Ace", "Red", "Doc"))),
            draw(st.none() | st.sampled_from(("teacher", "city councillor, former judge"))),
            ("Candidates",),
        )
        for name in draw(st.lists(names, max_size=5, unique=True))
    )
    nominees = tuple(
        InfoboxCandidate(
            name,
            draw(st.none() | st.sampled_from(PARTIES)),
            draw(st.none() | votes),
            draw(st.none() | st.decimals(min_value=0, max_value=100, places=2)),
        )
        for name in draw(st.lists(names, max_size=3, unique=True))
    )
    paragraphs = tuple(
        Paragraph(draw(sentences()), section)
        for section in sorted(draw(st.lists(st.sampled_from([(), ("Results",)]), max_size=3)))
    )
    election = Election(
        title=f"{year} {city}, {state} mayoral election",
        jurisdiction=Jurisdiction(city, state),
        office=draw(st.sampled_from(("Mayor", "Mayor of the city"))),
        date=draw(st.none() | dates),
        type=draw(st.none() | st.sampled_from(("mayoral", "municipal"))),
        previous_year=draw(st.none() | st.integers(1900, 2030)),
        before_holder=draw(st.none() | names),
        before_acting=draw(st.booleans()),
        after_holder=draw(st.none() | names),
        after_party=draw(st.none() | st.sampled_from(PARTIES)),
        stated_turnout=draw(st.none() | st.decimals(min_value=0, max_value=100, places=2)),
        nominees=nominees,
        stages=built,
        candidates=listed,
        paragraphs=paragraphs,
        outline=((("Candidates",),) if listed else ()) + (("Results",),),
    )
    if election.before_holder is None and election.before_acting:
        election = _replace(election, before_acting=False)
    return _replace(election, infobox=infobox_fields(election))


def _replace(election: Election, **changes: object) -> Election:
    from dataclasses import replace

    return replace(election, **changes)  # type: ignore[arg-type]


@st.composite
def ranked_profiles(
    draw: st.DrawFn, max_seats: int | None = None, max_count: int = 50
) -> tuple[BallotSet, int]:
    """Ranked ballots over two to six candidates (each line a ranking of distinct candidates,
    one per rank, seen up to ``max_count`` times) and a number of seats to fill."""
    candidates = draw(st.integers(min_value=2, max_value=6))
    top = candidates if max_seats is None else min(candidates, max_seats)
    seats = draw(st.integers(min_value=1, max_value=top))
    orders = st.permutations(range(candidates)).flatmap(
        lambda order: st.integers(min_value=1, max_value=len(order)).map(lambda k: order[:k])
    )
    lines = draw(st.lists(st.tuples(orders, st.integers(1, max_count)), min_size=1, max_size=12))
    ballots = BallotSet(
        candidates=tuple(f"C{i}" for i in range(candidates)),
        rankings=tuple(
            tuple((rank, (c,)) for rank, c in enumerate(order, start=1)) for order, _ in lines
        ),
        counts=tuple(n for _, n in lines),
    )
    return ballots, seats


__all__ = ["Decimal", "elections", "names", "ranked_profiles", "sentences", "stages"]


def letter_ballots(*lines: tuple[int, str]) -> BallotSet:
    """Papers written as ``(count, "ABC")``: candidates are single letters, in alphabetical
    order, and each letter is the next ranking."""
    names = sorted({letter for _, prefs in lines for letter in prefs})
    code = {name: i for i, name in enumerate(names)}
    return BallotSet(
        candidates=tuple(names),
        rankings=tuple(
            tuple((rank, (code[c],)) for rank, c in enumerate(prefs, start=1)) for _, prefs in lines
        ),
        counts=tuple(n for n, _ in lines),
    )
