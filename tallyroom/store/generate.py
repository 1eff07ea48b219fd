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
    Jurisdiction,
    Stage,
)

__all__ = ["CITIES", "generated_election"]

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
FIRST = ("Ann", "Ben", "Carla", "Dev", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jon", "Kay")
LAST = ("Adams", "Baker", "Cruz", "Diaz", "Evans", "Ford", "Gray", "Hale", "Irwin", "Jones")
PARTIES = ("Democratic", "Republican", "Independent", "Green")


def generated_election(number: int, rng: random.Random, candidates: int = 8) -> Election:
    """Election ``number``: a primary of ``candidates``, a general of two, a runoff of two."""
    city, state = CITIES[number % len(CITIES)]
    year = 1900 + number % 125
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
        rules="majority-or-runoff",
    )
