"""A precinct figure must name a stored stage: SQLite checks it by foreign key, PostgreSQL by
triggers once per statement (migration 0014). Either way the database refuses the same rows, by
one statement or by ``COPY``, and the figures of a stored stage go in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom.store import Store
from tallyroom.store import schema as t
from tallyroom.store.driver import insert_values
from tests.store_helpers import import_file, migrate

PRECINCTS = Path(__file__).parent / "data" / "openelections" / "20061107__dc__general__precinct.csv"
KEYS = ("version_id", "stage", "unit", "candidate", "vote_type", "position", "votes")


def _a_stage(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t.stages.c.version_id, t.stages.c.position).limit(1)).one()
    return int(row.version_id), int(row.position)


def _rows(version_id: int, stage: int, count: int, unit: str = "new unit") -> list[tuple[Any, ...]]:
    return [
        (version_id, stage, f"{unit} {i}", "Someone", "total", 10**6 + i, 1) for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3])  # one row: an INSERT; more: COPY on PostgreSQL
def test_a_figure_of_a_stage_not_stored_is_refused(db_url: str, count: int) -> None:
    with Store.open(db_url) as store:
        import_file(store, PRECINCTS)
        version_id, stage = _a_stage(store)
        good, bad = _rows(version_id, stage, count), _rows(version_id, 999, count)
        with store.engine.begin() as conn:
            insert_values(conn, t.unit_results, KEYS, good)
        mixed = [*_rows(version_id, stage, count, "other unit"), bad[0]]  # one bad row

        def refused() -> Any:
            return pytest.raises(sa.exc.IntegrityError, match=r"(?i)foreign key")

        for rows in (bad, mixed):
            with refused(), store.engine.begin() as conn:
                insert_values(conn, t.unit_results, KEYS, rows)
        moved = sa.update(t.unit_results).where(t.unit_results.c.unit == "new unit 0")
        with refused(), store.engine.begin() as conn:
            conn.execute(moved.values(stage=999))
        with store.engine.connect() as conn:
            stored = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.unit_results)
                .where(t.unit_results.c.unit.like("new unit %"))
            ).scalar_one()
    assert stored == count  # the good rows, and none of the refused statements' rows


def test_postgresql_checks_the_key_by_statement_and_moves_back(pg_url: str) -> None:
    from tallyroom.store.engine import create_engine, normalize_url

    def keys() -> set[str]:
        engine = create_engine(normalize_url(pg_url))
        with engine.connect() as conn:
            found = sa.inspect(conn).get_foreign_keys("unit_results")
        engine.dispose()
        return {str(key["name"]) for key in found}

    with Store.open(pg_url) as store:
        import_file(store, PRECINCTS)
    assert keys() == set()
    migrate(pg_url, "0013", down=True)
    assert keys() == {"fk_unit_results_stage_stages"}
    migrate(pg_url, "0014")
    assert keys() == set()
    with Store.open(pg_url) as store:
        version_id, _stage = _a_stage(store)
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            insert_values(conn, t.unit_results, KEYS, _rows(version_id, 999, 2))
