"""Benchmark: a million ranked ballots, loaded from CSV and counted; pyrankvote as the baseline.

Run: ``python bench/rcv.py [--ballots N] [--baseline-ballots M]``. Prints load time, tabulation
time, peak memory (RSS high-water mark), and pyrankvote's instant runoff on the same ballots
(same winner, same round tallies) with the speed ratio.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from tallyroom.rcv import BallotSet, RcvOptions, read_ballots, tabulate
from tallyroom.rcv.generate import generate_rankings, write_ballots_csv

NAMES = [f"Candidate {chr(65 + i)}" for i in range(13)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pyrankvote_rounds(rankings: np.ndarray) -> tuple[str, list[dict[str, int]], float]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    candidates = [Candidate(n) for n in NAMES]
    ballots = [
        Ballot(ranked_candidates=[candidates[c] for c in row if c >= 0])
        for row in rankings.tolist()
    ]
    start = time.perf_counter()
    result = pyrankvote.instant_runoff_voting(candidates, ballots)
    elapsed = time.perf_counter() - start
    rounds = [
        {
            r.candidate.name: int(r.number_of_votes)
            for r in round_result.candidate_results
            if r.number_of_votes
        }
        for round_result in result.rounds
    ]
    return result.get_winners()[0].name, rounds, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--baseline-ballots", type=int, default=100_000)
    args = parser.parse_args()
    rankings = generate_rankings(args.ballots, len(NAMES), 5, seed=20240501)
    options = RcvOptions(
        max_rankings=5, max_skipped_ranks=None, tiebreak="previous-round-then-random", seed=1
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ballots.csv"
        write_ballots_csv(path, rankings, NAMES)
        start = time.perf_counter()
        ballots = read_ballots(path)
        load = time.perf_counter() - start
    start = time.perf_counter()
    result = tabulate(ballots, options)
    count = time.perf_counter() - start
    print(f"ballots: {ballots.total:,}  distinct rankings: {len(ballots.rankings):,}")
    print(f"load CSV: {load:.2f} s (goal 1.5 s)")
    print(
        f"tabulate: {count:.3f} s (goal 0.2 s), rounds: {len(result.rounds)}, "
        f"winner: {result.winners[0]}"
    )
    print(f"peak memory: {peak_mb():.0f} MB (goal 600 MB)")

    for size in sorted({min(args.baseline_ballots, args.ballots)}):
        sample = rankings[:size]
        winner, rounds, base = pyrankvote_rounds(sample)
        sub = BallotSet(
            ballots.candidates,
            *_grouped(sample, ballots.candidates),
        )
        start = time.perf_counter()
        ours = tabulate(sub, options)
        mine = time.perf_counter() - start
        same_winner = ours.winners == (winner,)
        ours_rounds = [{n: int(v) for n, v in r.tally if v} for r in ours.rounds]
        same_rounds = ours_rounds == rounds[: len(ours_rounds)]
        print(
            f"pyrankvote on {size:,} ballots: {base:.2f} s; tallyroom {mine:.3f} s; "
            f"ratio {base / mine:.1f}x; same winner: {same_winner}; "
            f"same round tallies: {same_rounds}"
        )
        if size < args.ballots:
            estimate = base * args.ballots / size
            print(
                f"  pyrankvote scaled to {args.ballots:,} ballots (linear): ~{estimate:.0f} s; "
                f"ratio vs full count ~{estimate / count:.0f}x"
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
