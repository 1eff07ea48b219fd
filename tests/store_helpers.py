"""Importing through the application service (read -> decide -> check -> store), for tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.model import Election
from tallyroom.store import ImportResult, Store
from tallyroom.store import schema as t
from tallyroom.store.engine import create_engine, normalize_url, write_connection


def import_election(
    store: Store,
    election: Election,
    text: str,
    name: str,
    *,
    user: str | None = None,
    replace: bool = False,
) -> ImportResult:
    """Decide and store one election read from ``text``."""
    (result,) = service.import_elections(store, [election], text, name, user=user, replace=replace)
    return result


def import_file(store: Store, path: Path, *, replace: bool = False) -> tuple[ImportResult, ...]:
    """Import one file; fails the test when the file is refused."""
    (outcome,) = service.import_files(store, [path], replace=replace)
    assert outcome.error is None, outcome.error
    return outcome.results


def migrate(url: str | Path, target: str, *, down: bool = False) -> None:
    """Move the database at ``url`` (a SQLite path or a URL) up or ``down`` to revision
    ``target`` with Alembic, as ``tallyroom db upgrade`` does (not to the head, as opening a
    store does)."""
    from alembic import command

    from tallyroom.store.engine import _alembic_config

    engine = create_engine(normalize_url(url))
    with write_connection(engine) as connection, connection.begin():
        config = _alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)
    engine.dispose()


def row_counts(store: Store) -> dict[str, int]:
    """Rows of every table; for ``current_totals`` (always one row), the sum of its sums: all
    zero is a database that holds nothing."""
    with store.engine.connect() as conn:
        counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        }
        totals = conn.execute(sa.select(t.current_totals)).one()
    counts["current_totals"] = sum(totals[1:])
    return counts


def tables_fixture(metadata: sa.MetaData) -> Any:
    """A ``conn`` fixture for tests of the store's driver over tables of their own: a write
    transaction on a new SQLite file and on the test PostgreSQL database (one run each), with
    the tables of ``metadata`` created. Use as ``conn = tables_fixture(metadata)``."""

    @pytest.fixture(params=["sqlite", "postgresql"])
    def conn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Connection]:
        sqlite = request.param == "sqlite"
        url = str(tmp_path / "new.db") if sqlite else request.getfixturevalue("pg_url")
        engine = create_engine(normalize_url(url))
        metadata.create_all(engine)
        try:
            with write_connection(engine) as connection, connection.begin():
                yield connection
        finally:
            engine.dispose()

    return conn
