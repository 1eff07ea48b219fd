"""Benchmark: parse the seed articles repeated to 30,000 documents.

Prints documents per second of CPU time (one core; wall time is shown too, but on a shared
machine it measures the neighbours as much as the reader) for the article reader, beside a
baseline measured in the same run (splitting the same texts into lines), and their ratio.
Goal: >= 10,000 documents/s on one core.

    .venv/bin/python bench/parse.py [--documents N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from machine import calibrate

from tallyroom.formats.article import parse_article

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SAMPLES = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "samples"


def texts(count: int) -> list[tuple[str, str]]:
    paths = sorted(SEEDS.glob("*.txt")) or sorted(SAMPLES.glob("*.txt"))[:3]
    docs = [(p.name, p.read_text(encoding="utf-8")) for p in paths]
    return [docs[i % len(docs)] for i in range(count)]


def measure(label: str, work: list[tuple[str, str]], parse: bool) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    if parse:
        for name, text in work:
            parse_article(text, source=name)
    else:
        for _name, text in work:
            text.replace("\r\n", "\n").split("\n")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rate = len(work) / cpu
    print(
        f"{label:<34} {len(work):>7,} docs  {seconds:8.3f} s wall  {cpu:8.3f} s cpu"
        f"  {rate:>10,.0f} docs/cpu-s"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=30_000)
    args = parser.parse_args()
    work = texts(args.documents)
    print(f"machine: sum(range(1000)) takes {calibrate():.1f} us of CPU")
    measure("warm-up (parse, 300 docs)", work[:300], parse=True)
    baseline = measure("baseline: read + split into lines", work, parse=False)
    parsed = measure("tallyroom parse_article", work, parse=True)
    print(f"parse is {baseline / parsed:,.0f}x the baseline's time per document")
    goal = 10_000
    print(f"goal >= {goal:,} docs/s: {'met' if parsed >= goal else 'NOT met'} ({parsed:,.0f})")


if __name__ == "__main__":
    main()
