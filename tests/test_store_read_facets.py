"""The index's facets at scale: the places with the most elections and how many there are, the
years and offices counted over the current versions only (an election revised or reverted is
counted once, in its current place and year), a place's state found by a direct query, and the
index and the list of every place built from them."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Iterator

import pytest

from tallyroom import service
from tallyroom.model import Election, Jurisdiction
from tallyroom.store import Store
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import generated_election
from tallyroom.store.read import CityPlace
from tallyroom.views import places_url
from tallyroom.web.site import IndexQuery, Site

#: Elections of each place: "Town 0" has the most, then "Town 1", ...; two places are called
#: "Lakeside", in two states.
PLACES = {
    ("Town 0", "Ohio"): 5,
    ("Town 1", "Ohio"): 4,
    ("Town 2", "Iowa"): 3,
    ("Lakeside", "Iowa"): 2,
    ("Lakeside", "Utah"): 2,
    ("Town 3", None): 1,
    ("Alder", "Ohio"): 1,
}


def _elections() -> list[Election]:
    """An election of each office ("Seat 1", ...) in each place; the first has no office, so
    its title is what identifies it, and a new version of it may name another place."""
    rng = random.Random(11)
    made: list[Election] = []
    for (city, state), count in PLACES.items():
        for _ in range(count):
            election = generated_election(len(made), rng, candidates=3)
            place = Jurisdiction(city=city, state=state)
            if not made:  # not certified either: its next version is not a correction
                stages = tuple(dataclasses.replace(s, status=None) for s in election.stages)
                election = dataclasses.replace(election, office=None, stages=stages)
            else:
                election = dataclasses.replace(election, office=f"Seat {len(made)}")
            made.append(dataclasses.replace(election, jurisdiction=place))
    return made


def _store(store: Store, elections: list[Election], *, replace: bool = False) -> None:
    for election in elections:
        text = canonical_text(election)
        service.import_elections(store, [election], text, f"{election.title}.json", replace=replace)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        _store(opened, _elections())
        yield opened


def _counted(store: Store) -> tuple[Counter[tuple[str, str | None]], Counter[int], Counter[str]]:
    """The facets by their definition: every current election's place, year and office."""
    rows = store.list_elections().rows
    places = Counter((r.city, r.state) for r in rows if r.city is not None)
    return (
        places,
        Counter(r.year for r in rows if r.year is not None),
        Counter(r.office for r in rows if r.office is not None),
    )


def _check(store: Store) -> None:
    places, years, offices = _counted(store)
    every = store.facets()
    assert {(p.city, p.state): p.elections for p in every.places} == dict(places)
    assert every.place_count == len(places)
    assert every.years == tuple(sorted(years.items(), reverse=True))
    assert every.offices == tuple(sorted(offices.items()))
    assert store.places() == every.places
    top = store.facets(3)
    ranked = sorted(places.items(), key=lambda i: (-i[1], i[0][0], i[0][1] or ""))[:3]
    assert [(p.city, p.state) for p in top.places] == sorted(
        (place for place, _ in ranked), key=lambda p: (p[0], p[1] or "")
    )
    assert top.place_count == len(places) and top.years == every.years


def test_the_facets_count_the_current_versions(store: Store) -> None:
    _check(store)
    top = store.facets(2)
    assert top.places == (CityPlace("Town 0", "Ohio", 5), CityPlace("Town 1", "Ohio", 4))
    assert top.place_count == len(PLACES)
    # Ties by name: of the places with two elections, "Lakeside, Iowa" comes first.
    assert [p.state for p in store.facets(4).places if p.city == "Lakeside"] == ["Iowa"]
    assert len(store.facets(100).places) == len(PLACES)


def test_a_revised_and_a_reverted_election_count_once_where_they_are_now(store: Store) -> None:
    elections = _elections()
    moved = dataclasses.replace(elections[0], jurisdiction=Jurisdiction(city="Alder", state="Ohio"))
    (revised,) = service.import_elections(store, [moved], "moved", "moved.json")
    assert (revised.status, revised.version) == ("new version", 2)
    _check(store)
    counts = {(p.city, p.state): p.elections for p in store.facets().places}
    assert (counts[("Alder", "Ohio")], counts[("Town 0", "Ohio")]) == (2, 4)
    _store(store, [elections[0]], replace=True)  # version 1 again
    _check(store)
    counts = {(p.city, p.state): p.elections for p in store.facets().places}
    assert (counts[("Alder", "Ohio")], counts[("Town 0", "Ohio")]) == (1, 5)


def test_a_places_state_is_found_by_its_full_name(store: Store) -> None:
    assert store.place_state("Lakeside, Utah") == "Utah"
    assert store.place_state("  lakeside,   IOWA ") == "Iowa"
    assert store.place_state("Lakeside") is None
    assert store.place_state("Lakeside, Maine") is None
    assert store.place_state("Town 3, Ohio") is None  # Town 3 has no state
    assert store.place_state("Lakeside,Utah") is None  # the full name has ", "


def test_the_index_lists_the_places_with_most_elections_and_links_to_every_place(
    store: Store,
) -> None:
    site = Site(store, places_shown=3)
    index = site.index(IndexQuery())
    facets = index.view.facets
    assert [c.name for c in facets.cities] == ["Town 0, Ohio", "Town 1, Ohio", "Town 2, Iowa"]
    assert (facets.place_count, facets.all_places_url) == (len(PLACES), places_url())
    html = index.html.decode()
    assert f'of {len(PLACES)}. <a href="places">Every place</a>' in html
    assert index.view.city_choices == ("Town 0, Ohio", "Town 1, Ohio", "Town 2, Iowa")
    # A place filtered by stays a choice of the filter, though not among the places shown.
    narrowed = site.index(IndexQuery(city="lakeside, utah"))
    assert narrowed.view.total == 2
    assert narrowed.view.city_choices[0] == "lakeside, utah"
    assert [c.name for c in narrowed.view.facets.cities] == ["Lakeside, Utah"]
    # With every place listed, the link stays (the list gives them a page at a time).
    every = Site(store).index(IndexQuery())
    assert len(every.view.facets.cities) == len(PLACES)
    assert b'<p class="more"><a href="places">Every place</a></p>' in every.html


def test_every_place_is_listed_a_page_at_a_time(store: Store) -> None:
    site = Site(store)
    first = site.places(1)
    assert first is not None and site.places(2) is None
    assert [p.name for p in first.view.places] == [
        "Alder, Ohio",
        "Lakeside, Iowa",
        "Lakeside, Utah",
        "Town 0, Ohio",
        "Town 1, Ohio",
        "Town 2, Iowa",
        "Town 3",
    ]
    assert first.view.url == "/places" and first.view.total == len(PLACES)
    assert b'<a href="cities/lakeside-utah">Lakeside, Utah</a> (2)' in first.html
    assert b'"total":7' in first.json
    # Every place's page is found by its slug, however many places the index shows.
    for place in site.every_place():
        city = site.city(place.slug)
        assert city is not None and city.view.name == place.name
