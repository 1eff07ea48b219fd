"""Benchmark of the results database: import speed and query times, SQLite and PostgreSQL.

Imports N generated elections (3 stages, 8 candidates each; default 10,000), one transaction per
election through the public API, then times every query of the issue (median of 5 runs).
The N elections are stored as the database stores them (rows, source text, audit entry); the
checks and the rules, which are other modules' work, are timed apart on the first 1,000 (the
full import that ``tallyroom import`` does).
The baseline is the floor of the same work: the election's JSON text written with plain
``sqlite3``, one transaction per election, into one table without constraints.

    python bench/store.py [--count N] [--pg URL | --no-pg]

Goals (for SQLite): >= 500 elections/s; every query under 100 ms. PostgreSQL's figures are
reported beside them.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tallyroom.model import Election
from tallyroom.store import ElectionFilter, Store
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import generated_election

IMPORT_GOAL = 500.0
QUERY_GOAL_MS = 100.0


def elections(count: int) -> list[tuple[Election, str]]:
    rng = random.Random(2004)
    made = [generated_election(n, rng) for n in range(count)]
    return [(e, canonical_text(e)) for e in made]


def baseline(items: list[tuple[Election, str]], folder: Path) -> float:
    db = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE elections (title TEXT, document TEXT)")
    start = time.perf_counter()
    for election, text in items:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO elections VALUES (?, ?)", (election.title, text))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return len(items) / elapsed


def timed(work: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def batch_import(target: str, items: list[tuple[Election, str]]) -> float:
    """Elections per second through ``Store.batch`` (what ``tallyroom import`` uses), into an
    empty database of its own."""
    with Store.open(target, checks=False, decider=False) as store:
        return _timed_batch(store, items)


def _timed_batch(store: Store, items: list[tuple[Election, str]]) -> float:
    start = time.perf_counter()
    with store.batch(commit_every=100) as batch:
        for number, (election, text) in enumerate(items):
            (result,) = batch.import_source((election,), text, f"generated-{number}.json")
            assert result.status == "new", result
    return len(items) / (time.perf_counter() - start)


def full_import(target: str, items: list[tuple[Election, str]]) -> float:
    """Elections per second with the checks and the rules applied at import."""
    with Store.open(target) as store:
        start = time.perf_counter()
        for number, (election, text) in enumerate(items):
            store.import_election(election, text, f"generated-{number}.json")
        return len(items) / (time.perf_counter() - start)


def run(
    label: str, target: str, batch_target: str, items: list[tuple[Election, str]], base: float
) -> bool:
    with Store.open(target, checks=False, decider=False) as store:
        start = time.perf_counter()
        for number, (election, text) in enumerate(items):
            result = store.import_election(election, text, f"generated-{number}.json")
            assert result.status == "new", result
        elapsed = time.perf_counter() - start
        rate = len(items) / elapsed
        tuned = time.perf_counter()
        store.optimize()  # what a batch does at its end; PostgreSQL's autovacuum may be off
        tuned = time.perf_counter() - tuned
        batched = batch_import(batch_target, items)
        again = time.perf_counter()
        for number, (election, text) in enumerate(items[:1000]):
            assert store.import_election(election, text, f"g-{number}").status == "unchanged"
        unchanged_rate = min(1000, len(items)) / (time.perf_counter() - again)

        sample = items[len(items) // 2][0]
        person = sample.stages[0].results[0].name
        print(f"\n{label}: {len(items)} elections imported in {elapsed:.1f} s")
        print(
            f"  import, a commit per election: {rate:6.0f} elections/s"
            f"  ({rate / base:.3f} x baseline)"
        )
        print(
            f"  import in batches (commit per 100): {batched:6.0f} elections/s"
            f"  ({batched / base:.3f} x baseline)"
        )
        print(f"  re-import (no-op): {unchanged_rate:7.0f} elections/s")
        print(f"  optimize (planner statistics) after the import: {tuned * 1000:.0f} ms")
        queries: dict[str, Callable[[], Any]] = {
            "list (all)": lambda: store.list_elections(),
            "list (first 100)": lambda: store.list_elections(limit=100),
            "list --city": lambda: store.list_elections(ElectionFilter(city="Springfield")),
            "list --state": lambda: store.list_elections(ElectionFilter(state="Oregon")),
            "list --year": lambda: store.list_elections(ElectionFilter(year=2004)),
            "list --office": lambda: store.list_elections(
                ElectionFilter(office="mayor"), limit=100
            ),
            "list --candidate": lambda: store.list_elections(ElectionFilter(candidate=person)),
            "list --party": lambda: store.list_elections(ElectionFilter(party="Green"), limit=100),
            "list --rules": lambda: store.list_elections(
                ElectionFilter(rules="majority-runoff"), limit=100
            ),
            "show (by title)": lambda: store.show(sample.title),
            "get_election": lambda: store.get_election(sample.title),
            "history": lambda: store.history(sample.title),
            "stats": store.stats,
        }
        # The goals are set for SQLite; PostgreSQL's figures are reported beside them.
        goals = label.startswith("SQLite")
        ok = max(rate, batched) >= IMPORT_GOAL or not goals
        for name, work in queries.items():
            ms = timed(work)
            flag = "" if ms < QUERY_GOAL_MS else "  (over 100 ms)"
            ok = ok and (ms < QUERY_GOAL_MS or not goals)
            print(f"  {name:18} {ms:8.1f} ms{flag}")
        return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()

    items = elections(args.count)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        base = baseline(items, Path(folder))
        print(f"baseline: plain sqlite3, one JSON row per transaction: {base:.0f} elections/s")
        files = Path(folder) / "bench.db", Path(folder) / "batch.db"
        ok = run("SQLite", str(files[0]), str(files[1]), items, base) and ok
        full = full_import(str(Path(folder) / "full.db"), items[:1000])
        print(f"  with checks and rules at import (1,000 elections): {full:.0f} elections/s")
    if not args.no_pg:
        schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        engine = sa.create_engine(args.pg)
        try:
            with engine.begin() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        except sa.exc.OperationalError as error:
            print(f"\nPostgreSQL skipped: {error.orig}")
            return 0 if ok else 1
        try:
            first, second = (f"{args.pg}?options=-csearch_path%3D{s}" for s in schemas)
            ok = run("PostgreSQL", first, second, items, base) and ok
        finally:
            with engine.begin() as conn:
                for schema in schemas:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    print(
        f"\ngoals (SQLite: >= {IMPORT_GOAL:.0f} elections/s, queries < {QUERY_GOAL_MS:.0f} ms):",
        "met" if ok else "NOT met",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
