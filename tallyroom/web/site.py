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
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlencode

import cachetools

from tallyroom.errors import NotFoundError
from tallyroom.store import ElectionFilter, ElectionRecord, Store
from tallyroom.store.codec import to_json
from tallyroom.views import (
    CandidateView,
    CityView,
    ElectionView,
    IndexFilters,
    IndexView,
    candidate_slug,
    candidate_view,
    city_slug,
    city_view,
    election_view,
    facets_view,
    index_view,
)
from tallyroom.web.render import Renderer, json_bytes

__all__ = ["MISSING", "PER_PAGE", "IndexQuery", "Missing", "Rendered", "Site"]

PER_PAGE = 50
Generation = tuple[int, int, int]


class Missing(enum.Enum):
    """What :meth:`Site.cached` answers for a page it has not rendered (or may be stale)."""

    MISSING = "missing"


MISSING = Missing.MISSING


def _page_key(method: str, argument: Hashable, generation: Generation) -> tuple[Hashable, ...]:
    return (method, argument, generation)


V = TypeVar("V", ElectionView, IndexView, CandidateView, CityView)
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

    def where(self) -> ElectionFilter:
        return ElectionFilter(
            city=self.city, year=self.year, office=self.office, candidate=self.candidate, q=self.q
        )

    def url(self, page: int) -> str:
        fields = {k: v for k, v in asdict(self).items() if k != "page" and v is not None}
        if page > 1:
            fields["page"] = page
        text = urlencode(fields)
        return f"/?{text}" if text else "/"


@dataclass(frozen=True, slots=True)
class Rendered(Generic[V]):
    """A page: its HTML, its JSON twin, and the view both were made from."""

    html: bytes
    json: bytes
    view: V


class Site:
    """The pages of the results website over one database."""

    def __init__(
        self,
        store: Store,
        *,
        static: bool = False,
        cache_size: int = 4096,
        fresh_for: float = 1.0,
    ) -> None:
        """``fresh_for``: seconds a look at the database's generation is trusted; within that
        time pages are served from the cache without touching the database, so an import
        shows at most this long after it is committed."""
        self.store = store
        self.renderer = Renderer(static=static)
        self.fresh_for = fresh_for
        self._seen: tuple[float, Generation] | None = None
        self._refresh = threading.Lock()
        self._looking_since: float | None = None
        self._record = functools.lru_cache(maxsize=cache_size)(self._read_record)
        self._names = functools.lru_cache(maxsize=2)(self._read_names)
        # Pages by (kind, argument, generation), in one cache the app can look into without
        # touching the database (see :meth:`cached`).
        self.pages: cachetools.LRUCache[tuple[Hashable, ...], Any] = cachetools.LRUCache(
            maxsize=cache_size
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

    def _read_names(self, generation: Generation) -> dict[str, tuple[int, ...]]:
        return self.store.candidate_index(candidate_slug)

    # -- pages -------------------------------------------------------------------------------

    def index(self, query: IndexQuery) -> Rendered[IndexView]:
        return self._index(query, self.generation())

    def _index_page(self, query: IndexQuery, generation: Generation) -> Rendered[IndexView]:
        static = self.renderer.static
        found = self.store.list_elections(
            query.where(),
            limit=None if static else PER_PAGE,
            offset=0 if static else (query.page - 1) * PER_PAGE,
        )
        view = index_view(
            found.rows,
            found.total,
            heading="Election results",
            filters=query.filters(),
            page=query.page,
            per_page=None if static else PER_PAGE,
            page_url=query.url,
            facets=facets_view(self.store.facets()),
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

    def election(self, election_id: int) -> Rendered[ElectionView] | None:
        return self._election(election_id, self.generation())

    def _election_page(
        self, election_id: int, generation: Generation
    ) -> Rendered[ElectionView] | None:
        record = self._record(election_id, generation)
        if record is None:
            return None
        view = election_view(record)
        return self._rendered(self.renderer.election(view), view)

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

    def candidate_slugs(self) -> tuple[str, ...]:
        """Every person's slug (for the export)."""
        return tuple(self._names(self.generation()))

    def city(self, wanted: str) -> Rendered[CityView] | None:
        return self._city(wanted, self.generation())

    def _city_page(self, wanted: str, generation: Generation) -> Rendered[CityView] | None:
        places = [p for p in self.store.facets()[0] if city_slug(p.city, p.state) == wanted]
        if not places:
            return None
        city, state = places[0].city, places[0].state
        ids = self.store.city_elections(city, state)
        records = [r for r in (self._record(i, generation) for i in ids) if r is not None]
        if not records:
            return None
        view = city_view(city, state, records)
        return self._rendered(self.renderer.city(view), view)

    @staticmethod
    def _rendered(html: bytes, view: V) -> Rendered[V]:
        return Rendered(html, json_bytes(to_json(view)), view)
