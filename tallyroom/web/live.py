"""The public live pages of a declared election: ``/live/{key}`` ("X of Y precincts
reporting · updated HH:MM", the rules' decision line, candidate totals, the precinct and ward
table), a page per reporting unit, a CSV of every table and a JSON twin of every page.

The figures are the STORED election's (the version the last accepted change stored: totals,
shares, the rules' decision, each unit's returns), read through the app's read-only store, so
that the live page, the election's page, the CLI and the exports agree. The declared election's
state (status, revision, units, who changed it last) comes from :mod:`tallyroom.night`.

Pages reload themselves (``<meta http-equiv="refresh">``: no script, which the site's CSP
forbids anyway). JSON twins carry an ``ETag`` (``If-None-Match`` answers 304) and the election
night's ``revision``; ``?since=N`` answers 304 while the revision is still ``N``. Each worker
makes a page once per change of the database, however many read it (:class:`LiveCache`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from tallyroom.errors import NotFoundError
from tallyroom.figures import ratio_percent
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    OVER_VOTES,
    REGISTERED_VOTERS,
    UNDER_VOTES,
)
from tallyroom.night import publish
from tallyroom.night.declare import Declaration, DeclaredUnit
from tallyroom.store import ElectionFilter, Store
from tallyroom.store.read import ElectionRecord
from tallyroom.views.wording import stage_sentence
from tallyroom.web.render import json_bytes

if TYPE_CHECKING:
    from tallyroom.web.night import Night

__all__ = [
    "LiveCache",
    "LiveItem",
    "LiveView",
    "declared_elections",
    "live_url",
    "live_view",
    "router",
]

HTML = "text/html; charset=utf-8"
JSON = "application/json"
CSV = "text/csv; charset=utf-8"
#: Public and short-lived: a CDN or browser may keep a live page this long.
LIVE_CACHE = {"Cache-Control": "public, max-age=5"}

STATUS_WORDS = {
    "unofficial-partial": "Unofficial, partial",
    "unofficial-complete": "Unofficial, every precinct reported",
    "certified": "Certified",
    "correction": "Under correction",
    "recount": "Under recount",
}


# -- the records the pages are made from ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveItem:
    """A declared election in a list: its progress in the stage being counted."""

    key: str
    title: str
    status: str
    reported: int
    total: int
    url: str


@dataclass(frozen=True, slots=True)
class LiveRow:
    name: str
    party: str | None
    votes: int | None
    percent: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class LiveUnit:
    """A unit's returns in one stage; a ward's are its precincts' added up."""

    id: str
    name: str
    kind: str
    parent: str | None
    registered_voters: int | None
    reported: bool
    """For a ward: every precinct in it reported."""
    votes: tuple[int | None, ...]
    """By candidate, in the stage's candidate order; ``None`` until it reports."""
    total: int | None
    ballots_cast: int | None
    over_votes: int | None
    under_votes: int | None
    turnout: str | None
    url: str


@dataclass(frozen=True, slots=True)
class LiveStage:
    index: int
    label: str
    date: dt.date
    decision: str
    """The rules' decision in words, as far as the count has gone."""
    candidates: tuple[str, ...]
    rows: tuple[LiveRow, ...]
    total: int | None
    reported: int
    units_total: int
    units: tuple[LiveUnit, ...]


@dataclass(frozen=True, slots=True)
class LiveView:
    key: str
    title: str
    status: str
    status_text: str
    revision: int
    reported: int
    total: int
    headline: str
    """``"2 of 5 precincts reporting · updated 21:14"``."""
    updated_at: dt.datetime
    election_url: str | None
    url: str
    stages: tuple[LiveStage, ...]


# -- reading --------------------------------------------------------------------------------------


def _counting(night: publish.Night) -> int:
    """The stage being counted: the latest one with returns, else the first."""
    stages = range(len(night.declaration.stages))
    return max((s for s in stages if night.reported(s)), default=0)


def declared_elections(store: Store) -> list[LiveItem]:
    """Every declared election, by title."""
    items = []
    for key in publish.declared_keys(store):
        night = publish.declared_state(store, key)
        stage = _counting(night)
        items.append(
            LiveItem(
                key,
                night.declaration.display_title,
                night.status,
                night.reported(stage),
                len(night.declaration.reporting_units),
                live_url(key),
            )
        )
    return sorted(items, key=lambda item: item.title)


#: Stored elections' ids by (database, key): an election keeps its id through its versions.
_IDS: dict[tuple[str, str], int] = {}


def _stored(store: Store, key: str, declaration: Declaration) -> ElectionRecord | None:
    """The stored election of a declaration (its current version)."""
    known = _IDS.get((store.url, key))
    if known is not None:
        try:
            record = store.record(known)
        except NotFoundError:
            record = None
        if record is not None and _is(record, declaration):
            return record
    where = ElectionFilter(
        city=declaration.city,
        state=declaration.state,
        office=declaration.office,
        year=declaration.year,
    )
    rows = store.list_elections(where, limit=2).rows
    if len(rows) != 1:
        return None
    _IDS[(store.url, key)] = rows[0].id
    return store.record(rows[0].id)


def _is(record: ElectionRecord, declaration: Declaration) -> bool:
    election = record.election
    return (
        election.jurisdiction.city == declaration.city
        and election.jurisdiction.state == declaration.state
        and election.office == declaration.office
        and election.year == declaration.year
    )


def _decision(stage: Any, figures: Any, next_label: str | None, reported: int, status: str) -> str:
    """The decision line: too early, who leads or would advance, or the rules' decision."""
    if reported == 0:
        return "Too early: no precinct has reported yet."
    if status != "unofficial-partial":
        sentence = stage_sentence(stage, figures, next_label)
        return sentence if status == "certified" else f"Unofficial: {sentence}"
    decision = stage.decision
    leaders = sorted(
        (row for row in stage.rows if row.votes is not None), key=lambda row: -(row.votes or 0)
    )
    if decision is not None and decision.tied:
        return f"Tied so far: {' and '.join(decision.tied)}."
    if decision is not None and decision.advanced and not decision.winners:
        where = f"the {next_label.lower()}" if next_label else "the next round"
        top = leaders[0].percent if leaders else None
        lead = "No majority so far: " if top is not None and Decimal(top) <= 50 else "So far "
        names = " and ".join(decision.advanced)
        return f"{lead}{names} would go to {where}."
    if leaders:
        first = leaders[0]
        share = f" with {first.percent}%" if first.percent else ""
        return f"{first.name} leads{share}, as far as the count has gone."
    return "Too early: no votes are counted yet."


def live_view(store: Store, key: str) -> LiveView:
    """The live page of the declared election ``key``; NotFoundError when it is not declared."""
    night = publish.declared_state(store, key)
    declaration = night.declaration
    record = _stored(store, key, declaration)
    reporting = {unit.id for unit in declaration.reporting_units}
    children: dict[str, list[str]] = {}
    for unit in declaration.units:
        if unit.parent is not None:
            children.setdefault(unit.parent, []).append(unit.id)
    stages = []
    for position, declared in enumerate(declaration.stages):
        candidates = tuple(c.name for c in declared.candidates)
        figures = record.figures if record is not None else None
        stored_stage = (
            figures.stages[position]
            if figures is not None and position < len(figures.stages)
            else None
        )
        stored = (
            record.election.stages[position]
            if record is not None and stored_stage is not None
            else None
        )
        by_unit: dict[str, dict[str, int]] = {}
        for result in stored.unit_results if stored is not None else ():
            by_unit.setdefault(result.unit, {})[result.candidate] = result.votes
        reported = sum(
            1 for unit in reporting if any(name in by_unit.get(unit, {}) for name in candidates)
        )

        def leaves(unit_id: str) -> list[str]:
            below = children.get(unit_id)
            if not below:
                return [unit_id]
            return [leaf for child in below for leaf in leaves(child)]

        units = []
        for unit in declaration.units:
            parts = leaves(unit.id)
            done = [by_unit.get(part, {}) for part in parts]
            has = [d for d in done if any(name in d for name in candidates)]
            complete = len(has) == len(parts)
            units.append(_unit(key, unit, candidates, has, complete, live_url))
        rows: tuple[LiveRow, ...]
        if stored_stage is not None:
            rows = tuple(
                LiveRow(r.name, r.party, r.votes, r.percent, r.status if reported else None)
                for r in stored_stage.rows
            )
        else:
            rows = tuple(LiveRow(c.name, c.party, None, None, None) for c in declared.candidates)
        following = (
            figures.stages[position + 1].label
            if figures is not None and position + 1 < len(figures.stages)
            else None
        )
        decision = (
            _decision(stored_stage, figures, following, reported, night.status)
            if stored_stage is not None
            else "Too early: no precinct has reported yet."
        )
        stages.append(
            LiveStage(
                index=position,
                label=stored_stage.label if stored_stage is not None else declared.label(),
                date=declared.date,
                decision=decision,
                candidates=candidates,
                rows=rows,
                total=stored_stage.total.counted if stored_stage is not None and reported else None,
                reported=reported,
                units_total=len(reporting),
                units=tuple(units),
            )
        )
    counting = stages[_counting(night)] if stages else None
    reported = counting.reported if counting else 0
    total = len(reporting)
    updated = night.updated_at.astimezone()
    return LiveView(
        key=key,
        title=declaration.display_title,
        status=night.status,
        status_text=STATUS_WORDS.get(night.status, night.status),
        revision=night.revision,
        reported=reported,
        total=total,
        headline=f"{reported} of {total} precincts reporting · updated {updated:%H:%M}",
        updated_at=night.updated_at,
        election_url=f"/elections/{record.id}" if record is not None else None,
        url=live_url(key),
        stages=tuple(stages),
    )


def _unit(
    key: str,
    unit: DeclaredUnit,
    candidates: tuple[str, ...],
    reported: list[dict[str, int]],
    complete: bool,
    live_url: Callable[[str, str], str],
) -> LiveUnit:
    def added(name: str) -> int | None:
        values = [part.get(name) for part in reported]
        if not values or None in values:
            return None
        return sum(v for v in values if v is not None)

    votes = tuple(added(name) for name in candidates)
    total = sum(v for v in votes if v is not None) if reported else None
    ballots = added(BALLOTS_CAST)
    registered = unit.registered_voters
    if registered is None and reported:
        registered = added(REGISTERED_VOTERS)
    return LiveUnit(
        id=unit.id,
        name=unit.name,
        kind=unit.kind,
        parent=unit.parent,
        registered_voters=registered,
        reported=complete,
        votes=votes if reported else tuple(None for _ in candidates),
        total=total,
        ballots_cast=ballots,
        over_votes=added(OVER_VOTES),
        under_votes=added(UNDER_VOTES),
        turnout=ratio_percent(ballots, registered) if complete else None,
        url=live_url(key, f"/units/{_quote(unit.id)}"),
    )


def _quote(text: str) -> str:
    return quote(text, safe="")


def live_url(key: str, suffix: str = "") -> str:
    """The public page of the declared election ``key`` (``suffix``: ``.json``, ``.csv``...)."""
    return f"/live/{_quote(key)}{suffix}"


# -- the same records as JSON and CSV ------------------------------------------------------------


def view_json(view: LiveView) -> dict[str, Any]:
    data = asdict(view)
    data["updated_at"] = view.updated_at.isoformat()
    data["json_url"] = view.url + ".json"
    data["csv_url"] = view.url + ".csv"
    data["units_csv_url"] = view.url + "/units.csv"
    for stage in data["stages"]:
        stage["date"] = stage["date"].isoformat()
        for unit in stage["units"]:
            unit["votes"] = dict(zip(stage["candidates"], unit["votes"], strict=True))
    return data


def unit_json(view: LiveView, unit_id: str) -> dict[str, Any]:
    data = view_json(view)
    stages = []
    for stage in data["stages"]:
        unit = next(u for u in stage["units"] if u["id"] == unit_id)
        total = unit["total"]
        stages.append(
            {
                "index": stage["index"],
                "label": stage["label"],
                "date": stage["date"],
                "unit": unit,
                "rows": [
                    {"name": name, "votes": votes, "percent": ratio_percent(votes, total)}
                    for name, votes in unit["votes"].items()
                ],
            }
        )
    first = stages[0]["unit"] if stages else {"name": unit_id}
    return {
        "key": view.key,
        "title": view.title,
        "status": view.status,
        "revision": view.revision,
        "updated_at": data["updated_at"],
        "unit": {k: first[k] for k in ("id", "name", "kind", "parent", "registered_voters")},
        "stages": stages,
        "election_url": view.url,
        "csv_url": f"{view.url}/units/{_quote(unit_id)}.csv",
    }


def _csv(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else _cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting with = + - @ gets a quote mark."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def totals_csv(view: LiveView) -> bytes:
    return _csv(
        ("stage", "candidate", "party", "votes", "percent", "status"),
        (
            (stage.label, row.name, row.party, row.votes, row.percent, row.status)
            for stage in view.stages
            for row in stage.rows
        ),
    )


def units_csv(view: LiveView, unit_id: str | None = None) -> bytes:
    """The precinct and ward table, one row per unit and stage; ``unit_id``: that unit's rows."""
    names = list(dict.fromkeys(name for stage in view.stages for name in stage.candidates))
    header = (
        "stage",
        "unit_id",
        "unit",
        "kind",
        "parent",
        "registered_voters",
        "reported",
        *names,
        "total",
        "ballots_cast",
        "over_votes",
        "under_votes",
        "turnout_percent",
    )
    rows = []
    for stage in view.stages:
        for unit in stage.units:
            if unit_id is not None and unit.id != unit_id:
                continue
            votes = dict(zip(stage.candidates, unit.votes, strict=True))
            rows.append(
                (
                    stage.label,
                    unit.id,
                    unit.name,
                    unit.kind,
                    unit.parent,
                    unit.registered_voters,
                    "yes" if unit.reported else "no",
                    *(votes.get(name) for name in names),
                    unit.total,
                    unit.ballots_cast,
                    unit.over_votes,
                    unit.under_votes,
                    unit.turnout,
                )
            )
    return _csv(header, rows)


# -- a short-lived cache per worker ---------------------------------------------------------------

T = TypeVar("T")


class LiveCache:
    """Pages by what they show, each made again only when the database's generation
    (:meth:`Store.generation`, which changes with every stored change) has moved on.

    The generation is looked at most once per ``fresh_for`` seconds, so a page shows a change
    at most that much later; while nothing changes no page is made again. One thread makes a
    page again while the others asking for it are answered the page as it was until then (the
    first time, they wait for it), so a change never holds readers up.
    """

    def __init__(self, fresh_for: float = 2.0, size: int = 256) -> None:
        self.fresh_for = fresh_for
        self.size = size
        self._seen: tuple[float, Any] | None = None
        self._values: dict[Hashable, tuple[Any, Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self._looking = threading.Lock()

    def generation(self, store: Store) -> Any:
        seen = self._seen
        if seen is not None and time.monotonic() - seen[0] < self.fresh_for:
            return seen[1]
        with self._looking:
            seen = self._seen
            if seen is not None and time.monotonic() - seen[0] < self.fresh_for:
                return seen[1]
            current = store.generation()
            self._seen = (time.monotonic(), current)
            return current

    def cached(self, key: Hashable) -> Any | None:
        """The page ``key`` when it is made and the generation was looked at less than
        ``fresh_for`` seconds ago (without touching the database: for the event loop)."""
        seen = self._seen
        if seen is None or time.monotonic() - seen[0] >= self.fresh_for:
            return None
        found = self._values.get(key)
        return found[1] if found is not None and found[0] == seen[1] else None

    def get(self, store: Store, key: Hashable, make: Callable[[], T]) -> T:
        """The page ``key`` of the database as it is now (within ``fresh_for`` seconds), or as
        it was while another thread makes it again."""
        generation = self.generation(store)
        found = self._values.get(key)
        if found is not None and found[0] == generation:
            value: T = found[1]
            return value
        with self._guard:
            if len(self._locks) > 4 * self.size:  # addresses of nothing: forget their locks
                self._locks.clear()
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(blocking=False):
            if found is not None:
                stale: T = found[1]
                return stale
            lock.acquire()
        try:
            found = self._values.get(key)
            if found is not None and found[0] == generation:
                again: T = found[1]
                return again
            made = make()
            with self._guard:
                if len(self._values) >= self.size:
                    self._values.clear()
                self._values[key] = (generation, made)
            return made
        finally:
            lock.release()


# -- the routes ------------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


class Made:
    """A live page: the view, its JSON twin, and its HTML (made when first asked for)."""

    def __init__(self, view: LiveView, json: bytes, render: Callable[[LiveView], bytes]) -> None:
        self.view = view
        self.json = json
        self.etag = _etag(json)
        self._render = render
        self._html: bytes | None = None

    @property
    def rendered(self) -> bool:
        return self._html is not None

    @property
    def html(self) -> bytes:
        if self._html is None:  # two threads may both make it: the same bytes
            self._html = self._render(self.view)
        return self._html


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _night(request: Request) -> Night:
    from tallyroom.web.night import night_of

    return night_of(request)


def _made(request: Request, key: str) -> Made:
    night = _night(request)

    def render(view: LiveView) -> bytes:
        return night.html(
            "night/live.html",
            title=view.title,
            live=view,
            refresh=night.refresh,
            json_path=view.url + ".json",
        )

    def make() -> Made:
        view = live_view(night.read_store, key)
        return Made(view, json_bytes(view_json(view)), render)

    return night.live.get(night.read_store, ("live", key), make)


async def _found(request: Request, key: str) -> Made:
    """The live page of ``key``: from the cache on the event loop, else made in the pool."""
    hit = _night(request).live.cached(("live", key))
    if isinstance(hit, Made):
        return hit
    return await run_in_threadpool(_found_now, request, key)


def _found_now(request: Request, key: str) -> Made:
    if len(key) > 300:
        raise HTTPException(404, "No declared election has so long a key.")
    try:
        return _made(request, key)
    except NotFoundError:
        raise HTTPException(404, f"No election is declared as {key[:200]!r}.") from None


def _not_modified(request: Request, etag: str, revision: int) -> bool:
    since = request.query_params.get("since")
    if since is not None and since.isdigit() and len(since) < 12 and int(since) >= revision:
        return True
    return request.headers.get("if-none-match") == etag


def _json(request: Request, body: bytes, revision: int, etag: str | None = None) -> Response:
    """``body`` with its ETag (``etag`` when already known) and revision; 304 when the client
    has it."""
    etag = etag or _etag(body)
    headers = {**LIVE_CACHE, "ETag": etag, "X-Revision": str(revision)}
    if _not_modified(request, etag, revision):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


async def _live_items(night: Night) -> list[LiveItem]:
    """Every declared election, made once per change of the database."""
    return await run_in_threadpool(
        night.live.get, night.read_store, ("index",), lambda: declared_elections(night.read_store)
    )


@router.get("/live")
async def live_index(request: Request) -> Response:
    night = _night(request)
    items = await _live_items(night)
    html = night.html("night/live_index.html", title="Live results", items=items)
    return Response(html, media_type=HTML, headers=LIVE_CACHE)


@router.get("/live.json")
async def live_index_json(request: Request) -> Response:
    items = await _live_items(_night(request))
    body = json_bytes({"elections": [asdict(item) for item in items]})
    return Response(body, media_type=JSON, headers=LIVE_CACHE)


@router.get("/live/{key:path}/units/{unit}.json")
def unit_json_page(request: Request, key: str, unit: str) -> Response:
    made = _found_now(request, key)
    _unit_of(made, unit)
    return _json(request, json_bytes(unit_json(made.view, unit)), made.view.revision)


@router.get("/live/{key:path}/units/{unit}.csv")
def unit_csv(request: Request, key: str, unit: str) -> Response:
    made = _found_now(request, key)
    found = _unit_of(made, unit)
    return _download(units_csv(made.view, unit), f"{made.view.title} {found.name}.csv")


@router.get("/live/{key:path}/units/{unit}")
def unit_page(request: Request, key: str, unit: str) -> Response:
    made = _found_now(request, key)
    found = _unit_of(made, unit)
    night = _night(request)
    data = unit_json(made.view, unit)
    html = night.html(
        "night/live_unit.html",
        title=f"{found.name} · {made.view.title}",
        live=made.view,
        unit=found,
        data=data,
        refresh=night.refresh,
        json_path=data["csv_url"].removesuffix(".csv") + ".json",
    )
    return Response(html, media_type=HTML, headers=LIVE_CACHE)


@router.get("/live/{key:path}/units.csv")
def live_units_csv(request: Request, key: str) -> Response:
    made = _found_now(request, key)
    return _download(units_csv(made.view), f"{made.view.title} precincts.csv")


@router.get("/live/{key:path}.json")
async def live_json(request: Request, key: str) -> Response:
    made = await _found(request, key)
    return _json(request, made.json, made.view.revision, made.etag)


@router.get("/live/{key:path}.csv")
def live_csv(request: Request, key: str) -> Response:
    made = _found_now(request, key)
    return _download(totals_csv(made.view), f"{made.view.title} totals.csv")


def _download(body: bytes, name: str) -> Response:
    safe = "".join(c if c.isalnum() or c in " .-_" else "_" for c in name)[:150]
    headers = {**LIVE_CACHE, "Content-Disposition": f'attachment; filename="{safe}"'}
    return Response(body, media_type=CSV, headers=headers)


def _unit_of(made: Made, unit: str) -> LiveUnit:
    first = made.view.stages[0] if made.view.stages else None
    found = next((u for u in first.units if u.id == unit), None) if first else None
    if found is None:
        raise HTTPException(404, f"{made.view.title} has no unit {unit[:100]!r}.")
    return found


@router.get("/live/{key:path}")
async def live_page(request: Request, key: str) -> Response:
    made = await _found(request, key)
    html = made.html if made.rendered else await run_in_threadpool(lambda: made.html)
    return Response(html, media_type=HTML, headers=LIVE_CACHE)
