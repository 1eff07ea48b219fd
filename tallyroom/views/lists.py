"""The lists: the index and its facets, a person's elections, a city's elections over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from tallyroom.store import ElectionRecord, ElectionSummary
from tallyroom.store.read import CityPlace
from tallyroom.views.election import row_view
from tallyroom.views.links import (
    candidate_slug,
    candidate_url,
    city_slug,
    city_url,
    election_url,
)

__all__ = [
    "CandidateRun",
    "CandidateStage",
    "CandidateView",
    "CityFacet",
    "CityRow",
    "CityView",
    "Facets",
    "IndexFilters",
    "IndexView",
    "ListedElection",
    "candidate_view",
    "city_view",
    "facets_view",
    "index_view",
    "listed",
]


@dataclass(frozen=True, slots=True)
class ListedElection:
    """One election in a list; ``winner_text`` is the winner, ``tied`` or ``—``."""

    id: int
    url: str
    title: str
    city: str | None
    state: str | None
    city_url: str | None
    office: str | None
    year: int | None
    date: dt.date | None
    outcome: str | None
    winner: str | None
    winner_url: str | None
    winner_percent: str | None
    winner_text: str
    margin_votes: int | None
    counted_total: int | None


def listed(row: ElectionSummary) -> ListedElection:
    text = row.winner or ("tied" if row.outcome == "tied" else "—")
    return ListedElection(
        id=row.id,
        url=election_url(row.id),
        title=row.title,
        city=row.city,
        state=row.state,
        city_url=city_url(row.city, row.state) if row.city else None,
        office=row.office,
        year=row.year,
        date=row.date,
        outcome=row.outcome,
        winner=row.winner,
        winner_url=candidate_url(row.winner) if row.winner else None,
        winner_percent=row.winner_percent,
        winner_text=text,
        margin_votes=row.margin_votes,
        counted_total=row.counted_total,
    )


@dataclass(frozen=True, slots=True)
class IndexFilters:
    """The index's filters as given (``None`` fields do not filter)."""

    city: str | None = None
    year: int | None = None
    office: str | None = None
    candidate: str | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class CityFacet:
    city: str
    state: str | None
    slug: str
    url: str
    elections: int


@dataclass(frozen=True, slots=True)
class Facets:
    cities: tuple[CityFacet, ...] = ()
    years: tuple[tuple[int, int], ...] = ()
    """(year, elections), newest first."""
    offices: tuple[tuple[str, int], ...] = ()


def facets_view(
    found: tuple[tuple[CityPlace, ...], tuple[tuple[int, int], ...], tuple[tuple[str, int], ...]],
) -> Facets:
    places, years, offices = found
    return Facets(
        cities=tuple(
            CityFacet(
                p.city, p.state, city_slug(p.city, p.state), city_url(p.city, p.state), p.elections
            )
            for p in places
        ),
        years=years,
        offices=offices,
    )


@dataclass(frozen=True, slots=True)
class IndexView:
    """The index (filtered, a page at a time) or a year's page (all of it, no filters)."""

    heading: str
    url: str
    searchable: bool
    filters: IndexFilters
    page: int
    pages: int
    per_page: int | None
    total: int
    previous_url: str | None
    next_url: str | None
    elections: tuple[ListedElection, ...]
    facets: Facets


def index_view(
    rows: Iterable[ElectionSummary],
    total: int,
    *,
    heading: str,
    url: str = "/",
    searchable: bool = True,
    filters: IndexFilters | None = None,
    page: int = 1,
    per_page: int | None = None,
    page_url: Callable[[int], str] | None = None,
    facets: Facets | None = None,
) -> IndexView:
    """A list of elections; ``page_url(n)`` gives the address of page ``n`` when paged."""
    pages = max(1, -(-total // per_page)) if per_page else 1
    return IndexView(
        heading=heading,
        url=url,
        searchable=searchable,
        filters=filters or IndexFilters(),
        page=page,
        pages=pages,
        per_page=per_page,
        total=total,
        previous_url=page_url(page - 1) if page_url and page > 1 else None,
        next_url=page_url(page + 1) if page_url and page < pages else None,
        elections=tuple(listed(row) for row in rows),
        facets=facets or Facets(),
    )


# -- a person's page ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidateStage:
    index: int
    label: str
    date: dt.date | None
    name: str
    party: str | None
    votes: int | None
    votes_text: str
    percent: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class CandidateRun:
    id: int
    url: str
    title: str
    year: int | None
    date: dt.date | None
    office: str | None
    city: str | None
    winner: str | None
    outcome: str
    won: bool
    stages: tuple[CandidateStage, ...]


@dataclass(frozen=True, slots=True)
class CandidateView:
    slug: str
    url: str
    name: str
    names: tuple[str, ...]
    elections: tuple[CandidateRun, ...]


def candidate_view(wanted: str, records: Iterable[ElectionRecord]) -> CandidateView | None:
    """Every stage, of every election, that a person whose name slugs to ``wanted`` ran in;
    ``None`` when there is none."""
    names: list[str] = []
    runs: list[CandidateRun] = []
    for record in records:
        figures = record.figures
        stages = []
        for stage in figures.stages:
            for row in stage.rows:
                if candidate_slug(row.name) != wanted:
                    continue
                if row.name not in names:
                    names.append(row.name)
                stages.append(
                    CandidateStage(
                        index=stage.index,
                        label=stage.label,
                        date=stage.date,
                        name=row.name,
                        party=row.party,
                        votes=row.votes,
                        votes_text=row_view(row).votes_text,
                        percent=row.percent,
                        status=row.status,
                    )
                )
        if stages:
            runs.append(
                CandidateRun(
                    id=record.id,
                    url=election_url(record.id),
                    title=record.title,
                    year=figures.year,
                    date=figures.date,
                    office=record.election.office,
                    city=record.election.jurisdiction.city,
                    winner=figures.winner,
                    outcome=figures.outcome,
                    won=any(candidate_slug(name) == wanted for name in figures.winners),
                    stages=tuple(stages),
                )
            )
    if not runs:
        return None
    runs.sort(key=lambda run: (run.date.isoformat() if run.date else "", run.title))
    return CandidateView(
        slug=wanted,
        url=f"/candidates/{wanted}",
        name=names[0],
        names=tuple(names),
        elections=tuple(runs),
    )


# -- a city's page -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CityRow:
    id: int
    url: str
    title: str
    office: str | None
    year: int | None
    date: dt.date | None
    outcome: str
    winner: str | None
    winner_url: str | None
    winner_text: str
    winner_percent: str | None
    turnout_percent: str | None
    turnout_basis: Literal["computed", "stated"] | None


@dataclass(frozen=True, slots=True)
class CityView:
    city: str
    state: str | None
    name: str
    slug: str
    url: str
    chart_url: str
    elections: tuple[CityRow, ...]


def city_view(city: str, state: str | None, records: Iterable[ElectionRecord]) -> CityView:
    """A city's elections over time (in the order given: oldest first), with winners' shares
    and turnout."""
    rows = []
    for record in records:
        figures = record.figures
        tied = figures.outcome == "tied"
        rows.append(
            CityRow(
                id=record.id,
                url=election_url(record.id),
                title=record.title,
                office=record.election.office,
                year=figures.year,
                date=figures.date,
                outcome=figures.outcome,
                winner=figures.winner,
                winner_url=candidate_url(figures.winner) if figures.winner else None,
                winner_text=figures.winner or ("tied" if tied else "—"),
                winner_percent=figures.winner_percent,
                turnout_percent=figures.turnout.percent if figures.turnout else None,
                turnout_basis=figures.turnout.basis if figures.turnout else None,
            )
        )
    return CityView(
        city=city,
        state=state,
        name=f"{city}, {state}" if state else city,
        slug=city_slug(city, state),
        url=city_url(city, state),
        chart_url=f"{city_url(city, state)}/chart.svg",
        elections=tuple(rows),
    )
