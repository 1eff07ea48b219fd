"""Reading never writes: the website, the static export and the read commands open the database
read-only (SQLite through a ``mode=ro`` URI, PostgreSQL in read-only transactions), refuse a path
that holds no database instead of creating one, and refuse an old schema instead of migrating."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from tallyroom import service
from tallyroom.cli import main
from tallyroom.errors import StorageError
from tallyroom.store import Store
from tallyroom.store.engine import normalize_url, upgrade
from tallyroom.web import create_app
from tests.web_helpers import SAMPLES

PORTLAND = SAMPLES / "2004-portland.txt"
MILWAUKEE = SAMPLES / "2004-milwaukee.txt"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def journal_mode(path: Path) -> str:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readonly") / "results.db"
    with Store.open(path) as store:
        outcomes = service.import_files(store, [PORTLAND, MILWAUKEE])
    assert [outcome.status for outcome in outcomes] == ["stored", "stored"]
    return path


def _read_everything(path: Path, tmp_path: Path) -> None:
    with TestClient(create_app(path)) as client:
        index = client.get("/index.json").json()
        for row in index["elections"]:
            assert client.get(f"/elections/{row['id']}").status_code == 200
            assert client.head(f"/elections/{row['id']}.json").status_code == 200
        assert client.get("/").status_code == 200
    for command in (["list"], ["show", "Portland"], ["history", "Portland"], ["stats"]):
        result = run(*command, "--db", str(path))
        assert result.exit_code == 0, (command, result.stderr)
    result = run("export-site", str(tmp_path / "site"), "--db", str(path))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_serving_and_reading_leave_the_file_as_it_was(
    stored: Path, tmp_path: Path, mode: str
) -> None:
    path = tmp_path / "copy.db"
    shutil.copyfile(stored, path)
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA journal_mode = {mode}")
    connection.close()
    before = digest(path)
    _read_everything(path, tmp_path)
    assert digest(path) == before
    assert journal_mode(path) == mode
    if mode == "delete":
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == [
            "copy.db"
        ]


def test_a_read_only_store_cannot_write(stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copyfile(stored, path)
    before = digest(path)
    with Store.open(path, read_only=True) as store:
        assert store.find("Portland") > 0
        with store.engine.connect() as connection, pytest.raises(sa.exc.OperationalError) as err:
            connection.exec_driver_sql("DELETE FROM elections")
        assert "readonly" in str(err.value)
    assert digest(path) == before


READ_COMMANDS = [
    ["list"],
    ["show", "Portland"],
    ["history", "Portland"],
    ["stats"],
    ["export-site", "{tmp}/site"],
    ["serve", "--port", "0"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_a_missing_database_is_refused_not_created(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "mistyped.db"
    args = [part.format(tmp=tmp_path) for part in command]
    result = run(*args, "--db", str(missing))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"error: {missing}: no database there (the path does not exist); check --db, "
        "or create one with `tallyroom import`"
    ]
    assert not missing.exists()
    assert not (tmp_path / "site").exists()


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="the path is not a file"):
        Store.open(tmp_path, read_only=True)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_an_old_schema_is_refused_and_left_alone(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "old.db"
    engine = sa.create_engine(normalize_url(path))
    upgrade(engine, "0001")
    engine.dispose()
    before = digest(path)
    args = [part.format(tmp=tmp_path) for part in command]
    result = run(*args, "--db", str(path))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "database schema is at 0001" in line and "run `tallyroom db upgrade`" in line
    assert digest(path) == before


def test_import_and_db_upgrade_still_create_and_migrate(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert run("import", str(PORTLAND), "--db", str(path)).exit_code == 0
    old = tmp_path / "old.db"
    engine = sa.create_engine(normalize_url(old))
    upgrade(engine, "0001")
    engine.dispose()
    assert run("db", "upgrade", "--db", str(old)).exit_code == 0
    assert run("list", "--db", str(old)).exit_code == 0


@pytest.mark.postgres
def test_postgresql_reads_in_read_only_transactions(pg_url: str, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="run `tallyroom db upgrade`"):
        Store.open(pg_url, read_only=True)
    with Store.open(pg_url) as store:
        service.import_files(store, [PORTLAND])
    with Store.open(pg_url, read_only=True) as store:
        assert store.find("Portland") > 0
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
            with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
                connection.exec_driver_sql("DELETE FROM elections")
    with TestClient(create_app(pg_url)) as client:
        assert client.get("/index.json").json()["total"] == 1
        assert client.head("/").status_code == 200
    result = run("show", "Portland", "--db", pg_url)
    assert result.exit_code == 0, result.stderr
    result = run("export-site", str(tmp_path / "site"), "--db", pg_url)
    assert result.exit_code == 0, result.stderr
    # Writers are unaffected: the same database still takes an import.
    assert run("import", str(MILWAUKEE), "--db", pg_url).exit_code == 0
