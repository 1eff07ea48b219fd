"""Precinct figures on SQLite live in the primary key's B-tree (migration 0012), and moving a
database across that migration, either way, keeps every figure."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from tallyroom.store import Store
from tallyroom.store.engine import create_engine, normalize_url
from tests.store_helpers import import_file, migrate

DATA = Path(__file__).parent / "data" / "openelections"
FILE = DATA / "20060912__dc__primary__precinct.csv"


def _table_sql(path: Path) -> str:
    engine = create_engine(normalize_url(path))
    with engine.connect() as conn:
        sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit_results'"
        ).scalar_one()
    engine.dispose()
    return str(sql)


def _figures(path: Path) -> list[tuple[object, ...]]:
    engine = create_engine(normalize_url(path))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT version_id, stage, unit, candidate, vote_type, position, votes "
            "FROM unit_results ORDER BY version_id, stage, position"
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_new_database_keeps_precinct_figures_without_row_ids(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with Store.open(path) as store:
        import_file(store, FILE)
    assert _table_sql(path).rstrip().endswith("WITHOUT ROWID")
    assert len(_figures(path)) > 100


def test_the_schema_declares_what_the_migrations_make() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    from tallyroom.store import schema

    create = sa.schema.CreateTable(schema.unit_results)
    assert str(create.compile(dialect=sqlite.dialect())).rstrip().endswith("WITHOUT ROWID")
    assert "ROWID" not in str(create.compile(dialect=postgresql.dialect()))


def test_down_and_up_across_0012_keeps_every_figure(tmp_path: Path) -> None:
    path = tmp_path / "moved.db"
    with Store.open(path) as store:
        import_file(store, FILE)
    before = _figures(path)
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)

    migrate(path, "0011", down=True)
    assert "WITHOUT ROWID" not in _table_sql(path)
    assert _figures(path) == before
    migrate(path, "0012")
    assert _table_sql(path).rstrip().endswith("WITHOUT ROWID")
    assert _figures(path) == before

    # The database is whole: its integrity and its foreign keys hold after both moves.
    engine = create_engine(normalize_url(path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        versions = conn.execute(sa.text("SELECT count(*) FROM versions")).scalar_one()
    engine.dispose()
    assert versions >= 1
    assert _figures(copy) == before
