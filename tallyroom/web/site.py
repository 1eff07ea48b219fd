"""The website's pages over a :class:`~tallyroom.store.Store`: data, HTML and JSON, cached.

:class:`Site` answers each page as a :class:`Rendered` pair (HTML and its JSON twin) or ``None``
when there is no such election, person or city. It is used by the live app and by the static
export. Elections are loaded once per stored version (versions never change once written), and
rendered pages are kept until the next import: every lookup first reads the current version (or
the database's import generation), so an import is visible on the next request.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from tallyroom.errors import ValidationError
from tallyroom.model import Election
from tallyroom.store import ElectionFilter, Store
from tallyroom.web import pages, queries
from tallyroom.web.render import Renderer, json_bytes

__all__ = ["PER_PAGE", "IndexQuery", "Rendered", "Site", "parse_index_query"]

JSONDict = dict[str, Any]
PER_PAGE = 50
K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


@dataclass(frozen=True, slots=True)
class IndexQuery:
    """The index's filters, checked: ``None`` fields do not filter."""

    city: str | None = None
    year: int | None = None
    office: str | None = None
    candidate: str | None = None
    q: str | None = None
    page: int = 1

    def filters(self) -> ElectionFilter:
        return ElectionFilter(
            city=self.city, year=self.year, office=self.office, candidate=self.candidate
        )

    def query_string(self, page: int | None = None) -> str:
        from urllib.parse import urlencode

        fields = {k: v for k, v in asdict(self).items() if k != "page" and v is not None}
        if page is not None and page > 1:
            fields["page"] = page
        return urlencode(fields)


KNOWN = ("city", "year", "office", "candidate", "q", "page")
MAX_TEXT = 200


def _whole(params: Mapping[str, str], key: str, low: int, high: int) -> int | None:
    text = params.get(key, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValidationError(
            f"expected a whole number from {low} to {high}", source="query", key=key, text=text
        )
    value = int(text)
    if not low <= value <= high:
        raise ValidationError(
            f"expected a whole number from {low} to {high}", source="query", key=key, text=text
        )
    return value


def parse_index_query(params: Mapping[str, str]) -> IndexQuery:
    """The filters of a request to the index; raises :class:`ValidationError` naming the bad one."""
    unknown = sorted(set(params) - set(KNOWN))
    if unknown:
        raise ValidationError(
            f"unknown filter; the index is filtered by {', '.join(KNOWN)}",
            source="query",
            key=unknown[0],
        )
    texts: dict[str, str | None] = {}
    for key in ("city", "office", "candidate", "q"):
        text = " ".join(params.get(key, "").split())
        if len(text) > MAX_TEXT:
            raise ValidationError(
                f"at most {MAX_TEXT} characters", source="query", key=key, text=text
            )
        if "\x00" in text:
            raise ValidationError("contains a NUL character", source="query", key=key)
        texts[key] = text or None
    return IndexQuery(
        city=texts["city"],
        year=_whole(params, "year", 1, 9999),
        office=texts["office"],
        candidate=texts["candidate"],
        q=texts["q"],
        page=_whole(params, "page", 1, 1_000_000) or 1,
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    """A page: its HTML, its JSON twin, and the data both were made from."""

    html: bytes
    json: bytes
    data: JSONDict


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
        """``fresh_for``: seconds a look at the database's import generation is trusted; pages
        are served from the cache without touching the database within that time, so an
        import shows at most this long after it is committed."""
        self.store = store
        self.renderer = Renderer(static=static)
        self.elections: LRU[int, Election] = LRU(cache_size)
        self.pages: LRU[tuple[Any, ...], Rendered | None] = LRU(cache_size)
        self.fresh_for = fresh_for
        self._seen: tuple[float, queries.Generation] | None = None
        self._names: tuple[queries.Generation, queries.NameIndex] | None = None

    def generation(self) -> queries.Generation:
        """The database's import generation, read again when older than ``fresh_for``."""
        now = time.monotonic()
        seen = self._seen
        if seen is not None and now - seen[0] < self.fresh_for:
            return seen[1]
        current = self._read(queries.generation)
        self._seen = (now, current)
        return current

    def _read(self, work: Callable[[sa.Connection], V]) -> V:
        with self.store.engine.connect() as conn, conn.begin():
            return work(conn)

    def _election(self, conn: sa.Connection, version_row: int) -> Election:
        return self.elections.get(version_row, lambda: queries.load_current(conn, version_row))

    # -- pages -------------------------------------------------------------------------------

    def index_data(self, conn: sa.Connection, query: IndexQuery) -> JSONDict:
        found = queries.election_page(
            conn,
            query.filters(),
            query.q,
            limit=None if self.renderer.static else PER_PAGE,
            offset=0 if self.renderer.static else (query.page - 1) * PER_PAGE,
        )
        count = max(1, math.ceil(found.total / PER_PAGE)) if not self.renderer.static else 1
        return {
            "heading": "Election results",
            "searchable": True,
            "filters": {
                "city": query.city,
                "year": query.year,
                "office": query.office,
                "candidate": query.candidate,
                "q": query.q,
            },
            "page": query.page,
            "pages": count,
            "per_page": None if self.renderer.static else PER_PAGE,
            "total": found.total,
            "previous_url": f"/?{query.query_string(query.page - 1)}".rstrip("?")
            if query.page > 1
            else None,
            "next_url": f"/?{query.query_string(query.page + 1)}" if query.page < count else None,
            "elections": [_listed(row) for row in found.rows],
            "facets": queries.facets(conn),
        }

    def index(self, query: IndexQuery) -> Rendered:
        found = self._cached(
            ("index", query, self.generation()), lambda: self._read(lambda c: self._index(c, query))
        )
        assert found is not None
        return found

    def _index(self, conn: sa.Connection, query: IndexQuery) -> Rendered:
        data = self.index_data(conn, query)
        title = "Election results" if query == IndexQuery() else "Elections (filtered)"
        return Rendered(self.renderer.listing(data, "/", title), json_bytes(data), data)

    def year(self, year: int) -> Rendered | None:
        return self._cached(
            ("year", year, self.generation()), lambda: self._read(lambda c: self._year(c, year))
        )

    def _year(self, conn: sa.Connection, year: int) -> Rendered | None:
        found = queries.election_page(conn, ElectionFilter(year=year), limit=None)
        if not found.total:
            return None
        data = {
            "heading": f"Elections of {year}",
            "searchable": False,
            "year": year,
            "url": f"/years/{year}",
            "filters": {"year": year},
            "page": 1,
            "pages": 1,
            "per_page": None,
            "total": found.total,
            "previous_url": None,
            "next_url": None,
            "elections": [_listed(row) for row in found.rows],
            "facets": {"cities": [], "years": [], "offices": []},
        }
        html = self.renderer.listing(data, f"/years/{year}", f"Elections of {year}")
        return Rendered(html, json_bytes(data), data)

    def election(self, election_id: int) -> Rendered | None:
        def work(conn: sa.Connection) -> Rendered | None:
            current = queries.current_version(conn, election_id)
            if current is None:
                return None
            row, number = current
            return self.election_page(election_id, number, self._election(conn, row))

        return self._cached(("election", election_id, self.generation()), lambda: self._read(work))

    def election_page(
        self,
        election_id: int,
        number: int,
        election: Election,
        summary: JSONDict | None = None,
        charts: tuple[list[str | None], list[str | None]] | None = None,
    ) -> Rendered:
        """An election's page from the loaded election (not cached: :meth:`election` is).
        ``summary`` and ``charts`` are passed when made already (the export reuses them)."""
        data = pages.election_data(election_id, number, election, summary=summary)
        html = self.renderer.election(data, charts)
        return Rendered(html, json_bytes(data), data)

    def candidate(self, wanted: str) -> Rendered | None:
        def work(conn: sa.Connection) -> Rendered | None:
            found = self._named(conn).get(wanted, ())
            loaded = [(e, self._election(conn, v)) for e, v in found]
            data = pages.candidate_data(wanted, loaded)
            if data is None:
                return None
            return Rendered(self.renderer.candidate(data), json_bytes(data), data)

        return self._cached(("candidate", wanted, self.generation()), lambda: self._read(work))

    def _named(self, conn: sa.Connection) -> queries.NameIndex:
        """Who ran where: candidate slug -> (election id, version row), read once per import
        generation (a slug drops accents, so the names are matched here, not in SQL)."""
        generation = self.generation()
        known = self._names
        if known is not None and known[0] == generation:
            return known[1]
        found = queries.candidate_index(conn, pages.candidate_slug)
        self._names = (generation, found)
        return found

    def city(self, wanted: str) -> Rendered | None:
        def work(conn: sa.Connection) -> Rendered | None:
            places = queries.city_places(conn, wanted)
            if not places:
                return None
            city, state = places[0]
            rows = queries.city_version_rows(conn, city, state)
            elections = [(e, self._election(conn, r)) for e, r in rows]
            data = pages.city_data(city, state, elections)
            if not data["elections"]:
                return None
            return Rendered(self.renderer.city(data), json_bytes(data), data)

        return self._cached(("city", wanted, self.generation()), lambda: self._read(work))

    def _cached(self, key: tuple[Any, ...], make: Callable[[], Rendered | None]) -> Rendered | None:
        return self.pages.get(key, make)


def _listed(row: JSONDict) -> JSONDict:
    city = row["city"]
    winner = row["winner"]
    return {
        **row,
        "url": pages.election_url(row["id"]),
        "city_url": pages.city_url(city, row["state"]) if city else None,
        "winner_url": pages.candidate_url(winner) if winner else None,
    }
