"""Benchmark: ``tallyroom import`` of articles end to end, in articles per CPU-second.

    python bench/import.py [--count N] [--jobs 1 2] [--pg URL | --no-pg] [--profile]

Writes ``--count`` article files (default 3,000): the articles of the test corpus and the
bundled samples, each copy moved to a town of its own (the city's name gets a letter suffix), so
every file is a new election. Then imports them with :func:`tallyroom.service.import_files`, as
``tallyroom import --jobs N`` does, into an empty SQLite file and an empty PostgreSQL database,
and prints articles per CPU-second (the CPU time of this process and of its worker processes:
``getrusage`` of self and children) and per wall-second.

The baseline, in the same run: parsing the same files alone, in this process (the floor of what
an import must do before deciding, checking and writing). The goal is 500 articles per
CPU-second end to end on SQLite, and PostgreSQL within 2x of it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tallyroom import service
from tallyroom.formats.article import parse_article
from tallyroom.store import Store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / "tests" / "data" / "articles", ROOT / "tallyroom" / "data" / "samples")
GOAL = 500.0


def _suffix(number: int) -> str:
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def write_corpus(folder: Path, count: int) -> list[Path]:
    """``count`` article files in ``folder``, each a new election (see the module's text)."""
    bases = []
    for directory in CORPUS:
        for path in sorted(directory.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            city = parse_article(text).jurisdiction.city
            if city:
                bases.append((path.stem, text, re.compile(rf"\b{re.escape(city)}\b"), city))
    paths = []
    for number in range(count):
        stem, text, pattern, city = bases[number % len(bases)]
        town = f"{city}{_suffix(number // len(bases))}"
        path = folder / f"{number:05d}-{stem}.txt"
        path.write_text(pattern.sub(town, text), encoding="utf-8")
        paths.append(path)
    return paths


def cpu(who: int) -> float:
    """CPU seconds of this process (``RUSAGE_SELF``) or of its children that have ended (the
    worker processes, ``RUSAGE_CHILDREN``)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measured(work: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """What ``work`` returned, its CPU seconds (all processes), the part of them in worker
    processes, and its wall seconds."""
    wall = time.perf_counter()
    own, children = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    result = work()
    own = cpu(resource.RUSAGE_SELF) - own
    children = cpu(resource.RUSAGE_CHILDREN) - children
    return result, own + children, children, time.perf_counter() - wall


def parse_only(paths: list[Path]) -> None:
    for path in paths:
        parse_article(path.read_text(encoding="utf-8"), str(path))


def import_all(target: str, paths: list[Path], jobs: int) -> tuple[Any, ...]:
    with Store.open(target) as store:
        return service.import_files(store, paths, jobs=jobs, commit_every=100)


def report(label: str, paths: list[Path], target: str, jobs: int, parsing: float) -> float:
    """Import ``paths`` and print the rates; ``parsing``: the CPU seconds of parsing them alone,
    to show the rate of the rest (deciding, checking, writing, the processes' work around it)."""
    outcomes, used, workers, wall = measured(lambda: import_all(target, paths, jobs))
    statuses = {outcome.status for outcome in outcomes}
    assert statuses == {"stored"}, [o.error for o in outcomes if o.status != "stored"][:3]
    rate = len(paths) / used
    print(
        f"  {label:28} --jobs {jobs}: {rate:6.0f} articles/CPU-s  {len(paths) / wall:6.0f}"
        f" articles/s  ({used:.2f} s CPU, {wall:.2f} s wall; this process {used - workers:.2f}"
        f" s, workers {workers:.2f} s; without parsing {len(paths) / (used - parsing):.0f}"
        " articles/CPU-s)"
    )
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile one --jobs 1 import")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        paths = write_corpus(Path(folder), args.count)
        print(f"{len(paths):,} articles")
        _, parsing, _, wall = measured(lambda: parse_only(paths))
        print(
            f"  {'baseline: parsing alone':28}         {len(paths) / parsing:6.0f} articles/CPU-s"
            f"  ({parsing:.2f} s CPU, {wall:.2f} s wall)"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(import_all, str(Path(folder) / "profile.db"), paths, 1)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            return 0
        rates: dict[tuple[str, int], float] = {}
        for jobs in args.jobs:
            target = str(Path(folder) / f"jobs{jobs}.db")
            rates["sqlite", jobs] = report("SQLite", paths, target, jobs, parsing)
        if not args.no_pg:
            rates.update(postgresql(args.pg, paths, args.jobs, parsing))
    best = max(rate for (db, _), rate in rates.items() if db == "sqlite")
    ok = best >= GOAL
    pg = [rate for (db, _), rate in rates.items() if db == "postgresql"]
    if pg:
        ok = ok and max(pg) * 2 >= best
    print(f"goal (>= {GOAL:.0f} articles/CPU-s on SQLite, PostgreSQL within 2x):", end=" ")
    print("met" if ok else "NOT met")
    return 0 if ok else 1


def postgresql(
    url: str, paths: list[Path], jobs: list[int], parsing: float
) -> dict[tuple[str, int], float]:
    """The imports into PostgreSQL databases of their own, dropped at the end."""
    rates: dict[tuple[str, int], float] = {}
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        for count in jobs:
            name = f"bench_import_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                target = sa.make_url(url).set(database=name).render_as_string(False)
                rates["postgresql", count] = report("PostgreSQL", paths, target, count, parsing)
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    except sa.exc.OperationalError as error:
        print(f"  PostgreSQL skipped: {' '.join(str(error.orig).split())[:200]}")
    finally:
        admin.dispose()
    return rates


if __name__ == "__main__":
    sys.exit(main())
