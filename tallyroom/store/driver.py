"""The store's insert and bulk-read statements, in SQLAlchemy Core.

Rows are plain dicts of Python values, inserted in the caller's transaction. A list of rows is one
``conn.execute(insert(table), rows)``: SQLAlchemy sends it as one ``executemany`` (psycopg 3
pipelines it to PostgreSQL; SQLite runs it in process), converting dates and times through the
columns' types. A row with a serial ``id`` is inserted with ``RETURNING id``; ``ignore_conflict``
adds the dialect's ``ON CONFLICT DO NOTHING``. The database checks every constraint, and its
errors arrive as SQLAlchemy's ``DBAPIError`` classes.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["fetch_rows", "insert_returning_id", "insert_rows"]

Row = dict[str, Any]


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


@functools.cache
def _insert_returning_id(dialect_name: str, table: sa.Table, ignore_conflict: bool) -> Any:
    """``INSERT ... RETURNING id`` for ``table``, with ``ON CONFLICT DO NOTHING`` when
    ``ignore_conflict``; built once per dialect and table, so SQLAlchemy's statement cache
    recognises it at once."""
    match dialect_name:
        case "postgresql":
            statement: Any = postgresql.insert(table)
        case "sqlite":
            statement = sqlite.insert(table)
        case other:
            raise AssertionError(f"unsupported dialect {other}")
    if ignore_conflict:
        statement = statement.on_conflict_do_nothing()
    return statement.returning(table.c.id)


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[Row]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one ``executemany``."""
    if rows:
        conn.execute(_insert(table), rows)


def insert_returning_id(
    conn: sa.Connection, table: sa.Table, row: Row, *, ignore_conflict: bool = False
) -> int | None:
    """Insert one row into a table with a serial ``id``; its id, or ``None`` when
    ``ignore_conflict`` and a unique key already held the row."""
    statement = _insert_returning_id(conn.dialect.name, table, ignore_conflict)
    found = conn.execute(statement, row).scalar()
    return None if found is None else int(found)


def fetch_rows(conn: sa.Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as plain tuples (for long lists, which callers sort or zip)."""
    return [tuple(row) for row in conn.execute(query)]
