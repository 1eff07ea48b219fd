"""A batch keeps SQLite's statement journals in memory while it writes, and gives its
connection back to the pool with the usual setting: an import of articles wrote four times
more to those journals, in temporary files on disk, than to the database and its log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.store import Store, batch
from tallyroom.store.writes import SourceWriter

ARTICLES = sorted((Path(__file__).parent / "data" / "articles").glob("*.txt"))
MEMORY, DEFAULT = 2, 0  # PRAGMA temp_store's values


def _temp_store(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA temp_store").scalar_one())


def test_a_batch_writes_with_its_journals_in_memory_and_sets_them_back(tmp_path: Path) -> None:
    seen: list[int] = []

    def write(writer: SourceWriter) -> None:
        seen.append(_temp_store(writer.conn))

    with Store.open(tmp_path / "x.db") as store:
        with store.batch() as written:
            written.write("one text", "one.txt", write)
            written.write("another", "two.txt", write)
        with store.engine.connect() as conn:  # the batch's connection, from the pool
            seen.append(_temp_store(conn))
    assert seen == [MEMORY, MEMORY, DEFAULT]


def test_a_refused_batch_sets_its_journals_back_too(tmp_path: Path) -> None:
    with Store.open(tmp_path / "x.db") as store:
        with pytest.raises(RuntimeError, match="refused"), store.batch() as written:
            written.write("one text", "one.txt", lambda writer: None)
            raise RuntimeError("refused")
        with store.engine.connect() as conn:
            assert _temp_store(conn) == DEFAULT


def _write_calls() -> int:
    """Write system calls this process has made (Linux)."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["syscw"])


def _import_write_calls(target: Path) -> int:
    """The write calls of importing the test articles into a new database at ``target``, each
    of them stored."""
    with Store.open(target) as store:
        before = _write_calls()
        outcomes = service.import_files(store, ARTICLES)
        calls = _write_calls() - before
        assert [outcome.status for outcome in outcomes] == ["stored"] * len(ARTICLES), outcomes
        with store.engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT count(*) FROM versions").scalar_one()
        assert versions >= len(ARTICLES)
    return calls


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux's /proc/self/io")
def test_an_import_makes_far_fewer_writes_with_its_journals_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_memory = _import_write_calls(tmp_path / "memory.db")
    # as before: the batch's statement journals stay in temporary files
    monkeypatch.setattr(batch, "statement_journals_in_memory", lambda conn, on: None)
    in_files = _import_write_calls(tmp_path / "files.db")
    assert in_memory * 2 < in_files, (in_memory, in_files)
