"""Accounts, roles and sessions of election night, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tallyroom.errors import InputError, NotFoundError, PermissionDenied, StorageError
from tallyroom.night import accounts
from tallyroom.store import Store
from tallyroom.store import schema as t

PASSWORD = "correct horse battery"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


def test_a_user_signs_in_with_the_password_only(store: Store) -> None:
    added = accounts.add_user(store, "ada", "clerk", PASSWORD, actor="root")
    assert (added.name, added.role, added.disabled) == ("ada", "clerk", False)
    user = accounts.authenticate(store, "ada", PASSWORD)
    assert user is not None and user.id == added.id and user.role == "clerk"
    assert accounts.authenticate(store, "ada", PASSWORD + "x") is None
    assert accounts.authenticate(store, "nobody", PASSWORD) is None
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(t.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_bad_accounts_are_refused(store: Store) -> None:
    accounts.add_user(store, "ada", "admin", PASSWORD, actor="root")
    with pytest.raises(InputError, match="'ada' is taken"):
        accounts.add_user(store, "ada", "clerk", PASSWORD, actor="root")
    with pytest.raises(InputError, match="role 'public': expected one of clerk"):
        accounts.add_user(store, "bob", "public", PASSWORD, actor="root")
    with pytest.raises(InputError, match="at least 10 characters"):
        accounts.add_user(store, "bob", "clerk", "short", actor="root")
    with pytest.raises(InputError, match="printable characters"):
        accounts.add_user(store, "bo\nb", "clerk", PASSWORD, actor="root")
    assert [u.name for u in accounts.list_users(store)] == ["ada"]


def test_only_an_admin_manages_accounts(store: Store) -> None:
    admin = accounts.add_user(store, "root", "admin", PASSWORD, actor="setup")
    clerk = accounts.add_user(store, "cy", "clerk", PASSWORD, actor=admin)
    with pytest.raises(PermissionDenied, match=r"cy \(clerk\) may not do this; it needs admin"):
        accounts.add_user(store, "eve", "admin", PASSWORD, actor=clerk)
    with pytest.raises(PermissionDenied):
        accounts.disable_user(store, "root", actor=clerk)
    with store.engine.connect() as conn:
        trail = conn.execute(
            sa.select(t.account_audit.c.by, t.account_audit.c.user_name).order_by(
                t.account_audit.c.id
            )
        ).all()
    assert [tuple(row) for row in trail] == [("setup", "root"), ("root", "cy")]


def test_sessions_keep_only_a_hash_and_end(store: Store) -> None:
    user = accounts.add_user(store, "ada", "certifier", PASSWORD, actor="root")
    token, csrf = accounts.open_session(store, user)
    assert token != csrf and len(token) >= 40
    found = accounts.session_user(store, token)
    assert found is not None and found[0].name == "ada" and found[1] == csrf
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t.sessions)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.csrf_token)
    assert accounts.session_user(store, token + "x") is None
    accounts.close_session(store, token)
    assert accounts.session_user(store, token) is None


def test_an_expired_session_is_refused(store: Store) -> None:
    user = accounts.add_user(store, "ada", "clerk", PASSWORD, actor="root")
    token, _ = accounts.open_session(store, user)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with store.engine.begin() as conn:
        conn.execute(sa.update(t.sessions).values(expires_at=past))
    assert accounts.session_user(store, token) is None


def test_disabling_ends_sessions_and_sign_in(store: Store) -> None:
    user = accounts.add_user(store, "ada", "clerk", PASSWORD, actor="root")
    token, _ = accounts.open_session(store, user)
    accounts.disable_user(store, "ada", actor="root")
    assert accounts.session_user(store, token) is None
    assert accounts.authenticate(store, "ada", PASSWORD) is None
    assert accounts.list_users(store)[0].disabled
    with pytest.raises(NotFoundError, match="no account named 'zed'"):
        accounts.disable_user(store, "zed", actor="root")


def test_a_new_password_replaces_the_old(store: Store) -> None:
    accounts.add_user(store, "ada", "clerk", PASSWORD, actor="root")
    accounts.set_password(store, "ada", "another long one", actor="root")
    assert accounts.authenticate(store, "ada", PASSWORD) is None
    assert accounts.authenticate(store, "ada", "another long one") is not None


def test_the_account_trail_is_append_only(store: Store) -> None:
    accounts.add_user(store, "ada", "clerk", PASSWORD, actor="root")
    for statement in (sa.update(t.account_audit).values(by="x"), sa.delete(t.account_audit)):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.execute(statement)
    with pytest.raises(StorageError, match="no declared election"):
        accounts.assign(store, "ada", "nowhere|x|mayor|2025", actor="root")


def test_only_an_existing_clerk_is_assigned(store: Store) -> None:
    accounts.add_user(store, "bea", "certifier", PASSWORD, actor="root")
    with pytest.raises(InputError, match="bea is a certifier; only clerks are assigned"):
        accounts.assign(store, "bea", "nowhere|x|mayor|2025", actor="root")
    with pytest.raises(NotFoundError, match="no account named 'zed'"):
        accounts.assign(store, "zed", "nowhere|x|mayor|2025", actor="root")
