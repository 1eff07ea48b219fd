"""Crash safety and concurrency, for real: child processes killed mid-import, and racing.

Each child is a fresh Python process using the public :class:`~tallyroom.store.Store` API, on
SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tallyroom.store import Store
from tallyroom.store.generate import detailed_election, generated_election
from tests.conftest import ROOT
from tests.store_helpers import import_election, row_counts

# Stalls the writer once the STALL-th version's rows are written (its audit entry is the last),
# before the source's savepoint is released or the batch is committed, announcing it, to be
# killed. An import of many files inserts the rows of a chunk of them together (insert_values).
STALL = """
import time
import tallyroom.store.writes as writes
from tallyroom.store import schema

written = []
insert_rows, insert_values = writes.insert_rows, writes.insert_values

def count(table, rows):
    if table is schema.audit:
        written.extend(rows)
        if len(written) >= STALL:
            print("importing", flush=True)
            time.sleep(600)

def stalled(conn, table, rows):
    insert_rows(conn, table, rows)
    count(table, rows)

def stalled_values(conn, table, keys, rows):
    insert_values(conn, table, keys, rows)
    count(table, rows)

writes.insert_rows, writes.insert_values = stalled, stalled_values
"""

# Imports election NUMBER and is killed while storing it.
KILLED_CHILD = f"""
import sys
STALL = 1
{STALL}
from tallyroom import service
from tallyroom.store import Store
from tallyroom.store.generate import detailed_election

url, number = sys.argv[1], int(sys.argv[2])
store = Store.open(url)
service.import_elections(store, [detailed_election(number)], "second text", "second.txt")
"""

# Imports elections 0..9 in a batch committed every 4 sources; killed while storing the 7th.
KILLED_BATCH = f"""
import random, sys
STALL = 7
{STALL}
from pathlib import Path
from tallyroom import service
from tallyroom.store import Store
from tallyroom.formats import write_text
from tallyroom.store.generate import generated_election

folder = Path(sys.argv[2])
paths = []
for n in range(10):
    election = generated_election(n, random.Random(n))
    path = folder / f"{{n}}.toml"
    path.write_text(write_text([election], "native").text, encoding="utf-8")
    paths.append(path)
store = Store.open(sys.argv[1])
service.import_files(store, paths, commit_every=4)
"""

# Waits for the GO file, then imports elections FIRST..LAST-1 and prints their statuses.
RACING_CHILD = """
import json, os, random, sys, time
from tallyroom.store import Store
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import generated_election
from tests.store_helpers import import_election

url, go, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = Store.open(url)
while not os.path.exists(go):
    time.sleep(0.005)
statuses = {}
for n in range(first, last):
    election = generated_election(n, random.Random(n))
    statuses[n] = import_election(store, election, canonical_text(election), f"{n}.json").status
print(json.dumps(statuses))
"""


def _child(script: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _kill_mid_import(db_url: str, argument: int | str, script: str = KILLED_CHILD) -> None:
    child = _child(script, db_url, str(argument))
    assert child.stdout is not None
    try:
        line = child.stdout.readline()
    finally:
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=30)
    assert line.strip() == "importing", err
    assert child.returncode == -signal.SIGKILL


def test_a_killed_import_leaves_no_partial_election(db_url: str) -> None:
    Store.open(db_url).close()
    _kill_mid_import(db_url, 5)
    with Store.open(db_url) as store:
        assert store.list_elections().rows == ()
        assert set(row_counts(store).values()) == {0}
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # The database works as before: the same import now lands.
        election = detailed_election(5)
        assert import_election(store, election, "text", "a.txt").status == "new"
        assert store.get_election(election.title) == election


def test_a_killed_new_version_keeps_the_old_one(db_url: str) -> None:
    election = detailed_election(6)
    older = dataclasses.replace(election, office="An older office")
    with Store.open(db_url) as store:
        import_election(store, older, "first text", "first.txt")
        before = row_counts(store)
    _kill_mid_import(db_url, 6)
    with Store.open(db_url) as store:
        assert row_counts(store) == before
        assert store.get_election(election.title) == older
        assert [entry["version"] for entry in store.history(election.title)] == [1]


def test_two_processes_importing_at_once_lose_nothing(db_url: str, tmp_path: Path) -> None:
    go = tmp_path / "go"
    # 0..29 and 20..49: ten elections are imported by both processes at the same time.
    children = [
        _child(RACING_CHILD, db_url, str(go), "0", "30"),
        _child(RACING_CHILD, db_url, str(go), "20", "50"),
    ]
    time.sleep(1.0)
    go.touch()
    statuses: list[dict[str, str]] = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        statuses.append(json.loads(out))
    for n in range(20, 30):
        assert sorted(s[str(n)] for s in statuses) == ["new", "unchanged"]
    with Store.open(db_url) as store:
        rows = store.list_elections().rows
        assert len(rows) == 50
        assert {row.version for row in rows} == {1}
        counts = row_counts(store)
        assert (counts["elections"], counts["versions"], counts["audit"]) == (50, 50, 50)
        assert counts["stages"] == 150 and counts["stage_results"] == 50 * 12


def test_a_killed_batch_keeps_the_committed_sources_whole(db_url: str, tmp_path: Path) -> None:
    Store.open(db_url).close()
    _kill_mid_import(db_url, str(tmp_path), KILLED_BATCH)
    with Store.open(db_url) as store:
        rows = store.list_elections().rows
        expected = [generated_election(n, random.Random(n)).title for n in range(4)]
        assert sorted(row.title for row in rows) == sorted(expected)
        counts = row_counts(store)
        assert (counts["versions"], counts["sources"], counts["audit"]) == (4, 4, 4)
        assert counts["stages"] == 4 * 3 and counts["stage_results"] == 4 * 12
