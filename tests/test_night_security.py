"""Security of election night: the sign-in gate on its own (sessions, roles, CSRF, cookies, the
sign-in limit, over a small app and an in-memory account lookup), then every mutating route of
the website tried anonymously, with the wrong role and without its CSRF token, and hostile text
in every field."""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

import pytest
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from tallyroom.night import accounts
from tallyroom.night.accounts import User
from tallyroom.night.auth import (
    Gate,
    SignInLimiter,
    check_csrf,
    current_user,
    install_gate,
    require,
)
from tallyroom.night.status import progress
from tallyroom.store import Store
from tallyroom.web import create_app
from tests.test_night_web import DATA, PASSWORD, declared_springfield, sign_in, token
from tests.test_night_web import KEY as KEY_SPRINGFIELD

CLERK = User(1, "carla", "clerk", False, ("springfield|illinois|mayor|2026",))
CERTIFIER = User(2, "cert", "certifier", False)
ADMIN = User(3, "ada", "admin", False)
GONE = User(4, "gone", "clerk", True, ("springfield|illinois|mayor|2026",))
PASSWORDS = {"carla": "clerk password", "cert": "certifier pw", "ada": "admin password"}


class FakeAccounts:
    """Accounts in a dict: a token per session, the CSRF token beside it."""

    def __init__(self) -> None:
        self.users = {u.name: u for u in (CLERK, CERTIFIER, ADMIN, GONE)}
        self.sessions: dict[str, tuple[User, str]] = {}
        self.lookups = 0

    def authenticate(self, name: str, password: str) -> User | None:
        user = self.users.get(name)
        if user is None or user.disabled or PASSWORDS.get(name) != password:
            return None
        return user

    def open_session(self, user: User) -> tuple[str, str]:
        token, csrf = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.sessions[token] = (user, csrf)
        return token, csrf

    def session_user(self, token: str) -> tuple[User, str] | None:
        self.lookups += 1
        return self.sessions.get(token)

    def close_session(self, token: str) -> None:
        self.sessions.pop(token, None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeAccounts:
    return FakeAccounts()


@pytest.fixture
def client(fake: FakeAccounts) -> Iterator[TestClient]:
    app = FastAPI()
    install_gate(app, Gate(fake))

    @app.get("/me")
    def me(
        request: Request, user: Annotated[User | None, Depends(current_user)]
    ) -> PlainTextResponse:
        current_user(request)  # a second look in one request is answered from the first
        return PlainTextResponse(user.name if user else "public")

    @app.post("/returns/{key}", dependencies=[Depends(check_csrf)])
    def returns(
        key: str,
        user: Annotated[User, Depends(require("clerk", "admin", election="key"))],
        votes: Annotated[int, Form()] = 0,
    ) -> PlainTextResponse:
        return PlainTextResponse(f"{user.name} {key} {votes}")

    @app.get("/certify")
    def certify(user: Annotated[User, Depends(require("certifier"))]) -> PlainTextResponse:
        return PlainTextResponse(user.name)

    @app.post("/open", dependencies=[Depends(check_csrf)])
    def open_form() -> PlainTextResponse:
        return PlainTextResponse("ok")

    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def _sign_in(client: TestClient, fake: FakeAccounts, user: User) -> str:
    token, csrf = fake.open_session(user)
    client.cookies.set("__Host-tallyroom", token)
    return csrf


KEY = "springfield|illinois|mayor|2026"
PATH = "/returns/springfield%7Cillinois%7Cmayor%7C2026"


def test_the_public_is_nobody_and_a_session_is_its_user(
    client: TestClient, fake: FakeAccounts
) -> None:
    assert client.get("/me").text == "public"
    _sign_in(client, fake, CLERK)
    fake.lookups = 0
    assert client.get("/me").text == "carla"
    assert fake.lookups == 1
    client.cookies.set("__Host-tallyroom", "x" * 300)  # too long to be a token: not looked up
    fake.lookups = 0
    assert client.get("/me").text == "public"
    assert fake.lookups == 0


def test_a_disabled_account_is_nobody(client: TestClient, fake: FakeAccounts) -> None:
    _sign_in(client, fake, GONE)
    assert client.get("/me").text == "public"


def test_roles_and_assignments(client: TestClient, fake: FakeAccounts) -> None:
    assert client.get("/certify", follow_redirects=False).status_code == 303
    anonymous = client.post(PATH, data={"votes": "3", "csrf": "x"})
    assert anonymous.status_code == 403  # no session, no sign-in cookie: the token cannot match

    csrf = _sign_in(client, fake, CLERK)
    assert client.post(PATH, data={"votes": "3", "csrf": csrf}).text == f"carla {KEY} 3"
    other = client.post("/returns/elsewhere", data={"votes": "3", "csrf": csrf})
    assert other.status_code == 403
    assert "not assigned" in other.json()["detail"]
    refused = client.get("/certify")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This needs the certifier role; carla is clerk."

    csrf = _sign_in(client, fake, ADMIN)
    assert client.post("/returns/elsewhere", data={"csrf": csrf}).text == "ada elsewhere 0"
    csrf = _sign_in(client, fake, CERTIFIER)
    assert client.get("/certify").text == "cert"
    assert client.post(PATH, data={"csrf": csrf}).status_code == 403


def test_a_page_sends_the_public_to_sign_in_and_a_post_is_401(client: TestClient) -> None:
    page = client.get("/certify", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/night/sign-in?next=%2Fcertify"
    client.cookies.set("__Host-tallyroom-signin", "t" * 40)
    post = client.post(PATH, data={"csrf": "t" * 40})  # a good form, but nobody signed in
    assert post.status_code == 401


def test_csrf_is_checked_before_anything_is_done(client: TestClient, fake: FakeAccounts) -> None:
    csrf = _sign_in(client, fake, CLERK)
    assert client.post(PATH, data={"votes": "1"}).status_code == 403
    assert client.post(PATH, data={"votes": "1", "csrf": ""}).status_code == 403
    assert client.post(PATH, data={"votes": "1", "csrf": csrf + "x"}).status_code == 403
    # Another session's token is not this one's.
    _, other = fake.open_session(CERTIFIER)
    assert client.post(PATH, data={"votes": "1", "csrf": other}).status_code == 403
    # The header does as well as the field (for scripts).
    sent = client.post(PATH, data={"votes": "2"}, headers={"X-CSRF-Token": csrf})
    assert sent.text == f"carla {KEY} 2"


def test_before_sign_in_the_token_pairs_with_the_sign_in_cookie(client: TestClient) -> None:
    assert client.post("/open", data={"csrf": "t" * 40}).status_code == 403
    client.cookies.set("__Host-tallyroom-signin", "t" * 40)
    assert client.post("/open", data={"csrf": "t" * 40}).text == "ok"
    assert client.post("/open", data={"csrf": "u" * 40}).status_code == 403


def test_the_limit_counts_failures_per_name_and_per_address() -> None:
    clock = Clock()
    limiter = SignInLimiter(per_name=3, per_address=5, window=600, clock=clock)
    for _ in range(3):
        assert limiter.check("Carla", "10.0.0.1") is None
        limiter.failed("Carla", "10.0.0.1")
    refusal = limiter.check(" carla ", "10.0.0.2")  # the name, whatever the address or case
    assert refusal is not None and refusal.retry_after == 601
    assert limiter.check("ada", "10.0.0.1") is None  # the address has failed 3 of 5 times
    limiter.failed("ada", "10.0.0.1")
    limiter.failed("bob", "10.0.0.1")
    address = limiter.check("eve", "10.0.0.1")
    assert address is not None
    clock.now += 300
    assert limiter.check("carla", "10.0.0.9") is not None
    clock.now += 301  # the first failures leave the window
    assert limiter.check("carla", "10.0.0.9") is None
    assert limiter.check("eve", "10.0.0.1") is None


def test_a_good_password_clears_the_names_count() -> None:
    limiter = SignInLimiter(per_name=2, per_address=100, clock=Clock())
    limiter.failed("carla", "a")
    limiter.succeeded("carla")
    limiter.failed("carla", "a")
    assert limiter.check("carla", "a") is None
    limiter.failed("carla", "a")
    assert limiter.check("carla", "a") is not None


def test_cookies_are_secure_httponly_strict() -> None:
    from fastapi.responses import Response

    gate = Gate(FakeAccounts())
    response = Response()
    gate.set_cookie(response, gate.session_cookie, "token", 60)
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-tallyroom=token;")
    for part in ("HttpOnly", "Max-Age=60", "Path=/", "SameSite=strict", "Secure"):
        assert part in header
    plain = Gate(FakeAccounts(), secure=False)
    response = Response()
    plain.set_cookie(response, plain.session_cookie, "token", 60)
    assert response.headers["set-cookie"].startswith("tallyroom=token;")
    assert "Secure" not in response.headers["set-cookie"]


# -- the website's routes ------------------------------------------------------------------------

DESK = "/night/e/" + quote(KEY_SPRINGFIELD, safe="")
#: Every mutating route, and the signed-in roles it refuses (``di`` is a clerk not assigned to
#: the election). Anonymous posts are refused by all but signing in.
MUTATING: dict[str, tuple[str, ...]] = {
    "/night/sign-in": (),
    "/night/sign-out": (),
    "/night/users": ("cy", "ed"),
    "/night/users/disable": ("cy", "ed"),
    "/night/users/assign": ("cy", "ed"),
    "/night/declare": ("cy", "ed"),
    f"{DESK}/0/upload": ("ed", "di"),
    f"{DESK}/0/P1": ("ed", "di"),
    f"{DESK}/certify": ("cy", "ada", "di"),
    f"{DESK}/correct": ("cy", "di"),
}
TEMPLATES = {
    "/night/e/{key:path}/{stage}/upload": f"{DESK}/0/upload",
    "/night/e/{key:path}/{stage}/{unit}": f"{DESK}/0/P1",
    "/night/e/{key:path}/certify": f"{DESK}/certify",
    "/night/e/{key:path}/correct": f"{DESK}/correct",
}
#: A form that would change something if the route let it through.
FORMS: dict[str, dict[str, str]] = {
    "/night/users": {"name": "mallory", "role": "admin", "password": "x" * 12},
    "/night/users/disable": {"name": "ada"},
    "/night/users/assign": {"name": "di", "election": KEY_SPRINGFIELD},
    "/night/declare": {"text": (DATA / "springfield.toml").read_text()},
    f"{DESK}/0/P1": {"revision": "0", "v0": "1", "v1": "2", "v2": "3"},
    f"{DESK}/certify": {},
    f"{DESK}/correct": {"reason": "because", "kind": "recount"},
    f"{DESK}/0/upload": {},
}
UPLOAD = {"file": ("r.csv", b"unit,candidate,votes\nP1,Ann Lee,1\n", "text/csv")}
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
    "' OR '1'='1",
)


def _snapshot(store: Store) -> tuple[object, ...]:
    """Everything the refused requests must leave as it was."""
    users = accounts.list_users(store)
    state = progress(store, KEY_SPRINGFIELD)
    return users, state.revision, state.status, state.reported


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Store]]:
    path = tmp_path_factory.mktemp("security") / "night.db"
    with Store.open(path) as store:
        declared_springfield(store)
        app = create_app(path)
        app.state.night.live.fresh_for = 0
        yield app, store


@pytest.fixture(scope="module")
def clients(site: tuple[Any, Store]) -> Iterator[dict[str, tuple[TestClient, str]]]:
    """A signed-in client and its CSRF token for each account; ``None``: the public."""
    app, _ = site
    made: dict[str, tuple[TestClient, str]] = {}
    for name in ("ada", "cy", "di", "ed"):
        client = TestClient(app, base_url="https://testserver")
        made[name] = (client, sign_in(client, name))
    public = TestClient(app, base_url="https://testserver")
    form = public.get("/night/sign-in")
    made["public"] = (public, token(form.text))  # the sign-in form's token, paired by cookie
    yield made
    for client, _ in made.values():
        client.close()


def _post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    files = UPLOAD if path.endswith("/upload") else None
    return client.post(path, data=data, files=files, follow_redirects=False)


def test_the_table_names_every_mutating_route() -> None:
    from tallyroom.web import live, night

    routes = [*night.router.routes, *live.router.routes]
    posted = {
        TEMPLATES.get(route.path, route.path)
        for route in routes
        if "POST" in getattr(route, "methods", ())
    }
    assert posted == set(MUTATING)
    assert all(route.path.startswith("/night") for route in night.router.routes)  # type: ignore[attr-defined]
    live_methods = {m for route in live.router.routes for m in getattr(route, "methods", ())}
    assert live_methods <= {"GET", "HEAD"}  # the public pages only read


def test_every_mutating_route_refuses_the_public(
    site: tuple[Any, Store], clients: dict[str, tuple[TestClient, str]]
) -> None:
    _, store = site
    before = _snapshot(store)
    client, csrf = clients["public"]
    for path in MUTATING:
        if path in ("/night/sign-in", "/night/sign-out"):
            continue
        response = _post(client, path, {**FORMS[path], "csrf": csrf})
        assert response.status_code == 401, (path, response.status_code)
    assert _snapshot(store) == before


def test_every_mutating_route_refuses_the_wrong_role(
    site: tuple[Any, Store], clients: dict[str, tuple[TestClient, str]]
) -> None:
    _, store = site
    before = _snapshot(store)
    for path, refused in MUTATING.items():
        for name in refused:
            client, csrf = clients[name]
            response = _post(client, path, {**FORMS[path], "csrf": csrf})
            assert response.status_code == 403, (path, name, response.status_code)
    assert _snapshot(store) == before


def test_every_mutating_route_refuses_a_missing_or_foreign_csrf_token(
    site: tuple[Any, Store], clients: dict[str, tuple[TestClient, str]]
) -> None:
    _, store = site
    before = _snapshot(store)
    _, foreign = clients["di"]
    for path in MUTATING:
        name = next((n for n in ("ada", "cy", "ed") if n not in MUTATING[path]), "ada")
        client, _ = clients[name]
        data = FORMS.get(path, {"name": "ada", "password": PASSWORD})
        assert _post(client, path, data).status_code == 403, (path, name)
        foreign_post = _post(client, path, {**data, "csrf": foreign})
        assert foreign_post.status_code == 403, (path, name)
    assert _snapshot(store) == before
    # Still signed in: the refusals ended no session.
    assert "Signed in as" in clients["ada"][0].get("/night").text


def _escaped(body: str) -> None:
    """No payload's markup is in the page as markup."""
    for payload in PAYLOADS[:2]:
        assert payload not in body
    assert "<script" not in body.lower()
    assert "<img" not in body.lower()


def _safe(response: Any) -> None:
    """A page escapes the text it repeats; JSON is served as JSON (never sniffed as a page)."""
    assert response.status_code < 500, response.text[:500]
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):
        json.loads(response.text)
        assert response.headers["x-content-type-options"] == "nosniff"
    elif response.text:
        assert kind.startswith("text/html"), kind
        _escaped(response.text)


def test_hostile_text_in_every_field_comes_back_escaped(
    site: tuple[Any, Store], clients: dict[str, tuple[TestClient, str]]
) -> None:
    _, store = site
    ada, ada_csrf = clients["ada"]
    cy, cy_csrf = clients["cy"]
    public, public_csrf = clients["public"]
    users_before = len(accounts.list_users(store))
    for payload in PAYLOADS:
        responses = [
            public.post(
                "/night/sign-in",
                data={"name": payload, "password": payload, "csrf": public_csrf, "next": payload},
            ),
            public.get("/night/sign-in", params={"next": payload}),
            ada.post(
                "/night/users",
                data={"csrf": ada_csrf, "name": payload, "role": "clerk", "password": payload},
            ),
            ada.post(
                "/night/users",
                data={"csrf": ada_csrf, "name": "x", "role": payload, "password": PASSWORD},
            ),
            ada.post(
                "/night/users/assign", data={"csrf": ada_csrf, "name": payload, "election": payload}
            ),
            ada.post("/night/users/disable", data={"csrf": ada_csrf, "name": payload}),
            ada.post("/night/declare", data={"csrf": ada_csrf, "text": payload}),
            cy.post(
                f"{DESK}/0/P1",
                data={
                    "csrf": cy_csrf,
                    "revision": payload,
                    "v0": payload,
                    "v1": "1",
                    "v2": "2",
                    "reason": payload,
                },
            ),
            cy.post(
                f"{DESK}/0/upload",
                data={"csrf": cy_csrf, "reason": payload},
                files={
                    "file": (
                        payload,
                        f"unit,candidate,votes\n{payload},{payload},{payload}\n".encode(),
                        "text/csv",
                    )
                },
            ),
            public.get("/live/" + quote(payload, safe="")),
            public.get("/live/" + quote(payload, safe="") + ".json"),
            public.get(f"/live/{quote(KEY_SPRINGFIELD, safe='')}/units/{quote(payload, safe='')}"),
        ]
        for response in responses:
            _safe(response)
    # The names were refused as names or stored as text: the tables are whole, no one else
    # got in, and a name full of markup is shown as text.
    names = {user.name for user in accounts.list_users(store)}
    assert len(names) >= users_before
    assert {"ada", "cy", "di", "ed"} <= names
    page = ada.get("/night/users").text
    _escaped(page)
    if PAYLOADS[0] in names:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert progress(store, KEY_SPRINGFIELD).reported == 0


def test_a_declared_election_full_of_markup_is_shown_as_text(
    site: tuple[Any, Store], clients: dict[str, tuple[TestClient, str]]
) -> None:
    ada, csrf = clients["ada"]
    text = (
        (DATA / "springfield.toml")
        .read_text()
        .replace('"Springfield"', '"Xss <script>alert(1)</script> Town"')
        .replace('"Ann Lee"', '"Ann <img src=x onerror=alert(1)>"')
    )
    declared = ada.post(
        "/night/declare",
        data={"csrf": csrf, "text": text},
        files={"units": ("units.csv", (DATA / "units.csv").read_bytes(), "text/csv")},
    )
    assert declared.status_code == 200, declared.text[:500]
    _escaped(declared.text)
    listing = ada.get("/live")
    _escaped(listing.text)
    link = re.search(r'href="(/live/xss[^"]+)"', listing.text)
    assert link is not None
    page = ada.get(html.unescape(link.group(1)))
    assert page.status_code == 200
    _escaped(page.text)
    assert "Ann &lt;img src=x onerror=alert(1)&gt;" in page.text
    csv_text = ada.get(html.unescape(link.group(1)) + ".csv").text
    assert "Ann <img src=x onerror=alert(1)>" in csv_text  # data, as typed, in a CSV


def test_a_formula_in_a_csv_cell_is_defused() -> None:
    from tallyroom.web.live import _csv

    text = _csv(("a", "b"), [("=HYPERLINK(1)", "+1"), ("plain", 3)]).decode()
    assert text.splitlines() == ["a,b", "'=HYPERLINK(1),'+1", "plain,3"]
