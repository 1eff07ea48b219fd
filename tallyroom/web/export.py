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

import dataclasses
import datetime as dt
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tallyroom.errors import StorageError
from tallyroom.store import ElectionSummary, Store
from tallyroom.store.changes import ElectionChange
from tallyroom.store.codec import to_json
from tallyroom.views import candidate_slug, candidate_url, city_slug, city_url, city_view
from tallyroom.web import render
from tallyroom.web.render import json_bytes
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

    def remove(self, site_path: str) -> None:
        """Remove a page and its JSON twin that the site no longer has (unlinked: a hard-linked
        copy of the export keeps them)."""
        for path in (render.export_path(site_path), site_path + ".json"):
            try:
                (self.folder / path.lstrip("/")).unlink(missing_ok=True)
            except OSError as error:
                raise StorageError(
                    f"{self.folder / path.lstrip('/')}: cannot remove the file: "
                    f"{error.strerror or error}"
                ) from None

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
    :data:`STAMP`) only what the elections changed since then touch is written again (see
    :func:`_touched`). Each file is replaced whole (written beside it, then renamed), so a copy
    of an export made with hard links is never changed through them."""
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"{folder}: cannot create the export folder: {error}") from None
    mark = store.audit_mark()  # taken first: what is stored meanwhile goes in the next export
    changes: tuple[ElectionChange, ...] | None = None
    if since == "last":
        last = _last_mark(folder)
        if last is not None:
            changes = store.election_changes(store.changed_elections(after=last), after=last)
    elif isinstance(since, dt.datetime):
        changes = store.election_changes(store.changed_elections(at=since), at=since)
    runs: Mapping[str, tuple[int, ...]]
    if changes is None:
        runs = store.candidate_index(candidate_slug)
        touched = None
    else:
        touched = _touched(store, changes)
        runs = store.people_runs(touched.people, candidate_slug)
    site = _ExportSite(store, runs)
    out = _Files(folder)
    try:
        elections, candidates, cities = _export(site, out, runs, touched)
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


class _ExportSite(Site):
    """The static site, with the people index the export read (every person's, or only the
    people a change touches: the whole index slugs every name of the archive, the largest part
    of an export of one change)."""

    def __init__(self, store: Store, runs: Mapping[str, tuple[int, ...]]) -> None:
        self._runs = runs
        super().__init__(store, static=True, cache_size=CACHE_SIZE, pages_kept=0)

    def _read_names(self, generation: object) -> Mapping[str, tuple[int, ...]]:
        return self._runs


Place = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class _Touched:
    """What a change touches: the elections whose files are written again, the people's, the
    cities' and the years' pages, and whether the index is."""

    elections: tuple[int, ...]
    people: Mapping[str, str]
    """The people's slugs, each with a name it is the slug of."""
    places: tuple[Place, ...]
    years: tuple[int, ...]
    index: bool
    listed_as_before: Mapping[Place, tuple[int, ...]]
    """Places whose changed elections are all listed as before, with those elections: only
    their rows of the city's page can have changed (see :func:`_city_rows_as_before`)."""


def _export(
    site: Site, out: _Files, runs: Mapping[str, tuple[int, ...]], touched: _Touched | None
) -> Counts:
    """Write the site (``touched=None``) or what a change touches.

    Pages that read the same elections follow one another, so that the site's bounded cache of
    records (:data:`CACHE_SIZE`) holds what each needs and memory does not grow with the
    archive: a city's elections, then the city's page; a person's page right after the last of
    their elections; the years' pages (lists) at the end."""
    stylesheet = resources.files("tallyroom.web") / "static" / "style.css"
    out.write("/static/style.css", stylesheet.read_bytes())
    place_of: dict[int, Place] = {}
    if touched is None:
        index = site.index(IndexQuery())
        out.page("/", index)
        listed = sorted(
            ((e.id, e.city, e.state, e.year) for e in index.view.elections),
            key=lambda e: (e[1] or "", e[2] or ""),
        )
        del index  # the page of every election: not kept while the others are made
        elections = [election_id for election_id, _, _, _ in listed]
        place_of = {ident: (city, state) for ident, city, state, _ in listed if city is not None}
        people: Iterable[str] = runs  # every person's slug, read once below
        # Every place and year with elections (the index's lists may name only some).
        cities = list(dict.fromkeys(place_of[e] for e in elections if e in place_of))
        years = sorted({year for _, _, _, year in listed if year is not None}, reverse=True)
        del listed
    else:
        if touched.index:
            out.page("/", site.index(IndexQuery()))
        elections = list(touched.elections)
        people = sorted(touched.people)
        # A person no election names any more has no page: the full export would not write it.
        for wanted in people:
            if wanted not in runs:
                out.remove(candidate_url(touched.people[wanted]))
        cities, years = list(touched.places), list(touched.years)
    position = {election_id: at for at, election_id in enumerate(elections)}
    people_after: defaultdict[int, list[str]] = defaultdict(list)
    for wanted in people:
        ids = [position[i] for i in runs.get(wanted, ()) if i in position]
        people_after[max(ids, default=-1)].append(wanted)
    # A city's page follows its last election here; pages of cities not met follow at the end.
    last_of = {place_of[e]: at for at, e in enumerate(elections) if e in place_of}
    city_after: defaultdict[int, list[Place]] = defaultdict(list)
    for place in cities:
        city_after[last_of.get(place, len(elections))].append(place)
    coming = set(elections)
    written = persons = cities_written = 0
    for at in range(-1, len(elections) + 1):
        if 0 <= at < len(elections):
            coming.discard(elections[at])
            written += _election_files(site, out, elections[at], coming)
        for wanted in people_after.pop(at, ()):
            persons += _person_page(site, out, wanted)
        for city, state in city_after.pop(at, ()):
            here = touched.listed_as_before.get((city, state)) if touched else None
            if here is None or not _city_rows_as_before(site, out, (city, state), here):
                cities_written += _city_page(site, out, city_slug(city, state))
    for year in years:
        rendered_year = site.year(year)
        if rendered_year is not None:
            out.page(rendered_year.view.url, rendered_year)
    if touched is None or touched.index:  # the list of every place changes with the index's
        _places_pages(site, out)
    return written, persons, cities_written


def _places_pages(site: Site, out: _Files) -> None:
    """Every page of the list of places (``/places``, ``/places/2``, ...)."""
    number = 1
    while (rendered := site.places(number)) is not None:
        out.page(rendered.view.url, rendered)
        number += 1


def _person_page(site: Site, out: _Files, wanted: str) -> int:
    person = site.candidate(wanted)
    if person is None:
        return 0
    out.page(person.view.url, person)
    return 1


def _city_page(site: Site, out: _Files, wanted: str) -> int:
    rendered = site.city(wanted)
    if rendered is None:
        return 0
    out.page(rendered.view.url, rendered)
    out.write(rendered.view.chart_url, render.city_chart(rendered.view))
    return 1


Counts = tuple[int, int, int]


def _election_files(
    site: Site,
    out: _Files,
    election_id: int,
    coming: set[int],
) -> int:
    """An election's page, source page, comparisons and charts; 1 when it exists, else 0.

    A comparison with an election of ``coming`` (exported later in this run) is left to that
    election's turn, when both records have been read for their own pages: so each pair of
    elections is compared once, by the later of the two."""
    rendered = site.election(election_id)
    if rendered is None:
        return 0
    view = rendered.view
    out.page(view.url, rendered)
    source = site.source(election_id)
    if source is not None:
        out.page(source.view.url, source)
    for other in view.compare:
        if other.first in coming or other.second in coming:
            continue
        pair = site.compare(other.first, other.second)
        if pair is not None:
            out.page(pair.view.url, pair)
    for stage in view.stages:
        if stage.has_votes:  # a stage without votes has no chart
            out.write(stage.chart_url, render.stage_chart(view, stage.index))
        if stage.rounds_chart_url:
            out.write(stage.rounds_chart_url, render.rounds_chart(view, stage.index))
    return 1


def _city_rows_as_before(site: Site, out: _Files, place: Place, ids: tuple[int, ...]) -> bool:
    """Whether the city's page in the folder shows these elections as they are now, so that it
    need not be made again (which reads every election of the city). Their rows are made as
    the page makes them; the link of a row to the election before it (``compare_url``) follows
    the city's list, which elections listed as before leave as it was."""
    city, state = place
    twin = out.folder / render.export_path(city_url(city, state) + ".json").lstrip("/")
    try:
        shown = json.loads(twin.read_bytes())["elections"]
        before = {row["id"]: row for row in shown if isinstance(row, dict)}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for election_id in ids:
        record = site.record(election_id)
        old = before.get(election_id)
        if record is None or old is None:
            return False
        row = json.loads(json_bytes(to_json(city_view(city, state, [record]).elections[0])))
        if {**row, "compare_url": None} != {**old, "compare_url": None}:
            return False
    return True


def _listing(summary: ElectionSummary) -> ElectionSummary:
    """How an election is listed, whichever of its versions: its summary without the number."""
    return dataclasses.replace(summary, version=0)


def _touched(store: Store, changes: tuple[ElectionChange, ...]) -> _Touched:
    """The pages a change of these elections touches.

    Always their own (page, source, comparisons, charts), their cities' pages and the pages of
    the people named in them then or now. An election listed anew or differently (title,
    place, year, office, date, winner, ...: anything of its summary) also changes the lists
    made of summaries: the index, its years' pages, and the other elections of its cities,
    whose links to the neighbours they compare with follow the city's list. An election listed
    as it was at the last export changes none of them."""
    elections: set[int] = set()
    people: dict[str, str] = {}
    places: dict[Place, None] = {}
    years: set[int] = set()
    listings_changed = False
    as_before: dict[Place, list[int]] = {}
    relisted: set[Place] = set()
    for change in changes:
        elections.add(change.id)
        people.update((candidate_slug(name), name) for name in sorted(change.names))
        shown = [s for s in (change.before, *change.since) if s is not None]
        for summary in shown:
            if summary.city is not None:
                places[(summary.city, summary.state)] = None
        if change.before is not None and all(
            _listing(s) == _listing(change.before) for s in change.since
        ):
            city, state = change.before.city, change.before.state
            if city is not None:
                as_before.setdefault((city, state), []).append(change.id)
        else:
            relisted.update((s.city, s.state) for s in shown if s.city is not None)
            listings_changed = True
            years.update(s.year for s in shown if s.year is not None)
    for city, state in relisted:
        elections.update(store.city_elections(city, state))
    return _Touched(
        tuple(sorted(elections)),
        people,
        tuple(places),
        tuple(sorted(years, reverse=True)),
        listings_changed,
        {place: tuple(ids) for place, ids in as_before.items() if place not in relisted},
    )
