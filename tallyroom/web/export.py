"""``tallyroom export-site DIR``: the whole website as static files with relative links.

The export holds the same pages as the live site, made by the same code (:class:`Site` with a
static renderer): ``index.html``, ``elections/<id>.html`` with its ``elections/<id>/source.html``,
``candidates/<name>.html``, ``cities/<name>.html``, ``years/<year>.html`` and
``compare/<id>/<id>.html`` for each election and the one before it of the same city and office,
each beside its ``.json`` twin, the charts as ``.svg`` and the stylesheet. Every link is
relative, so the folder can be served from any path of any static host. The index lists every
election (a static host cannot filter); the city and year pages take the filters' place.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tallyroom.errors import StorageError
from tallyroom.store import Store
from tallyroom.views import CityFacet, Facets, YearFacet, candidate_slug
from tallyroom.web import render
from tallyroom.web.site import IndexQuery, Rendered, Site

__all__ = ["STAMP", "ExportReport", "export_site"]


@dataclass(frozen=True, slots=True)
class ExportReport:
    folder: Path
    files: int
    bytes: int
    elections: int
    candidates: int
    cities: int
    seconds: float


#: Threads writing files: the file system's work (tens of thousands of small files) runs in
#: them, beside the rendering, since Python releases the GIL while the system writes.
WRITERS = 4
#: Files handed to the threads and not yet written, at most (a bound on the memory they hold).
PENDING = 512
#: Election records and pages the export keeps at most (see :func:`_export` for the order that
#: lets so few serve every page).
CACHE_SIZE = 512


#: The file in an export's folder that notes what the export holds (for ``since="last"``).
STAMP = ".tallyroom-export.json"


def _last_mark(folder: Path) -> int | None:
    """The audit mark the last export into ``folder`` noted; ``None`` when there is none."""
    try:
        mark = json.loads((folder / STAMP).read_text(encoding="utf-8"))["audit_mark"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return mark if isinstance(mark, int) else None


def _write_file(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        raise StorageError(f"{path}: cannot write the file: {error.strerror or error}") from None


class _Files:
    """Writes the export's files into ``folder`` from a few threads, and counts them. The first
    file that cannot be written stops the export with a :class:`StorageError` naming it, raised
    by :meth:`write` or :meth:`close`; :meth:`stop` ends the threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = 0
        self.bytes = 0
        self.made: set[Path] = {folder}
        self.pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="export")
        self.pending: deque[Future[None]] = deque()

    def write(self, site_path: str, content: bytes | str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = self.folder / render.export_path(site_path).lstrip("/")
        if path.parent not in self.made:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StorageError(
                    f"{path}: cannot write the file: {error.strerror or error}"
                ) from None
            self.made.add(path.parent)
        self.pending.append(self.pool.submit(_write_file, path, data))
        self.files += 1
        self.bytes += len(data)
        while self.pending and (self.pending[0].done() or len(self.pending) > PENDING):
            self.pending.popleft().result()

    def page(self, site_path: str, rendered: Rendered[Any]) -> None:
        self.write(site_path, rendered.html)
        self.write(site_path + ".json" if site_path != "/" else "/index.json", rendered.json)

    def close(self) -> None:
        """Wait for the files still being written, raising the first failure."""
        while self.pending:
            self.pending.popleft().result()

    def stop(self) -> None:
        """End the threads; files not yet being written are not written."""
        self.pool.shutdown(cancel_futures=True)


def export_site(
    store: Store, folder: Path, *, since: dt.datetime | str | None = None
) -> ExportReport:
    """Write every page of the site over ``store`` into ``folder`` (created if missing).

    Each election is read from the database about once: the pages that need it are made while
    it is in the site's bounded cache (see :func:`_export`).

    With ``since`` (a time, or ``"last"``: the last export into ``folder``, which it notes in
    :data:`STAMP`) only what the elections changed since then touch is written again: their
    pages, those of the other elections of their cities, the people named in them, their cities'
    and years' pages, and the index. Each file is replaced whole (written beside it, then
    renamed), so a copy of an export made with hard links is never changed through them."""
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"{folder}: cannot create the export folder: {error}") from None
    mark = store.audit_mark()  # taken first: what is stored meanwhile goes in the next export
    changed: tuple[int, ...] | None = None
    if since == "last":
        last = _last_mark(folder)
        changed = None if last is None else store.changed_elections(after=last)
    elif isinstance(since, dt.datetime):
        changed = store.changed_elections(at=since)
    site = Site(store, static=True, cache_size=CACHE_SIZE)
    out = _Files(folder)
    try:
        elections, candidates, cities = _export(site, store, out, changed)
        out.close()
    finally:
        out.stop()
    stamp = json.dumps({"audit_mark": mark}).encode("utf-8")
    _write_file(folder / STAMP, stamp)
    return ExportReport(
        folder=folder,
        files=out.files + 1,
        bytes=out.bytes + len(stamp),
        elections=elections,
        candidates=candidates,
        cities=cities,
        seconds=time.perf_counter() - started,
    )


def _export(site: Site, store: Store, out: _Files, changed: tuple[int, ...] | None) -> Counts:
    """Write the site (``changed=None``) or what the change of ``changed`` elections touches.

    Pages that read the same elections follow one another, so that the site's bounded cache of
    records (:data:`CACHE_SIZE`) holds what each needs and memory does not grow with the
    archive: a city's elections, then the city's page; a person's page right after the last of
    their elections; the years' pages (lists) at the end."""
    stylesheet = resources.files("tallyroom.web") / "static" / "style.css"
    out.write("/static/style.css", stylesheet.read_bytes())
    index = site.index(IndexQuery())
    out.page("/", index)
    facets = index.view.facets
    runs = store.candidate_index(candidate_slug)
    if changed is None:
        listed = sorted(index.view.elections, key=lambda e: (e.city or "", e.state or ""))
        elections = [election.id for election in listed]
        place_of = {election.id: (election.city, election.state) for election in listed}
        people = list(runs)
        cities, years = list(facets.cities), list(facets.years)
    else:
        elections, people, cities, years = _touched(site, store, changed, facets, runs)
        place_of = {}
    position = {election_id: at for at, election_id in enumerate(elections)}
    people_after: defaultdict[int, list[str]] = defaultdict(list)
    for wanted in people:
        ids = [position[i] for i in runs.get(wanted, ()) if i in position]
        people_after[max(ids, default=-1)].append(wanted)
    # A city's page follows its last election here; pages of cities not met follow at the end.
    last_of = {place_of[e]: at for at, e in enumerate(elections) if e in place_of}
    city_after: defaultdict[int, list[CityFacet]] = defaultdict(list)
    for place in cities:
        city_after[last_of.get((place.city, place.state), len(elections))].append(place)
    compared: set[tuple[int, int]] = set()
    written = persons = 0
    for at in range(-1, len(elections) + 1):
        if 0 <= at < len(elections):
            written += _election_files(site, out, elections[at], compared)
        for wanted in people_after.pop(at, ()):
            persons += _person_page(site, out, wanted)
        for place in city_after.pop(at, ()):
            _city_page(site, out, place)
    for facet in years:
        rendered_year = site.year(facet.year)
        if rendered_year is not None:
            out.page(facet.page_url, rendered_year)
    return written, persons, len(cities)


def _person_page(site: Site, out: _Files, wanted: str) -> int:
    person = site.candidate(wanted)
    if person is None:
        return 0
    out.page(person.view.url, person)
    return 1


def _city_page(site: Site, out: _Files, place: CityFacet) -> None:
    rendered = site.city(place.slug)
    if rendered is not None:
        out.page(rendered.view.url, rendered)
        out.write(rendered.view.chart_url, render.city_chart(rendered.view))


Counts = tuple[int, int, int]


def _election_files(
    site: Site, out: _Files, election_id: int, compared: set[tuple[int, int]]
) -> int:
    """An election's page, source page, comparisons and charts; 1 when it exists, else 0."""
    rendered = site.election(election_id)
    if rendered is None:
        return 0
    view = rendered.view
    out.page(view.url, rendered)
    source = site.source(election_id)
    if source is not None:
        out.page(source.view.url, source)
    for other in view.compare:
        if (other.first, other.second) not in compared:
            compared.add((other.first, other.second))
            pair = site.compare(other.first, other.second)
            if pair is not None:
                out.page(pair.view.url, pair)
    for stage in view.stages:
        if stage.has_votes:  # a stage without votes has no chart
            out.write(stage.chart_url, render.stage_chart(view, stage.index))
        if stage.rounds_chart_url:
            out.write(stage.rounds_chart_url, render.rounds_chart(view, stage.index))
    return 1


def _touched(
    site: Site,
    store: Store,
    changed: tuple[int, ...],
    facets: Facets,
    runs: Mapping[str, tuple[int, ...]],
) -> tuple[list[int], list[str], list[CityFacet], list[YearFacet]]:
    """The pages a change of ``changed`` elections touches: theirs, those of the other elections
    of their cities (whose comparisons and neighbours' links may change), the people named in
    them, their cities' pages and their years' pages."""
    places: set[tuple[str, str | None]] = set()
    years: set[int] = set()
    for election_id in changed:
        rendered = site.election(election_id)
        if rendered is None:
            continue
        view = rendered.view
        if view.city is not None:
            places.add((view.city, view.state))
        if view.figures.year is not None:
            years.add(view.figures.year)
    elections = set(changed)
    for city, state in places:
        elections.update(store.city_elections(city, state))
    people = [wanted for wanted, ids in runs.items() if not elections.isdisjoint(ids)]
    return (
        sorted(elections),
        sorted(people),
        [place for place in facets.cities if (place.city, place.state) in places],
        [facet for facet in facets.years if facet.year in years],
    )
