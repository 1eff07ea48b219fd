"""Benchmark of the results database: import speed and query times, SQLite and PostgreSQL.

Imports N generated elections (3 stages, 8 candidates each; default 10,000), one transaction per
election through the public API, then times every query of the issue (median of 5 runs).
The N elections are decided first (rules, checks and figures: :func:`tallyroom.service.decide`,
timed apart) and then stored as the database stores them (rows, figures, decisions, findings,
source text, audit entry); the full import that ``tallyroom import`` does, deciding included, is
timed on the first 1,000.
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

from tallyroom import service
from tallyroom.model import Election
from tallyroom.service import Decided
from tallyroom.store import ElectionFilter, Store
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import generated_election

IMPORT_GOAL = 500.0
QUERY_GOAL_MS = 100.0


Item = tuple[Election, str, Decided]


def elections(count: int) -> tuple[list[Item], float]:
    """The generated elections with their text and decisions; and decisions made per second."""
    rng = random.Random(2004)
    made = [generated_election(n, rng) for n in range(count)]
    start = time.perf_counter()
    decided = [service.decide(e) for e in made]
    rate = count / (time.perf_counter() - start)
    return [(e, canonical_text(e), d) for e, d in zip(made, decided, strict=True)], rate


def store_all(store: Store, items: list[Item], commit_every: int, prefix: str) -> list[str]:
    """Store ``items`` (already decided), a commit every ``commit_every``; their statuses."""
    statuses: list[str] = []
    with store.batch(commit_every=commit_every) as batch:
        for number, (election, text, decided) in enumerate(items):
            (result,) = service.store_source(
                batch, [election], text, f"{prefix}-{number}.json", decided=[decided]
            )
            statuses.append(result.status)
    return statuses


def baseline(items: list[Item], folder: Path) -> float:
    db = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE elections (title TEXT, document TEXT)")
    start = time.perf_counter()
    for election, text, _decided in items:
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


def batch_import(target: str, items: list[Item]) -> float:
    """Elections per second through ``Store.batch`` with a commit per 100 (what ``tallyroom
    import`` uses), into an empty database of its own."""
    with Store.open(target) as store:
        start = time.perf_counter()
        statuses = store_all(store, items, 100, "generated")
        rate = len(items) / (time.perf_counter() - start)
    assert set(statuses) == {"new"}, set(statuses)
    return rate


def full_import(target: str, items: list[Item]) -> float:
    """Elections per second with the rules, the checks and the figures decided at import."""
    with Store.open(target) as store:
        start = time.perf_counter()
        for number, (election, text, _decided) in enumerate(items):
            service.import_elections(store, [election], text, f"generated-{number}.json")
        return len(items) / (time.perf_counter() - start)


def run(label: str, target: str, batch_target: str, items: list[Item], base: float) -> bool:
    with Store.open(target) as store:
        start = time.perf_counter()
        statuses = store_all(store, items, 1, "generated")
        elapsed = time.perf_counter() - start
        assert set(statuses) == {"new"}, set(statuses)
        rate = len(items) / elapsed
        tuned = time.perf_counter()
        store.optimize()  # what a batch does at its end; PostgreSQL's autovacuum may be off
        tuned = time.perf_counter() - tuned
        batched = batch_import(batch_target, items)
        again = time.perf_counter()
        assert set(store_all(store, items[:1000], 1, "g")) == {"unchanged"}
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
            "record (by title)": lambda: store.record(sample.title),
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

    items, decided = elections(args.count)
    print(f"deciding (rules, checks, figures), before the import: {decided:.0f} elections/s")
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        base = baseline(items, Path(folder))
        print(f"baseline: plain sqlite3, one JSON row per transaction: {base:.0f} elections/s")
        files = Path(folder) / "bench.db", Path(folder) / "batch.db"
        ok = run("SQLite", str(files[0]), str(files[1]), items, base) and ok
        full = full_import(str(Path(folder) / "full.db"), items[:1000])
        shown = min(1000, len(items))
        print(f"  deciding and storing ({shown:,} elections): {full:.0f} elections/s")
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
