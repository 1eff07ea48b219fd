"""``tallyroom export-site DIR``: the whole website as static files with relative links.

The export holds the same pages as the live site, made by the same code (:class:`Site` with a
static renderer): ``index.html``, ``elections/<id>.html``, ``candidates/<name>.html``,
``cities/<name>.html``, ``years/<year>.html``, each beside its ``.json`` twin, the charts as
``.svg`` and the stylesheet. Every link is relative, so the folder can be served from any path
of any static host. The index lists every election (a static host cannot filter); the city and
year pages take the filters' place.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
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
from tallyroom.store.queries import current_versions
from tallyroom.web import pages, queries, render
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


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = 0
        self.bytes = 0
        self.made: set[Path] = set()

    def write(self, site_path: str, content: bytes | str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        target = self.folder / render.export_path(site_path).lstrip("/")
        parent = target.parent
        if parent not in self.made:
            parent.mkdir(parents=True, exist_ok=True)
            self.made.add(parent)
        target.write_bytes(data)
        self.files += 1
        self.bytes += len(data)

    def page(self, site_path: str, rendered: Rendered) -> None:
        self.write(site_path, rendered.html)
        self.write(site_path + ".json" if site_path != "/" else "/index.json", rendered.json)


def export_site(store: Store, folder: Path) -> ExportReport:
    """Write every page of the site over ``store`` into ``folder`` (created if missing)."""
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"{folder}: cannot create the export folder: {error}") from None
    site = Site(store, static=True, cache_size=1_000_000)
    out = _Writer(folder)
    stylesheet = resources.files("tallyroom.web") / "static" / "style.css"
    out.write("/static/style.css", stylesheet.read_bytes())
    out.page("/", site.index(IndexQuery()))

    with store.engine.connect() as conn:
        current = current_versions().subquery()
        rows = conn.execute(
            sa.select(current.c.election_id, current.c.id, current.c.year).order_by(
                current.c.election_id
            )
        ).all()
    runs: defaultdict[str, list[tuple[int, Election]]] = defaultdict(list)
    years: set[int] = set()
    for election_id, _, year in rows:
        rendered = site.election(int(election_id))
        if rendered is None:  # removed while exporting
            continue
        data = rendered.data
        out.page(data["url"], rendered)
        for stage in data["stages"]:
            out.write(stage["chart_url"], render.stage_chart(data, stage["index"]))
            if stage["rounds_chart_url"]:
                out.write(stage["rounds_chart_url"], render.rounds_chart(data, stage["index"]))
        if year is not None:
            years.add(int(year))
    for election_id, version_row, _ in rows:
        election = site.elections.get(int(version_row), functools.partial(_missing, version_row))
        seen: set[str] = set()
        for index in range(len(election.stages)):
            for name, _votes in stage_participants(election, index):
                wanted = pages.candidate_slug(name)
                if wanted not in seen:
                    seen.add(wanted)
                    runs[wanted].append((int(election_id), election))
    summaries: dict[int, dict[str, Any]] = {}

    def summarize(election: Election) -> dict[str, Any]:
        key = id(election)  # the loaded elections stay alive in the site's cache
        if key not in summaries:
            summaries[key] = election_json(election)
        return summaries[key]

    for wanted, elections in runs.items():
        person = pages.candidate_data(wanted, elections, summarize)
        if person is not None:
            html = site.renderer.candidate(person)
            out.page(person["url"], Rendered(html, render.json_bytes(person), person))
    with store.engine.connect() as conn:
        cities = queries.facets(conn)["cities"]
    for item in cities:
        rendered_city = site.city(item["slug"])
        if rendered_city is not None:
            out.page(rendered_city.data["url"], rendered_city)
            out.write(rendered_city.data["chart_url"], render.city_chart(rendered_city.data))
    for year in sorted(years):
        rendered_year = site.year(year)
        if rendered_year is not None:
            out.page(f"/years/{year}", rendered_year)
    return ExportReport(
        folder=folder,
        files=out.files,
        bytes=out.bytes,
        elections=len(rows),
        candidates=len(runs),
        cities=len(cities),
        seconds=time.perf_counter() - started,
    )


def _missing(version_row: int) -> Election:
    raise StorageError(f"version {version_row} vanished during the export")
