"""Who is asking, and may they: sessions, roles, CSRF tokens and the sign-in limit, as FastAPI
dependencies for the election-night pages.

The website looks people up through an :class:`Accounts` (the store's accounts in the app,
a fake in tests); passwords are checked there, with argon2, never here. A session is a random
token in a cookie that is ``Secure``, ``HttpOnly`` and ``SameSite=Strict``; only its SHA-256
is stored. Each session carries a CSRF token that every form posts back; the sign-in form,
which comes before any session, carries one paired with a short-lived cookie instead.

Wire it up with :func:`install_gate` (the app keeps one :class:`Gate` in ``app.state``), then
use :func:`current_user`, :func:`require` and :func:`check_csrf` as dependencies
(:func:`session_of` gives a page the signed-in session, if any).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from tallyroom.night import accounts
from tallyroom.night.accounts import Role, User
from tallyroom.store import Store

__all__ = [
    "SESSION_SECONDS",
    "Accounts",
    "Gate",
    "Session",
    "SignInLimiter",
    "StoreAccounts",
    "check_csrf",
    "client_address",
    "current_user",
    "gate_of",
    "install_gate",
    "require",
    "session_of",
    "sign_in_token",
]

#: How long a session lasts (the backend expires it after the same time).
SESSION_SECONDS = 12 * 60 * 60
#: How long the sign-in form's token is good for.
SIGN_IN_SECONDS = 30 * 60
#: The form field (or header) that carries the CSRF token.
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


class Accounts(Protocol):
    """What the website needs of the accounts (:mod:`tallyroom.night.accounts` over a store)."""

    def authenticate(self, name: str, password: str) -> User | None: ...

    def open_session(self, user: User) -> tuple[str, str]: ...

    def session_user(self, token: str) -> tuple[User, str] | None: ...

    def close_session(self, token: str) -> None: ...


class StoreAccounts:
    """The accounts of a (writable) store: :mod:`tallyroom.night.accounts`."""

    def __init__(self, store: Callable[[], Store]) -> None:
        self._store = store

    def authenticate(self, name: str, password: str) -> User | None:
        return accounts.authenticate(self._store(), name, password)

    def open_session(self, user: User) -> tuple[str, str]:
        return accounts.open_session(self._store(), user)

    def session_user(self, token: str) -> tuple[User, str] | None:
        return accounts.session_user(self._store(), token)

    def close_session(self, token: str) -> None:
        accounts.close_session(self._store(), token)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Too many failed sign-ins: try again after ``retry_after`` seconds."""

    retry_after: int


@dataclass
class SignInLimiter:
    """Failed sign-ins counted per account name and per client address over a sliding window.

    A name that failed ``per_name`` times, or an address that failed ``per_address`` times,
    within ``window`` seconds is refused until the oldest of those failures leaves the window.
    A good password clears the name's count (not the address's). Counts are kept in this
    process: with several workers each keeps its own, so the limit is at most ``workers``
    times looser (the reverse proxy's limit, see docs/deploy.md, is the shared one).
    """

    per_name: int = 5
    per_address: int = 20
    window: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, name: str, address: str) -> Refusal | None:
        """``None`` when a sign-in as ``name`` from ``address`` may be tried now."""
        now = self.clock()
        with self._lock:
            waits = [
                self._wait(("name", _plain(name)), self.per_name, now),
                self._wait(("address", address), self.per_address, now),
            ]
        longest = max(waits)
        return Refusal(int(longest) + 1) if longest > 0 else None

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (("name", _plain(name)), ("address", address)):
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 100_000:  # a flood of names: forget the stale ones
                self._forget(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("name", _plain(name)), None)

    def _wait(self, key: tuple[str, str], limit: int, now: float) -> float:
        times = self._failures.get(key)
        if not times:
            return 0.0
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < limit:
            return 0.0
        return times[-limit] + self.window - now

    def _forget(self, now: float) -> None:
        for key in [k for k, times in self._failures.items() if times[-1] <= now - self.window]:
            del self._failures[key]


def _plain(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class Gate:
    """The app's sign-in settings: where accounts are looked up, cookie names, the limiter."""

    accounts: Accounts
    limiter: SignInLimiter = field(default_factory=SignInLimiter)
    #: Cookies are marked ``Secure`` (sent only over HTTPS, and to ``localhost``); the
    #: ``__Host-`` prefix also binds them to this host and path ``/``.
    secure: bool = True

    @property
    def session_cookie(self) -> str:
        return "__Host-tallyroom" if self.secure else "tallyroom"

    @property
    def sign_in_cookie(self) -> str:
        return "__Host-tallyroom-signin" if self.secure else "tallyroom-signin"

    def set_cookie(self, response: Response, name: str, value: str, seconds: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=seconds,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="strict",
        )

    def remember_sign_in(self, response: Response, token: str) -> None:
        self.set_cookie(response, self.sign_in_cookie, token, SIGN_IN_SECONDS)

    def forget_cookie(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="strict")


def install_gate(app: FastAPI, gate: Gate) -> None:
    app.state.night_gate = gate


def gate_of(request: Request) -> Gate:
    gate = getattr(request.app.state, "night_gate", None)
    if not isinstance(gate, Gate):
        raise RuntimeError("the app has no sign-in gate: call install_gate first")
    return gate


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    token: str
    csrf: str


_UNKNOWN = object()


def session_of(request: Request) -> Session | None:
    """The request's signed-in session, looked up once per request."""
    known = getattr(request.state, "night_session", _UNKNOWN)
    if known is not _UNKNOWN:
        return known if isinstance(known, Session) else None
    gate = gate_of(request)
    token = request.cookies.get(gate.session_cookie)
    session = None
    if token and len(token) <= 256:
        looked = gate.accounts.session_user(token)
        if looked is not None and not looked[0].disabled:
            session = Session(looked[0], token, looked[1])
    request.state.night_session = session
    return session


def current_user(request: Request) -> User | None:
    """The signed-in user, or ``None`` for the public (a dependency)."""
    session = session_of(request)
    return session.user if session is not None else None


class SignInRequired(HTTPException):
    """No one is signed in: a page sends the browser to the sign-in form, a post is refused."""

    def __init__(self, request: Request) -> None:
        if request.method in ("GET", "HEAD") and not request.url.path.endswith(".json"):
            target = "/night/sign-in?" + _next_query(request)
            super().__init__(303, "Sign in to see this page.", {"Location": target})
        else:
            super().__init__(401, "Sign in first: this needs an account.")


def _next_query(request: Request) -> str:
    return urlencode({"next": request.url.path})


def require(*roles: Role, election: str | None = None) -> Callable[[Request], Awaitable[User]]:
    """A dependency that answers the signed-in user when their role is one of ``roles`` (and,
    with ``election`` naming a path parameter, when they may enter returns for that election:
    :meth:`User.may_enter`); anyone else is refused: 303 to the sign-in form (or 401) when no
    one is signed in, 403 otherwise.
    """
    allowed = frozenset(roles)

    async def dependency(request: Request) -> User:
        session = await run_in_threadpool(session_of, request)
        if session is None:
            raise SignInRequired(request)
        user = session.user
        if user.role not in allowed:
            wanted = " or ".join(sorted(allowed))
            raise HTTPException(403, f"This needs the {wanted} role; {user.name} is {user.role}.")
        if election is not None:
            key = request.path_params.get(election, "")
            if not user.may_enter(key):
                raise HTTPException(403, f"{user.name} is not assigned to this election.")
        return user

    return dependency


async def check_csrf(request: Request) -> None:
    """A dependency for every POST: the form's ``csrf`` field (or the ``X-CSRF-Token`` header)
    must equal the session's token; before sign-in, the sign-in cookie's. Refused with 403."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    sent = given if isinstance(given, str) else request.headers.get(CSRF_HEADER, "")
    session = await run_in_threadpool(session_of, request)
    if session is not None:
        expected = session.csrf
    else:
        expected = request.cookies.get(gate_of(request).sign_in_cookie, "")
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "The form's security token is missing or stale: reload the page.")


def sign_in_token(request: Request) -> str:
    """The token for a sign-in form: the one in the browser's sign-in cookie, else a new one
    (give it to the browser with :meth:`Gate.remember_sign_in`)."""
    token = request.cookies.get(gate_of(request).sign_in_cookie, "")
    if 20 <= len(token) <= 100 and token.isascii():
        return token
    return secrets.token_urlsafe(32)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"
