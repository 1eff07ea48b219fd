"""The lists: the index and its facets, a person's elections, a city's elections over time."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal
from urllib.parse import urlencode

from tallyroom.store import ElectionRecord, ElectionSummary
from tallyroom.store.read import CityPlace, FacetCounts
from tallyroom.views.election import row_view
from tallyroom.views.links import (
    candidate_slug,
    candidate_url,
    city_slug,
    city_url,
    compare_url,
    election_url,
    votes_text,
)
from tallyroom.views.wording import date_text, percent_text

__all__ = [
    "PLACES_PER_PAGE",
    "PLACES_SHOWN",
    "PLACES_URL",
    "CandidateRun",
    "CandidateStage",
    "CandidateView",
    "CityFacet",
    "CityRow",
    "CityView",
    "FacetCounts",
    "Facets",
    "IndexFilters",
    "IndexView",
    "ListedElection",
    "PlacesView",
    "YearFacet",
    "candidate_view",
    "city_view",
    "facets_of",
    "facets_view",
    "index_url",
    "index_view",
    "listed",
    "places_url",
    "places_view",
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
    place: str | None
    """ "Portland, Oregon"."""
    year: int | None
    date: dt.date | None
    date_text: str | None
    outcome: str | None
    winner: str | None
    winner_url: str | None
    winner_percent: str | None
    winner_percent_text: str | None
    winner_text: str
    margin_votes: int | None
    counted_total: int | None


def listed(row: ElectionSummary) -> ListedElection:
    text = row.winner or ("tied" if row.outcome == "tied" else "—")
    place = None
    if row.city:
        place = f"{row.city}, {row.state}" if row.state else row.city
    return ListedElection(
        id=row.id,
        url=election_url(row.id),
        title=row.title,
        city=row.city,
        state=row.state,
        city_url=city_url(row.city, row.state) if row.city else None,
        office=row.office,
        place=place,
        year=row.year,
        date=row.date,
        date_text=date_text(row.date),
        outcome=row.outcome,
        winner=row.winner,
        winner_url=candidate_url(row.winner) if row.winner else None,
        winner_percent=row.winner_percent,
        winner_percent_text=percent_text(row.winner_percent),
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

    @property
    def active(self) -> bool:
        return any(value is not None for value in asdict(self).values())


def index_url(filters: IndexFilters, page: int = 1) -> str:
    """The index's address with these filters (and page)."""
    fields: dict[str, object] = {k: v for k, v in asdict(filters).items() if v is not None}
    if page > 1:
        fields["page"] = page
    text = urlencode(fields)
    return f"/?{text}" if text else "/"


@dataclass(frozen=True, slots=True)
class CityFacet:
    """A place to filter by: its page, or with other filters given, the index narrowed to it."""

    city: str
    state: str | None
    name: str
    """ "Portland, Oregon": what the city filter takes to tell places of one name apart."""
    slug: str
    url: str
    page_url: str
    elections: int


@dataclass(frozen=True, slots=True)
class YearFacet:
    year: int
    url: str
    page_url: str
    elections: int


@dataclass(frozen=True, slots=True)
class Facets:
    cities: tuple[CityFacet, ...] = ()
    years: tuple[YearFacet, ...] = ()
    """Newest first."""
    offices: tuple[tuple[str, int], ...] = ()
    place_count: int = 0
    """How many places there are in all (``cities`` may list only some)."""
    all_places_url: str | None = None
    """The list of every place (when there is one)."""


#: Places the index lists "by city", at most: those with the most elections (ties by name).
#: Every place is on the pages of :func:`places_view`.
PLACES_SHOWN = 60
#: Places on one page of the list of every place.
PLACES_PER_PAGE = 500
PLACES_URL = "/places"


def places_url(page: int = 1) -> str:
    """The list of every place: ``/places``, then ``/places/2``... (pages in the path, so the
    static export has them too)."""
    return PLACES_URL if page <= 1 else f"{PLACES_URL}/{page}"


def facets_of(rows: Iterable[ElectionSummary], places: int | None = PLACES_SHOWN) -> FacetCounts:
    """The places, years and offices of these elections, with counts (as the store's facets,
    with at most ``places`` places: those with the most elections, ties by name)."""
    counted: Counter[tuple[str, str | None]] = Counter()
    years: Counter[int] = Counter()
    offices: Counter[str] = Counter()
    for row in rows:
        if row.city is not None:
            counted[(row.city, row.state)] += 1
        if row.year is not None:
            years[row.year] += 1
        if row.office is not None:
            offices[row.office] += 1
    chosen = list(counted.items())
    if places is not None and len(chosen) > places:
        chosen.sort(key=lambda i: (-i[1], i[0][0], i[0][1] or ""))
        chosen = chosen[:places]
    return FacetCounts(
        tuple(
            CityPlace(city, state, n)
            for (city, state), n in sorted(chosen, key=lambda i: (i[0][0], i[0][1] or ""))
        ),
        len(counted),
        tuple(sorted(years.items(), reverse=True)),
        tuple(sorted(offices.items())),
    )


def place_name(city: str, state: str | None) -> str:
    return f"{city}, {state}" if state else city


def facets_view(found: FacetCounts, filters: IndexFilters | None = None) -> Facets:
    """The lists "by city" and "by year": with no filter given, links to the city's and the
    year's pages; with filters, links to the index narrowed further (counts are of the
    elections the filters match), and a link to the list of every place."""
    places, years, offices = found.places, found.years, found.offices
    active = filters is not None and filters.active

    def city_link(name: str, page: str) -> str:
        if not active or filters is None:
            return page
        return index_url(replace(filters, city=name))

    def year_link(year: int) -> str:
        if not active or filters is None:
            return f"/years/{year}"
        return index_url(replace(filters, year=year))

    return Facets(
        cities=tuple(
            CityFacet(
                p.city,
                p.state,
                place_name(p.city, p.state),
                city_slug(p.city, p.state),
                city_link(place_name(p.city, p.state), city_url(p.city, p.state)),
                city_url(p.city, p.state),
                p.elections,
            )
            for p in places
        ),
        years=tuple(YearFacet(y, year_link(y), f"/years/{y}", n) for y, n in years),
        offices=offices,
        place_count=found.place_count,
        all_places_url=places_url() if found.place_count else None,
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
    """What the listed elections can be narrowed by (counts of the filtered elections)."""
    city_choices: tuple[str, ...]
    """The places of the index's facets (and the one filtered by), by their full name
    ("Portland, Oregon"), for the city filter."""
    office_choices: tuple[str, ...]


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
    choices: FacetCounts | None = None,
) -> IndexView:
    """A list of elections; ``page_url(n)`` gives the address of page ``n`` when paged."""
    pages = max(1, -(-total // per_page)) if per_page else 1
    shown = filters or IndexFilters()
    cities = tuple(place_name(p.city, p.state) for p in choices.places) if choices else ()
    some = choices is not None and choices.place_count > len(choices.places)
    if some and shown.city and shown.city.casefold() not in {c.casefold() for c in cities}:
        # Not every place is a choice: the one filtered by stays chosen.
        cities = (shown.city, *cities)
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
        city_choices=cities,
        office_choices=tuple(office for office, _ in choices.offices) if choices else (),
    )


@dataclass(frozen=True, slots=True)
class PlacesView:
    """One page of the list of every place, by name, with its count of elections."""

    heading: str
    url: str
    page: int
    pages: int
    total: int
    """Places in all."""
    previous_url: str | None
    next_url: str | None
    places: tuple[CityFacet, ...]


def places_view(
    places: Sequence[CityPlace], page: int, per_page: int = PLACES_PER_PAGE
) -> PlacesView | None:
    """Page ``page`` (from 1) of ``places`` (every place, by name); ``None`` past the last."""
    pages = max(1, -(-len(places) // per_page))
    if not 1 <= page <= pages:
        return None
    shown = places[(page - 1) * per_page : page * per_page]
    return PlacesView(
        heading="Every place",
        url=places_url(page),
        page=page,
        pages=pages,
        total=len(places),
        previous_url=places_url(page - 1) if page > 1 else None,
        next_url=places_url(page + 1) if page < pages else None,
        places=facets_view(FacetCounts(tuple(shown), len(shown), (), ())).cities,
    )


# -- a person's page ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidateStage:
    index: int
    label: str
    date: dt.date | None
    date_text: str | None
    name: str
    party: str | None
    colour: str
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
    date_text: str | None
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
    parties: tuple[str, ...]
    """The parties the person ran for (short names), first seen first."""
    won: int
    """Elections the person won (as the stored outcomes have it)."""
    summary: str
    """ "Ran in 3 elections from 1999 to 2007 and won 2." """
    elections: tuple[CandidateRun, ...]


def _candidate_summary(runs: list[CandidateRun], won: int) -> str:
    count = len(runs)
    years = sorted({run.year for run in runs if run.year is not None})
    span = ""
    if len(years) > 1:
        span = f" from {years[0]} to {years[-1]}"
    elif years:
        span = f" in {years[0]}"
    noun = "election" if count == 1 else "elections"
    result = f"won {won}" if won else "won none"
    if count == 1:
        result = "won it" if won else "did not win it"
    return f"Ran in {count} {noun}{span} and {result}."


def candidate_view(wanted: str, records: Iterable[ElectionRecord]) -> CandidateView | None:
    """Every stage, of every election, that a person whose name slugs to ``wanted`` ran in;
    ``None`` when there is none."""
    names: list[str] = []
    parties: list[str] = []
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
                shown = row_view(row, record.id)
                if shown.party and shown.party not in parties:
                    parties.append(shown.party)
                stages.append(
                    CandidateStage(
                        index=stage.index,
                        label=stage.label,
                        date=stage.date,
                        date_text=date_text(stage.date),
                        name=row.name,
                        party=shown.party,
                        colour=shown.colour,
                        votes=row.votes,
                        votes_text=shown.votes_text,
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
                    date_text=date_text(figures.date),
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
    won = sum(run.won for run in runs)
    return CandidateView(
        slug=wanted,
        url=f"/candidates/{wanted}",
        name=names[0],
        names=tuple(names),
        parties=tuple(parties),
        won=won,
        summary=_candidate_summary(runs, won),
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
    date_text: str | None
    outcome: str
    winner: str | None
    winner_url: str | None
    winner_text: str
    winner_percent: str | None
    margin_votes: int | None
    margin_votes_text: str
    margin_percent: str | None
    """The winner's lead over the runner-up, in percentage points of the counted votes."""
    turnout_percent: str | None
    turnout_basis: Literal["computed", "stated"] | None
    compare_url: str | None
    """The comparison with the city's election before this one."""


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
    """A city's elections over time (in the order given: oldest first), with winners' shares,
    margins and turnout."""
    rows: list[CityRow] = []
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
                date_text=date_text(figures.date),
                outcome=figures.outcome,
                winner=figures.winner,
                winner_url=candidate_url(figures.winner) if figures.winner else None,
                winner_text=figures.winner or ("tied" if tied else "—"),
                winner_percent=figures.winner_percent,
                margin_votes=figures.margin_votes,
                margin_votes_text=votes_text(figures.margin_votes),
                margin_percent=figures.margin_percent,
                turnout_percent=figures.turnout.percent if figures.turnout else None,
                turnout_basis=figures.turnout.basis if figures.turnout else None,
                compare_url=compare_url(rows[-1].id, record.id) if rows else None,
            )
        )
    return CityView(
        city=city,
        state=state,
        name=place_name(city, state),
        slug=city_slug(city, state),
        url=city_url(city, state),
        chart_url=f"{city_url(city, state)}/chart.svg",
        elections=tuple(rows),
    )
