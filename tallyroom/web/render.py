"""HTML and SVG from the pages' data: Jinja2 templates, relative links, charts.

One :class:`Renderer` serves the live site and the static export; they differ only in how a site
path becomes a link. Links are always relative to the page they are on, so the exported files
work from any folder of any static host: the live site links ``/elections/3`` as
``../elections/3`` and the export as ``../elections/3.html``.
"""

from __future__ import annotations

import functools
import json
import posixpath
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from tallyroom.views import (
    CandidateView,
    CityView,
    CompareView,
    ElectionView,
    IndexView,
    PlacesView,
    SourceView,
)
from tallyroom.views.wording import date_text
from tallyroom.web import charts

__all__ = ["Renderer", "city_chart", "export_path", "json_bytes", "rounds_chart", "stage_chart"]

JSONDict = dict[str, Any]
#: Files whose site path is their file name in the export (everything else is a page).
FILE_SUFFIXES = (".json", ".svg", ".css", ".html")


def export_path(path: str) -> str:
    """The file of a site path in the static export: "/" -> "/index.html", "/cities/x" ->
    "/cities/x.html"; files keep their names."""
    if path == "/":
        return "/index.html"
    if path.endswith(FILE_SUFFIXES):
        return path
    return path.rstrip("/") + ".html"


def relative(target: str, current: str, *, static: bool) -> str:
    """The link from page ``current`` to ``target`` (both site paths; ``target`` may carry a
    query string, which the export drops, and a fragment, ``#L12``, which it keeps)."""
    return _link(target, _folder(current, static), static)


def _folder(current: str, static: bool) -> str:
    """The folder of page ``current``, which its links are relative to."""
    if static:
        current = export_path(current)
    base = posixpath.dirname(current) if not current.endswith("/") else current
    return base or "/"


@functools.lru_cache(maxsize=65536)
def _link(target: str, base: str, static: bool) -> str:
    """The link to ``target`` from the pages of folder ``base``: the same for every page of a
    folder (every election's page links the index, the stylesheet, the same people), so it is
    kept for the next page."""
    target, hash_, fragment = target.partition("#")
    path, _, query = target.partition("?")
    if static:
        path, query = export_path(path), ""
    link = _relpath(path, base)
    if path.endswith("/"):
        link = "./" if link == "." else link + "/"
    return link + (f"?{query}" if query else "") + hash_ + fragment


@functools.lru_cache(maxsize=65536)
def _relpath(path: str, base: str) -> str:
    """``posixpath.relpath`` for clean absolute site paths, without its trips to the current
    directory (links are made for every page of the export)."""
    to = [part for part in path.split("/") if part]
    start = [part for part in base.split("/") if part]
    common = 0
    for mine, theirs in zip(to, start, strict=False):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


@pass_context
def href(context: Context, target: str) -> str:
    """The ``href`` filter: the link from the page being rendered to site path ``target``
    (``{{ row.url|href }}``; a filter is called directly, a function through the context)."""
    return _link(target, context["folder"], context["static"])


def json_bytes(data: object) -> bytes:
    """A JSON twin: compact (the C encoder; indenting would take the slow pure-Python one)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def number(value: int | Decimal | str | None) -> str:
    """Thousands separators for votes (integers or exact decimals); an em dash for unknown."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return f"{Decimal(value):,}"
    return f"{value:,}"


def stage_chart(view: ElectionView, index: int) -> str:
    stage = view.stages[index]
    bars = [charts.Bar(r.name, r.votes, r.percent, r.colour) for r in stage.rows]
    title = f"{view.title}: {stage.label}, votes by candidate"
    return charts.bar_chart(f"stage-{index}", title, bars)


def rounds_chart(view: ElectionView, index: int) -> str:
    stage = view.stages[index]
    rounds = [
        charts.RoundBar(
            item.number,
            tuple((c.name, c.votes) for c in item.candidates),
            item.inactive,
        )
        for item in stage.rounds
    ]
    title = f"{view.title}: {stage.label}, votes in each round"
    colours = {row.name: row.colour for row in stage.rows if row.party}
    return charts.rounds_chart(f"rounds-{index}", title, rounds, colours)


def city_chart(view: CityView) -> str:
    points = [
        charts.SeriesPoint(row.year, row.winner_percent, row.turnout_percent, row.margin_percent)
        for row in view.elections
        if row.year is not None
    ]
    title = f"{view.name}: winner's share, margin and turnout by year"
    return charts.series_chart("city", title, points)


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page is, for its links: its site path and its JSON twin's."""

    path: str
    json_path: str


class Renderer:
    """Renders the site's pages, for the live app (``static=False``) or the export."""

    def __init__(self, *, static: bool) -> None:
        self.static = static
        self.env = Environment(
            loader=PackageLoader("tallyroom.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # templates ship with the package; no stat() per page
        )
        self.env.filters["number"] = number
        self.env.filters["words"] = date_text
        self.env.filters["href"] = href
        #: The ranked-choice rounds' own template, when installed (else the page's table).
        self.rounds_template = "_rounds.html" in self.env.list_templates()

    def page(self, template: str, page: Page, title: str, **context: Any) -> bytes:
        html = self.env.get_template(template).render(
            title=title,
            folder=_folder(page.path, self.static),
            page=page,
            static=self.static,
            svg=Markup,
            **context,
        )
        return html.encode("utf-8")

    def election_charts(self, view: ElectionView) -> tuple[list[str | None], list[str | None]]:
        """The charts drawn into an election page: per stage its bar chart (``None`` when no
        votes are known) and its rounds chart (``None`` without rounds)."""
        stage_charts = [
            stage_chart(view, i) if stage.has_votes else None for i, stage in enumerate(view.stages)
        ]
        round_charts = [
            rounds_chart(view, i) if stage.rounds else None for i, stage in enumerate(view.stages)
        ]
        return stage_charts, round_charts

    def election(
        self,
        view: ElectionView,
        charts: tuple[list[str | None], list[str | None]] | None = None,
    ) -> bytes:
        """The election page; ``charts`` are :meth:`election_charts`, when drawn already."""
        stage_charts, round_charts = charts if charts is not None else self.election_charts(view)
        return self.page(
            "election.html",
            Page(view.url, view.url + ".json"),
            view.title,
            data=view,
            rounds_template=self.rounds_template,
            stage_charts=[None if c is None else Markup(c) for c in stage_charts],
            round_charts=[None if c is None else Markup(c) for c in round_charts],
        )

    def candidate(self, view: CandidateView) -> bytes:
        return self.page("candidate.html", Page(view.url, view.url + ".json"), view.name, data=view)

    def city(self, view: CityView) -> bytes:
        return self.page(
            "city.html",
            Page(view.url, view.url + ".json"),
            view.name,
            data=view,
            chart=Markup(city_chart(view)),
        )

    def source(self, view: SourceView) -> bytes:
        return self.page(
            "source.html", Page(view.url, view.url + ".json"), f"Source: {view.title}", data=view
        )

    def compare(self, view: CompareView) -> bytes:
        title = f"{view.first.title} and {view.second.title}"
        return self.page("compare.html", Page(view.url, view.url + ".json"), title, data=view)

    def places(self, view: PlacesView) -> bytes:
        return self.page("places.html", Page(view.url, view.url + ".json"), view.heading, data=view)

    def listing(self, view: IndexView, path: str, title: str) -> bytes:
        json_path = "/index.json" if path == "/" else path + ".json"
        return self.page("index.html", Page(path, json_path), title, data=view)

    def error(self, status: int, message: str, path: str) -> bytes:
        return self.page(
            "error.html", Page(path, path), f"{status}", status=status, message=message
        )

    def docs(self, spec: JSONDict) -> bytes:
        return self.page("docs.html", Page("/docs", "/openapi.json"), "API", spec=spec)
