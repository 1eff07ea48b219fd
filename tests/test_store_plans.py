"""The index's filters read through their indexes: query plans checked with EXPLAIN on both
databases (PostgreSQL with sequential scans priced out, so a usable index is shown to be
used whatever the table's size); and what the text indexes find is exactly what the filters
match without them."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.store import ElectionFilter, Store
from tallyroom.store import schema as t
from tallyroom.store.codec import canonical_text
from tallyroom.store.engine import upgrade
from tallyroom.store.generate import generated_election
from tallyroom.store.read import current_versions, filtered_query

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
    "city": ("ix_versions_lower_city",),
    "state": ("ix_versions_lower_state",),
    # The index's order begins with the year, so it serves the year filter too.
    "year": ("ix_versions_year", "ix_versions_newest"),
}
EXPRESSION_INDEXES = {f"ix_versions_lower_{c}" for c in ("city", "state", "office", "rules")}
EXPRESSION_INDEXES |= {"ix_versions_newest"}
# Texts for the text filters: long and short, any case, LIKE's and FTS5's special characters,
# a name's key (punctuation dropped), letters beyond ASCII.
TEXTS = (
    "adams",
    "ADAMS 1",
    "Baker 3-",
    "ann",
    "an",
    "o",
    "",
    "Dixon",
    "o'malley",
    "O'Malley",
    "Martin O'Malley",
    "portland",
    "Milwaukee, Wisconsin",
    "2004",
    '"',
    'a"b',
    "%",
    "_a",
    "a%",
    "/",
    "tom potter",
    "jürgen",
    "Jürgen",
    "AND OR NOT",
    "NEAR(a b)",
    "*",
    "^ada",
    "{title}",
)


def _plan(
    conn: sa.Connection, query: sa.Select[Any], *, sort: bool = True, bitmap: bool = False
) -> str:
    compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        return "\n".join(str(row[-1]) for row in rows)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    if not sort:
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
    if bitmap:
        # A GIN index is read by bitmap only; on a few rows a plain index scan of anything else
        # with a filter is cheaper, and hides it.
        conn.exec_driver_sql("SET LOCAL enable_indexscan = off")
    return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}").all())


def _one() -> sa.ColumnElement[Any]:
    return sa.literal_column("1")


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_reads_through_its_index(name: str, db_url: str) -> None:
    with Store.open(db_url) as store:
        service.import_files(store, SAMPLES)
        store.optimize()
        with store.engine.connect() as conn, conn.begin():
            query = filtered_query(FILTERS[name], _one(), dialect=conn.dialect.name)
            plan = _plan(conn, query)
            assert any(index in plan for index in INDEXES[name]), plan
            found = store.list_elections(FILTERS[name])
    assert found.total >= 1


def _index_names(conn: sa.Connection) -> set[str]:
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type IN ('index', 'table')"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    return {name for (name,) in conn.exec_driver_sql(query)}


def test_every_filter_of_a_case_folded_column_has_its_index(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.connect() as conn:
        names = _index_names(conn)
        trigram = (
            conn.dialect.name == "postgresql"
            and conn.exec_driver_sql(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
            ).first()
        )
        if conn.dialect.name == "sqlite":
            expected = set(t.SEARCH_TABLES)
        else:
            expected = set(t.TRIGRAM_INDEXES) if trigram else set()
    assert names >= EXPRESSION_INDEXES | expected


def test_the_text_filters_read_through_the_text_index(db_url: str) -> None:
    with Store.open(db_url) as store:
        service.import_files(store, SAMPLES)
        store.optimize()
        with store.engine.connect() as conn, conn.begin():
            dialect = conn.dialect.name
            if dialect == "postgresql" and not {*t.TRIGRAM_INDEXES} <= _index_names(conn):
                pytest.skip("pg_trgm is not available on this PostgreSQL server")
            by_name = filtered_query(ElectionFilter(candidate="Potter"), _one(), dialect=dialect)
            by_text = filtered_query(ElectionFilter(q="Portland"), _one(), dialect=dialect)
            name_plan = _plan(conn, by_name, bitmap=True)
            text_plan = _plan(conn, by_text, bitmap=True)
    if dialect == "sqlite":
        assert "versions_search" in name_plan, name_plan
        assert "versions_search" in text_plan, text_plan
    else:
        assert "ix_versions_trgm_people" in name_plan, name_plan
        for index in t.TRIGRAM_INDEXES:
            assert index in text_plan, text_plan


def test_a_page_of_the_index_is_read_in_order(db_url: str) -> None:
    with Store.open(db_url) as store:
        service.import_files(store, SAMPLES)
        store.optimize()
        with store.engine.connect() as conn, conn.begin():
            dialect = conn.dialect.name
            v = t.versions
            keys = [sa.nulls_last(v.c.year.desc()), sa.nulls_last(v.c.decided_on.desc())]
            page = current_versions(v.c.election_id).order_by(*keys, v.c.title, v.c.election_id)
            plan = _plan(conn, page.limit(50), sort=False)
            many = filtered_query(ElectionFilter(office="mayor"), _one(), dialect=dialect)
            bypass = filtered_query(
                ElectionFilter(office="mayor"), _one(), dialect=dialect, indexed=False
            )
            counted = sa.select(sa.func.count()).select_from(
                current_versions(v.c.city, v.c.state).where(v.c.city.is_not(None)).subquery()
            )
            facets = _plan(conn, counted)
            many_plan, bypass_plan = _plan(conn, many), _plan(conn, bypass)
    assert "ix_versions_newest" in plan, plan
    if dialect == "sqlite":
        # The counts by place read the index, not every version's row (PostgreSQL chooses by
        # its statistics).
        assert "COVERING INDEX ix_versions_places" in facets, facets
        assert "TEMP B-TREE" not in plan, plan
        # A filter that matches many elections can be kept off its index, to read in order.
        assert "ix_versions_lower_office" in many_plan, many_plan
        assert "ix_versions_lower_office" not in bypass_plan, bypass_plan


def _elections(count: int) -> list[Any]:
    rng = random.Random(17)
    return [generated_election(number, rng, candidates=4) for number in range(count)]


def _expected(conn: sa.Connection, where: ElectionFilter) -> list[int]:
    """The ids the filter matches by its definition alone: the text compared with every current
    version (no text index)."""
    from tallyroom.figures import person_key

    v = t.versions
    query = current_versions(v.c.election_id)
    if where.candidate is not None:
        query = query.where(v.c.people.contains(person_key(where.candidate), autoescape=True))
    if where.q is not None:
        text = where.q.casefold()
        query = query.where(
            sa.or_(
                sa.func.lower(v.c.title).contains(text, autoescape=True),
                sa.func.lower(v.c.city).contains(text, autoescape=True),
                v.c.people.contains(person_key(where.q), autoescape=True),
            )
        )
    return sorted(int(i) for (i,) in conn.execute(query))


def test_the_text_indexes_find_exactly_what_the_filters_match(db_url: str) -> None:
    with Store.open(db_url) as store:
        service.import_files(store, SAMPLES)
        with store.batch() as batch:
            for election in _elections(60):
                text = canonical_text(election)
                service.store_source(batch, [election], text, f"{election.title}.json")
        filters = [ElectionFilter(candidate=text) for text in TEXTS]
        filters += [ElectionFilter(q=text) for text in TEXTS]
        checked = 0
        for where in filters:
            found = store.list_elections(where, limit=1000)
            with store.engine.connect() as conn:
                expected = _expected(conn, where)
            assert sorted(row.id for row in found.rows) == expected, where
            assert found.total == len(expected), where
            checked += bool(expected)
    # Most texts match something (the test is not vacuous).
    assert checked >= 15


def test_versions_stored_before_the_text_index_are_found(db_url: str) -> None:
    """A database filled at revision 0009 gets the text index of its versions on upgrade."""
    with Store.connect(db_url) as old:
        assert upgrade(old.engine, "0009") == (None, "0009")
    with Store.connect(db_url) as old:
        service.import_files(old, SAMPLES[:3])
    with Store.open(db_url) as store:
        found = store.list_elections(ElectionFilter(candidate="O'Malley"))
        assert [row.title for row in found.rows] == ["2003–04 Baltimore mayoral election"], (
            found.rows
        )
        assert store.list_elections(ElectionFilter(q="milwau")).total == 1
        # And versions stored after it, by the writer.
        service.import_files(store, SAMPLES[3:])
        assert store.list_elections(ElectionFilter(q="sampleton")).total == 1


def _indexed(store: Store) -> tuple[int, int, int]:
    """Versions, rows of SQLite's text index, and versions missing from it."""
    with store.engine.connect() as conn:
        versions = conn.execute(sa.select(sa.func.count()).select_from(t.versions)).scalar_one()
        rows = conn.exec_driver_sql("SELECT count(*) FROM versions_search_docsize").scalar_one()
        missing = conn.exec_driver_sql(
            "SELECT count(*) FROM versions WHERE id NOT IN (SELECT id FROM versions_search_docsize)"
        ).scalar_one()
    return versions, rows, missing


def _indexed_in(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM versions_search_docsize").scalar_one())


def _search_trigger(store: Store) -> bool:
    with store.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'versions_search_insert'"
        ).first()
    return found is not None


def test_the_writer_fills_the_text_index_in_the_versions_transaction(tmp_path: Path) -> None:
    """Migration 0015: SQLite's text index is filled by the writer, not by a trigger: every
    version stored (a batch buffered or not, a new version of a stored election) is in it once,
    and a source the database refuses leaves none of its rows there either."""
    path = tmp_path / "results.db"
    with Store.open(path) as store:
        assert not _search_trigger(store)
        service.import_files(store, SAMPLES, jobs=2)  # buffered
        with store.batch() as batch:  # not buffered: a savepoint per source
            for election in _elections(5):
                service.store_source(batch, [election], canonical_text(election), "x.json")
        assert _indexed(store) == (len(SAMPLES) + 5, len(SAMPLES) + 5, 0)
        with store.batch() as batch:  # refused: its savepoint is rolled back, index rows too
            election = _elections(6)[5]

            def refuse(writer: Any) -> None:
                service._store_election(
                    writer, election, replace=False, rules=None, decided=None, correction=None
                )
                assert _indexed_in(writer.conn) == len(SAMPLES) + 6
                raise RuntimeError("refused after writing")

            with pytest.raises(RuntimeError, match="refused after writing"):
                batch.write(canonical_text(election), "refused.json", refuse)
        assert _indexed(store) == (len(SAMPLES) + 5, len(SAMPLES) + 5, 0)
        assert store.list_elections(ElectionFilter(q=election.jurisdiction.city)).total == 0


def test_migration_0015_moves_the_text_index_from_the_trigger_to_the_writer(
    tmp_path: Path,
) -> None:
    from .store_helpers import migrate

    path = tmp_path / "results.db"
    with Store.connect(path) as old:
        assert upgrade(old.engine, "0014") == (None, "0014")
    with Store.connect(path) as old:
        assert _search_trigger(old)
        service.import_files(old, SAMPLES[:3])  # indexed by the trigger
    with Store.open(path) as store:  # to the head
        assert not _search_trigger(store)
        service.import_files(store, SAMPLES[3:])  # by the writer
        assert _indexed(store) == (len(SAMPLES), len(SAMPLES), 0)
        assert store.list_elections(ElectionFilter(q="milwau")).total == 1
        assert store.list_elections(ElectionFilter(q="sampleton")).total == 1
    migrate(path, "0014", down=True)
    with Store.connect(path) as old:
        assert _search_trigger(old)
        with old.batch() as batch:
            for election in _elections(2):
                service.store_source(batch, [election], canonical_text(election), "x.json")
        assert _indexed(old) == (len(SAMPLES) + 2, len(SAMPLES) + 2, 0)


def test_without_the_text_index_the_text_filters_still_match(tmp_path: Path) -> None:
    """A SQLite library without FTS5's trigram tokenizer gets no text index (migration 0010):
    the text filters then read every version, and the writer has no index to fill."""
    with Store.open(tmp_path / "results.db") as store:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE versions_search")
        service.import_files(store, SAMPLES)
        found = store.list_elections(ElectionFilter(candidate="O'Malley"), limit=10)
        assert [row.title for row in found.rows] == ["2003–04 Baltimore mayoral election"]
        assert store.list_elections(ElectionFilter(q="PORTLAND"), limit=10).total == 1


def test_stats_reads_kept_sums_and_only_the_listed_places(db_url: str) -> None:
    """``stats`` over every election reads the kept sums and the places with most elections
    from ``place_counts``' index, and the turnout of those places only (explained with the
    parameters it is run with: a bound LIMIT once made SQLite read every version)."""
    ran: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        ran.append((statement, parameters))

    with Store.open(db_url) as store:
        service.import_files(store, SAMPLES)
        store.optimize()
        sa.event.listen(store.engine, "before_cursor_execute", seen)
        try:
            store.stats(places=2)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", seen)
        with store.engine.connect() as conn, conn.begin():
            sqlite = conn.dialect.name == "sqlite"
            if not sqlite:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            plans = {
                statement: "\n".join(
                    str(row[-1]) for row in conn.exec_driver_sql(explain + statement, parameters)
                )
                for statement, parameters in ran
            }
    assert "current_totals" in " ".join(plans), list(plans)
    (turnout,) = (plan for statement, plan in plans.items() if "place_counts" in statement
                  and "GROUP BY" in statement)  # fmt: skip
    assert "ix_place_counts_most" in turnout, turnout
    if sqlite:
        assert "SCAN versions" not in turnout, turnout
        assert "SEARCH versions USING COVERING INDEX ix_versions_places" in turnout, turnout
