"""Transactions of the election-night tables: a read, or a write holding the write lock.

A write on SQLite begins with ``BEGIN IMMEDIATE`` (one writer at a time, the others wait up to
the busy timeout); on PostgreSQL the election's declaration row is locked ``FOR UPDATE`` by the
callers that change an election, so that two clerks' changes to one election queue. A write that
another writer's transaction was in the way of is tried again after a short pause.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.store import Busy, Store
from tallyroom.store.batch import retryable
from tallyroom.store.engine import write_connection

__all__ = ["aware", "now", "read", "write"]

T = TypeVar("T")
#: How often a write is tried when another writer was in the way, and the first pause (s).
ATTEMPTS = 6
BACKOFF = 0.05


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _describe(error: sa.exc.DBAPIError) -> str:
    return " ".join(str(error.orig).split())[:300]


def read(store: Store, work: Callable[[sa.Connection], T]) -> T:
    """``work`` in a read transaction."""
    try:
        with store.engine.connect() as conn, conn.begin():
            return work(conn)
    except sa.exc.DBAPIError as error:
        raise StorageError(f"{store.url}: query failed: {_describe(error)}") from None


def write(store: Store, work: Callable[[sa.Connection], T]) -> T:
    """``work`` in one write transaction: all of its writes or none. Tried again when another
    writer was in the way; :class:`~tallyroom.errors.StorageError` when the database refuses."""
    for attempt in range(ATTEMPTS):
        try:
            with write_connection(store.engine) as conn, conn.begin():
                return work(conn)
        except sa.exc.DBAPIError as error:
            if not retryable(error) or attempt == ATTEMPTS - 1:
                raise StorageError(
                    f"{store.url}: the database refused: {_describe(error)}"
                ) from None
        except Busy:
            if attempt == ATTEMPTS - 1:
                raise
        time.sleep(BACKOFF * 2**attempt * (1 + random.random()))
    raise AssertionError("unreachable")
