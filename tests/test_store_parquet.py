"""The Parquet export read back by another engine (DuckDB): every stored figure, the same."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from tallyroom import service
from tallyroom.store import Store
from tallyroom.store.parquet import DATASETS, export_parquet
from tallyroom.store.read import ElectionFilter, list_elections

from .conftest import ROOT, TEST_DATA, run_cli

SAMPLES = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))
DC = TEST_DATA / "openelections" / "20181106__dc__general__precinct.csv"
FILES = [*SAMPLES, DC]


@pytest.fixture
def exported(db_url: str, tmp_path: Path) -> tuple[str, Path]:
    with Store.open(db_url) as store:
        outcomes = service.import_files(store, FILES)
        assert all(o.status != "refused" for o in outcomes), outcomes
        export_parquet(store, tmp_path / "parquet")
    return db_url, tmp_path / "parquet"


def _query(folder: Path, sql: str) -> list[tuple[object, ...]]:
    connection = duckdb.connect()
    for name in DATASETS:
        connection.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet("
            f"'{folder / name}/**/*.parquet', hive_partitioning = true)"
        )
    return connection.execute(sql).fetchall()


def test_every_election_is_exported_with_its_stored_winner_and_share(
    exported: tuple[str, Path],
) -> None:
    db_url, folder = exported
    with Store.open(db_url, read_only=True) as store, store.engine.connect() as conn:
        stored = {
            (s.title, s.winner, s.winner_percent)
            for s in list_elections(conn, ElectionFilter()).rows
        }
    rows = _query(folder, "SELECT title, winner, winner_percent FROM elections")
    assert set(rows) == stored
    assert len(rows) == len(stored)


def test_candidate_votes_equal_an_independent_sum_of_the_precinct_file(
    exported: tuple[str, Path],
) -> None:
    _, folder = exported
    expected: Counter[tuple[str, str]] = Counter()
    summary: Counter[str] = Counter()
    with DC.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if row["office"] != "MAYOR OF THE DISTRICT OF COLUMBIA":
                continue
            if row["candidate"] in ("OVER VOTES", "UNDER VOTES"):
                summary[row["candidate"].title()] += int(row["votes"])
            else:
                expected[row["office"], row["candidate"]] += int(row["votes"])
    rows = _query(
        folder,
        "SELECT e.title, c.name, c.votes FROM candidates c JOIN elections e USING (election_id) "
        "WHERE e.title = 'MAYOR OF THE DISTRICT OF COLUMBIA'",
    )
    assert Counter({(title, name): votes for title, name, votes in rows}) == expected
    units = _query(
        folder,
        "SELECT u.candidate, sum(u.votes) FROM units u JOIN elections e USING (election_id) "
        "WHERE e.title = 'MAYOR OF THE DISTRICT OF COLUMBIA' AND u.vote_type = 'total' "
        "AND u.unit_kind = 'precinct' GROUP BY u.candidate",
    )
    by_candidate = {name: votes for name, votes in units}
    for (_, name), votes in expected.items():
        assert by_candidate[name] == votes
    for name, votes in summary.items():  # kept as summary rows, not as candidates
        assert by_candidate[name] == votes
    assert set(summary) == {"Over Votes", "Under Votes"}


def test_partitions_let_an_engine_read_one_state(exported: tuple[str, Path]) -> None:
    _, folder = exported
    assert (folder / "elections" / "state=Oregon" / "year=2004").is_dir()
    rows = _query(folder, "SELECT DISTINCT title FROM elections WHERE state = 'Oregon'")
    assert {title for (title,) in rows} == {
        "2004 Portland, Oregon mayoral election",
        "2023 Sampleton, Oregon mayoral election",
    }


def test_an_export_replaces_the_last_one_whole(tmp_path: Path) -> None:
    db = str(tmp_path / "results.db")
    run_cli("import", "--db", db, *map(str, SAMPLES))
    folder = tmp_path / "out"
    first = run_cli("export-parquet", str(folder), "--db", db).stdout
    assert f"{len(SAMPLES)} elections" in first
    stray = folder / "elections" / "stray.parquet"
    stray.write_bytes(b"")
    run_cli("export-parquet", str(folder), "--db", db)
    assert not stray.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
    rows = _query(folder, "SELECT count(*) FROM elections")
    assert rows == [(len(SAMPLES),)]


def test_votes_are_integers_and_dates_are_dates_in_every_dataset(
    exported: tuple[str, Path],
) -> None:
    _, folder = exported
    types = {
        (name, column): kind
        for name in DATASETS
        for column, kind, *_ in _query(folder, f"DESCRIBE {name}")
    }
    assert types["candidates", "votes"] == types["units", "votes"] == "BIGINT"
    assert types["elections", "date"] == types["stages", "date"] == "DATE"
    assert types["candidates", "incumbent"] == "BOOLEAN"
    assert types["elections", "winner_percent"] == "VARCHAR"  # as shown, never a float
    assert types["elections", "year"] == "BIGINT"  # read from the folder names
