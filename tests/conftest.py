"""Shared fixtures: the seed articles, a real PostgreSQL server, a real Chromium.

Services are real. Where one is missing the tests that need it are skipped with the reason,
unless ``TALLYROOM_REQUIRE_SERVICES=1`` (set by CI), in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS_DIR = SHARED / "seeds"
TEST_DATA = Path(__file__).resolve().parent / "data"
MILWAUKEE = SEEDS_DIR / "000_17b44a50abe91496.txt"
PORTLAND = SEEDS_DIR / "001_d5de7c4eb0871a8b.txt"
BALTIMORE = SEEDS_DIR / "002_c2392bc185070465.txt"
SEEDS = (MILWAUKEE, PORTLAND, BALTIMORE)

PG_URL = os.environ.get("TALLYROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("TALLYROOM_CHROMIUM", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("TALLYROOM_REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (TALLYROOM_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS_DIR}")
    return SEEDS_DIR


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The PostgreSQL server's URL; skipped (or failed in CI) when it cannot be reached."""
    if not _port_open("127.0.0.1", 5432):
        _missing("no PostgreSQL server at 127.0.0.1:5432")
    return PG_URL


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server_url else "?"
    try:
        yield f"{pg_server_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new results database: a SQLite file, then a schema of its own on the PostgreSQL server
    (a test that takes it runs once on each)."""
    if request.param == "sqlite":
        return str(tmp_path / "results.db")
    url: str = request.getfixturevalue("pg_url")
    return url


def run_cli(*args: str, code: int = 0) -> Result:
    """``tallyroom ARGS`` through click's runner; fails the test unless it exits with ``code``."""
    from tallyroom.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"Chromium not found at {CHROMIUM}")
    return CHROMIUM
