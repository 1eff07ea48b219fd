"""Opening a database: URLs, engines, SQLite settings and migrations.

A plain path (or ``sqlite:///path``) is an embedded SQLite file, created on first use, in WAL mode
with a busy timeout so that several processes can read while one writes. ``postgresql://`` URLs
are served by psycopg 3. Writes on SQLite begin with ``BEGIN IMMEDIATE`` so that two writers
queue instead of failing half-way; reads begin a deferred transaction.

Migrations (Alembic, shipped in ``tallyroom/store/migrations``) run when a database is opened,
inside one transaction that holds the write lock, so two processes opening a new database at once
do not both create it.

A read-only engine (``create_engine(url, read_only=True)``, for the website and the read commands)
never creates, migrates or changes a database: SQLite files are opened through a ``mode=ro`` URI
(the file's bytes and journal mode stay as they are; a missing file is refused instead of
created), and PostgreSQL sessions run read-only transactions.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from tallyroom.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DEFAULT_DB",
    "HEAD_REVISION",
    "create_engine",
    "current_revision",
    "head_revision",
    "migrations_head",
    "normalize_url",
    "optimize",
    "statement_journals_in_memory",
    "upgrade",
    "write_connection",
]

DEFAULT_DB = "tallyroom.db"
BUSY_TIMEOUT_MS = 30_000
#: SQLite's page cache per connection, in KiB (its default is 2,000).
CACHE_KIB = 16_384
#: The page size of a new SQLite database, in bytes (SQLite's default is 4,096; a database
#: keeps the size it was made with). An import writes each page twice, to the write-ahead log
#: and then to the database, a system call each: pages four times larger took less of the
#: system's time (docs/store.md gives the figures).
PAGE_BYTES = 16_384
#: An execution option: connections that carry it begin SQLite transactions with the write lock.
WRITE_OPTION = "tallyroom_write"
#: Key of the PostgreSQL advisory lock that serialises migrations.
MIGRATION_LOCK = 0x7A11_0001


def normalize_url(target: str | Path) -> sa.URL:
    """The SQLAlchemy URL for a path or URL; ``postgresql://`` is mapped to psycopg 3."""
    text = str(target)
    if "://" not in text:
        return sa.URL.create("sqlite+pysqlite", database=str(Path(text).expanduser()))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise StorageError(f"not a database URL or path: {text!r}") from None
    match url.get_backend_name():
        case "postgresql" | "postgres":
            return url.set(drivername="postgresql+psycopg")
        case "sqlite":
            return url.set(drivername="sqlite+pysqlite")
        case other:
            raise StorageError(
                f"unsupported database {other!r} in {url.render_as_string(hide_password=True)}; "
                "expected a SQLite path or a postgresql:// URL"
            )


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the driver: we issue BEGIN ourselves (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA page_size = {PAGE_BYTES}")  # a new database's; before WAL makes it
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cursor.close()


def _sqlite_connect_read_only(dbapi_connection: Any, _record: Any) -> None:
    # No journal-mode or synchronous setting: those would write to the file.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only = ON")
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cursor.close()


def _postgresql_connect_read_only(dbapi_connection: Any, _record: Any) -> None:
    # psycopg 3 begins every transaction of this connection with READ ONLY.
    dbapi_connection.read_only = True


def _sqlite_begin(connection: sa.Connection) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def create_engine(url: sa.URL, *, read_only: bool = False) -> sa.Engine:
    """An engine for ``url`` with tallyroom's connection settings; with ``read_only`` its
    connections cannot change the database, and a SQLite file that does not exist is refused."""
    if url.get_backend_name() == "sqlite":
        if read_only:
            return _sqlite_read_only_engine(url)
        database = url.database or ""
        if database and database != ":memory:":
            folder = Path(database).parent
            if not folder.is_dir():
                raise StorageError(f"{database}: folder {str(folder)!r} does not exist")
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = sa.create_engine(url, pool_pre_ping=True)
    if read_only:
        sa.event.listen(engine, "connect", _postgresql_connect_read_only)
    return engine


def _sqlite_read_only_engine(url: sa.URL) -> sa.Engine:
    database = url.database or ""
    if not database or database == ":memory:":
        raise StorageError("an in-memory SQLite database cannot be opened read-only")
    path = Path(database)
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise StorageError(
            f"{database}: no database there (the path {what}); check --db, or create one with "
            "`tallyroom import`"
        )
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )

    # The URL stays the plain path, so that messages name the file as it was given.
    engine = sa.create_engine(url, creator=connect)
    sa.event.listen(engine, "connect", _sqlite_connect_read_only)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def write_connection(engine: sa.Engine) -> sa.Connection:
    """A connection whose transactions hold the write lock from their start (SQLite)."""
    return engine.connect().execution_options(**{WRITE_OPTION: True})


def statement_journals_in_memory(connection: sa.Connection, in_memory: bool) -> None:
    """On SQLite, keep the journals of ``connection``'s statements in memory (``PRAGMA
    temp_store = MEMORY``), or in temporary files again (``DEFAULT``); call it outside a
    transaction, since SQLite reads it as a write transaction begins.

    Within a transaction, a statement that may fail after changing a page (an insert into a
    table with several indexes, or with a trigger) first copies the page as it was, so that it
    can be undone alone. Those copies went to temporary files on disk, and an import of
    articles wrote 270 KB of them per article: four times what it wrote to the database and
    its log, and five of every six of its write calls. In memory, a statement's journal holds
    the pages that one statement changed, and is emptied when it ends. The setting also keeps
    temporary tables and sorts in memory, so it is for connections that write, not for
    queries that may sort a whole archive."""
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        assert driver is not None, "a SQLite connection has its driver's connection"
        driver.execute(f"PRAGMA temp_store = {'MEMORY' if in_memory else 'DEFAULT'}")


# Alembic is imported when a migration is looked at, not with the store: the processes that
# only read and decide files (``import --jobs``) never need it.


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    folder = resources.files("tallyroom.store") / "migrations"
    config.set_main_option("script_location", os.fspath(str(folder)))
    return config


#: The newest migration shipped with this version of tallyroom, named here so that opening a
#: database to read does not load Alembic (a fifth of a read command's start-up);
#: ``tests/test_store_api.py`` checks it is the head of the migrations.
HEAD_REVISION = "0017"


def head_revision() -> str:
    """The newest migration shipped with this version of tallyroom (:data:`HEAD_REVISION`)."""
    return HEAD_REVISION


def migrations_head() -> str:
    """The head of the migrations folder, as Alembic reads it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The migration the database is at; ``None`` for an empty database. Read from Alembic's
    table (``alembic_version``, one row on a line of migrations) without loading Alembic."""
    if connection.dialect.name == "postgresql":
        found = "SELECT to_regclass('alembic_version') IS NOT NULL"
    else:
        found = "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'alembic_version'"
    if not connection.exec_driver_sql(found).scalar_one():
        return None
    rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    if len(rows) > 1:
        raise StorageError(f"the database is at several schema revisions at once: {rows}")
    return str(rows[0]) if rows else None


def upgrade(engine: sa.Engine, target: str | None = None) -> tuple[str | None, str]:
    """Run the migrations the database lacks, up to ``target`` (default: the newest);
    returns (revision before, revision after)."""
    from alembic import command

    head = target or head_revision()
    with write_connection(engine) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        before = current_revision(connection)
        if before != head:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, head)
        return before, head


def optimize(engine: sa.Engine) -> None:
    """Refresh the planner's statistics: after a bulk import PostgreSQL (whose autovacuum may be
    off or late) would otherwise plan joins as if the tables were empty. On SQLite, nothing.

    On PostgreSQL this is ``VACUUM (ANALYZE)``, not ``ANALYZE`` alone: the vacuum marks the new
    rows' pages visible to every transaction, so that a count or a join of the tables reads
    their indexes alone (an index-only scan) instead of every row (at 100,000 elections,
    counting the sources 58 ms → 9 ms, ``stats`` 90 ms → 28 ms, ``list --q`` 116 ms → 43 ms).
    Most rows are only ever added, so each vacuum reads little more than the pages written
    since the last one. It runs outside a transaction, as it must."""
    from tallyroom.store.schema import metadata

    if engine.dialect.name == "postgresql":
        names = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {names}")
        return
    # SQLite plans from the schema and its indexes alone here: the queries and indexes were
    # chosen, and their plans tested (tests/test_store_plans.py), without sqlite_stat1. This
    # used to run ``PRAGMA optimize`` in a transaction that was then rolled back, so its
    # statistics were never kept: at 100,000 elections it analyzed the tables read again at each
    # call (0.3 CPU-s) for nothing, and 30 % of the CPU time of importing 2,000 more articles.
