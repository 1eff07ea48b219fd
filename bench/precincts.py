"""Benchmark: a statewide precinct file of a million rows, read and imported.

The file is generated (seeded, so every run reads the same bytes) in the OpenElections layout of
the state repositories (https://github.com/openelections): ``county, precinct, office, district,
party, candidate, votes`` and four vote-type columns. Its shape follows a large state's general
election file: 15,000 precincts in 20 counties at a million rows, each precinct with its
``Registered Voters`` and ``Ballots Cast`` rows, federal, state and county offices with several
candidates plus ``Over Votes`` and ``Under Votes`` rows, and for the precincts of a city
(``"City of Avon, Precinct 12"``) that city's mayor and council races. A few vote cells are ``x``
(a redacted count), as real files have.

Measured at each size, in the same run: pyarrow's CSV reader reading the file (the yardstick),
``tallyroom``'s reader reading it (``load_path``: read from disk, figures checked), and with
``--import`` ``tallyroom import FILE`` into an empty SQLite database, made before it untimed (read,
decide, check, store).
Each step runs in a fresh interpreter (its imports untimed) and prints CPU and wall seconds, rows
per second, its peak resident memory, the ratio to pyarrow's read, and how its CPU time grew per
10x rows.

    .venv/bin/python bench/precincts.py [--rows 100000,1000000] [--import] [--profile N]
    .venv/bin/python bench/precincts.py --split 100000   # CPU of each part of an import
    .venv/bin/python bench/precincts.py --write FILE --rows 1000000   # only write the file
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from machine import calibrate, compile_tallyroom

HEADER = (
    "county,precinct,office,district,party,candidate,votes,"
    "election_day,early_voting,absentee,provisional"
)
COUNTIES = 20
CITIES_PER_COUNTY = 3
SEED = 2026
_FIRST = [
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Elizabeth",
    "David",
    "Barbara",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Charles",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
]
_LAST = [
    "Garcia",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
]
_PARTIES = ("DEM", "REP", "LIB", "GRN")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


_CITY_NAMES = [
    "Avon",
    "Bexley",
    "Cedar",
    "Dover",
    "Elgin",
    "Fulton",
    "Granby",
    "Hudson",
    "Irving",
    "Jasper",
    "Kent",
    "Lorain",
    "Marion",
    "Newark",
    "Oxford",
    "Perry",
    "Quincy",
    "Salem",
    "Troy",
    "Union",
    "Vernon",
    "Warren",
    "York",
    "Aurora",
    "Bristol",
    "Clinton",
    "Dayton",
    "Easton",
    "Franklin",
    "Goshen",
    "Hamilton",
    "Ithaca",
    "Jackson",
    "Keene",
    "Lebanon",
    "Milton",
    "Norwood",
    "Orange",
    "Paris",
    "Riverton",
    "Shelby",
    "Tipton",
    "Utica",
    "Vienna",
    "Wayne",
    "Xenia",
    "Yale",
    "Zion",
    "Albany",
    "Berea",
    "Camden",
    "Delhi",
    "Eden",
    "Flora",
    "Girard",
    "Hope",
    "Ione",
    "Joliet",
    "Kenton",
    "Lima",
]
Contest = tuple[str, str, list[tuple[str, str]]]


def _contests(rng: random.Random) -> tuple[list[Contest], list[list[Contest]], list[list[Contest]]]:
    """(office, district, candidates): statewide, per county and per city."""

    def field(parties: tuple[str, ...]) -> list[tuple[str, str]]:
        names: dict[str, None] = {}
        while len(names) < len(parties):
            names[_name(rng)] = None
        return list(zip(parties, names, strict=True))

    state = [
        ("President", "", field(_PARTIES)),
        ("U.S. Senate", "", field(_PARTIES[:3])),
        ("Railroad Commissioner", "", field(_PARTIES[:3])),
        ("Justice, Supreme Court, Place 6", "", field(_PARTIES[:2])),
        ("Proposition 1", "", [("", "For"), ("", "Against")]),
    ]
    county = [
        [
            ("U.S. House", str(n // 2 + 1), field(_PARTIES[:3])),  # two counties a district
            ("State Senate", str(n + 1), field(_PARTIES[:2])),
            ("State Representative", str(n // 2 + 1), field(_PARTIES[:3])),
            ("Sheriff", f"County {n + 1:02d}", field(_PARTIES[:2])),
            ("County Clerk", f"County {n + 1:02d}", field(("REP",))),
            ("County Commissioner", f"County {n + 1:02d}", field(_PARTIES[:2])),
            ("Justice of the Peace", f"County {n + 1:02d}", field(("DEM",))),
            ("Constable", f"County {n + 1:02d}", field(("REP",))),
        ]
        for n in range(COUNTIES)
    ]
    cities = [
        [("Mayor", "", field(("",) * 4)), ("City Council At Large", "", field(("",) * 5))]
        for _ in range(COUNTIES * CITIES_PER_COUNTY)
    ]
    return state, county, cities


def _cell(text: str) -> str:
    return f'"{text}"' if "," in text else text


def precinct_rows(rows: int, seed: int = SEED) -> Iterator[str]:
    """About ``rows`` CSV lines (after the header) of a generated statewide file: 15,000
    precincts for a million rows."""
    rng = random.Random(seed)
    state, counties, cities = _contests(rng)
    precincts = max(COUNTIES, rows // 67)  # a precinct gives 67 rows on average
    yield HEADER
    for number in range(precincts):
        county_no = number % COUNTIES
        county = f"County {county_no + 1:02d}"
        city_no = number // COUNTIES % (CITIES_PER_COUNTY + 1)  # one precinct in 4 is rural
        in_city = city_no < CITIES_PER_COUNTY
        label = f"{number // COUNTIES + 1:04d}"
        city_index = county_no * CITIES_PER_COUNTY + city_no
        precinct = (
            _cell(f"City of {_CITY_NAMES[city_index]}, Precinct {label}") if in_city else label
        )
        registered = rng.randint(400, 4000)
        ballots = registered * rng.randint(45, 75) // 100
        where = f"{county},{precinct}"
        yield f"{where},Registered Voters,,,,{registered},,,,"
        yield f"{where},Ballots Cast,,,,{ballots},{_split(rng, ballots)}"
        offices = [*state, *counties[county_no], *(cities[city_index] if in_city else ())]
        for office, district, field in offices:
            head = f"{where},{_cell(office)},{district}"
            left = ballots
            for party, candidate in field:
                votes = rng.randint(0, max(1, left // 2))
                left -= votes
                cells = _split(rng, votes)
                if rng.random() < 0.0002:
                    cells = "x,x,x,x"  # a redacted count
                yield f"{head},{party},{candidate},{votes},{cells}"
            over = rng.randint(0, 3)
            yield f"{head},,Over Votes,{over},{_split(rng, over)}"
            yield f"{head},,Under Votes,{left},{_split(rng, left)}"
            if office == "City Council At Large":
                yield f"{head},,Write-ins,{rng.randint(0, 9)},,,,"


def _split(rng: random.Random, votes: int) -> str:
    """``votes`` split into election-day, early, absentee and provisional cells."""
    day = votes * rng.randint(20, 50) // 100
    early = (votes - day) * rng.randint(50, 90) // 100
    absentee = (votes - day - early) * rng.randint(70, 100) // 100
    return f"{day},{early},{absentee},{votes - day - early - absentee}"


def write_file(path: Path, rows: int) -> int:
    """Write the generated file; the number of data rows it has."""
    count = -1
    with path.open("w", encoding="utf-8", newline="") as out:
        for line in precinct_rows(rows):
            out.write(line + "\n")
            count += 1
    return count


def _rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def timed(work: Callable[[], object]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    work()
    return time.process_time() - cpu, time.perf_counter() - start


def pyarrow_read(path: Path) -> None:
    """The yardstick: pyarrow's CSV reader, every column as text, in blocks, one thread."""
    import pyarrow as pa
    import pyarrow.csv as pv

    names = HEADER.split(",")
    convert = pv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    reader = pv.open_csv(
        path,
        read_options=pv.ReadOptions(use_threads=False, block_size=4 << 20),
        convert_options=convert,
    )
    for _ in reader:
        pass


def _child(what: str, path: Path) -> tuple[float, float, float, float]:
    """Run step ``what`` on ``path`` in a fresh interpreter, so one step's memory does not hide
    another's: its CPU and wall seconds, the resident memory before it (after its imports) and
    the peak."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import precincts; precincts.step()",
            str(Path(__file__).parent),
            what,
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    cpu, wall, before, peak = (float(v) for v in done.stdout.splitlines()[-1].split())
    return cpu, wall, before, peak


def step() -> None:
    """In the child: import what step ``argv[2]`` needs (untimed), run it on ``argv[3]``, print
    CPU, wall, memory before and peak memory on the last line."""
    what, path = sys.argv[2], Path(sys.argv[3])
    if what == "pyarrow":
        import pyarrow.csv  # noqa: F401
    else:
        import tallyroom.cli
        import tallyroom.formats.openelections  # noqa: F401
    if what == "import":  # the database is made first: it is there before a file is imported
        from tallyroom.store import Store

        _database(path).unlink(missing_ok=True)
        Store.open(_database(path)).close()
    before = _rss_mb()
    cpu, wall = timed(lambda: STEPS[what](path))
    print(cpu, wall, before, _rss_mb())


def _read(path: Path) -> None:
    from tallyroom.formats import load_path

    load_path(path)


STEPS: dict[str, Callable[[Path], None]] = {"pyarrow": pyarrow_read, "read": _read}


def _database(path: Path) -> Path:
    return path.with_suffix(".db")


def _import(path: Path) -> None:
    """``tallyroom import FILE`` into an empty SQLite database beside the file (made before,
    untimed: making one runs every migration, 0.8 CPU-s, which is not the file's import)."""
    from tallyroom.cli import main

    db = _database(path)
    try:
        main.main(["import", "--db", str(db), str(path)], standalone_mode=False)
    finally:
        db.unlink(missing_ok=True)


STEPS["import"] = _import


def split(rows: int) -> None:
    """CPU seconds (best of 3, the cyclic collector paused as in an import) of the parts of an
    import that grow with the rows: reading, fingerprints, the storable check, the version
    rows. Writing them to SQLite is measured by ``--import`` (and bench/store.py)."""
    from tallyroom.formats import load_text, read_bytes
    from tallyroom.limits import check_storable, collector_paused
    from tallyroom.store.codec import fingerprint
    from tallyroom.store.rows import election_rows

    def best(work: Callable[[], object]) -> float:
        return min(timed(work)[0] for _ in range(3))

    with tempfile.TemporaryDirectory() as scratch, collector_paused():
        path = Path(scratch) / "20241105__tx__general__precinct.csv"
        count = write_file(path, rows)
        text = read_bytes(path)
        elections = load_text(text, str(path)).elections
        cells = sum(len(s.unit_results) for e in elections for s in e.stages)
        print(f"{count:,} rows: {len(elections)} elections, {cells:,} unit figures")

        def check_all() -> None:
            for election in elections:
                check_storable(election, str(path))

        parts: list[tuple[str, Callable[[], object]]] = [
            ("read (load_text)", lambda: load_text(text, str(path))),
            ("fingerprint", lambda: [fingerprint(e) for e in elections]),
            ("check_storable", check_all),
            ("election_rows", lambda: [election_rows(e) for e in elections]),
        ]
        for label, work in parts:
            print(f"  {label:<18} {best(work):6.3f} s cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--import", dest="run_import", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="profile reading N rows")
    parser.add_argument("--split", type=int, default=0, help="time each part for N rows")
    parser.add_argument("--write", type=Path, help="only write the file of --rows rows here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    if args.write is not None:
        print(f"{write_file(args.write, sizes[0]):,} rows written to {args.write.name}")
        return
    if args.split:
        split(args.split)
        return
    if args.profile:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "20241105__tx__general__precinct.csv"
            write_file(path, args.profile)
            profile = cProfile.Profile()
            profile.runcall(_read, path)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue())
        return
    print(f"machine: sum(range(1000)) takes {calibrate():.1f} us of CPU; {os.cpu_count()} cores")
    print(compile_tallyroom())
    previous: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            path = Path(scratch) / f"20241105__tx__general__{size}__precinct.csv"
            rows = write_file(path, size)
            megabytes = path.stat().st_size / 1e6
            print(f"{rows:,} rows, {megabytes:.1f} MB")
            yardstick = _child("pyarrow", path)
            steps = [("pyarrow read", yardstick), ("read (load_path)", _child("read", path))]
            if args.run_import:
                steps.append(("tallyroom import (SQLite)", _child("import", path)))
            for label, (cpu, wall, before, rss) in steps:
                line = (
                    f"  {label:<26} {cpu:7.2f} s cpu {wall:7.2f} s wall "
                    f"{rows / max(wall, 1e-9):>10,.0f} rows/s {rss:6.0f} MB peak"
                    f" ({before:.0f} before)"
                    f"  x{cpu / yardstick[0]:5.1f} cpu, x{wall / yardstick[1]:5.1f} wall of pyarrow"
                )
                if label in previous:
                    before_rows, before_cpu = previous[label]
                    growth = rows / before_rows
                    per_10x = (cpu / before_cpu) ** (1 / max(1e-9, math.log10(growth)))
                    line += f"  ({per_10x:.1f}x per 10x rows)"
                previous[label] = (rows, cpu)
                print(line)


if __name__ == "__main__":
    main()
