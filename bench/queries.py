"""Benchmark: the read queries of the CLI and the website on a large results database.

    python bench/queries.py --count 100000 [--db PATH_OR_URL] [--keep]

Fills a database with ``--count`` generated elections (decided, as ``import`` stores them; an
existing ``--db`` that already holds them is used as it is), then times every query the index,
``list``, ``show`` and ``stats`` make: median of 5 runs, wall and CPU time of this process. The
baseline, run in the same process, is the floor of a query: ``SELECT count(*)`` of the current
versions. The goal is 100 ms for each query. Then the first renders of election pages, as the
website makes them (its record, its source, its city's list and the page; no cache): goal 200
a second. The index's facets are timed as the index asks for them: the places with the most
elections (``PLACES_SHOWN``), every year and office.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from machine import calibrate

from tallyroom import service
from tallyroom.store import ElectionFilter, Store
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import generated_election
from tallyroom.views.lists import PLACES_SHOWN
from tallyroom.web.site import Site

GOAL_MS = 100.0
PAGE = 50
#: Election pages rendered for the first-render figure, and the goal (pages a second).
RENDERED = 500
RENDER_GOAL = 200


def fill(store: Store, count: int) -> None:
    have = store.stats()["elections"]
    if have >= count:
        return
    rng = random.Random(2004)
    started = time.perf_counter()
    with store.batch(commit_every=500) as batch:
        for number in range(count):
            election = generated_election(number, rng)
            if number < have:
                continue
            decided = service.decide(election)
            text = canonical_text(election)
            service.store_source(batch, [election], text, f"gen-{number}.json", decided=[decided])
    store.optimize()
    print(f"filled {count - have:,} elections in {time.perf_counter() - started:.0f} s")


def timed(work: Callable[[], Any], runs: int = 5) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def first_renders(store: Store, count: int, pages: int = RENDERED) -> tuple[int, float, float]:
    """Election pages rendered once each by a new :class:`Site` (no page or record cached), as
    a first visit to each makes them: (pages, wall seconds, CPU seconds)."""
    site = Site(store, fresh_for=3600)
    step = max(1, count // pages)
    ids = [row.id for row in store.list_elections(limit=pages * step).rows[::step]]
    wall, cpu = time.perf_counter(), time.process_time()
    for election_id in ids:
        assert site.election(election_id) is not None
    return len(ids), time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", help="SQLite path or postgresql:// URL (default: a new file)")
    args = parser.parse_args()
    print(calibrate())
    target = args.db or str(Path(tempfile.mkdtemp()) / "queries.db")
    with Store.open(target) as store:
        fill(store, args.count)
        sample = store.list_elections(limit=1, offset=args.count // 2).rows[0]
        record = store.record(sample.id)
        person = record.election.stages[0].results[0].name
        queries: dict[str, Callable[[], Any]] = {
            "index page (50)": lambda: store.list_elections(limit=PAGE),
            "index page 100": lambda: store.list_elections(limit=PAGE, offset=PAGE * 99),
            "list --city": lambda: store.list_elections(
                ElectionFilter(city="Springfield"), limit=PAGE
            ),
            "list --state": lambda: store.list_elections(
                ElectionFilter(state="Oregon"), limit=PAGE
            ),
            "list --year": lambda: store.list_elections(ElectionFilter(year=1950), limit=PAGE),
            "list --office": lambda: store.list_elections(
                ElectionFilter(office="mayor"), limit=PAGE
            ),
            "list --candidate": lambda: store.list_elections(
                ElectionFilter(candidate=person), limit=PAGE
            ),
            "list --party": lambda: store.list_elections(ElectionFilter(party="Green"), limit=PAGE),
            "list --rules": lambda: store.list_elections(
                ElectionFilter(rules="majority-runoff"), limit=PAGE
            ),
            "list --q": lambda: store.list_elections(ElectionFilter(q="river"), limit=PAGE),
            "show (record)": lambda: store.record(sample.id),
            "history": lambda: store.history(sample.id),
            "stats": store.stats,
            "facets (index sidebar)": lambda: store.facets(PLACES_SHOWN),
            "places (every one)": store.places,
        }
        site_pages = first_renders(store, args.count)
        base_wall, base_cpu = timed(lambda: store.list_elections(limit=0))
        print(f"\n{target.split('@')[-1]}: {args.count:,} elections")
        print(
            f"  baseline (count of current versions): {base_wall:7.1f} ms  {base_cpu:7.1f} ms CPU"
        )
        ok = True
        for name, work in queries.items():
            wall, cpu = timed(work)
            flag = "" if wall < GOAL_MS else "  (over 100 ms)"
            ok = ok and wall < GOAL_MS
            print(
                f"  {name:24} {wall:8.1f} ms  {cpu:8.1f} ms CPU  "
                f"{wall / base_wall if base_wall else 0:6.1f} x baseline{flag}"
            )
        pages, wall, cpu = site_pages
        flag = "" if pages / wall >= RENDER_GOAL else f"  (under {RENDER_GOAL} a second)"
        print(
            f"  {'first renders':24} {pages / wall:8.0f} /s    {pages / cpu:8.0f} /s of CPU  "
            f"(election pages, each rendered once: record, source, city's list, page){flag}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
