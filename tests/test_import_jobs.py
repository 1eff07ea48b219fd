"""``tallyroom import --jobs N``: the same outcome, file by file, as one job."""

from __future__ import annotations

import io
import json
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.formats.article import parse_article
from tallyroom.store import Store, writes
from tallyroom.store import schema as t
from tallyroom.store.read import ElectionFilter, list_elections

from .conftest import ROOT, TEST_DATA, run_cli

FILES = [
    *sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt")),
    TEST_DATA / "openelections" / "20181106__dc__general__precinct.csv",
    TEST_DATA / "nist-err" / "err-prim-03.json",
]


def _import(db: Path, *args: str) -> dict[str, object]:
    result = run_cli("import", "--db", str(db), "--json", *args, *map(str, FILES))
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _stored(db: Path) -> list[tuple[object, ...]]:
    with Store.open(str(db), read_only=True) as store, store.engine.connect() as conn:
        rows = list_elections(conn, ElectionFilter()).rows
    return [(r.title, r.winner, r.winner_percent, r.outcome) for r in rows]


def test_two_worker_processes_import_what_one_process_imports(tmp_path: Path) -> None:
    one = _import(tmp_path / "one.db")
    two = _import(tmp_path / "two.db", "--jobs", "2")
    assert one == two
    assert _stored(tmp_path / "one.db") == _stored(tmp_path / "two.db")
    assert len(_stored(tmp_path / "one.db")) > len(FILES)


def test_a_refused_file_among_workers_costs_the_others_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = run_cli(
        "import", "--db", str(tmp_path / "r.db"), "--jobs", "2", str(bad), str(FILES[0]), code=2
    )
    assert "1 new" in result.stdout and "1 refused" in result.stdout
    assert f"refused: {bad}" in result.stderr


def _samples(folder: Path) -> list[Path]:
    """The bundled sample articles, copied into ``folder``."""
    paths = []
    for path in sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt")):
        copy = folder / path.name
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(copy)
    return paths


def _outcomes(outcomes: tuple[service.FileOutcome, ...]) -> list[tuple[object, ...]]:
    return [
        (o.name, o.status, o.error, [(r.title, r.status, r.version, r.current) for r in o.results])
        for o in outcomes
    ]


def test_workers_join_files_to_elections_already_stored(tmp_path: Path) -> None:
    # Files staged by workers whose elections are stored already (imported again, unchanged or
    # changed) are decided against the stored ones, as one process decides them.
    paths = _samples(tmp_path)
    results = {}
    for jobs in (1, 2):
        with Store.open(str(tmp_path / f"{jobs}.db")) as store:
            first = service.import_files(store, paths, jobs=jobs)
            again = service.import_files(store, paths, jobs=jobs)
            text = paths[0].read_text(encoding="utf-8")
            paths[0].write_text(text + "\nThe count was certified later.\n", encoding="utf-8")
            changed = service.import_files(store, paths[:2], jobs=jobs)
            paths[0].write_text(text, encoding="utf-8")
            results[jobs] = _outcomes(first), _outcomes(again), _outcomes(changed)
    first, again, changed = results[2]
    assert {status for _, status, _, _ in first} == {"stored"}
    assert {status for _, status, _, _ in again} == {"unchanged"}
    assert [status for _, status, _, _ in changed] == ["stored", "unchanged"]
    assert changed[0][3][0][1:] == ("new version", 2, 2)
    assert results[1] == results[2]


@pytest.mark.parametrize("pending_rows", [writes.PENDING_ROWS, 1])
def test_rows_the_database_refuses_cost_only_their_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pending_rows: int
) -> None:
    # The rows of a chunk's files are inserted together; when the database refuses them, the
    # chunk is written again file by file, and only the file whose rows were refused is. So
    # too when the buffer is full and a file's rows go in before the chunk's end.
    monkeypatch.setattr(writes, "PENDING_ROWS", pending_rows)
    paths = _samples(tmp_path)
    election = parse_article(paths[2].read_text(encoding="utf-8"))
    refused = next(row.name for stage in election.stages for row in stage.results)
    for jobs in (1, 2):
        with Store.open(str(tmp_path / f"{jobs}.db")) as store:
            with store.engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE TRIGGER refuse BEFORE INSERT ON stage_results "
                    f"WHEN NEW.name = '{refused}' BEGIN SELECT RAISE(ABORT, 'not this one'); END"
                )
            outcomes = service.import_files(store, paths, jobs=jobs, user="clerk")
            statuses = [(o.name, o.status) for o in outcomes]
            assert statuses == [(p.name, "refused" if p == paths[2] else "stored") for p in paths]
            assert "not this one" in (outcomes[2].error or "")
            assert paths[2].name in (outcomes[2].error or "")
            with store.engine.connect() as conn:
                attempts = conn.execute(
                    sa.select(t.import_attempts.c.source, t.import_attempts.c.outcome).order_by(
                        t.import_attempts.c.id
                    )
                ).all()
                audit = conn.execute(sa.select(sa.func.count()).select_from(t.audit)).scalar()
            assert [tuple(a) for a in attempts] == statuses
            assert audit == len(paths) - 1
            assert len(store.list_elections().rows) == len(paths) - 1


def test_rows_postgresql_refuses_in_a_copy_cost_only_their_own_file(
    tmp_path: Path, pg_url: str
) -> None:
    # On PostgreSQL a chunk's rows go in by COPY: a refusal there is the driver's error, raised
    # as SQLAlchemy's, and the chunk is written again file by file.
    paths = _samples(tmp_path)
    election = parse_article(paths[2].read_text(encoding="utf-8"))
    refused = next(row.name for stage in election.stages for row in stage.results)
    with Store.open(pg_url) as store:
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.name = '{refused}' THEN RAISE EXCEPTION 'not this one'; END IF; "
                "RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON stage_results "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        outcomes = service.import_files(store, paths, user="clerk")
        assert [(o.name, o.status) for o in outcomes] == [
            (p.name, "refused" if p == paths[2] else "stored") for p in paths
        ]
        assert "not this one" in (outcomes[2].error or "")
        assert len(store.list_elections().rows) == len(paths) - 1


def test_forked_workers_leave_the_writers_connection_alone(db_url: str, tmp_path: Path) -> None:
    # On Linux the workers are forked from the writing process, its database connection open:
    # they must neither use nor close it (a PostgreSQL connection closed by a worker would end
    # the writer's session). The same store imports again and reads after each pool has ended.
    import gc
    import sys

    if sys.platform == "linux":
        # A test before this one in the same process may have served pages in process, which
        # freezes what is loaded (as `serve` does): the pool then freezes nothing of its own.
        gc.unfreeze()
        with service._workers(1) as pool:
            assert pool._mp_context.get_start_method() == "fork"
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0  # the objects frozen for the workers are not kept so
    paths = _samples(tmp_path)
    with Store.open(db_url) as store:
        first = service.import_files(store, paths[:3], jobs=2)
        second = service.import_files(store, paths, jobs=2)
        assert [o.status for o in first] == ["stored"] * 3
        assert [o.status for o in second] == ["unchanged"] * 3 + ["stored"] * (len(paths) - 3)
        assert gc.isenabled()  # the collector paused for each chunk is running again
        with store.engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(t.versions)).scalar()
        assert count == sum(len(o.results) for o in second)


def test_one_job_keeps_what_was_made_before_it_out_of_the_collectors_scans(
    tmp_path: Path,
) -> None:
    # As for the workers: each full collection would otherwise scan every module's objects
    # again, and the import's own outcomes as they pile up.
    import gc

    gc.unfreeze()  # see the test above
    frozen: list[int] = []
    paths = _samples(tmp_path)
    with Store.open(tmp_path / "one.db") as store:
        outcomes = service.import_files(
            store, paths, commit_every=2, on_file=lambda _: frozen.append(gc.get_freeze_count())
        )
        assert [o.status for o in outcomes] == ["stored"] * len(paths)
        assert gc.get_freeze_count() == 0  # and given back to the collector at the end
        assert len(frozen) == len(paths) and all(count > 0 for count in frozen), frozen
        # What the program froze itself stays frozen (outside every generation the collector
        # scans).
        marker = [object()]
        gc.freeze()
        service.import_files(store, paths, commit_every=2)
        assert gc.get_freeze_count() > 0
        assert all(found is not marker for found in gc.get_objects())
        gc.unfreeze()
        assert any(found is marker for found in gc.get_objects())


class _StuckStream(io.TextIOBase):
    """A standard error whose lock another thread held at the fork: writing waits forever."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lock.acquire()

    def fileno(self) -> int:
        return 2

    def write(self, text: str) -> int:
        with self.lock:
            return len(text)


def _warn_in_worker() -> str:
    print("a worker's warning", file=sys.stderr)
    return type(sys.stderr).__name__


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_forked_workers_write_through_streams_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The progress display's thread may be writing at the fork: a worker's copy of that stream
    # would hold its lock for ever, and the worker's first warning would never return.
    monkeypatch.setattr(sys, "stderr", _StuckStream())
    with service._workers(1) as pool:
        future = pool.submit(_warn_in_worker)
        try:
            assert future.result(timeout=60) == "TextIOWrapper"
        finally:
            if not future.done():  # the worker is stuck: end it, or the pool waits for it
                for process in list(pool._processes.values()):
                    process.kill()


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables an import writes below its versions, in key order."""
    tables = (t.stages, t.stage_results, t.stage_units, t.unit_figures, t.audit)
    with store.engine.connect() as conn:
        return {
            table.name: [
                tuple(v for k, v in row._mapping.items() if k != "at")
                for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in tables
        }


def test_a_full_buffer_is_written_early_and_the_database_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The buffer is written once it holds PENDING_ROWS, at the end of a version, instead of
    # at the end of the chunk; a version with a precinct file's figures at its end.
    paths = [
        *_samples(tmp_path),
        TEST_DATA / "openelections" / "20060912__dc__primary__precinct.csv",
    ]
    dumps, flushes = [], []
    flush = writes.Pending.flush

    def counted(pending: writes.Pending, conn: sa.Connection) -> None:
        flushes[-1] += 1
        flush(pending, conn)

    monkeypatch.setattr(writes.Pending, "flush", counted)
    for pending_rows in (writes.PENDING_ROWS, 1, 500):
        monkeypatch.setattr(writes, "PENDING_ROWS", pending_rows)
        flushes.append(0)
        with Store.open(str(tmp_path / f"{pending_rows}.db")) as store:
            outcomes = service.import_files(store, paths, user="clerk")
            assert [o.status for o in outcomes] == ["stored"] * len(paths)
            dumps.append(_dump(store))
    # every version with unit figures is written at its end, whatever the buffer holds
    figured = {row[0] for row in dumps[0]["unit_figures"]}  # versions with unit figures
    assert flushes[1] > flushes[2] >= flushes[0] >= len(figured) >= 2
    assert dumps[1] == dumps[0]
    assert dumps[2] == dumps[0]
