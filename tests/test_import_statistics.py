"""A long import refreshes the planner's statistics as the tables grow (after 100 files, 200,
400, ...): plans made for nearly empty tables, PostgreSQL's triggers' among them, would scan
them whole (a 30,000-article import on PostgreSQL with autovacuum off: 91 s, and 54 s so)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.errors import StorageError
from tallyroom.store import Store

ARTICLES = sorted((Path(__file__).parent / "data" / "articles").glob("*.txt"))


def test_statistics_are_refreshed_each_time_the_files_written_double(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "OPTIMIZE_FROM", 2)
    assert len(ARTICLES) >= 9
    refreshed: list[int] = []
    with Store.open(tmp_path / "results.db") as store:
        written: list[object] = []
        monkeypatch.setattr(store, "optimize", lambda: refreshed.append(len(written)))
        outcomes = service.import_files(store, ARTICLES[:9], commit_every=1, on_file=written.append)
    assert all(outcome.error is None for outcome in outcomes)
    assert refreshed == [2, 4, 8, 9]  # as the count doubles, and once at the end


def test_a_short_import_leaves_the_statistics_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshed: list[bool] = []
    with Store.open(tmp_path / "results.db") as store:
        monkeypatch.setattr(store, "optimize", lambda: refreshed.append(True))
        service.import_files(store, ARTICLES[:3])
    assert refreshed == []


def test_a_long_import_vacuums_postgresql_so_counts_read_the_indexes_alone(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh vacuums as well (``VACUUM (ANALYZE)``), so that the pages of the new rows are
    marked visible to all and a count reads an index alone (``ANALYZE`` alone leaves them
    unmarked, and each count reads every row until autovacuum comes). Checked by the tables'
    own counts of manual vacuums and analyses, not by the marks: a vacuum marks a page only
    when no transaction older than its rows is open anywhere on the server, and other tests
    run theirs beside this one. Where the marks were made, a count is an index-only scan that
    fetches no row."""
    monkeypatch.setattr(service, "OPTIMIZE_FROM", 2)
    tables = ("elections", "versions", "sources", "stage_results")
    with Store.open(pg_url) as store:
        service.import_files(store, ARTICLES[:2])
        with store.engine.connect() as conn, conn.begin():
            counts = conn.execute(
                sa.text(
                    "SELECT relname, vacuum_count, analyze_count FROM pg_stat_user_tables "
                    "WHERE relname = ANY(:names) AND schemaname = current_schema()"
                ),
                {"names": list(tables)},
            ).all()
            assert sorted(row.relname for row in counts) == sorted(tables)
            assert all(row.vacuum_count >= 1 and row.analyze_count >= 1 for row in counts), counts
            pages = conn.execute(
                sa.text(
                    "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'sources' "
                    "AND relnamespace = current_schema()::regnamespace"
                )
            ).one()
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explained = conn.exec_driver_sql("EXPLAIN ANALYZE SELECT count(*) FROM sources")
            plan = "\n".join(row[0] for row in explained)
    assert "Index Only Scan" in plan, plan
    if pages.relallvisible == pages.relpages:
        assert "Heap Fetches: 0" in plan, plan


def test_a_refresh_postgresql_refuses_is_one_line_naming_the_database(pg_url: str) -> None:
    with Store.open(pg_url) as store:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE outline")  # a table the refresh names
        with pytest.raises(StorageError) as raised:
            store.optimize()
    message = str(raised.value)
    assert "optimize failed" in message and '"outline" does not exist' in message, message
    assert "\n" not in message


def test_sqlite_plans_without_statistics_so_its_refresh_runs_nothing(tmp_path: Path) -> None:
    """The queries' plans are chosen and tested without SQLite's statistics: a refresh that
    analyzed the tables and then rolled its statistics back cost 0.3 CPU-s a call at 100,000
    elections for nothing."""
    ran: list[str] = []
    with Store.open(tmp_path / "results.db") as store:
        service.import_files(store, ARTICLES[:3])
        store.list_elections()  # the tables a refresh would analyze have been read
        sa.event.listen(store.engine, "before_cursor_execute", lambda *args: ran.append(args[2]))
        store.optimize()
        assert ran == []
        with store.engine.connect() as conn:
            stats = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            assert conn.exec_driver_sql(stats).scalar_one() == 0
