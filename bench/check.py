"""Benchmark: checking 10,000 articles against parsing them (the goal: at most twice as long).

Articles are the package's samples and the checks' test documents, cycled, each varied by its
title so no two texts are equal. Both phases are timed in the same run, after a short warm-up of
both, in CPU time (one core) and wall time. The goal is judged on CPU time: on a shared machine
the wall time measures the neighbours as much as this process. The calibration line (CPU time of
a fixed pure-Python loop) tells how fast the machine was during the run.

    .venv/bin/python bench/check.py [--articles N] [--rounds R] [--without-gc]

With several rounds, each phase's best round counts. Parsing builds a heap that grows by every
article, so the cyclic garbage collector's passes cost it more the more articles are parsed;
``--without-gc`` times both phases with the collector off, to compare the work itself.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

from machine import calibrate

from tallyroom.checks import run_checks
from tallyroom.formats.article import parse_article
from tallyroom.model import Election

ROOT = Path(__file__).resolve().parents[1]
GOAL = 2.0

T = TypeVar("T")


def _texts() -> list[str]:
    folder = resources.files("tallyroom") / "data" / "samples"
    texts = [p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".txt")]
    texts += [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/data/checks").glob("*.txt"))
    ]
    return texts


def articles(count: int) -> tuple[list[str], int]:
    """``count`` article texts, each with its own title, and how many distinct documents."""
    base = _texts()
    texts = []
    for i in range(count):
        text = base[i % len(base)]
        title_end = text.index("=", 1)
        texts.append(f"{text[:title_end].rstrip()} {i} {text[title_end:]}")
    return texts, len(base)


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """``work()``'s result, its wall time and its CPU time (seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def parse_all(texts: list[str]) -> list[Election]:
    return [parse_article(text, source=f"article-{i}.txt") for i, text in enumerate(texts)]


def check_all(elections: list[Election]) -> int:
    return sum(len(run_checks(election)) for election in elections)


def one_round(texts: list[str]) -> tuple[tuple[float, float], tuple[int, tuple[float, float]]]:
    """Parse the texts, then check the elections: (parse wall, cpu), (findings, (check wall,
    cpu)). The elections are freed after both timings."""
    elections, parse_wall, parse_cpu = timed(lambda: parse_all(texts))
    findings, check_wall, check_cpu = timed(lambda: check_all(elections))
    return (parse_wall, parse_cpu), (findings, (check_wall, check_cpu))


def line(label: str, count: int, wall: float, cpu: float, extra: str = "") -> str:
    return (
        f"{label:<7} {wall:8.3f} s wall  {cpu:8.3f} s cpu  "
        f"({cpu / count * 1e6:,.0f} µs cpu per article){extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--without-gc", action="store_true", help="time with the collector off")
    args = parser.parse_args()
    texts, distinct = articles(args.articles)
    print(f"machine: sum(range(1000)) takes {calibrate():.1f} µs of CPU")
    collector = "off" if args.without_gc else "on"
    print(
        f"articles: {len(texts):,} ({distinct} distinct documents), garbage collector {collector}"
    )
    check_all(parse_all(texts[:300]))  # warm-up: imports, compiled patterns, rules presets
    parse_wall = parse_cpu = check_wall = check_cpu = float("inf")
    findings = 0
    for _ in range(max(1, args.rounds)):
        if args.without_gc:
            gc.collect()
            gc.disable()
        try:
            (wall, cpu), (findings, check_times) = one_round(texts)
        finally:
            gc.enable()
        parse_wall, parse_cpu = min(parse_wall, wall), min(parse_cpu, cpu)
        check_wall, check_cpu = min(check_wall, check_times[0]), min(check_cpu, check_times[1])
    count = len(texts)
    print(line("parse", count, parse_wall, parse_cpu))
    print(line("check", count, check_wall, check_cpu, f", {findings:,} findings"))
    ratio_cpu, ratio_wall = check_cpu / parse_cpu, check_wall / parse_wall
    print(f"ratio   check / parse = {ratio_cpu:.2f} cpu, {ratio_wall:.2f} wall")
    verdict = "met" if ratio_cpu <= GOAL else "NOT met"
    print(f"goal    check <= {GOAL:.0f}x parse (cpu): {verdict} ({ratio_cpu:.2f})")


if __name__ == "__main__":
    main()
