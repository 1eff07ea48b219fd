"""Generated elections for benchmarks, tests and demonstrations of the store.

:func:`generated_election` builds a plausible election (a nonpartisan primary, a general election
and a runoff, eight candidates) from a seeded :class:`random.Random`, so a run is reproducible.
The figures are invented: these elections never took place.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from tallyroom.model import (
    Candidate,
    CandidateResult,
    Election,
    InfoboxCandidate,
    InfoboxField,
    Jurisdiction,
    Paragraph,
    ReportingUnit,
    Round,
    Stage,
    UnitResult,
)

__all__ = ["CITIES", "detailed_election", "generated_election"]

CITIES: tuple[tuple[str, str], ...] = (
    ("Springfield", "Illinois"),
    ("Riverton", "Wyoming"),
    ("Fairview", "Oregon"),
    ("Greenville", "South Carolina"),
    ("Madison", "Wisconsin"),
    ("Franklin", "Tennessee"),
    ("Clinton", "Iowa"),
    ("Salem", "Massachusetts"),
    ("Georgetown", "Texas"),
    ("Arlington", "Virginia"),
)
#: Numbers this far apart would share city and year; later ones get towns of their own.
CYCLE = 250
FIRST = ("Ann", "Ben", "Carla", "Dev", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jon", "Kay")
LAST = ("Adams", "Baker", "Cruz", "Diaz", "Evans", "Ford", "Gray", "Hale", "Irwin", "Jones")
PARTIES = ("Democratic", "Republican", "Independent", "Green")


def generated_election(number: int, rng: random.Random, candidates: int = 8) -> Election:
    """Election ``number``: a primary of ``candidates``, a general of two, a runoff of two."""
    city, state = CITIES[number % len(CITIES)]
    year = 1900 + number % 125
    cycle = number // CYCLE
    if cycle:
        # Each election a place, office and year of its own: an election's identity.
        city = f"{city} {cycle + 1}"
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {number}-{i}" for i in range(candidates)]
    parties = [rng.choice(PARTIES) for _ in names]
    incumbent = rng.randrange(candidates)
    registered = rng.randrange(50_000, 500_000)

    def stage(kind: str, month: int, entrants: list[int]) -> Stage:
        rows = tuple(
            CandidateResult(
                name=names[i],
                votes=rng.randrange(100, 20_000),
                party=parties[i],
                incumbent=i == incumbent,
                line=10 + i,
            )
            for i in entrants
        )
        cast = sum(row.votes or 0 for row in rows)
        return Stage(
            kind="primary" if kind == "primary" else "general" if kind == "general" else "runoff",
            date=dt.date(year, month, 2 + number % 20),
            caption=f"{kind.title()} results",
            section=(f"{kind.title()} election", "Results"),
            results=rows,
            stated_total=cast + rng.randrange(0, 50),
            registered_voters=registered,
            ballots_cast=cast + rng.randrange(0, 500),
            status="certified",
        )

    primary = stage("primary", 2, list(range(candidates)))
    leaders = sorted(range(candidates), key=lambda i: -(primary.results[i].votes or 0))[:2]
    general = stage("general", 4, leaders)
    runoff = stage("runoff", 5, leaders)
    return Election(
        title=f"{year} {city} mayoral election (no. {number})",
        jurisdiction=Jurisdiction(city=city, state=state),
        office="Mayor",
        date=runoff.date,
        type="mayoral",
        before_holder=names[incumbent],
        stated_turnout=Decimal(rng.randrange(1000, 9000)) / 100,
        registered_voters=registered,
        nominees=tuple(InfoboxCandidate(name=names[i], party=parties[i]) for i in leaders),
        stages=(primary, general, runoff),
        candidates=tuple(Candidate(name=n, description="resident") for n in names),
        rules="majority-runoff",
    )


def detailed_election(number: int = 0) -> Election:
    """An election that uses every part of the model: wards and precincts with results by vote
    type, a ranked-choice count with fractional transfers, the document's paragraphs, outline,
    infobox and nominees, and line numbers throughout."""
    base = generated_election(number, random.Random(number), candidates=4)
    primary = base.stages[0]
    names = [row.name for row in primary.results]
    units = (
        ReportingUnit("city", "Whole city", "city"),
        ReportingUnit("w1", "Ward 1", "ward", parent="city"),
        ReportingUnit("w1-p1", "Ward 1 Precinct 1", "precinct", parent="w1"),
    )
    unit_results = (
        *(
            UnitResult(unit=u.id, candidate=name, votes=100 * i + len(u.id), vote_type=kind)
            for u in units
            for i, name in enumerate(names)
            for kind in ("election day", "absentee")
        ),
        UnitResult(unit="w1", candidate="Ballots Cast", votes=999),
    )
    rounds = (
        Round(1, tuple((name, Decimal(1000 - 10 * i)) for i, name in enumerate(names))),
        Round(
            2,
            tuple((name, Decimal("1010.5") - i) for i, name in enumerate(names[:3])),
            eliminated=(names[3],),
            inactive=Decimal("12.25"),
        ),
        Round(3, ((names[0], Decimal("1600.75")),), elected=(names[0],), inactive=Decimal(3)),
    )
    write_in = CandidateResult("Scattered write-ins", None, write_in=True, line=99)
    primary = Stage(
        kind="primary",
        party="Democratic",
        date=primary.date,
        caption=primary.caption,
        section=primary.section,
        results=(*primary.results, write_in),
        stated_total=None,
        result="Democratic Party hold",
        status="unofficial",
        units=units,
        unit_results=unit_results,
        rounds=rounds,
        date_source="caption",
        caption_line=40,
        total_line=52,
    )
    return Election(
        title=base.title.replace("mayoral", "detailed mayoral"),
        jurisdiction=base.jurisdiction,
        office="Mayor",
        date=base.date,
        type="mayoral",
        term="4 years",
        previous_election=f"{(base.year or 2000) - 4} election",
        previous_year=(base.year or 2000) - 4,
        next_election=f"{(base.year or 2000) + 4} election",
        next_year=(base.year or 2000) + 4,
        before_holder=names[1],
        before_acting=True,
        before_party="Democratic",
        after_holder=names[0],
        after_party="Democratic",
        stated_turnout=Decimal("41.07"),
        registered_voters=None,
        nominees=(
            InfoboxCandidate(names[0], "Democratic", 1200, Decimal("55.10")),
            InfoboxCandidate(names[1], None, None, None),
        ),
        stages=(primary, *base.stages[1:]),
        candidates=(
            Candidate(
                names[0], nickname="Bo", description="alderman", section=("Candidates",), line=20
            ),
            Candidate(names[1], section=("Candidates", "Withdrew"), line=21),
        ),
        paragraphs=(
            Paragraph("The election was held on a Tuesday.", (), line=5),
            Paragraph("Turnout “rose” — by 3%.", ("Campaign",), line=30),
        ),
        outline=(("Candidates",), ("Candidates", "Withdrew"), ("Campaign",)),
        infobox=(
            InfoboxField("Election Name", base.title, line=3),
            InfoboxField("Turnout", "41.07%", line=4),
        ),
        rules="instant-runoff",
        source=f"detailed-{number}.txt",
    )
