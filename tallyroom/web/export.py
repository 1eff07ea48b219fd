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

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tallyroom.errors import StorageError
from tallyroom.store import Store
from tallyroom.web import render
from tallyroom.web.site import IndexQuery, Rendered, Site

__all__ = ["ExportReport", "export_site"]


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


def _write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
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


def export_site(store: Store, folder: Path) -> ExportReport:
    """Write every page of the site over ``store`` into ``folder`` (created if missing).

    Each election is read from the database and summarised once; its page, JSON twin and
    charts, the candidate pages and the city pages are all made from that."""
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"{folder}: cannot create the export folder: {error}") from None
    site = Site(store, static=True, cache_size=1_000_000)
    out = _Files(folder)
    try:
        elections, candidates, cities = _export(site, store, out)
        out.close()
    finally:
        out.stop()
    return ExportReport(
        folder=folder,
        files=out.files,
        bytes=out.bytes,
        elections=elections,
        candidates=candidates,
        cities=cities,
        seconds=time.perf_counter() - started,
    )


def _export(site: Site, store: Store, out: _Files) -> tuple[int, int, int]:
    stylesheet = resources.files("tallyroom.web") / "static" / "style.css"
    out.write("/static/style.css", stylesheet.read_bytes())
    index = site.index(IndexQuery())
    out.page("/", index)
    compared: set[tuple[int, int]] = set()
    for listed in index.view.elections:
        rendered = site.election(listed.id)
        if rendered is None:
            continue
        view = rendered.view
        out.page(view.url, rendered)
        source = site.source(listed.id)
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
    people = 0
    for wanted in site.candidate_slugs():
        person = site.candidate(wanted)
        if person is not None:
            out.page(person.view.url, person)
            people += 1
    cities = index.view.facets.cities
    for place in cities:
        rendered_city = site.city(place.slug)
        if rendered_city is not None:
            out.page(rendered_city.view.url, rendered_city)
            out.write(rendered_city.view.chart_url, render.city_chart(rendered_city.view))
    for facet in index.view.facets.years:
        rendered_year = site.year(facet.year)
        if rendered_year is not None:
            out.page(facet.page_url, rendered_year)
    return len(index.view.elections), people, len(cities)
