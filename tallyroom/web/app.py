"""The results website as a FastAPI app: :func:`create_app` over a results database.

Every page has a JSON twin at the same address plus ``.json`` (the index's is ``/index.json``);
charts are also served alone as ``.svg``. The API is described at ``/openapi.json`` and listed on
``/docs`` (a page of the app itself: it loads nothing from elsewhere). Errors are pages too: an
unknown address is a 404 with a way back, a malformed filter a 400 that names it.

Work that reads the database (rendering a page the first time in a generation) runs in the
thread pool; a page already rendered is answered from the cache on the event loop.

Every response carries :data:`SECURITY_HEADERS` (a strict Content-Security-Policy: the site uses
no script, and only its own stylesheet and images); HEAD is answered wherever GET is, with the
same headers and no body (:class:`Hardened`). Error pages echo at most :data:`MAX_ECHO` characters
of the address asked for.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Hashable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tallyroom.errors import StorageError, TallyroomError, ValidationError
from tallyroom.store import Store
from tallyroom.views import (
    CandidateView,
    CityView,
    CompareView,
    ElectionView,
    IndexView,
    Order,
    PlacesView,
    SourceView,
)
from tallyroom.web import render
from tallyroom.web.night import install_night
from tallyroom.web.site import MISSING, IndexQuery, Rendered, Site

#: Pages made at once, each in a thread of its own. Making a page is Python work that holds the
#: interpreter lock, so more threads only take turns with it: with 16 pages at once (Starlette's
#: pool allows 40) the server spent more than twice the CPU per page it spends making them one
#: at a time. Two keep both cores of a small server busy while one waits on the database.
PAGE_MAKERS = 2
#: Pages made at once over SQLite, which a page never waits for on a network: a second maker
#: would only take turns with the first for the interpreter lock (at 10,000 elections, 16
#: clients: 230-242 first renders per server CPU-second with one, 215-224 with two).
SQLITE_PAGE_MAKERS = 1

__all__ = ["SECURITY_HEADERS", "Hardened", "create_app", "page_makers"]


def page_makers(store: Store) -> int:
    """How many pages the app makes at once over ``store``'s database."""
    return SQLITE_PAGE_MAKERS if store.engine.dialect.name == "sqlite" else PAGE_MAKERS


HTML = "text/html; charset=utf-8"
JSON = "application/json"
SVG = "image/svg+xml"
CACHE = {"Cache-Control": "public, max-age=30"}

DESCRIPTION = (
    "Municipal election results: every page of the site as JSON. Votes are integers; "
    "percentages are derived from them and given as text with two decimals; figures a source "
    "does not report are null. Links are site paths."
)


MAX_TEXT = 200
#: Characters of a requested path (or of a message naming it) that an error page repeats.
MAX_ECHO = 200

#: Sent with every response. The pages load only the site's stylesheet and its SVG charts, run no
#: script and have one form (a GET to the index).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)
_RAW_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS]


class Hardened:
    """ASGI middleware: the security headers on every HTTP response, and HEAD answered as GET
    (same status and headers, the body left out)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            # A copy: the server still knows the request was a HEAD.
            scope = dict(scope, method="GET")

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = {name for name, _ in _RAW_HEADERS}
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in ours
                ]
                message = dict(message, headers=[*headers, *_RAW_HEADERS])
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_hardened)


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        }
    },
}


def _responses(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """What an operation answers, as it really does: a page (HTML), its twin (JSON) or a chart
    (SVG); errors are a JSON object for ``.json`` addresses and a page otherwise."""
    if path.endswith(".json"):
        body = {JSON: {"schema": {"type": "object"}}}
        failure = {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
    else:
        body = {SVG if path.endswith(".svg") else "text/html": {"schema": {"type": "string"}}}
        failure = {"text/html": {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {"200": {"description": "Found", "content": body}}
    if operation.get("parameters"):
        responses["400"] = {"description": "A malformed filter, named", "content": failure}
    if "{" in path:
        responses["404"] = {"description": "Nothing at this address", "content": failure}
    responses["503"] = {"description": "The database cannot be read", "content": failure}
    return responses


#: A page's last parameter never ends in ``.json``: that address is the page's JSON twin's.
NOT_A_TWIN = r"^(?!.*\.json$)"


def _not_a_twin(path: str, operation: dict[str, Any]) -> None:
    """State that the text parameter ending a page's address (``/cities/{slug}``) does not end
    in ``.json``: ``/cities/x.json`` is the twin of ``/cities/x``, answered (and refused) as
    JSON."""
    if not path.endswith("}"):
        return
    last = path.rsplit("{", 1)[1].rstrip("}")
    for parameter in operation.get("parameters", ()):
        schema = parameter.get("schema", {})
        named = parameter.get("in") == "path" and parameter.get("name") == last
        if named and schema.get("type") == "string":
            schema["pattern"] = NOT_A_TWIN


class _App(FastAPI):
    """FastAPI, with the OpenAPI description stating the responses the site really gives."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            spec = super().openapi()
            for path, operations in spec["paths"].items():
                for operation in operations.values():
                    operation["responses"] = _responses(path, operation)
                    _not_a_twin(path, operation)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            schemas["Error"] = ERROR_SCHEMA
            self.openapi_schema = spec
        return self.openapi_schema


def _clip(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, the cut marked."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: object) -> object:
    """A text filter: spaces collapsed, empty taken as not given; refused when too long."""
    if not isinstance(value, str):
        return value
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters")
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    return text or None


def _blank(value: object) -> object:
    """A number filter left empty (as a form sends it) is not given."""
    return None if isinstance(value, str) and not value.strip() else value


# The schema states the limits _text enforces (it checks them first, with its own words).
Text = Annotated[
    Annotated[str, Field(max_length=MAX_TEXT, pattern="^[^\x00]*$")] | None,
    BeforeValidator(_text),
]


class IndexParams(BaseModel):
    """The index's filters, as the query string gives them; unknown ones are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    city: Text = Field(None, description="A city's name (any case).")
    year: Annotated[Annotated[int, Field(ge=1, le=9999)] | None, BeforeValidator(_blank)] = Field(
        None, description="The election's year, e.g. 2004."
    )
    office: Text = Field(None, description="The office, e.g. Mayor.")
    candidate: Text = Field(None, description="Part of a candidate's name.")
    q: Text = Field(None, description="Search titles, cities and candidates' names.")
    page: Annotated[Annotated[int, Field(ge=1, le=1_000_000)] | None, BeforeValidator(_blank)] = (
        Field(None, description="Page number, from 1 (50 elections a page).")
    )


def _problem(exc: RequestValidationError) -> str:
    """The first problem of a request, naming the parameter: "year: Input should be ..."."""
    first = exc.errors()[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    message = str(first.get("msg", "malformed request"))
    if first.get("type") == "extra_forbidden":
        message = "unknown filter; the index is filtered by " + ", ".join(IndexParams.model_fields)
    message = message.removeprefix("Value error, ")
    return f"{'.'.join(where)}: {message}" if where else message


OrderParam = Annotated[
    Order,
    Query(description="Rows with the most votes first (votes) or as the source lists them."),
]


class NotFound(Exception):
    """No election, person, city or year at this address."""


R = TypeVar("R", bound=Rendered[Any])


def _found(rendered: R | None, what: str) -> R:
    if rendered is None:
        raise NotFound(what)
    return rendered


def _election_id(ref: str) -> int:
    if not ref.isascii() or not ref.isdigit() or len(ref) > 18:
        raise NotFound(f"There is no election {ref!r}; elections are numbered.")
    return int(ref)


def create_app(
    db_url: str | Path,
    *,
    store: Store | None = None,
    fresh_for: float = 1.0,
    export_to: Path | None = None,
) -> FastAPI:
    """The website over the database at ``db_url`` (a SQLite path or a database URL).

    The database must exist at the newest schema (``tallyroom db upgrade``); the app opens it
    read-only.
    Pages are rendered once and cached; an import shows within ``fresh_for`` seconds.
    """
    owned = store is None
    opened = store if store is not None else Store.open(db_url, read_only=True)
    site = Site(opened, fresh_for=fresh_for)
    app = _App(
        title="tallyroom",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    app.state.site = site
    app.add_middleware(Hardened)
    if owned:
        app.router.on_shutdown.append(opened.close)
    static = resources.files("tallyroom.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    def page(rendered: Rendered[Any]) -> Response:
        return Response(rendered.html, media_type=HTML, headers=CACHE)

    def twin(rendered: Rendered[Any]) -> Response:
        return Response(rendered.json, media_type=JSON, headers=CACHE)

    def error(request: Request, status: int, message: str) -> Response:
        path = request.url.path
        # A message may quote the address: both are bounded, so the page is too.
        message = _clip(message, 3 * MAX_ECHO)
        if path.endswith(".json"):
            body = json.dumps({"error": {"status": status, "message": message}}).encode()
            return Response(body, status_code=status, media_type=JSON)
        shown = path if path.startswith("/") and len(path) <= MAX_ECHO else "/"
        html = site.renderer.error(status, message, shown)
        return Response(html, status_code=status, media_type=HTML)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error(request, 404, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return error(request, 404, f"Nothing is published at {_clip(request.url.path)}.")
        response = error(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. a 405's Allow
        return response

    @app.exception_handler(ValidationError)
    async def bad_filter(request: Request, exc: ValidationError) -> Response:
        return error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 400, _problem(exc))

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> Response:
        return error(request, 503, f"The results database cannot be read: {exc}")

    @app.exception_handler(TallyroomError)
    async def tallyroom_error(request: Request, exc: TallyroomError) -> Response:
        return error(request, 400, str(exc))

    async def index_query(params: Annotated[IndexParams, Query()]) -> IndexQuery:
        """The request's filters, validated by FastAPI (unknown ones refused). It touches no
        database, so it runs on the event loop; the handlers below run in the thread pool."""
        return IndexQuery(
            city=params.city,
            year=params.year,
            office=params.office,
            candidate=params.candidate,
            q=params.q,
            page=params.page or 1,
        )

    # Pages being made now, so that requests arriving meanwhile wait for that one instead of
    # each making it again (32 clients at a cold page would otherwise make it 32 times).
    making: dict[tuple[str, Hashable], asyncio.Future[Any]] = {}
    # Made on first use, in the event loop that serves.
    makers: list[anyio.CapacityLimiter] = []
    most = page_makers(opened)

    async def fetch(kind: str, argument: Hashable, make: Callable[[], R | None]) -> R | None:
        """A page from the cache on the event loop; making it (which reads the database) runs
        in the thread pool, once however many requests ask for it meanwhile."""
        hit = site.cached(kind, argument)
        if hit is not MISSING:
            return cast(R | None, hit)
        key = (kind, argument)
        pending = making.get(key)
        if pending is not None:
            return cast(R | None, await asyncio.shield(pending))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        making[key] = future
        try:
            if not makers:
                makers.append(anyio.CapacityLimiter(most))
            found = await anyio.to_thread.run_sync(make, limiter=makers[0])
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters get it; no "never retrieved" warning
            raise
        else:
            future.set_result(found)
            return found
        finally:
            del making[key]

    async def index_page(query: IndexQuery) -> Rendered[IndexView]:
        found = await fetch("index", query, lambda: site.index(query))
        assert found is not None
        return found

    @app.get("/", summary="All elections, newest first, filtered")
    async def index(query: IndexQuery = Depends(index_query)) -> Response:
        return page(await index_page(query))

    async def index_json(query: IndexQuery = Depends(index_query)) -> Response:
        return twin(await index_page(query))

    app.get("/index.json", summary="The index as JSON: elections, filters, facets")(index_json)
    app.get("/.json", include_in_schema=False)(index_json)

    async def election_of(ref: str, order: Order = "votes") -> Rendered[ElectionView]:
        number = _election_id(ref)
        found = await fetch("election", (number, order), lambda: site.election(number, order))
        return _found(found, f"There is no election {ref}.")

    @app.get("/elections/{ref}.json", summary="One election as JSON")
    async def election_json(ref: str, order: OrderParam = "votes") -> Response:
        return twin(await election_of(ref, order))

    async def source_of(ref: str) -> Rendered[SourceView]:
        number = _election_id(ref)
        found = await fetch("source", number, lambda: site.source(number))
        return _found(found, f"There is no election {ref}.")

    @app.get("/elections/{ref}/source.json", summary="An election's source text as JSON, by line")
    async def source_json(ref: str) -> Response:
        return twin(await source_of(ref))

    @app.get("/elections/{ref}/source", summary="An election's source text, lines numbered")
    async def source(ref: str) -> Response:
        return page(await source_of(ref))

    async def compare_of(first: str, second: str) -> Rendered[CompareView]:
        one, two = _election_id(first), _election_id(second)
        found = await fetch("compare", (one, two), lambda: site.compare(one, two))
        return _found(found, f"There is no election {first} or {second}.")

    @app.get("/compare/{first}/{second}.json", summary="Two elections side by side, as JSON")
    async def compare_json(first: str, second: str) -> Response:
        return twin(await compare_of(first, second))

    @app.get("/compare/{first}/{second}", summary="Two elections side by side")
    async def compare(first: str, second: str) -> Response:
        return page(await compare_of(first, second))

    @app.get("/elections/{ref}/stages/{index}.svg", summary="A stage's votes as an SVG bar chart")
    async def stage_svg(ref: str, index: str) -> Response:
        view = (await election_of(ref)).view
        number = _stage(view, index)
        return Response(render.stage_chart(view, number), media_type=SVG, headers=CACHE)

    @app.get(
        "/elections/{ref}/stages/{index}/rounds.svg",
        summary="A ranked-choice stage's rounds as an SVG chart",
    )
    async def rounds_svg(ref: str, index: str) -> Response:
        view = (await election_of(ref)).view
        number = _stage(view, index)
        if not view.stages[number].rounds:
            raise NotFound(f"Stage {number} of election {ref} has no published rounds.")
        return Response(render.rounds_chart(view, number), media_type=SVG, headers=CACHE)

    @app.get("/elections/{ref}", summary="One election: stages, tables, charts, outcome")
    async def election(ref: str, order: OrderParam = "votes") -> Response:
        return page(await election_of(ref, order))

    async def candidate_of(slug: str) -> Rendered[CandidateView]:
        found = await fetch("candidate", slug, lambda: site.candidate(slug))
        return _found(found, f"No candidate is known as {slug!r}.")

    @app.get("/candidates/{slug}.json", summary="Every election a person ran in, as JSON")
    async def candidate_json(slug: str) -> Response:
        return twin(await candidate_of(slug))

    @app.get("/candidates/{slug}", summary="Every election a person ran in")
    async def candidate(slug: str) -> Response:
        return page(await candidate_of(slug))

    async def city_of(slug: str) -> Rendered[CityView]:
        found = await fetch("city", slug, lambda: site.city(slug))
        return _found(found, f"No city is known as {slug!r}.")

    @app.get("/cities/{slug}.json", summary="A city's elections over time, as JSON")
    async def city_json(slug: str) -> Response:
        return twin(await city_of(slug))

    @app.get("/cities/{slug}/chart.svg", summary="A city's winners' shares and turnout (SVG)")
    async def city_svg(slug: str) -> Response:
        view = (await city_of(slug)).view
        return Response(render.city_chart(view), media_type=SVG, headers=CACHE)

    @app.get("/cities/{slug}", summary="A city's elections over time, with a chart")
    async def city(slug: str) -> Response:
        return page(await city_of(slug))

    async def year_of(text: str) -> Rendered[IndexView]:
        number = _year(text)
        found = await fetch("year", number, lambda: site.year(number))
        return _found(found, f"No election is known in {text}.")

    @app.get("/years/{year}.json", summary="The elections of one year, as JSON")
    async def year_json(year: str) -> Response:
        return twin(await year_of(year))

    @app.get("/years/{year}", summary="The elections of one year")
    async def year_page(year: str) -> Response:
        return page(await year_of(year))

    async def places_of(number: int) -> Rendered[PlacesView]:
        found = await fetch("places", number, lambda: site.places(number))
        return _found(found, f"The list of places has no page {number}.")

    @app.get("/places.json", summary="Every place with elections, by name, as JSON (page 1)")
    async def places_json() -> Response:
        return twin(await places_of(1))

    @app.get("/places", summary="Every place with elections, by name, with links (page 1)")
    async def places_page() -> Response:
        return page(await places_of(1))

    @app.get("/places/{number}.json", summary="A later page of the list of places, as JSON")
    async def places_more_json(number: str) -> Response:
        return twin(await places_of(_page_number(number)))

    @app.get("/places/{number}", summary="A later page of the list of places")
    async def places_more(number: str) -> Response:
        return page(await places_of(_page_number(number)))

    @app.get("/docs", summary="This API, described for people", include_in_schema=False)
    async def docs() -> Response:
        return Response(site.renderer.docs(app.openapi()), media_type=HTML)

    # /night (staff) and /live (public), after the pages: a request is matched against the
    # routes in order, and the pages are most of what is asked for.
    install_night(app, db_url, export_to=export_to)
    return app


def _stage(view: ElectionView, index: str) -> int:
    if not index.isascii() or not index.isdigit() or int(index) >= len(view.stages):
        raise NotFound(f"Election {view.id} has no stage {index}.")
    return int(index)


def _page_number(text: str) -> int:
    """A later page's number in a path (``/places/2``); page 1 is the list's own address."""
    if not text.isascii() or not text.isdigit() or len(text) > 7 or int(text) < 2:
        raise NotFound(f"There is no page {_clip(text)!r} of the list of places.")
    return int(text)


def _year(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        raise NotFound(f"There is no year {text!r}.")
    return int(text)
