"""The results website as a FastAPI app: :func:`create_app` over a results database.

Every page has a JSON twin at the same address plus ``.json`` (the index's is ``/index.json``);
charts are also served alone as ``.svg``. The API is described at ``/openapi.json`` and listed on
``/docs`` (a page of the app itself: it loads nothing from elsewhere). Errors are pages too: an
unknown address is a 404 with a way back, a malformed filter a 400 that names it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from tallyroom.errors import StorageError, TallyroomError, ValidationError
from tallyroom.store import Store
from tallyroom.web import render
from tallyroom.web.site import Rendered, Site, parse_index_query

__all__ = ["create_app"]

HTML = "text/html; charset=utf-8"
JSON = "application/json"
SVG = "image/svg+xml"
CACHE = {"Cache-Control": "public, max-age=30"}

DESCRIPTION = (
    "Municipal election results: every page of the site as JSON. Votes are integers; "
    "percentages are derived from them and given as text with two decimals; figures a source "
    "does not report are null. Links are site paths."
)


class NotFound(Exception):
    """No election, person, city or year at this address."""


def _found(rendered: Rendered | None, what: str) -> Rendered:
    if rendered is None:
        raise NotFound(what)
    return rendered


def _election_id(ref: str) -> int:
    if not ref.isascii() or not ref.isdigit() or len(ref) > 18:
        raise NotFound(f"There is no election {ref!r}; elections are numbered.")
    return int(ref)


def create_app(
    db_url: str | Path, *, store: Store | None = None, fresh_for: float = 1.0
) -> FastAPI:
    """The website over the database at ``db_url`` (a SQLite path or a database URL).

    The database must exist at the newest schema (``tallyroom db upgrade``); the app only reads.
    Pages are rendered once and cached; an import shows within ``fresh_for`` seconds.
    """
    owned = store is None
    opened = store if store is not None else Store.open(db_url, migrate=False, checks=False)
    site = Site(opened, fresh_for=fresh_for)
    app = FastAPI(
        title="tallyroom",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.site = site
    if owned:
        app.router.on_shutdown.append(opened.close)
    static = resources.files("tallyroom.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    def page(rendered: Rendered) -> Response:
        return Response(rendered.html, media_type=HTML, headers=CACHE)

    def twin(rendered: Rendered) -> Response:
        return Response(rendered.json, media_type=JSON, headers=CACHE)

    def error(request: Request, status: int, message: str) -> Response:
        path = request.url.path
        if path.endswith(".json"):
            body = json.dumps({"error": {"status": status, "message": message}}).encode()
            return Response(body, status_code=status, media_type=JSON)
        html = site.renderer.error(status, message, path if path.startswith("/") else "/")
        return Response(html, status_code=status, media_type=HTML)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error(request, 404, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return error(request, 404, f"Nothing is published at {request.url.path}.")
        return error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(ValidationError)
    async def bad_filter(request: Request, exc: ValidationError) -> Response:
        return error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 400, f"malformed request: {exc.errors()[0].get('msg', '')}")

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> Response:
        return error(request, 503, f"The results database cannot be read: {exc}")

    @app.exception_handler(TallyroomError)
    async def tallyroom_error(request: Request, exc: TallyroomError) -> Response:
        return error(request, 400, str(exc))

    async def index_rendered(
        request: Request,
        city: str | None = Query(None, description="A city's name (any case)."),
        year: str | None = Query(None, description="The election's year, e.g. 2004."),
        office: str | None = Query(None, description="The office, e.g. Mayor."),
        candidate: str | None = Query(None, description="Part of a candidate's name."),
        q: str | None = Query(None, description="Search titles, cities and candidates' names."),
        page_number: str | None = Query(
            None, alias="page", description="Page number, from 1 (50 elections a page)."
        ),
    ) -> Rendered:
        """The index for the request's filters; the parameters only document them (they are
        read and validated from the query string, unknown ones refused)."""
        return site.index(parse_index_query(dict(request.query_params)))

    @app.get("/", summary="All elections, newest first, filtered", include_in_schema=True)
    async def index(rendered: Rendered = Depends(index_rendered)) -> Response:
        return page(rendered)

    async def index_json(rendered: Rendered = Depends(index_rendered)) -> Response:
        return twin(rendered)

    app.get("/index.json", summary="The index as JSON: elections, filters, facets")(index_json)
    app.get("/.json", include_in_schema=False)(index_json)

    @app.get("/elections/{ref}.json", summary="One election as JSON")
    async def election_json(ref: str) -> Response:
        return twin(_found(site.election(_election_id(ref)), f"There is no election {ref}."))

    @app.get("/elections/{ref}/stages/{index}.svg", summary="A stage's votes as an SVG bar chart")
    async def stage_svg(ref: str, index: str) -> Response:
        data = _found(site.election(_election_id(ref)), f"There is no election {ref}.").data
        number = _stage(data, index)
        return Response(render.stage_chart(data, number), media_type=SVG, headers=CACHE)

    @app.get(
        "/elections/{ref}/stages/{index}/rounds.svg",
        summary="A ranked-choice stage's rounds as an SVG chart",
    )
    async def rounds_svg(ref: str, index: str) -> Response:
        data = _found(site.election(_election_id(ref)), f"There is no election {ref}.").data
        number = _stage(data, index)
        if not data["stages"][number]["rounds"]:
            raise NotFound(f"Stage {number} of election {ref} has no published rounds.")
        return Response(render.rounds_chart(data, number), media_type=SVG, headers=CACHE)

    @app.get("/elections/{ref}", summary="One election: stages, tables, charts, outcome")
    async def election(ref: str) -> Response:
        return page(_found(site.election(_election_id(ref)), f"There is no election {ref}."))

    @app.get("/candidates/{slug}.json", summary="Every election a person ran in, as JSON")
    async def candidate_json(slug: str) -> Response:
        return twin(_found(site.candidate(slug), f"No candidate is known as {slug!r}."))

    @app.get("/candidates/{slug}", summary="Every election a person ran in")
    async def candidate(slug: str) -> Response:
        return page(_found(site.candidate(slug), f"No candidate is known as {slug!r}."))

    @app.get("/cities/{slug}.json", summary="A city's elections over time, as JSON")
    async def city_json(slug: str) -> Response:
        return twin(_found(site.city(slug), f"No city is known as {slug!r}."))

    @app.get("/cities/{slug}/chart.svg", summary="A city's winners' shares and turnout (SVG)")
    async def city_svg(slug: str) -> Response:
        data = _found(site.city(slug), f"No city is known as {slug!r}.").data
        return Response(render.city_chart(data), media_type=SVG, headers=CACHE)

    @app.get("/cities/{slug}", summary="A city's elections over time, with a chart")
    async def city(slug: str) -> Response:
        return page(_found(site.city(slug), f"No city is known as {slug!r}."))

    @app.get("/years/{year}.json", summary="The elections of one year, as JSON")
    async def year_json(year: str) -> Response:
        return twin(_found(site.year(_year(year)), f"No election is known in {year}."))

    @app.get("/years/{year}", summary="The elections of one year")
    async def year_page(year: str) -> Response:
        return page(_found(site.year(_year(year)), f"No election is known in {year}."))

    @app.get("/docs", summary="This API, described for people", include_in_schema=False)
    async def docs() -> Response:
        return Response(site.renderer.docs(app.openapi()), media_type=HTML)

    return app


def _stage(data: dict[str, Any], index: str) -> int:
    if not index.isascii() or not index.isdigit() or int(index) >= len(data["stages"]):
        raise NotFound(f"Election {data['id']} has no stage {index}.")
    return int(index)


def _year(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        raise NotFound(f"There is no year {text!r}.")
    return int(text)
