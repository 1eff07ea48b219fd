"""Bulk inserts through the database driver, for the speed of large imports.

SQLAlchemy compiles each INSERT once per dialect, table and column set (cached here); the rows
are then handed to the driver in the caller's transaction: ``executemany`` on SQLite, one
multi-row INSERT on PostgreSQL (a round trip per table, not per row). Values are plain Python
values; on SQLite, dates and times are written as the ISO text that SQLAlchemy's own SQLite types
store, so SQLAlchemy reads them back as dates. The database checks every constraint; driver
errors are raised as SQLAlchemy's ``DBAPIError`` classes like any other statement's.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["fetch_rows", "insert_returning_id", "insert_rows"]

Row = dict[str, Any]


@functools.cache
def _insert_sql(
    dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...], ignore_conflict: bool
) -> tuple[str, tuple[str, ...] | None, frozenset[str]]:
    """INSERT text for ``columns``, positional parameter order (``None`` when named), and the
    columns holding dates or times (converted for SQLite)."""
    values: dict[str, Any] = {name: sa.bindparam(name) for name in columns}
    statement: Any
    match dialect.name:
        case "postgresql":
            statement = postgresql.insert(table).values(values)
        case "sqlite":
            statement = sqlite.insert(table).values(values)
        case other:
            raise AssertionError(f"unsupported dialect {other}")
    if ignore_conflict:
        statement = statement.on_conflict_do_nothing()
    if "id" in table.c and table.c.id.primary_key:
        statement = statement.returning(table.c.id)
    compiled = statement.compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    timed = frozenset(
        name for name in columns if isinstance(table.c[name].type, sa.Date | sa.DateTime)
    )
    return str(compiled), order, timed


def _sqlite_time(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _params(order: tuple[str, ...] | None, timed: frozenset[str], rows: list[Row]) -> list[Any]:
    if order is None:
        return rows
    if not timed:
        return [tuple(row[name] for name in order) for row in rows]
    return [
        tuple(_sqlite_time(row[name]) if name in timed else row[name] for name in order)
        for row in rows
    ]


def _cursor_run(
    conn: sa.Connection, sql: str, params: list[Any], many: bool, fetch: bool = True
) -> Any:
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
            return None
        cursor.execute(sql, params[0])
        if not fetch:
            return None
        row = cursor.fetchone()
        return None if row is None else row[0]
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(sql, None, error, dbapi.Error) from None
    finally:
        cursor.close()


#: PostgreSQL takes at most 65,535 parameters in one statement.
MAX_PARAMETERS = 65_535


@functools.lru_cache(maxsize=512)
def _multirow_sql(dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...], rows: int) -> str:
    quote = dialect.identifier_preparer.quote
    group = "(" + ", ".join(["%s"] * len(columns)) + ")"
    names = ", ".join(quote(name) for name in columns)
    return f"INSERT INTO {quote(table.name)} ({names}) VALUES " + ", ".join([group] * rows)


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[Row]) -> None:
    """Insert ``rows`` (dicts with the same keys) into a table without a serial id.

    SQLite takes them through ``executemany``; PostgreSQL in one multi-row INSERT, which saves
    a round trip to the server per row.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    if conn.dialect.name == "postgresql":
        step = MAX_PARAMETERS // len(columns)
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            sql = _multirow_sql(conn.dialect, table, columns, len(chunk))
            flat = [row[name] for row in chunk for name in columns]
            _cursor_run(conn, sql, [flat], many=False, fetch=False)
        return
    sql, order, timed = _insert_sql(conn.dialect, table, columns, False)
    _cursor_run(conn, sql, _params(order, timed, rows), many=True)


def insert_returning_id(
    conn: sa.Connection, table: sa.Table, row: Row, *, ignore_conflict: bool = False
) -> int | None:
    """Insert one row into a table with a serial ``id``; its id, or ``None`` when
    ``ignore_conflict`` and a unique key already held the row."""
    sql, order, timed = _insert_sql(conn.dialect, table, tuple(row), ignore_conflict)
    found = _cursor_run(conn, sql, _params(order, timed, [row]), many=False)
    return None if found is None else int(found)


def fetch_rows(conn: sa.Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the driver returns them, without SQLAlchemy's result processing
    (for long lists; the columns must need no conversion, e.g. dates coerced to text)."""
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    args: Any = params
    if compiled.positional and compiled.positiontup is not None:
        args = tuple(params[name] for name in compiled.positiontup)
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return [tuple(row) for row in cursor.fetchall()]
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(str(compiled), None, error, dbapi.Error) from None
    finally:
        cursor.close()
