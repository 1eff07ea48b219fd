"""Election night on the website: staff pages under ``/night`` (sign-in, accounts, declaring,
returns by form and by CSV, certifying) and the public live pages under ``/live``
(:mod:`tallyroom.web.live`).

The public site reads through the app's read-only store; staff changes go through
:mod:`tallyroom.night` with a second, writable store opened on the first change. Every form
posts a CSRF token (:func:`tallyroom.night.auth.check_csrf`) and every staff page needs a
signed-in user of the right role (:func:`tallyroom.night.auth.require`). After each accepted
change the static site is exported again when the app was given ``export_to``
(:mod:`tallyroom.web.publish`).

None of these routes is in the OpenAPI description: they are forms for people, and the live
pages' JSON is described in docs/election-night.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi import Path as PathParameter
from fastapi.responses import RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException

from tallyroom.errors import (
    InputError,
    NotFoundError,
    PermissionDenied,
    StaleEdit,
    TallyroomError,
)
from tallyroom.night import accounts
from tallyroom.night.accounts import User
from tallyroom.night.auth import (
    SESSION_SECONDS,
    Gate,
    StoreAccounts,
    check_csrf,
    client_address,
    gate_of,
    install_gate,
    require,
    session_of,
    sign_in_token,
)
from tallyroom.night.declare import RETURN_ROWS, read_declaration, read_units_csv
from tallyroom.night.declare import declare as declare_election
from tallyroom.night.publish import Night as State
from tallyroom.night.publish import declared_state
from tallyroom.night.returns import RowsRefused, enter_returns, upload_returns
from tallyroom.night.status import CertifyRefused
from tallyroom.night.status import certify as certify_election
from tallyroom.night.status import correct as correct_election
from tallyroom.store import Store
from tallyroom.store.writes import Certified
from tallyroom.web.live import LiveCache, declared_elections, live_url
from tallyroom.web.render import number

__all__ = ["Night", "install_night", "live_url", "night_of"]

HTML = "text/html; charset=utf-8"
#: Staff pages are about one person's session: never kept by a cache.
PRIVATE = {"Cache-Control": "no-store"}
#: The longest form field the pages accept (a declaration or a CSV file may be longer).
MAX_FIELD = 1024


def desk_url(key: str, suffix: str = "") -> str:
    """The staff page of the declared election ``key``."""
    return f"/night/e/{quote(key, safe='')}{suffix}"


@dataclass
class Night:
    """What the election-night routes share: the database, the templates, the settings."""

    db_url: str | Path
    read_store: Store
    export_to: Path | None = None
    #: Seconds after which a live page reloads itself (``<meta http-equiv="refresh">``).
    refresh: int = 15
    env: Environment = field(init=False)
    _store: Store | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    #: Live pages, each made once per change of the database by this process.
    live: LiveCache = field(default_factory=LiveCache, init=False)
    #: Called after every accepted change (re-exports the static site, when configured).
    on_change: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("tallyroom.web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters["number"] = number

    def store(self) -> Store:
        """The writable store, opened on first use."""
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.db_url)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def html(self, template: str, **context: Any) -> bytes:
        defaults: dict[str, Any] = {
            "user": None,
            "csrf": "",
            "refresh": None,
            "json_path": None,
            "notice": None,
        }
        return self.env.get_template(template).render({**defaults, **context}).encode("utf-8")


def night_of(request: Request) -> Night:
    night = getattr(request.app.state, "night", None)
    if not isinstance(night, Night):
        raise RuntimeError("election night is not installed on this app")
    return night


def install_night(app: FastAPI, db_url: str | Path, *, export_to: Path | None = None) -> None:
    """Add the election-night routes to the website ``app`` (made by ``create_app``, whose
    read-only store they read the public figures through)."""
    from tallyroom.web import live, publish

    night = Night(db_url, app.state.site.store, export_to=export_to)
    if export_to is not None:
        night.on_change = publish.Publisher(night.read_store, export_to).request
    app.state.night = night
    install_gate(app, Gate(StoreAccounts(night.store)))
    app.include_router(router)
    app.include_router(live.router)
    app.router.on_shutdown.append(night.close)


router = APIRouter(include_in_schema=False)

Csrf = Depends(check_csrf)
Admin = Annotated[User, Depends(require("admin"))]
Staff = Annotated[User, Depends(require("clerk", "certifier", "admin"))]
Text = Annotated[str, Form(max_length=MAX_FIELD)]


async def _fields(request: Request) -> dict[str, str]:
    """The form's text fields (parsed on the event loop; the handlers run in the thread pool,
    so that nothing they read from the database holds other requests up)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= MAX_FIELD}


Fields = Annotated[dict[str, str], Depends(_fields)]


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    """A staff page, with the signed-in user and their CSRF token for its forms."""
    session = session_of(request)
    if session is not None:
        context.setdefault("user", session.user)
        context.setdefault("csrf", session.csrf)
    body = night_of(request).html(template, **context)
    return Response(body, status_code=status, media_type=HTML, headers=PRIVATE)


def see(target: str) -> Response:
    """After a change: go (GET) to ``target``."""
    return RedirectResponse(target, status_code=303, headers=PRIVATE)


def _safe_next(target: str) -> str:
    """Where to go after signing in: a page of this site's staff or live pages only."""
    if target.startswith(("/night", "/live")) and "//" not in target and "\\" not in target:
        return target
    return "/night"


# -- signing in and out ------------------------------------------------------------------------


def _sign_in_page(
    request: Request,
    token: str,
    target: str,
    *,
    name: str = "",
    status: int = 200,
    error: str | None = None,
) -> Response:
    return page(
        request,
        "night/sign_in.html",
        status=status,
        title="Sign in",
        form_token=token,
        next=target,
        name=name,
        error=error,
    )


@router.get("/night/sign-in")
def sign_in_form(request: Request, next: str = "/night") -> Response:
    token = sign_in_token(request)
    response = _sign_in_page(request, token, _safe_next(next[:MAX_FIELD]))
    gate_of(request).remember_sign_in(response, token)
    return response


@router.post("/night/sign-in", dependencies=[Csrf])
def sign_in(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=MAX_FIELD)],
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/night",
) -> Response:
    gate = gate_of(request)
    address = client_address(request)
    target = _safe_next(next)

    def again(status: int, error: str, headers: Mapping[str, str] | None = None) -> Response:
        token = request.cookies.get(gate.sign_in_cookie, "")
        response = _sign_in_page(request, token, target, name=name, status=status, error=error)
        response.headers.update(headers or {})
        return response

    refusal = gate.limiter.check(name, address)
    if refusal is not None:
        minutes = max(1, round(refusal.retry_after / 60))
        return again(
            429,
            f"Too many failed sign-ins: try again in about {minutes} minute(s).",
            {"Retry-After": str(refusal.retry_after)},
        )
    user = gate.accounts.authenticate(name, password)
    if user is None:
        gate.limiter.failed(name, address)
        return again(401, "That name and password do not match an active account.")
    gate.limiter.succeeded(name)
    token, _csrf = gate.accounts.open_session(user)
    response = see(target)
    gate.set_cookie(response, gate.session_cookie, token, SESSION_SECONDS)
    gate.forget_cookie(response, gate.sign_in_cookie)
    return response


@router.post("/night/sign-out", dependencies=[Csrf])
def sign_out(request: Request) -> Response:
    gate = gate_of(request)
    session = session_of(request)
    if session is not None:
        gate.accounts.close_session(session.token)
    response = see("/live")
    gate.forget_cookie(response, gate.session_cookie)
    return response


# -- accounts ----------------------------------------------------------------------------------


def _declared_titles(night: Night) -> dict[str, str]:
    return {item.key: item.title for item in declared_elections(night.read_store)}


def _users_page(request: Request, *, status: int = 200, error: str | None = None) -> Response:
    night = night_of(request)
    titles = _declared_titles(night)
    return page(
        request,
        "night/users.html",
        status=status,
        title="Accounts",
        users=accounts.list_users(night.store()),
        titles=titles,
        elections=sorted(titles.items(), key=lambda item: item[1]),
        min_password=accounts.MIN_PASSWORD,
        error=error,
    )


def _change_users(request: Request, change: Callable[[Store], object]) -> Response:
    """Make an accounts change: back to the accounts page, or that page again saying why not."""
    try:
        change(night_of(request).store())
    except TallyroomError as error:
        return _users_page(request, status=400, error=str(error))
    return see("/night/users")


@router.get("/night/users")
def users(request: Request, user: Admin) -> Response:
    return _users_page(request)


@router.post("/night/users", dependencies=[Csrf])
def add_user(
    request: Request,
    user: Admin,
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=MAX_FIELD)],
) -> Response:
    return _change_users(
        request, lambda store: accounts.add_user(store, name, role, password, actor=user)
    )


@router.post("/night/users/disable", dependencies=[Csrf])
def disable_user(
    request: Request, user: Admin, name: Annotated[str, Form(max_length=64)]
) -> Response:
    if name == user.name:
        return _users_page(request, status=400, error="You cannot disable your own account.")
    return _change_users(request, lambda store: accounts.disable_user(store, name, actor=user))


@router.post("/night/users/assign", dependencies=[Csrf])
def assign(
    request: Request, user: Admin, name: Annotated[str, Form(max_length=64)], election: Text
) -> Response:
    return _change_users(request, lambda store: accounts.assign(store, name, election, actor=user))


# -- the desk: every election the user works on -------------------------------------------------


@router.get("/night")
def desk(request: Request, user: Staff) -> Response:
    items = [
        {
            "title": item.title,
            "status": item.status,
            "reported": item.reported,
            "total": item.total,
            "open": user.role != "clerk" or user.may_enter(item.key),
            "desk_url": desk_url(item.key),
            "live_url": live_url(item.key),
        }
        for item in declared_elections(night_of(request).read_store)
        if user.role != "clerk" or item.key in user.elections
    ]
    return page(request, "night/desk.html", title="Election night", elections=items)


# -- declaring an election -----------------------------------------------------------------------

MAX_FILE = 2_000_000
Upload = Annotated[UploadFile | None, File()]


def _text_of(upload: UploadFile | None, typed: str, what: str) -> str:
    """A file's text (UTF-8, at most :data:`MAX_FILE` bytes), else the text typed in."""
    if upload is None or not upload.filename:
        return typed
    data = upload.file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise InputError(f"{what}: expected at most {MAX_FILE:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what}: expected UTF-8 text") from None


def _declare_page(
    request: Request, *, status: int = 200, error: str | None = None, text: str = ""
) -> Response:
    return page(
        request,
        "night/declare.html",
        status=status,
        title="Declare an election",
        error=error,
        text=text,
    )


@router.get("/night/declare")
def declare_form(request: Request, user: Admin) -> Response:
    return _declare_page(request)


@router.post("/night/declare", dependencies=[Csrf])
def declare(
    request: Request,
    user: Admin,
    text: Annotated[str, Form(max_length=MAX_FILE)] = "",
    file: Upload = None,
    units: Upload = None,
) -> Response:
    night = night_of(request)
    try:
        toml = _text_of(file, text, "declaration")
        declaration = read_declaration(toml, file.filename if file and file.filename else "form")
        if units is not None and units.filename:
            table = _text_of(units, "", "units")
            found = read_units_csv(table, units.filename)
            declaration = replace(declaration, units=found)
        key = declare_election(night.store(), declaration, actor=user)
    except TallyroomError as error:
        return _declare_page(request, status=400, error=str(error), text=text)
    night.changed()
    return see(desk_url(key))


# -- one election at the desk --------------------------------------------------------------------

Key = Annotated[str, PathParameter(max_length=300)]
Entering = Annotated[User, Depends(require("clerk", "admin", election="key"))]
Certifying = Annotated[User, Depends(require("certifier"))]
Reopening = Annotated[User, Depends(require("certifier", "admin"))]


def _night_state(request: Request, key: str) -> State:
    try:
        return declared_state(night_of(request).store(), key)
    except NotFoundError:
        raise HTTPException(404, f"No election is declared as {key[:200]!r}.") from None


def _election_page(
    request: Request,
    key: str,
    user: User,
    *,
    status: int = 200,
    error: str | None = None,
    problems: tuple[str, ...] = (),
    notice: str | None = None,
) -> Response:
    if user.role == "clerk" and not user.may_enter(key):
        raise HTTPException(403, f"{user.name} is not assigned to this election.")
    state = _night_state(request, key)
    declaration = state.declaration
    reporting = declaration.reporting_units
    stages = []
    for position, declared in enumerate(declaration.stages):
        units = [
            {
                "id": unit.id,
                "name": unit.name,
                "registered": unit.registered_voters,
                "entry": state.returns.get((position, unit.id)),
                "url": desk_url(key, f"/{position}/{quote(unit.id, safe='')}"),
            }
            for unit in reporting
        ]
        stages.append(
            {
                "index": position,
                "label": declared.label(),
                "date": declared.date,
                "reported": state.reported(position),
                "units": units,
                "upload_url": desk_url(key, f"/{position}/upload"),
            }
        )
    return page(
        request,
        "night/election.html",
        status=status,
        title=declaration.display_title,
        key=key,
        state=state,
        stages=stages,
        total=len(reporting),
        may_enter=user.may_enter(key),
        live=live_url(key),
        desk=desk_url(key),
        error=error,
        problems=problems,
        notice=notice,
    )


def _stage_number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 3:
        raise HTTPException(404, f"There is no stage {text[:20]!r}.")
    return int(text)


def _unit_page(
    request: Request,
    key: str,
    stage: int,
    unit: str,
    *,
    status: int = 200,
    error: str | None = None,
    problems: tuple[str, ...] = (),
    typed: Mapping[str, str] | None = None,
    reason: str = "",
) -> Response:
    state = _night_state(request, key)
    declaration = state.declaration
    found = declaration.unit(unit)
    if (
        stage >= len(declaration.stages)
        or found is None
        or found not in declaration.reporting_units
    ):
        raise HTTPException(404, f"{declaration.display_title} has no such stage or precinct.")
    declared = declaration.stages[stage]
    entry = state.returns.get((stage, unit))
    rows = [(name, name) for name in declared.names] + [(name, name) for name in RETURN_ROWS]
    fields = [
        {
            "name": name,
            "field": f"v{number}",
            "value": (
                typed.get(f"v{number}", "")
                if typed is not None
                else str(entry.votes[name])
                if entry and name in entry.votes
                else ""
            ),
            "required": name in declared.names,
        }
        for number, (name, _) in enumerate(rows)
    ]
    return page(
        request,
        "night/unit.html",
        status=status,
        title=f"{found.name}: {declaration.display_title}",
        key=key,
        declaration=declaration,
        stage_label=declared.label(),
        unit=found,
        entry=entry,
        fields=fields,
        action=desk_url(key, f"/{stage}/{quote(unit, safe='')}"),
        desk=desk_url(key),
        certified=state.status == "certified",
        error=error,
        problems=problems,
        reason=reason,
    )


@router.post("/night/e/{key:path}/certify", dependencies=[Csrf])
def certify(request: Request, key: Key, user: Certifying) -> Response:
    night = night_of(request)
    try:
        certify_election(night.store(), key, actor=user)
    except CertifyRefused as error:
        return _election_page(
            request,
            key,
            user,
            status=409,
            error="Not certified: the integrity check found these problems.",
            problems=error.reasons,
        )
    except NotFoundError:
        raise HTTPException(404, f"No election is declared as {key[:200]!r}.") from None
    except TallyroomError as error:
        return _election_page(request, key, user, status=_status(error), error=str(error))
    night.changed()
    return _election_page(request, key, user, notice="Certified. The returns are now locked.")


@router.post("/night/e/{key:path}/correct", dependencies=[Csrf])
def correct(
    request: Request,
    key: Key,
    user: Reopening,
    reason: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    kind: Annotated[str, Form(max_length=16)] = "correction",
) -> Response:
    night = night_of(request)
    if kind not in ("correction", "recount"):
        return _election_page(request, key, user, status=400, error="Choose correction or recount.")
    try:
        correct_election(
            night.store(),
            key,
            reason,
            actor=user,
            kind="recount" if kind == "recount" else "correction",
        )
    except NotFoundError:
        raise HTTPException(404, f"No election is declared as {key[:200]!r}.") from None
    except TallyroomError as error:
        return _election_page(request, key, user, status=_status(error), error=str(error))
    night.changed()
    return _election_page(request, key, user, notice=f"Opened for a {kind}: {reason.strip()}")


@router.post("/night/e/{key:path}/{stage}/upload", dependencies=[Csrf])
def upload(
    request: Request,
    key: Key,
    stage: str,
    user: Entering,
    file: Upload = None,
    reason: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    number = _stage_number(stage)
    night = night_of(request)
    if file is None or not file.filename:
        return _election_page(request, key, user, status=400, error="Choose a CSV file to upload.")
    name = file.filename[:200]
    try:
        text = _text_of(file, "", name)
        changed = upload_returns(
            night.store(),
            key,
            number,
            text,
            name,
            actor=user,
            reason=reason.strip() or None,
        )
    except RowsRefused as error:
        return _election_page(
            request,
            key,
            user,
            status=400,
            error=f"{name}: nothing was stored.",
            problems=error.problems,
        )
    except PermissionDenied as error:
        raise HTTPException(403, str(error)) from None
    except TallyroomError as error:
        return _election_page(request, key, user, status=_status(error), error=str(error))
    night.changed()
    units = f"{changed} precinct{'s' if changed != 1 else ''}"
    return _election_page(request, key, user, notice=f"{name}: {units} stored.")


@router.get("/night/e/{key:path}/{stage}/{unit}")
def unit_form(request: Request, key: Key, stage: str, unit: str, user: Entering) -> Response:
    return _unit_page(request, key, _stage_number(stage), unit)


def _status(error: TallyroomError) -> int:
    if isinstance(error, StaleEdit | Certified):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    return 400


@router.post("/night/e/{key:path}/{stage}/{unit}", dependencies=[Csrf])
def enter(
    request: Request, key: Key, stage: str, unit: str, user: Entering, typed: Fields
) -> Response:
    number = _stage_number(stage)
    night = night_of(request)
    state = _night_state(request, key)
    declaration = state.declaration
    if number >= len(declaration.stages):
        raise HTTPException(404, f"{declaration.display_title} has no stage {number}.")
    names = [*declaration.stages[number].names, *RETURN_ROWS]
    votes: dict[str, int] = {}
    problems: list[str] = []
    for position, name in enumerate(names):
        text = typed.get(f"v{position}", "").strip().replace(",", "")
        if not text and name in RETURN_ROWS:
            continue
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            problems.append(f"{name}: {text[:40]!r} is not a whole number of votes")
            continue
        votes[name] = int(text)
    reason = typed.get("reason", "").strip()
    revision_text = typed.get("revision", "")
    expected = int(revision_text) if revision_text.isdigit() and len(revision_text) < 10 else -1

    def again(status: int, error: str, found: tuple[str, ...] = ()) -> Response:
        return _unit_page(
            request,
            key,
            number,
            unit,
            status=status,
            error=error,
            problems=found,
            typed=typed,
            reason=reason,
        )

    if problems:
        return again(400, "Nothing was stored.", tuple(problems))
    try:
        enter_returns(
            night.store(),
            key,
            number,
            unit,
            votes,
            expected_revision=expected,
            actor=user,
            reason=reason or None,
        )
    except RowsRefused as error:
        return again(400, "Nothing was stored.", error.problems)
    except StaleEdit as error:
        who = f" by {error.by}" if error.by else ""
        return _unit_page(
            request,
            key,
            number,
            unit,
            status=409,
            error=(
                f"Not stored: these returns were changed{who} while you were typing "
                f"(revision {error.found}, you started from {error.expected}). The form now "
                "shows what is stored; enter your figures again if they are still right."
            ),
        )
    except PermissionDenied as error:
        raise HTTPException(403, str(error)) from None
    except TallyroomError as error:
        return again(_status(error), str(error))
    night.changed()
    found = declaration.unit(unit)
    label = found.name if found is not None else unit
    return _election_page(request, key, user, notice=f"{label}: returns stored.")


@router.get("/night/e/{key:path}")
def election(request: Request, key: Key, user: Staff) -> Response:
    return _election_page(request, key, user)
