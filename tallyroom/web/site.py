"""The website's pages over a :class:`~tallyroom.store.Store`: views, HTML and JSON, cached.

:class:`Site` answers each page as a :class:`Rendered` pair (HTML and its JSON twin, both made
from one :mod:`tallyroom.views` record) or ``None`` when there is no such election, person or
city. The live app and the static export both use it. It reads only through the store's read
methods; records and pages are cached by :func:`functools.lru_cache` under the database's
generation (:meth:`Store.generation`), so an import is visible on the next look at it.
"""

from __future__ import annotations

import enum
import functools
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlencode

import cachetools

from tallyroom.errors import NotFoundError
from tallyroom.store import ElectionFilter, ElectionRecord, ElectionSummary, Store
from tallyroom.store.codec import to_json
from tallyroom.store.read import CityPlace, FacetCounts, RecordInPlace
from tallyroom.views import (
    CandidateView,
    CityFacet,
    CityView,
    CompareLink,
    CompareView,
    ElectionView,
    IndexFilters,
    IndexView,
    Order,
    PlacesView,
    SourceView,
    candidate_slug,
    candidate_view,
    city_slug,
    city_view,
    compare_url,
    compare_view,
    election_view,
    facets_of,
    facets_view,
    index_view,
    places_view,
    source_view,
)
from tallyroom.views.lists import PLACES_SHOWN
from tallyroom.views.wording import source_label
from tallyroom.web.render import Renderer, json_bytes

__all__ = ["MISSING", "PER_PAGE", "IndexQuery", "Missing", "Rendered", "Site"]

PER_PAGE = 50
#: Election pages' readings kept (record, source text, city's list): see :meth:`Site.election`.
IN_PLACE_KEPT = 64
Generation = tuple[int, int, int]


class Missing(enum.Enum):
    """What :meth:`Site.cached` answers for a page it has not rendered (or may be stale)."""

    MISSING = "missing"


MISSING = Missing.MISSING


def _page_key(method: str, argument: Hashable, generation: Generation) -> tuple[Hashable, ...]:
    return (method, argument, generation)


def _record_key(election_id: int, generation: Generation) -> tuple[int, Generation]:
    return (election_id, generation)


V = TypeVar(
    "V", ElectionView, IndexView, CandidateView, CityView, SourceView, CompareView, PlacesView
)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class IndexQuery:
    """The index's filters, checked: ``None`` fields do not filter."""

    city: str | None = None
    year: int | None = None
    office: str | None = None
    candidate: str | None = None
    q: str | None = None
    page: int = 1

    def filters(self) -> IndexFilters:
        return IndexFilters(self.city, self.year, self.office, self.candidate, self.q)

    def where(self, state: str | None = None) -> ElectionFilter:
        """The store's filter; ``state`` narrows the city to one place."""
        city = self.city
        if state is not None and city is not None:
            city = city.rpartition(",")[0].strip()
        return ElectionFilter(
            city=city,
            state=state,
            year=self.year,
            office=self.office,
            candidate=self.candidate,
            q=self.q,
        )

    def url(self, page: int) -> str:
        fields = {k: v for k, v in asdict(self).items() if k != "page" and v is not None}
        if page > 1:
            fields["page"] = page
        text = urlencode(fields)
        return f"/?{text}" if text else "/"


class Rendered(Generic[V]):
    """A page: its HTML, its JSON twin, and the view both were made from. The twin is made when
    first asked for (then kept): most first visits to a page want only its HTML."""

    __slots__ = ("_json", "html", "view")

    html: bytes
    view: V

    def __init__(self, html: bytes, view: V) -> None:
        self.html = html
        self.view = view
        self._json: bytes | None = None

    @property
    def json(self) -> bytes:
        made = self._json
        if made is None:
            # Two threads may both make it at first: the same bytes, from the same view.
            made = self._json = json_bytes(to_json(self.view))
        return made


class Site:
    """The pages of the results website over one database."""

    def __init__(
        self,
        store: Store,
        *,
        static: bool = False,
        cache_size: int = 4096,
        pages_kept: int | None = None,
        fresh_for: float = 1.0,
        places_shown: int = PLACES_SHOWN,
    ) -> None:
        """``cache_size``: records and pages kept; ``pages_kept``: rendered pages kept, when
        not as many (the static export keeps none: it asks for each page once, and the lists
        of every election would stay). ``fresh_for``: seconds a look at the database's
        generation is trusted; within that time pages are served from the cache without
        touching the database, so an import shows at most this long after it is committed.
        ``places_shown``: places the index lists "by city" at most (those with the most
        elections)."""
        self.store = store
        self.places_shown = places_shown
        self.renderer = Renderer(static=static)
        self.fresh_for = fresh_for
        self._seen: tuple[float, Generation] | None = None
        self._refresh = threading.Lock()
        self._looking_since: float | None = None
        # Records by (election, generation). An election page reads its record with its
        # source's start and its city's list (:meth:`_read_in_place`) and leaves the record
        # here too, so the pages that read it next (its source, its city, its people) do not
        # read it again.
        self._records: cachetools.LRUCache[tuple[int, Generation], ElectionRecord | None] = (
            cachetools.LRUCache(maxsize=cache_size)
        )
        self._records_lock = threading.Lock()
        self._record = cachetools.cached(self._records, key=_record_key, lock=self._records_lock)(
            self._read_record
        )
        # An election page's reading serves its two orders of rows, then the page is cached:
        # a few are kept, not ``cache_size`` (every object kept is one more for each of the
        # garbage collector's full passes, which would then cost a page's rendering again).
        self._in_place = functools.lru_cache(maxsize=IN_PLACE_KEPT)(self._read_in_place)
        self._names = functools.lru_cache(maxsize=2)(self._read_names)
        self._facets = functools.lru_cache(maxsize=2)(self._read_facets)
        self._sources = functools.lru_cache(maxsize=cache_size)(self._read_source)
        self._places = functools.lru_cache(maxsize=cache_size)(self._read_places)
        self._every_place = functools.lru_cache(maxsize=2)(self._read_every_place)
        self._states = functools.lru_cache(maxsize=256)(self._read_state)
        # Pages by (kind, argument, generation), in one cache the app can look into without
        # touching the database (see :meth:`cached`).
        self.pages: cachetools.LRUCache[tuple[Hashable, ...], Any] = cachetools.LRUCache(
            maxsize=cache_size if pages_kept is None else pages_kept
        )
        lock = threading.Lock()

        def cached(method: F) -> F:
            key = functools.partial(_page_key, method.__name__)
            return cast(F, cachetools.cached(self.pages, key=key, lock=lock)(method))

        self._election = cached(self._election_page)
        self._index = cached(self._index_page)
        self._year = cached(self._year_page)
        self._candidate = cached(self._candidate_page)
        self._city = cached(self._city_page)
        self._source = cached(self._source_page)
        self._compare = cached(self._compare_page)
        self._places_list = cached(self._places_page)

    def cached(self, kind: str, argument: Hashable) -> Rendered[Any] | Missing | None:
        """The page ``kind`` (``"election"``, ``"index"``, ...) for ``argument`` when it is
        rendered already and the database's generation was looked at less than ``fresh_for``
        seconds ago; :data:`MISSING` otherwise. It never touches the database, so the app
        answers cache hits without a trip to the thread pool."""
        seen = self._seen
        if seen is None:
            return MISSING
        now = time.monotonic()
        if now - seen[0] >= self.fresh_for:
            # One request looks at the database again; the others meanwhile are answered from
            # what was current a moment ago instead of all queueing for the same look (another
            # request looks when that one has not finished within ``fresh_for``).
            with self._refresh:
                looking = self._looking_since
                if looking is None or now - looking >= self.fresh_for:
                    self._looking_since = now
                    return MISSING
        method = f"_{kind}_page"
        return self.pages.get((method, argument, seen[1]), MISSING)  # type: ignore[no-any-return]

    def generation(self) -> Generation:
        """The database's generation, read again when older than ``fresh_for`` seconds."""
        now = time.monotonic()
        seen = self._seen
        if seen is not None and now - seen[0] < self.fresh_for:
            return seen[1]
        try:
            current = self.store.generation()
        finally:
            self._looking_since = None
        self._seen = (now, current)
        return current

    # -- records, once per generation -------------------------------------------------------

    def record(self, election_id: int) -> ElectionRecord | None:
        """The current version of an election; ``None`` when there is none."""
        return self._record(election_id, self.generation())

    def _read_record(self, election_id: int, generation: Generation) -> ElectionRecord | None:
        try:
            return self.store.record(election_id)
        except NotFoundError:
            return None

    def _read_in_place(self, election_id: int, generation: Generation) -> RecordInPlace | None:
        try:
            return self.store.record_in_place(election_id)
        except NotFoundError:
            return None

    def _read_names(self, generation: Generation) -> Mapping[str, tuple[int, ...]]:
        return self.store.candidate_index(candidate_slug)

    def _read_facets(self, generation: Generation) -> FacetCounts:
        return self.store.facets(self.places_shown)

    def _read_every_place(
        self, generation: Generation
    ) -> tuple[tuple[CityPlace, ...], dict[str, CityPlace]]:
        """Every place by name, and by the slug of its page (the first of a name wins)."""
        found = self.store.places()
        by_slug: dict[str, CityPlace] = {}
        for place in found:
            by_slug.setdefault(city_slug(place.city, place.state), place)
        return found, by_slug

    def _read_state(self, city: str, generation: Generation) -> str | None:
        return self.store.place_state(city)

    def _read_source(self, election_id: int, generation: Generation) -> tuple[str, str]:
        return self.store.source(election_id)

    def _read_places(
        self, city: str, state: str | None, generation: Generation
    ) -> tuple[ElectionSummary, ...]:
        return self.store.city_summaries(city, state)

    def _state_of(self, city: str | None, generation: Generation) -> str | None:
        """The state a city filter names when it is a place's full name ("Portland, Maine")."""
        if city is None or "," not in city:
            return None
        return self._states(city, generation)

    @staticmethod
    def _compare_links(found: RecordInPlace) -> list[CompareLink]:
        """The elections of the same city and office just before and after this one (from the
        list of them read with it: no other election's record is read)."""
        here, same = found.record.id, found.same_office
        at = next((n for n, (ident, _) in enumerate(same) if ident == here), None)
        if at is None:
            return []
        links = []
        if at > 0:
            other, title = same[at - 1]
            links.append(CompareLink(other, title, compare_url(other, here), other, here))
        if at + 1 < len(same):
            other, title = same[at + 1]
            links.append(CompareLink(other, title, compare_url(here, other), here, other))
        return links

    # -- pages -------------------------------------------------------------------------------

    def index(self, query: IndexQuery) -> Rendered[IndexView]:
        return self._index(query, self.generation())

    def _index_page(self, query: IndexQuery, generation: Generation) -> Rendered[IndexView]:
        static = self.renderer.static
        where = query.where(self._state_of(query.city, generation))
        found = self.store.list_elections(
            where,
            limit=None if static else PER_PAGE,
            offset=0 if static else (query.page - 1) * PER_PAGE,
        )
        filters = query.filters()
        if filters.active:
            # The lists by city and by year count (and link to) what the filters match.
            matching = found if found.total == len(found.rows) else self.store.list_elections(where)
            counts = facets_of(matching.rows, self.places_shown)
        else:
            counts = self._facets(generation)
        view = index_view(
            found.rows,
            found.total,
            heading="Election results",
            filters=filters,
            page=query.page,
            per_page=None if static else PER_PAGE,
            page_url=query.url,
            facets=facets_view(counts, filters),
            choices=self._facets(generation),
        )
        title = "Election results" if query == IndexQuery() else "Elections (filtered)"
        return self._rendered(self.renderer.listing(view, "/", title), view)

    def year(self, year: int) -> Rendered[IndexView] | None:
        return self._year(year, self.generation())

    def _year_page(self, year: int, generation: Generation) -> Rendered[IndexView] | None:
        found = self.store.list_elections(ElectionFilter(year=year))
        if not found.total:
            return None
        heading = f"Elections of {year}"
        view = index_view(
            found.rows,
            found.total,
            heading=heading,
            url=f"/years/{year}",
            searchable=False,
            filters=IndexFilters(year=year),
        )
        return self._rendered(self.renderer.listing(view, view.url, heading), view)

    def election(self, election_id: int, order: Order = "votes") -> Rendered[ElectionView] | None:
        return self._election((election_id, order), self.generation())

    def _election_page(
        self, wanted: tuple[int, Order], generation: Generation
    ) -> Rendered[ElectionView] | None:
        election_id, order = wanted
        # The record, its source and its city's list, in one transaction; the page in the
        # other order of rows is made from the same reading.
        found = self._in_place(election_id, generation)
        if found is None:
            return None
        record = found.record
        with self._records_lock:
            self._records.setdefault(_record_key(election_id, generation), record)
        view = election_view(
            record,
            order=order,
            source_label=source_label(record.source_name, found.source_head),
            compare=self._compare_links(found),
        )
        return self._rendered(self.renderer.election(view), view)

    def source(self, election_id: int) -> Rendered[SourceView] | None:
        return self._source(election_id, self.generation())

    def _source_page(self, election_id: int, generation: Generation) -> Rendered[SourceView] | None:
        record = self._record(election_id, generation)
        if record is None:
            return None
        name, text = self._sources(election_id, generation)
        view = source_view(record, name, text)
        return self._rendered(self.renderer.source(view), view)

    def compare(self, first: int, second: int) -> Rendered[CompareView] | None:
        return self._compare((first, second), self.generation())

    def _compare_page(
        self, pair: tuple[int, int], generation: Generation
    ) -> Rendered[CompareView] | None:
        one, two = (self._record(n, generation) for n in pair)
        if one is None or two is None:
            return None
        view = compare_view(one, two)
        return self._rendered(self.renderer.compare(view), view)

    def candidate(self, wanted: str) -> Rendered[CandidateView] | None:
        return self._candidate(wanted, self.generation())

    def _candidate_page(
        self, wanted: str, generation: Generation
    ) -> Rendered[CandidateView] | None:
        ids = self._names(generation).get(wanted, ())
        records = [r for r in (self._record(i, generation) for i in ids) if r is not None]
        view = candidate_view(wanted, records)
        if view is None:
            return None
        return self._rendered(self.renderer.candidate(view), view)

    def city(self, wanted: str) -> Rendered[CityView] | None:
        return self._city(wanted, self.generation())

    def _city_page(self, wanted: str, generation: Generation) -> Rendered[CityView] | None:
        place = self._every_place(generation)[1].get(wanted)
        if place is None:
            return None
        city, state = place.city, place.state
        ids = [row.id for row in self._places(city, state, generation)]
        records = [r for r in (self._record(i, generation) for i in ids) if r is not None]
        if not records:
            return None
        view = city_view(city, state, records)
        return self._rendered(self.renderer.city(view), view)

    def places(self, page: int = 1) -> Rendered[PlacesView] | None:
        """Page ``page`` of the list of every place; ``None`` past the last."""
        return self._places_list(page, self.generation())

    def _places_page(self, page: int, generation: Generation) -> Rendered[PlacesView] | None:
        view = places_view(self._every_place(generation)[0], page)
        if view is None:
            return None
        return self._rendered(self.renderer.places(view), view)

    def every_place(self) -> tuple[CityFacet, ...]:
        """Every place with elections, by name, as the index would link it (its page)."""
        return facets_view(FacetCounts(self._every_place(self.generation())[0], 0, (), ())).cities

    @staticmethod
    def _rendered(html: bytes, view: V) -> Rendered[V]:
        return Rendered(html, view)
