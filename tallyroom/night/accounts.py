"""Accounts, roles and server-side sessions for election night.

A public reader has no account. A ``clerk`` enters returns for the elections assigned to it, a
``certifier`` certifies, an ``admin`` declares elections and manages accounts. Passwords are
kept only as argon2id hashes (argon2-cffi); a sign-in with an unknown name costs the same hash
as one with a known name. A session is a random token given to the browser: only its SHA-256
is stored, beside a CSRF token and an expiry :data:`SESSION_HOURS` hours ahead.

Every function takes a writable :class:`~tallyroom.store.Store`. ``actor`` is who makes a
change: a signed-in :class:`User` (who must be an admin to manage accounts), or the name of a
local operator of the command line (who holds the database itself), recorded in the
append-only ``account_audit``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Literal, cast

import argon2
import sqlalchemy as sa

from tallyroom.errors import InputError, NotFoundError, PermissionDenied
from tallyroom.night._db import aware, now, read, write
from tallyroom.store import Store
from tallyroom.store import schema as t
from tallyroom.store.driver import insert_returning_id, insert_rows

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "SESSION_HOURS",
    "Actor",
    "Role",
    "User",
    "actor_name",
    "add_user",
    "assign",
    "authenticate",
    "close_session",
    "disable_user",
    "find_user",
    "list_users",
    "open_session",
    "require_role",
    "session_user",
    "set_password",
]

Role = Literal["clerk", "certifier", "admin"]
ROLES: tuple[Role, ...] = ("clerk", "certifier", "admin")
SESSION_HOURS = 12
#: The shortest password accepted, in characters.
MIN_PASSWORD = 10
#: The longest account name accepted.
MAX_USER_NAME = 64


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in (or stored) account and the election keys assigned to it."""

    id: int
    name: str
    role: Role
    disabled: bool
    elections: tuple[str, ...] = ()

    def may_enter(self, key: str) -> bool:
        """Whether the user may enter returns for the election ``key``: an admin always, a
        clerk when it is assigned to it."""
        if self.disabled:
            return False
        return self.role == "admin" or (self.role == "clerk" and key in self.elections)


#: A signed-in user, or the name of a local operator of the command line.
Actor = User | str


def actor_name(actor: Actor) -> str:
    return actor.name if isinstance(actor, User) else actor


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse a signed-in user whose role is not one of ``roles`` (a local operator passes)."""
    if isinstance(actor, User) and (actor.disabled or actor.role not in roles):
        wanted = " or ".join(roles)
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not do this; it needs {wanted}")


@functools.cache
def _hasher() -> argon2.PasswordHasher:
    return argon2.PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the name is unknown, so that the time does not tell."""
    return _hasher().hash(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    plain = name.strip()
    if not plain or len(plain) > MAX_USER_NAME or any(not c.isprintable() for c in plain):
        raise InputError(
            f"account name {name[:80]!r}: expected 1 to {MAX_USER_NAME} printable characters"
        )
    return plain


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password: expected at least {MIN_PASSWORD} characters")


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    return role


def _account_audit(
    conn: sa.Connection, actor: Actor, user: str, action: str, detail: str | None
) -> None:
    insert_rows(
        conn,
        t.account_audit,
        [
            {
                "at": now(),
                "by": actor_name(actor)[: t.NAME],
                "user_name": user,
                "action": action,
                "detail": detail,
            }
        ],
    )


def _elections(conn: sa.Connection, user_id: int) -> tuple[str, ...]:
    ue = t.user_elections
    query = sa.select(ue.c.election_key).where(ue.c.user_id == user_id)
    return tuple(sorted(conn.execute(query).scalars()))


def _user(conn: sa.Connection, row: Any) -> User:
    user_id = int(cast(int, row.id))
    return User(
        user_id,
        str(row.name),
        cast(Role, row.role),
        bool(row.disabled),
        _elections(conn, user_id),
    )


def _row(conn: sa.Connection, name: str) -> Any:
    u = t.users
    row = conn.execute(
        sa.select(u.c.id, u.c.name, u.c.role, u.c.disabled).where(u.c.name == name)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no account named {name!r}", ref=name)
    return row


def add_user(store: Store, name: str, role: str, password: str, *, actor: Actor) -> User:
    """Add an account; :class:`~tallyroom.errors.InputError` when the name is taken or the
    role or password is not acceptable."""
    require_role(actor, "admin")
    name = _check_name(name)
    checked = _check_role(role)
    _check_password(password)
    hashed = _hasher().hash(password)

    def work(conn: sa.Connection) -> User:
        row = {
            "name": name,
            "role": checked,
            "password_hash": hashed,
            "disabled": False,
            "created_at": now(),
            "created_by": actor_name(actor)[: t.NAME],
        }
        user_id = insert_returning_id(conn, t.users, row, ignore_conflict=True)
        if user_id is None:
            raise InputError(f"account name {name!r} is taken")
        _account_audit(conn, actor, name, "added", checked)
        return User(user_id, name, checked, False)

    return write(store, work)


def list_users(store: Store) -> tuple[User, ...]:
    """Every account, by name."""
    u = t.users

    def work(conn: sa.Connection) -> tuple[User, ...]:
        rows = conn.execute(
            sa.select(u.c.id, u.c.name, u.c.role, u.c.disabled).order_by(u.c.name)
        ).all()
        return tuple(_user(conn, row) for row in rows)

    return read(store, work)


def find_user(store: Store, name: str) -> User:
    """The account ``name``; :class:`~tallyroom.errors.NotFoundError` when there is none."""
    return read(store, lambda conn: _user(conn, _row(conn, name)))


def disable_user(store: Store, name: str, *, actor: Actor) -> None:
    """Disable an account and end its sessions (accounts are kept, for the audit trail)."""
    require_role(actor, "admin")

    def work(conn: sa.Connection) -> None:
        row = _row(conn, name)
        conn.execute(sa.update(t.users).where(t.users.c.id == row.id).values(disabled=True))
        conn.execute(sa.delete(t.sessions).where(t.sessions.c.user_id == row.id))
        _account_audit(conn, actor, name, "disabled", None)

    write(store, work)


def set_password(store: Store, name: str, password: str, *, actor: Actor) -> None:
    """Give an account a new password and end its sessions."""
    require_role(actor, "admin")
    _check_password(password)
    hashed = _hasher().hash(password)

    def work(conn: sa.Connection) -> None:
        row = _row(conn, name)
        u = t.users
        conn.execute(sa.update(u).where(u.c.id == row.id).values(password_hash=hashed))
        conn.execute(sa.delete(t.sessions).where(t.sessions.c.user_id == row.id))
        _account_audit(conn, actor, name, "password", None)

    write(store, work)


def assign(store: Store, name: str, election_key: str, *, actor: Actor) -> None:
    """Let the clerk ``name`` enter returns for the declared election ``election_key``."""
    require_role(actor, "admin")

    def work(conn: sa.Connection) -> None:
        row = _row(conn, name)
        if row.role != "clerk":
            raise InputError(f"{name} is a {row.role}; only clerks are assigned elections")
        d = t.declarations
        if conn.execute(sa.select(d.c.key).where(d.c.key == election_key)).first() is None:
            raise NotFoundError(f"no declared election {election_key!r}", ref=election_key)
        ue = t.user_elections
        done = conn.execute(
            sa.select(ue.c.user_id).where(ue.c.user_id == row.id, ue.c.election_key == election_key)
        ).first()
        if done is not None:
            return
        insert_rows(
            conn,
            ue,
            [
                {
                    "user_id": row.id,
                    "election_key": election_key,
                    "assigned_at": now(),
                    "assigned_by": actor_name(actor)[: t.NAME],
                }
            ],
        )
        _account_audit(conn, actor, name, "assigned", election_key)

    write(store, work)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The account when ``password`` is its password and it is not disabled; else ``None``
    (the same work is done for an unknown name, so the time does not tell them apart)."""
    u = t.users
    row = read(
        store,
        lambda conn: conn.execute(
            sa.select(u.c.id, u.c.password_hash, u.c.disabled).where(u.c.name == name.strip())
        ).one_or_none(),
    )
    hasher = _hasher()
    try:
        hasher.verify(_dummy_hash() if row is None else row.password_hash, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if hasher.check_needs_rehash(row.password_hash):
        fresh = hasher.hash(password)
        write(
            store,
            lambda conn: conn.execute(
                sa.update(u).where(u.c.id == row.id).values(password_hash=fresh)
            ),
        )
    return read(store, lambda conn: _user(conn, _row(conn, name.strip())))


def open_session(store: Store, user: User) -> tuple[str, str]:
    """A new session for ``user``: (session token, CSRF token). Only the session token's
    SHA-256 is stored; expired sessions are removed."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    at = now()

    def work(conn: sa.Connection) -> None:
        s = t.sessions
        conn.execute(sa.delete(s).where(s.c.expires_at < at))
        insert_rows(
            conn,
            s,
            [
                {
                    "token_hash": _token_hash(token),
                    "user_id": user.id,
                    "csrf_token": csrf,
                    "created_at": at,
                    "expires_at": at + dt.timedelta(hours=SESSION_HOURS),
                }
            ],
        )

    write(store, work)
    return token, csrf


def session_user(store: Store, token: str) -> tuple[User, str] | None:
    """The user of a session and its CSRF token; ``None`` when the session is unknown, has
    expired, or its account is disabled."""
    s, u = t.sessions, t.users

    def work(conn: sa.Connection) -> tuple[User, str] | None:
        row = conn.execute(
            sa.select(u.c.id, u.c.name, u.c.role, u.c.disabled, s.c.csrf_token, s.c.expires_at)
            .join(u, u.c.id == s.c.user_id)
            .where(s.c.token_hash == _token_hash(token))
        ).one_or_none()
        if row is None or row.disabled or aware(row.expires_at) <= now():
            return None
        return _user(conn, row), str(row.csrf_token)

    return read(store, work)


def close_session(store: Store, token: str) -> None:
    """End a session (signing out); an unknown token is a no-op."""
    s = t.sessions
    write(
        store, lambda conn: conn.execute(sa.delete(s).where(s.c.token_hash == _token_hash(token)))
    )
