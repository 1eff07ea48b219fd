"""The index's filters read through their indexes: query plans checked with EXPLAIN on both
databases (PostgreSQL with sequential scans priced out, so a usable index is shown to be
used whatever the table's size)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.store import ElectionFilter, Store
from tallyroom.store.read import filtered_query

from .conftest import ROOT

SAMPLES = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))
# The selective filters of the samples (every sample is a mayor's election, so an office filter
# is rightly read through the elections instead).
FILTERS = {
    "city": ElectionFilter(city="Portland"),
    "state": ElectionFilter(state="Oregon"),
    "year": ElectionFilter(year=2004),
}
INDEXES = {
    "city": "ix_versions_lower_city",
    "state": "ix_versions_lower_state",
    "year": "ix_versions_year",
}
EXPRESSION_INDEXES = {f"ix_versions_lower_{c}" for c in ("city", "state", "office", "rules")}


def _plan(conn: sa.Connection, query: sa.Select[Any]) -> str:
    compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        return "\n".join(str(row[-1]) for row in rows)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}").all())


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_reads_through_its_index(name: str, db_url: str) -> None:
    with Store.open(db_url) as store:
        service.import_files(store, SAMPLES)
        store.optimize()
        with store.engine.connect() as conn, conn.begin():
            plan = _plan(conn, filtered_query(FILTERS[name], sa.literal_column("1")))
            assert INDEXES[name] in plan, plan
            found = store.list_elections(FILTERS[name])
    assert found.total >= 1


def test_every_filter_of_a_case_folded_column_has_its_index(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        names = {name for (name,) in conn.exec_driver_sql(query)}
    assert names >= EXPRESSION_INDEXES
