"""Benchmark: the interchange readers and writers at 1x, 10x and 100x the size of a real file.

OpenElections CSV: the Texas excerpt of tests/data (split precincts, vote types, summary rows)
with its precincts repeated under new names, read with ``read_openelections``, written back and
checked with ``check_rollup``, beside a baseline run in the same process (Python's csv module
reading the same text). ``bench/precincts.py`` reads a generated file of a million rows.

NIST ERR JSON: the Cambridge report of tests/data cut to its first four precincts, then those
precincts repeated under new ids (the multi-MB feeds), read as ``import`` reads them
(``load_text``) and converted as ``tallyroom convert`` converts them (read, then write as NIST
JSON and as OpenElections CSV).

Prints CPU seconds (one core) and wall time for each size, and the ratio of each step to the
step 10x smaller: linear code stays near 10x; the goal is <= 12x per 10x.

    .venv/bin/python bench/formats_scale.py [--sizes 1,10,100] [--skip-nist]
"""

from __future__ import annotations

import argparse
import copy
import csv
import gc
import io
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from machine import calibrate

from tallyroom.formats import load_text, write_text
from tallyroom.formats.openelections import read_openelections, write_openelections
from tallyroom.formats.rollup import check_rollup

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TX = next((DATA / "openelections" / "states" / "tx").glob("*.csv"))
CAMBRIDGE = DATA / "nist-err" / "err-2022-11-08-Massachusetts-Cambridge.json"
GOAL = 12.0


def openelections_text(copies: int) -> str:
    """The Texas excerpt with every precinct repeated ``copies`` times under new names."""
    rows = list(csv.reader(io.StringIO(TX.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    at = [h.lower() for h in header].index("precinct")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for copy_number in range(copies):
        for row in body:
            changed = list(row)
            changed[at] = f"{row[at]}-{copy_number}"
            writer.writerow(changed)
    return out.getvalue()


def nist_text(copies: int, keep: int = 4) -> str:
    """The Cambridge report cut to ``keep`` precincts, each repeated ``copies`` times."""
    report: dict[str, Any] = json.loads(CAMBRIDGE.read_text(encoding="utf-8"))
    precincts = [u["@id"] for u in report["GpUnit"] if u.get("Type") == "precinct"][:keep]
    kept = set(precincts)
    all_precincts = {u["@id"] for u in report["GpUnit"] if u.get("Type") == "precinct"}
    new_ids = {p: [p if n == 0 else f"{p}-x{n}" for n in range(copies)] for p in precincts}
    units = []
    for unit in report["GpUnit"]:
        if unit["@id"] in all_precincts - kept:
            continue
        if unit["@id"] in kept:
            for n, new in enumerate(new_ids[unit["@id"]]):
                twin = copy.deepcopy(unit)
                twin["@id"] = new
                if n:
                    twin.pop("ExternalIdentifier", None)
                units.append(twin)
            continue
        if "ComposingGpUnitIds" in unit:
            unit["ComposingGpUnitIds"] = [
                new
                for c in unit["ComposingGpUnitIds"]
                if c not in all_precincts - kept
                for new in new_ids.get(c, [c])
            ]
        units.append(unit)
    report["GpUnit"] = units

    def grow(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        grown = []
        for count in counts:
            unit = count.get("GpUnitId")
            if unit in all_precincts - kept:
                continue
            for new in new_ids.get(unit, [unit]):
                twin = dict(count)
                twin["GpUnitId"] = new
                grown.append(twin)
        return grown

    for election in report["Election"]:
        if "BallotCounts" in election:
            election["BallotCounts"] = grow(election["BallotCounts"])
        for contest in election.get("Contest", []):
            for selection in contest.get("ContestSelection", []):
                if "VoteCounts" in selection:
                    selection["VoteCounts"] = grow(selection["VoteCounts"])
            if "OtherCounts" in contest:
                contest["OtherCounts"] = grow(contest["OtherCounts"])
    return json.dumps(report, indent=1)


def timed(work: Callable[..., object]) -> tuple[float, float]:
    """CPU and wall seconds of ``work``. What the benchmark holds already (the texts and elections
    of every size) is set apart from the cycle collector first, so that a step pays for
    collecting its own objects only, as it would in a process of its own."""
    gc.collect()
    gc.freeze()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        work()
        return time.process_time() - cpu, time.perf_counter() - start
    finally:
        gc.unfreeze()


def report(
    label: str, sizes: list[int], texts: dict[int, str], step: Callable[[int, str], object]
) -> None:
    """Time ``step`` at each size; print CPU and wall time and the ratio to the size before."""
    previous: tuple[int, float] | None = None
    for size in sizes:
        text = texts[size]
        cpu, wall = timed(lambda size=size, text=text: step(size, text))
        per_mb = cpu / (len(text.encode()) / 1e6)
        line = (
            f"{label:<32} {size:>4}x {len(text) / 1e6:7.2f} MB {cpu:8.3f} s cpu "
            f"{wall:8.3f} s wall {per_mb:7.2f} cpu-s/MB"
        )
        if previous is not None:
            growth = size / previous[0]
            ratio = cpu / max(previous[1], 1e-6)
            per_10x = ratio ** (1 / max(1e-9, math.log10(growth)))
            verdict = "ok" if per_10x <= GOAL else "ABOVE GOAL"
            line += f"  {ratio:6.1f}x for {growth:g}x size ({per_10x:.1f}x per 10x, {verdict})"
        print(line)
        previous = (size, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--skip-nist", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: sum(range(1000)) takes {calibrate():.1f} us of CPU")
    oe = {size: openelections_text(10 * size) for size in sizes}
    print(
        f"OpenElections CSV: {TX.name} x{10 * sizes[0]}"
        f" = {oe[sizes[0]].count(chr(10)):,} rows at 1x"
    )
    report("baseline: csv module reads", sizes, oe, lambda _, t: list(csv.reader(io.StringIO(t))))
    report("read_openelections", sizes, oe, lambda _, t: read_openelections(t, "s.csv"))
    read = {size: read_openelections(oe[size], "s.csv").elections for size in sizes}
    report("write_openelections", sizes, oe, lambda size, _: write_openelections(read[size]))
    report(
        "roll-up: check_rollup",
        sizes,
        oe,
        lambda size, _: [check_rollup(s) for e in read[size] for s in e.stages],
    )
    if args.skip_nist:
        return
    nist = {size: nist_text(10 * size) for size in sizes}
    print(f"NIST ERR JSON: {CAMBRIDGE.name}, 4 precincts, repeated")
    report("baseline: json.loads", sizes, nist, lambda _, t: json.loads(t))
    report("import read (load_text)", sizes, nist, lambda _, t: load_text(t, "n.json"))
    report(
        "convert to nist-json",
        sizes,
        nist,
        lambda _, t: write_text(load_text(t, "n.json").elections, "nist-json"),
    )
    report(
        "convert to openelections-csv",
        sizes,
        nist,
        lambda _, t: write_text(load_text(t, "n.json").elections, "openelections-csv"),
    )


if __name__ == "__main__":
    main()
