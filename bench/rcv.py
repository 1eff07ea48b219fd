"""Benchmark: a million ranked ballots, loaded from CSV and counted; pyrankvote as the baseline.

Run: ``python bench/rcv.py [--ballots N] [--baseline-ballots M]``. Prints a calibration line
(how long ``sum(range(1000))`` takes here, and the load average), load time from CSV, tabulation
time (best of 5), peak memory (RSS high-water mark), and pyrankvote's instant runoff on the same
ballots (all of them unless ``--baseline-ballots`` is given; same winner, same round tallies)
with the speed ratio. Wall and CPU (``time.process_time``) times are both shown, as the machine
may be shared; the load's CPU time is split into user and system time (the system part is
mostly first-touch page faults of the new arrays, and grows with the machine's load).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from machine import calibrate

from tallyroom.rcv import BallotSet, RcvOptions, read_ballots, tabulate
from tallyroom.rcv.generate import generate_rankings, write_ballots_csv

NAMES = [f"Candidate {chr(65 + i)}" for i in range(13)]
T = TypeVar("T")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pyrankvote_rounds(rankings: np.ndarray) -> tuple[str, list[dict[str, int]], float, float]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    candidates = [Candidate(n) for n in NAMES]
    ballots = [
        Ballot(ranked_candidates=[candidates[c] for c in row if c >= 0])
        for row in rankings.tolist()
    ]
    wall, cpu = time.perf_counter(), time.process_time()
    result = pyrankvote.instant_runoff_voting(candidates, ballots)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rounds = [
        {
            r.candidate.name: int(r.number_of_votes)
            for r in round_result.candidate_results
            if r.number_of_votes
        }
        for round_result in result.rounds
    ]
    return result.get_winners()[0].name, rounds, wall, cpu


def timed(function: Callable[[], T]) -> tuple[T, float, float]:
    """``function()``, its wall time and its CPU time (this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument(
        "--baseline-ballots",
        type=int,
        default=None,
        help="pyrankvote on this many ballots (default: all of them)",
    )
    args = parser.parse_args()
    print(
        f"calibration: sum(range(1000)) takes {calibrate():.1f} us; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    rankings = generate_rankings(args.ballots, len(NAMES), 5, seed=20240501)
    options = RcvOptions(
        max_rankings=5, max_skipped_ranks=None, tiebreak="previous-round-then-random", seed=1
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ballots.csv"
        write_ballots_csv(path, rankings, NAMES)
        before = resource.getrusage(resource.RUSAGE_SELF)
        ballots, load, load_cpu = timed(lambda: read_ballots(path))
        after = resource.getrusage(resource.RUSAGE_SELF)
    counts = [timed(lambda: tabulate(ballots, options)) for _ in range(5)]
    result = counts[0][0]
    count = min(c[1] for c in counts)
    count_cpu = min(c[2] for c in counts)
    print(f"ballots: {ballots.total:,}  distinct rankings: {len(ballots.rankings):,}")
    print(
        f"load CSV: {load:.2f} s wall, {load_cpu:.2f} s CPU (goal 1.5 s); of the CPU time "
        f"{after.ru_utime - before.ru_utime:.2f} s user, {after.ru_stime - before.ru_stime:.2f} s "
        f"system ({after.ru_minflt - before.ru_minflt:,} page faults)"
    )
    print(
        f"tabulate: {count:.3f} s wall, {count_cpu:.3f} s CPU, best of 5 (goal 0.2 s); "
        f"all runs (wall): {', '.join(f'{c[1]:.3f}' for c in counts)}; "
        f"rounds: {len(result.rounds)}, winner: {result.winners[0]}"
    )
    print(f"peak memory: {peak_mb():.0f} MB (goal 600 MB)")

    size = min(args.baseline_ballots or args.ballots, args.ballots)
    sample = rankings[:size]
    winner, rounds, base, base_cpu = pyrankvote_rounds(sample)
    if size == args.ballots:
        sub = ballots
    else:
        sub = BallotSet(ballots.candidates, *_grouped(sample, ballots.candidates))
    ours_runs = [timed(lambda: tabulate(sub, options)) for _ in range(5)]
    ours = ours_runs[0][0]
    mine = min(r[1] for r in ours_runs)
    mine_cpu = min(r[2] for r in ours_runs)
    same_winner = ours.winners == (winner,)
    ours_rounds = [{n: int(v) for n, v in r.tally if v} for r in ours.rounds]
    same_rounds = ours_rounds == rounds[: len(ours_rounds)]
    print(
        f"pyrankvote on {size:,} ballots: {base:.2f} s wall, {base_cpu:.2f} s CPU; "
        f"tallyroom on the same ballots: {mine:.3f} s wall, {mine_cpu:.3f} s CPU; "
        f"ratio {base / mine:.0f}x wall, {base_cpu / mine_cpu:.0f}x CPU (goal 50x); "
        f"same winner: {same_winner}; same round tallies: {same_rounds}"
    )
    return 0


def _grouped(sample: np.ndarray, names: tuple[str, ...]) -> tuple[tuple, tuple]:
    code = {n: i for i, n in enumerate(names)}
    groups: dict[tuple, int] = {}
    for row in sample.tolist():
        ranking = tuple((i + 1, (code[NAMES[c]],)) for i, c in enumerate(row) if c >= 0)
        groups[ranking] = groups.get(ranking, 0) + 1
    return tuple(groups), tuple(groups.values())


if __name__ == "__main__":
    sys.exit(main())
