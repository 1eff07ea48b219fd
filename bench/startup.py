"""Benchmark: how long the command line takes to start (the goal: at most 150 ms).

Times, in fresh processes, ``python -c pass`` (the interpreter alone, the floor), ``tallyroom
--help`` and ``tallyroom parse`` of one sample article, each run several times after one
warm-up run; prints the median wall and CPU milliseconds (user + system, of the child) and each
command's ratio to the bare interpreter; then ``tallyroom rcv --help`` (judged by the same
goal: the ranked-choice command's help needs no numpy) and a count of the small shipped
ranked-choice sample (shown: the start-up of a count). The goal is judged on the median CPU
time: on a shared machine the wall time measures the neighbours as much as the command. The
calibration line (CPU time of a fixed pure-Python loop) tells how fast the machine was during
the run.

    .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import calibrate, compile_tallyroom

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "tallyroom/data/samples/2004-portland.txt"
#: A small ranked-choice count: the command, numpy and the tabulation, with little reading.
RCV_SAMPLE = "tallyroom/data/rcv/sample_mayor.csv"
GOAL_MS = 150.0
#: Commands judged against the goal (a count also imports numpy and counts: shown, not judged).
JUDGED = ("tallyroom --help", "tallyroom parse", "tallyroom rcv --help")


def _tallyroom() -> list[str]:
    """The installed ``tallyroom`` script beside this interpreter, else ``python -m tallyroom``."""
    script = Path(sys.executable).with_name("tallyroom")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tallyroom"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``command`` over ``runs`` runs, after one warm-up."""
    walls: list[float] = []
    cpus: list[float] = []
    for index in range(runs + 1):
        start, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        if index:
            walls.append((time.perf_counter() - start) * 1e3)
            cpus.append((_children_cpu() - cpu) * 1e3)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tallyroom = _tallyroom()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tallyroom --help": [*tallyroom, "--help"],
        f"tallyroom parse {Path(SAMPLE).name}": [*tallyroom, "parse", SAMPLE],
        "tallyroom rcv --help": [*tallyroom, "rcv", "--help"],
        f"tallyroom rcv {Path(RCV_SAMPLE).name} --json": [*tallyroom, "rcv", RCV_SAMPLE, "--json"],
    }
    print(f"machine: sum(range(1000)) takes {calibrate():.1f} us of CPU")
    print(compile_tallyroom())
    print(f"median of {args.runs} runs each")
    floor_wall = floor_cpu = 0.0
    results: dict[str, float] = {}
    for label, command in commands.items():
        wall, cpu = measure(command, args.runs)
        if not floor_wall:
            floor_wall, floor_cpu = wall, cpu
        results[label] = cpu
        print(
            f"{label:<36} {wall:7.1f} ms wall  {cpu:7.1f} ms cpu"
            f"  {wall / floor_wall:5.1f}x / {cpu / max(floor_cpu, 1e-9):5.1f}x python -c pass"
        )
    print(f"machine: sum(range(1000)) takes {calibrate():.1f} us of CPU")
    for label, cpu in list(results.items())[1:]:
        if not label.startswith(JUDGED):
            continue
        verdict = "met" if cpu <= GOAL_MS else "NOT met"
        print(f"goal {label} <= {GOAL_MS:.0f} ms cpu: {verdict} ({cpu:.0f} ms)")


if __name__ == "__main__":
    main()
