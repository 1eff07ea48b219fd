"""Benchmark: a million ranked ballots counted end to end; pyrankvote as the baseline.

Run: ``python bench/rcv.py [--ballots N] [--runs R] [--cdf-ballots M] [--nice K]``. Writes N
seeded ballots (13 candidates, up to 5 rankings) as a CSV file, then measures in child processes,
each the best of R runs:

- start-up: ``python -m tallyroom rcv --help`` (interpreter, the command and what it imports);
- end to end: ``python -m tallyroom rcv FILE --json`` (start, CSV load, count, JSON out);
- pyrankvote on the same file: a script that reads the CSV with the ``csv`` module and runs
  ``pyrankvote.instant_runoff_voting`` (same winner and round tallies are checked);
- the same ballots as a NIST SP 1500-103 (CDF) JSON file of M ballots (by default all N: about
  430 MB for a million, within the 2 GiB limit of cast-vote-record reports), end to end, beside
  the CSV file of the same M ballots.

Children run with their compiled bytecode cached (in a temporary directory, so the source tree is
left alone) and one unmeasured run first, as an installed command runs; with
``PYTHONDONTWRITEBYTECODE`` set, every run would compile tallyroom's modules again (0.1–0.2 s),
while the baseline's modules come precompiled from its installed package.
Wall time and the child's CPU time (user + system, as ``os.wait4`` reports that child's
``getrusage(RUSAGE_CHILDREN)`` share) are both shown, as the machine may be shared; peak memory
is the child's RSS high-water mark.
In-process figures (CSV load and count, best of R) follow for the parts of the end-to-end time.
On a shared machine, ``--nice -20`` (as root) runs the children at the highest priority, so that
their wall times measure the commands more than the neighbours' load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from machine import calibrate, compile_tallyroom

from tallyroom.rcv import RcvOptions, read_ballots, tabulate
from tallyroom.rcv.generate import generate_rankings, write_ballots_csv

NAMES = [f"Candidate {chr(65 + i)}" for i in range(13)]
RULES = ["--max-skipped", "unlimited", "--tiebreak", "previous-round-then-random", "--seed", "1"]
T = TypeVar("T")

#: The baseline: the CSV file read with the csv module into pyrankvote ballots, then counted.
PYRANKVOTE = """
import csv, json, sys
import pyrankvote
from pyrankvote import Ballot, Candidate

candidates = {}
ballots = []
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = csv.reader(handle)
    next(rows)
    for row in rows:
        ranked = []
        for cell in row[1:]:
            if cell:
                candidate = candidates.get(cell)
                if candidate is None:
                    candidate = candidates[cell] = Candidate(cell)
                ranked.append(candidate)
        ballots.append(Ballot(ranked_candidates=ranked))
result = pyrankvote.instant_runoff_voting(list(candidates.values()), ballots)
rounds = [
    {r.candidate.name: int(r.number_of_votes) for r in one.candidate_results if r.number_of_votes}
    for one in result.rounds
]
json.dump({"winner": result.get_winners()[0].name, "rounds": rounds}, sys.stdout)
"""


#: Runs ``python -m MODULE ARGS`` and reports the process's own peak RSS (``VmHWM``: the
#: ``ru_maxrss`` of a child starts from its parent's, which holds the generated ballots).
PEAK = """
import atexit, runpy, sys

def report():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("\\npeak-kB " + line.split()[1] + "\\n")

atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


class Child:
    """One child process's figures: wall and CPU seconds, peak RSS (MB), its output."""

    def __init__(self, wall: float, cpu: float, peak: float, output: str) -> None:
        self.wall, self.cpu, self.peak, self.output = wall, cpu, peak, output


#: The environment of the children: bytecode written to and read from a private cache.
CHILD_ENV: dict[str, str] = {}
#: The children's niceness, added to this process's (``--nice``).
CHILD_NICE = [0]


def _niced() -> None:
    if CHILD_NICE[0]:
        os.nice(CHILD_NICE[0])


def run_child(command: Sequence[str]) -> Child:
    """Run ``command``; its own CPU time and peak RSS come from ``os.wait4``."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            text=True,
            env=CHILD_ENV or None,
            preexec_fn=_niced if CHILD_NICE[0] else None,
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} … failed: {errors.strip()[-500:]}")
    peak = usage.ru_maxrss / 1024
    if "\npeak-kB " in errors:
        peak = int(errors.rsplit("\npeak-kB ", 1)[1].split()[0]) / 1024
    return Child(wall, usage.ru_utime + usage.ru_stime, peak, output)


def tallyroom(*args: str) -> list[str]:
    """The command line of ``python -m tallyroom ARGS``, reporting its peak memory."""
    if not Path("/proc/self/status").exists():
        return [sys.executable, "-m", "tallyroom", *args]
    return [sys.executable, "-c", PEAK, "tallyroom", *args]


def best_child(command: Sequence[str], runs: int) -> Child:
    """The best of ``runs`` runs, after one unmeasured run (which fills the bytecode cache)."""
    run_child(command)
    children = [run_child(command) for _ in range(runs)]
    fastest = min(children, key=lambda c: c.wall)
    return Child(
        fastest.wall, min(c.cpu for c in children), max(c.peak for c in children), fastest.output
    )


def timed(function: Callable[[], T], runs: int) -> tuple[T, float, float]:
    """``function()`` and its best wall and CPU time (this process) over ``runs`` runs."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        value = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return value, min(walls), min(cpus)


def write_cdf_json(path: Path, rankings: npt.NDArray[np.int16], names: Sequence[str]) -> None:
    """The ballots as a NIST SP 1500-103 cast-vote-record report (one contest, no precincts).

    Compact JSON, a record per line, each with its own snapshot id as exported reports have;
    about 430 bytes a ballot.
    """
    election = {
        "@id": "election",
        "Candidate": [{"@id": f"cand{i}", "Name": n} for i, n in enumerate(names)],
        "Contest": [
            {
                "@id": "contest",
                "Name": "Mayor",
                "ContestSelection": [
                    {"@id": f"sel{i}", "CandidateIds": [f"cand{i}"]} for i in range(len(names))
                ],
            }
        ],
    }
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"Election":[' + json.dumps(election, separators=(",", ":")) + '],"CVR":[\n')
        for number, row in enumerate(rankings.tolist()):
            selections = ",".join(
                f'{{"ContestSelectionId":"sel{c}","SelectionPosition":'
                f'[{{"HasIndication":"yes","NumberVotes":1,"Rank":{rank}}}]}}'
                for rank, c in enumerate(row, start=1)
                if c >= 0
            )
            handle.write(
                ("," if number else "")
                + f'{{"CurrentSnapshotId":"b{number}","CVRSnapshot":[{{"@id":"b{number}",'
                + f'"CVRContest":[{{"ContestId":"contest","CVRContestSelection":[{selections}]}}]'
                + "}]}\n"
            )
        handle.write("]}\n")


def tallies(report: dict[str, Any]) -> tuple[str, list[dict[str, int]]]:
    rounds = [
        {name: int(votes) for name, votes in r["tally"].items() if int(votes)}
        for r in report["rounds"]
    ]
    return report["winners"][0], rounds


def ratio(base: float, ours: float) -> str:
    return f"{base / ours:.1f}x" if ours > 0 else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--cdf-ballots",
        type=int,
        default=None,
        help="ballots in the CDF JSON file (default: --ballots; 0 skips it)",
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness added to the children's (-20: highest)"
    )
    args = parser.parse_args()
    CHILD_NICE[0] = args.nice
    print(
        f"calibration: sum(range(1000)) takes {calibrate():.1f} us; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        + (f"; children at niceness {args.nice:+d}" if args.nice else "")
    )
    print(compile_tallyroom())
    python = sys.executable
    rankings = generate_rankings(args.ballots, len(NAMES), 5, seed=20240501)
    with tempfile.TemporaryDirectory() as tmp:
        CHILD_ENV.update(os.environ, PYTHONPYCACHEPREFIX=str(Path(tmp) / "bytecode"))
        CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        path = Path(tmp) / "ballots.csv"
        write_ballots_csv(path, rankings, NAMES)
        size = path.stat().st_size / 1e6

        start = best_child(tallyroom("rcv", "--help"), args.runs)
        print(
            f"start-up (rcv --help): {start.wall:.3f} s wall, {start.cpu:.3f} s CPU, "
            f"{start.peak:.0f} MB"
        )
        ours = best_child(tallyroom("rcv", str(path), "--json", *RULES), args.runs)
        print(
            f"tallyroom end to end, {args.ballots:,} ballots ({size:.0f} MB CSV): "
            f"{ours.wall:.3f} s wall, {ours.cpu:.3f} s CPU, peak memory {ours.peak:.0f} MB "
            "(goal 300 MB)"
        )
        run_child([python, "-c", "import csv, json, pyrankvote"])  # its bytecode cached too
        base = run_child([python, "-c", PYRANKVOTE, str(path)])
        winner, rounds = tallies(json.loads(ours.output))
        theirs = json.loads(base.output)
        same_rounds = rounds == theirs["rounds"][: len(rounds)]
        print(
            f"pyrankvote end to end on the same file: {base.wall:.2f} s wall, {base.cpu:.2f} s "
            f"CPU; same winner: {winner == theirs['winner']}; same round tallies: {same_rounds}"
        )
        print(
            f"ratio vs pyrankvote: {ratio(base.wall, ours.wall)} wall, "
            f"{ratio(base.cpu, ours.cpu)} CPU (goal 20x)"
        )

        wanted = args.ballots if args.cdf_ballots is None else args.cdf_ballots
        cdf_count = min(wanted, args.ballots)
        if cdf_count:
            cdf = Path(tmp) / "ballots_cdf.json"
            write_cdf_json(cdf, rankings[:cdf_count], NAMES)
            as_csv = ours
            if cdf_count < args.ballots:
                same = Path(tmp) / "same.csv"
                write_ballots_csv(same, rankings[:cdf_count], NAMES)
                as_csv = best_child(tallyroom("rcv", str(same), "--json", *RULES), args.runs)
            as_cdf = best_child(tallyroom("rcv", str(cdf), "--json", *RULES), min(args.runs, 2))
            agree = tallies(json.loads(as_cdf.output)) == tallies(json.loads(as_csv.output))
            print(
                f"CDF JSON end to end, {cdf_count:,} ballots ({cdf.stat().st_size / 1e6:.0f} MB): "
                f"{as_cdf.wall:.2f} s wall, {as_cdf.cpu:.2f} s CPU, peak memory "
                f"{as_cdf.peak:.0f} MB; the same ballots as CSV: {as_csv.wall:.2f} s wall, "
                f"{as_csv.cpu:.2f} s CPU; CDF takes {ratio(as_cdf.wall, as_csv.wall)} the CSV "
                f"wall time, {ratio(as_cdf.cpu, as_csv.cpu)} its CPU time (goal 2x); same "
                f"count: {agree}"
            )
            cdf.unlink()

        ballots, load, load_cpu = timed(lambda: read_ballots(path), args.runs)
    options = RcvOptions(
        max_rankings=5, max_skipped_ranks=None, tiebreak="previous-round-then-random", seed=1
    )
    result, count, count_cpu = timed(lambda: tabulate(ballots, options), max(args.runs, 5))
    print(
        f"in process: load CSV {load:.3f} s wall, {load_cpu:.3f} s CPU; count {count:.3f} s "
        f"wall, {count_cpu:.3f} s CPU ({len(ballots.rankings):,} distinct rankings, "
        f"{len(result.rounds)} rounds, winner {result.winners[0]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
