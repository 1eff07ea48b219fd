"""``tallyroom export-site DIR``: the whole website as static files with relative links.

The export holds the same pages as the live site, made by the same code (:class:`Site` with a
static renderer): ``index.html``, ``elections/<id>.html``, ``candidates/<name>.html``,
``cities/<name>.html``, ``years/<year>.html``, each beside its ``.json`` twin, the charts as
``.svg`` and the stylesheet. Every link is relative, so the folder can be served from any path
of any static host. The index lists every election (a static host cannot filter); the city and
year pages take the filters' place.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tallyroom.claims import stage_participants
from tallyroom.errors import StorageError
from tallyroom.formats.summary import election_json
from tallyroom.model import Election
from tallyroom.store import Store
from tallyroom.store import schema as t
from tallyroom.store.queries import current_versions
from tallyroom.store.rows import load_election
from tallyroom.web import pages, queries, render
from tallyroom.web.site import IndexQuery, Rendered, Site

__all__ = ["ExportReport", "export_site"]

#: The program of the writing process: it reads (path, content) records from its standard input
#: (a 4-byte path length, a 4-byte content length, both big-endian, then the UTF-8 path relative
#: to the folder and the content) and writes each file, making folders as needed. On the first
#: failure it names the file on standard error and stops.
WRITER = """
import os, sys
folder, read, made = sys.argv[1], sys.stdin.buffer.read, set()
flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
while head := read(8):
    size = int.from_bytes(head[:4], "big")
    path = os.path.join(folder, read(size).decode("utf-8"))
    data = memoryview(read(int.from_bytes(head[4:], "big")))
    try:
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        handle = os.open(path, flags, 0o644)
        try:
            while data:
                data = data[os.write(handle, data):]
        finally:
            os.close(handle)
    except OSError as error:
        sys.stderr.write(f"{path}: cannot write the file: {error.strerror or error}")
        sys.exit(1)
"""
#: Bytes gathered before they are sent to the writing process.
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ExportReport:
    folder: Path
    files: int
    bytes: int
    elections: int
    candidates: int
    cities: int
    seconds: float


class _Writer:
    """Writes the export's files from a small process of its own, so that the file system's
    work (tens of thousands of small files) runs beside the rendering instead of after it. The
    files are sent in chunks through a pipe; :meth:`close` waits for the last one and raises a
    :class:`StorageError` naming the file that could not be written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = 0
        self.bytes = 0
        self.buffer = bytearray()
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", WRITER, str(folder)],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def write(self, site_path: str, content: bytes | str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = render.export_path(site_path).lstrip("/").encode("utf-8")
        self.buffer += len(path).to_bytes(4, "big") + len(data).to_bytes(4, "big") + path
        self.buffer += data
        self.files += 1
        self.bytes += len(data)
        if len(self.buffer) >= CHUNK:
            self._send()

    def page(self, site_path: str, rendered: Rendered) -> None:
        self.write(site_path, rendered.html)
        self.write(site_path + ".json" if site_path != "/" else "/index.json", rendered.json)

    def _send(self) -> None:
        pipe = self.process.stdin
        assert pipe is not None
        with contextlib.suppress(BrokenPipeError):  # the writer stopped: close() says why
            pipe.write(self.buffer)
        self.buffer.clear()

    def close(self) -> None:
        self._send()
        assert self.process.stdin is not None and self.process.stderr is not None
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        failure = self.process.stderr.read().decode("utf-8", "replace").strip()
        self.process.stderr.close()
        if self.process.wait() != 0:
            raise StorageError(failure or f"{self.folder}: the files could not be written")


@dataclass(frozen=True, slots=True)
class _Stored:
    """An election as the export reads it: ids, version, year and the loaded election."""

    election_id: int
    number: int
    year: int | None
    election: Election


def _load_all(site: Site, conn: sa.Connection) -> list[_Stored]:
    """Every current election, loaded once, by election id (and kept in the site's cache of
    elections, where the city pages find them)."""
    current = current_versions().subquery()
    rows = conn.execute(
        sa.select(
            current.c.election_id, current.c.id, current.c.number, current.c.year, t.sources.c.name
        )
        .join(t.sources, t.sources.c.id == current.c.source_id)
        .order_by(current.c.election_id)
    ).all()
    return [
        _Stored(
            int(election_id),
            int(number),
            None if year is None else int(year),
            site.elections.get(
                int(version_row),
                functools.partial(load_election, conn, int(version_row), source=str(source)),
            ),
        )
        for election_id, version_row, number, year, source in rows
    ]


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
    out = _Writer(folder)
    try:
        counts = _export(site, store, out)
    finally:
        out.close()
    elections, candidates, cities = counts
    return ExportReport(
        folder=folder,
        files=out.files,
        bytes=out.bytes,
        elections=elections,
        candidates=candidates,
        cities=cities,
        seconds=time.perf_counter() - started,
    )


def _export(site: Site, store: Store, out: _Writer) -> tuple[int, int, int]:
    stylesheet = resources.files("tallyroom.web") / "static" / "style.css"
    out.write("/static/style.css", stylesheet.read_bytes())
    out.page("/", site.index(IndexQuery()))
    with store.engine.connect() as conn, conn.begin():
        stored = _load_all(site, conn)
        cities = queries.facets(conn)["cities"]

    runs: dict[str, list[tuple[int, Election]]] = {}
    summaries: dict[int, dict[str, Any]] = {}
    for item in stored:
        election = item.election
        summary = election_json(election)
        summaries[id(election)] = summary
        data = pages.election_data(item.election_id, item.number, election, summary=summary)
        charts = site.renderer.election_charts(data)
        html = site.renderer.election(data, charts)
        out.page(data["url"], Rendered(html, render.json_bytes(data), data))
        for stage, drawn, rounds in zip(data["stages"], *charts, strict=True):
            index = stage["index"]
            out.write(stage["chart_url"], drawn or render.stage_chart(data, index))
            if stage["rounds_chart_url"]:
                out.write(stage["rounds_chart_url"], rounds or render.rounds_chart(data, index))
        seen: set[str] = set()
        for index in range(len(election.stages)):
            for name, _votes in stage_participants(election, index):
                wanted = pages.candidate_slug(name)
                if wanted not in seen:
                    seen.add(wanted)
                    runs.setdefault(wanted, []).append((item.election_id, election))

    for wanted, elections in runs.items():
        person = pages.candidate_data(wanted, elections, lambda e: summaries[id(e)])
        if person is not None:
            html = site.renderer.candidate(person)
            out.page(person["url"], Rendered(html, render.json_bytes(person), person))
    for place in cities:
        rendered_city = site.city(place["slug"])
        if rendered_city is not None:
            out.page(rendered_city.data["url"], rendered_city)
            out.write(rendered_city.data["chart_url"], render.city_chart(rendered_city.data))
    for year in sorted({item.year for item in stored if item.year is not None}):
        rendered_year = site.year(year)
        if rendered_year is not None:
            out.page(f"/years/{year}", rendered_year)
    return len(stored), len(runs), len(cities)
