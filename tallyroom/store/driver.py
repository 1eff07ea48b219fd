"""The store's insert and bulk-read statements, in SQLAlchemy Core.

Rows are plain dicts of Python values, inserted in the caller's transaction. A list of rows is one
``executemany`` (psycopg 3 pipelines it to PostgreSQL; SQLite runs it in process). Each insert
is compiled by SQLAlchemy once per dialect, table and set of keys, and the rows go to the
driver as they are, converted only where a column's type converts them (dates and times as text
on SQLite): SQLAlchemy's work per statement and per row would cost more than the database's. A
row with a serial ``id`` is inserted with ``RETURNING id``; ``ignore_conflict`` adds the
dialect's ``ON CONFLICT DO NOTHING``. A query's rows are read the same way
(:func:`read_rows`): compiled once, run on the driver's cursor, their values converted by the
columns' types. The database checks every constraint, and its errors arrive as SQLAlchemy's
``DBAPIError`` classes.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

__all__ = [
    "insert_new",
    "insert_returning_id",
    "insert_rows",
    "insert_values",
    "read_rows",
]

Row = dict[str, Any]


@functools.cache
def _statement(dialect_name: str, table: sa.Table, returning: bool, ignore_conflict: bool) -> Any:
    """``INSERT`` into ``table``, with ``RETURNING id`` and ``ON CONFLICT DO NOTHING`` when
    asked. The dialect's module is imported here, when the first insert is compiled, and only
    the one in use: the PostgreSQL dialect's import (20 ms, with its asyncpg module) costs a
    process that imports the store (an import's workers, a command on SQLite) more than many
    of its inserts."""
    match dialect_name:
        case "postgresql":
            from sqlalchemy.dialects import postgresql

            statement: Any = postgresql.insert(table)
        case "sqlite":
            from sqlalchemy.dialects import sqlite

            statement = sqlite.insert(table)
        case other:
            raise AssertionError(f"unsupported dialect {other}")
    if ignore_conflict:
        statement = statement.on_conflict_do_nothing()
    return statement.returning(table.c.id) if returning else statement


Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Insert:
    """An insert compiled for the driver: its SQL; where each of its parameters is in a row's
    values (given in the order of the row's keys); the parameters' names (for a driver that
    takes them by name); and the type conversions of the columns (a date as text on SQLite), by
    parameter."""

    sql: str
    order: tuple[int, ...] | None
    """``None``: the parameters are in the order of the row's keys."""
    names: tuple[str, ...] | None
    processors: tuple[tuple[int, Processor], ...]

    def parameters(self, row: tuple[Any, ...]) -> tuple[Any, ...] | dict[str, Any]:
        if self.order is None and self.names is None and not self.processors:
            return row  # as the driver takes it: no copy of what may be millions of rows
        values = list(row) if self.order is None else [row[i] for i in self.order]
        for position, processor in self.processors:
            values[position] = processor(values[position])
        if self.names is None:
            return tuple(values)
        return dict(zip(self.names, values, strict=True))


def _processor(column: sa.Column[Any], dialect: sa.Dialect) -> Processor | None:
    """How a column's values are converted for the driver, if at all. Booleans on SQLite are
    not: its driver binds ``True`` and ``False`` as the integers 1 and 0 itself, which is what
    SQLAlchemy's conversion makes of them (at a function call per value)."""
    if dialect.name == "sqlite" and isinstance(column.type, sa.Boolean):
        return None
    processor: Processor | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


@functools.lru_cache(maxsize=1024)
def _compiled(
    dialect: sa.Dialect,
    table: sa.Table,
    keys: tuple[str, ...],
    returning: bool = False,
    ignore_conflict: bool = False,
) -> _Insert:
    """The insert of rows with ``keys``, compiled once per dialect, table and keys, so that
    rows go to the driver without SQLAlchemy compiling or converting each."""
    statement = _statement(dialect.name, table, returning, ignore_conflict)
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or compiled.binds)
    columns = tuple(compiled.binds[name].key for name in names)
    if sorted(columns) != sorted(keys):
        raise AssertionError(f"insert into {table.name}: parameters {columns} for rows {keys}")
    processors = []
    for position, key in enumerate(columns):
        processor = _processor(table.c[key], dialect)
        if processor is not None:
            processors.append((position, processor))
    order = None if columns == keys else tuple(keys.index(key) for key in columns)
    return _Insert(str(compiled), order, None if compiled.positional else names, tuple(processors))


@contextmanager
def _cursor(conn: sa.Connection, sql: str, parameters: Any) -> Iterator[Any]:
    """The driver's own cursor, in the transaction ``conn`` holds; the driver's errors raised
    as SQLAlchemy's, as ``conn.execute`` raises them, and the statement shown to SQLAlchemy's
    ``before_cursor_execute`` listeners (which count statements, say) as its own are."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for listener in conn.dispatch.before_cursor_execute:
        listener(conn, cursor, sql, parameters, None, False)
    try:
        yield cursor
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(
            sql, parameters, error, dbapi.Error, dialect=conn.dialect
        ) from error
    finally:
        cursor.close()


def _run(conn: sa.Connection, sql: str, parameters: list[Any], returning: bool) -> Any:
    """Run ``sql`` on the driver's own cursor (once per parameters): SQLAlchemy's work around
    each statement costs more than SQLite's."""
    with _cursor(conn, sql, parameters) as cursor:
        if len(parameters) == 1:
            cursor.execute(sql, parameters[0])
        else:
            cursor.executemany(sql, parameters)
        return cursor.fetchone() if returning else None


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[Row]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one ``executemany``."""
    if rows:
        keys = tuple(rows[0])
        insert_values(conn, table, keys, [tuple([row[key] for key in keys]) for row in rows])


def insert_values(
    conn: sa.Connection, table: sa.Table, keys: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (the values of ``keys``, in that order) into ``table`` in one
    ``executemany``."""
    if len(rows) > 1 and conn.dialect.name == "postgresql":
        _copy(conn, table, keys, rows)
    elif rows:
        insert = _compiled(conn.dialect, table, keys)
        if insert.order is None and insert.names is None and not insert.processors:
            _run(conn, insert.sql, rows, False)  # as the driver takes them
        else:
            _run(conn, insert.sql, [insert.parameters(row) for row in rows], False)


def _copy(
    conn: sa.Connection, table: sa.Table, keys: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Many rows into PostgreSQL by ``COPY``: one statement, where an ``executemany`` sends one
    per row (and psycopg's work per row outweighs the server's). Constraints and triggers apply
    as to an ``INSERT``."""
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(key) for key in keys)
    sql = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    with _cursor(conn, sql, rows) as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def insert_returning_id(
    conn: sa.Connection, table: sa.Table, row: Row, *, ignore_conflict: bool = False
) -> int | None:
    """Insert one row into a table with a serial ``id``; its id, or ``None`` when
    ``ignore_conflict`` and a unique key already held the row."""
    insert = _compiled(conn.dialect, table, tuple(row), True, ignore_conflict)
    found = _run(conn, insert.sql, [insert.parameters(tuple(row.values()))], True)
    return None if found is None else int(found[0])


#: Rows per statement of :func:`insert_new` (its parameters stay far below SQLite's limit).
NEW_ROWS = 200


def insert_new(
    conn: sa.Connection,
    table: sa.Table,
    keys: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (the values of ``keys``) that no unique key of ``table`` holds already,
    a few hundred in one statement (``INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING
    RETURNING``): the ``returning`` columns of the rows inserted, in no particular order. One
    statement for many rows where each would be a statement of its own, with its round trip to
    PostgreSQL and its work in the driver and in SQLAlchemy."""
    dialect = conn.dialect
    if dialect.paramstyle not in ("qmark", "format", "pyformat"):
        raise AssertionError(f"unsupported parameter style {dialect.paramstyle}")
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    preparer = dialect.identifier_preparer
    converters = [
        (position, processor)
        for position, key in enumerate(keys)
        if (processor := _processor(table.c[key], dialect))
    ]
    head = (
        f"INSERT INTO {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(key) for key in keys)}) VALUES "
    )
    group = f"({', '.join([mark] * len(keys))})"
    tail = f" ON CONFLICT DO NOTHING RETURNING {', '.join(preparer.quote(c) for c in returning)}"
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), NEW_ROWS):
        part = rows[start : start + NEW_ROWS]
        sql = head + ", ".join([group] * len(part)) + tail
        parameters: list[Any] = []
        for row in part:
            values = list(row)
            for position, processor in converters:
                values[position] = processor(values[position])
            parameters.extend(values)
        with _cursor(conn, sql, parameters) as cursor:
            cursor.execute(sql, parameters)
            found.extend(tuple(item) for item in cursor.fetchall())
    return found


class _Record(tuple[Any, ...]):
    """A row read by :func:`read_rows`: a tuple whose values are also attributes by column
    label, as SQLAlchemy's rows are (each statement gets its subclass, see :func:`_row_class`)."""

    __slots__ = ()


def _row_class(labels: tuple[str, ...]) -> type[_Record]:
    attributes: dict[str, Any] = {"__slots__": ()}
    for position, label in enumerate(labels):
        attributes[label] = property(operator.itemgetter(position))
    return type("Record", (_Record,), attributes)


@dataclass(frozen=True, slots=True)
class _Read:
    """A query compiled for the driver: its SQL; its parameters in the driver's order (by name
    when the driver takes them so), with the values the query holds itself (a literal, say) and
    the conversion of each for the driver; the conversions of its columns' values (a date read
    from text on SQLite), by position; and the class of its rows."""

    sql: str
    names: tuple[str, ...] | None
    """``None``: the driver takes the parameters by name."""
    fixed: dict[str, Any]
    bind_processors: tuple[tuple[str, Processor], ...]
    processors: tuple[tuple[int, Processor], ...]
    row: type[_Record]

    def parameters(self, given: dict[str, Any]) -> Any:
        values = {**self.fixed, **given}
        for name, processor in self.bind_processors:
            values[name] = processor(values[name])
        return values if self.names is None else [values[name] for name in self.names]


@functools.lru_cache(maxsize=256)
def _compiled_read(dialect: sa.Dialect, query: sa.Select[Any]) -> _Read:
    compiled = query.compile(dialect=dialect)
    binds = compiled.binds
    if any(bind.expanding or bind.literal_execute for bind in binds.values()):
        raise AssertionError("read_rows takes bound parameters given by name only")
    fixed = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
    bind_processors = []
    for name, bind in binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            bind_processors.append((name, processor))
    labels = tuple(str(column.key) for column in query.selected_columns)
    processors = []
    for position, column in enumerate(query.selected_columns):
        processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if processor is not None:
            processors.append((position, processor))
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Read(
        str(compiled),
        names,
        fixed,
        tuple(bind_processors),
        tuple(processors),
        _row_class(labels),
    )


def read_rows(conn: sa.Connection, query: sa.Select[Any], parameters: dict[str, Any]) -> list[Any]:
    """The rows of ``query`` (made once, as the store's queries are: compiled once per dialect)
    with its bound ``parameters``, read on the driver's own cursor in the transaction ``conn``
    holds: each row a tuple whose values are also attributes by column label, converted by the
    columns' types as SQLAlchemy converts them. SQLAlchemy's work around a statement (some
    30 µs) costs more than SQLite's for the few rows an election's page reads from each of
    its tables."""
    read = _compiled_read(conn.dialect, query)
    given = read.parameters(parameters)
    with _cursor(conn, read.sql, given) as cursor:
        cursor.execute(read.sql, given)
        found = cursor.fetchall()
    make = read.row
    if not read.processors:
        return [make(row) for row in found]
    rows = []
    for row in found:
        values = list(row)
        for position, processor in read.processors:
            values[position] = processor(values[position])
        rows.append(make(values))
    return rows
