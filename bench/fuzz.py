"""Benchmark: mutated real files through every reader; counts of each outcome.

Run: ``python bench/fuzz.py [--inputs N] [--reader NAME ...] [--seed S]``. For each reader of
``tests/test_fuzz_readers.py`` (articles, wikitext, OpenElections CSV, NIST JSON and XML, native
TOML, the ballot formats) it reads N mutated copies of its fixture (10,000 by default) and
prints how many read, how many gave a documented error (a ``TallyroomError``: one line, exit 2
on the command line), how many raised anything else (a traceback: a bug), how many ran over
10 s (a hang), the slowest input, and the process's peak memory (RSS high-water mark). The
first traceback of each reader is printed with its seed, to reproduce it. Address space is
capped at 4 GiB so a runaway allocation shows as a ``MemoryError`` traceback.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import FrameType

from machine import calibrate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_fuzz_readers import TARGETS, Target, mutate, read_mutated

HANG_SECONDS = 10


class Hang(Exception):
    """An input took longer than :data:`HANG_SECONDS`."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(target: Target, inputs: int, seed: int, folder: Path) -> None:
    counts = {"ok": 0, "error": 0, "traceback": 0, "hang": 0}
    slowest = 0.0
    first_bug: str | None = None
    original = target.seed()
    started = time.perf_counter()
    for number in range(inputs):
        case_seed = seed * 1_000_003 + number
        data = mutate(original, random.Random(case_seed))
        signal.alarm(HANG_SECONDS)
        began = time.perf_counter()
        try:
            counts[read_mutated(target, data, folder)] += 1
        except Hang:
            counts["hang"] += 1
        except Exception:  # a bug: counted, the first one shown
            counts["traceback"] += 1
            if first_bug is None:
                first_bug = f"seed {case_seed}:\n{traceback.format_exc(limit=-3)}"
        finally:
            signal.alarm(0)
        slowest = max(slowest, time.perf_counter() - began)
    wall = time.perf_counter() - started
    print(
        f"{target.name:<26} {inputs:>6} inputs  ok {counts['ok']:>6}  "
        f"documented errors {counts['error']:>6}  tracebacks {counts['traceback']:>4}  "
        f"hangs>{HANG_SECONDS}s {counts['hang']:>3}  slowest {slowest:6.2f} s  "
        f"total {wall:7.1f} s  peak {peak_mb():7.1f} MB",
        flush=True,
    )
    if first_bug:
        print(f"  first traceback, {first_bug}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000, help="mutated inputs per reader")
    parser.add_argument("--reader", action="append", help="only this reader (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cap = 4 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    signal.signal(signal.SIGALRM, _alarm)
    print(
        f"calibration: sum(range(1000)) {calibrate():.1f} µs; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    chosen = [t for t in TARGETS if not args.reader or t.name in args.reader]
    with tempfile.TemporaryDirectory() as folder:
        for target in chosen:
            run(target, args.inputs, args.seed, Path(folder))


if __name__ == "__main__":
    main()
