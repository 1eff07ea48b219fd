"""Benchmark of election night: clerks entering returns while the public polls the live page.

    python bench/election_night.py [--precincts 150] [--readers 200] [--seconds 60]
                                   [--workers 4] [--pg URL]

Declares an election of ``--precincts`` precincts on PostgreSQL (a fresh schema, dropped
afterwards), starts ``tallyroom serve --workers N`` as a separate process, and then, from this
process over loopback:

- two clerks sign in and enter every precinct by the web form (GET the form, POST it), paced
  over the run; their precincts overlap by a third, so both edit some precincts: a refused
  edit (409, the precinct changed meanwhile) is entered again from a fresh form;
- ``--readers`` simulated readers poll the live page's JSON twin about once a second with
  ``If-None-Match`` (answered 304 while nothing changed), and now and then load the HTML page.

Reported: readers' and clerks' p50/p99 latency, errors (a 5xx, a refused connection, an
unexpected status), lost updates (two accepted edits of one precinct made from the same
revision, or a precinct whose stored returns are not its last accepted edit), and the same
readers' figures in a baseline run of ``--baseline`` seconds with no one writing. Goal: 0 errors,
0 lost updates, readers' p99 <= 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import calibrate, compile_tallyroom  # noqa: E402

PASSWORD = "election night benchmark"
CANDIDATES = ("Ann Lee", "Bo Park", "Cy Diaz")
REGISTERED = 2000
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')


def declaration_toml(precincts: int) -> str:
    units = "".join(
        f'\n[[units]]\nid = "P{n}"\nname = "Precinct {n}"\nparent = "W{(n - 1) // 10 + 1}"\n'
        f"registered_voters = {REGISTERED}\n"
        for n in range(1, precincts + 1)
    )
    wards = "".join(
        f'\n[[units]]\nid = "W{w}"\nname = "Ward {w}"\nkind = "ward"\n'
        for w in range(1, (precincts - 1) // 10 + 2)
    )
    return (
        'city = "Benchton"\nstate = "Oregon"\noffice = "Mayor"\nrules = "plurality"\n\n'
        '[[stages]]\nkind = "general"\ndate = 2026-11-03\n'
        f"candidates = {list(CANDIDATES)!r}\n".replace("'", '"')
        + wards
        + units
    )


def setup(url: str, precincts: int) -> str:
    from tallyroom.night import accounts
    from tallyroom.night.declare import declare, read_declaration
    from tallyroom.store import Store

    with Store.open(url) as store:
        key = declare(store, read_declaration(declaration_toml(precincts), "bench"), actor="bench")
        for name in ("clerk1", "clerk2"):
            accounts.add_user(store, name, "clerk", PASSWORD, actor="bench")
            accounts.assign(store, name, key, actor="bench")
    return key


def schema_url(server: str) -> tuple[str, str]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(server)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in server else "?"
    return f"{server}{sep}options=-csearch_path%3D{schema}", schema


def drop_schema(server: str, schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(server)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tallyroom",
            "serve",
            "--db",
            url,
            "--port",
            "0",
            "--workers",
            str(workers),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"(http://\S+/)", line)
    if found is None:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, found.group(1)


@dataclass
class Figures:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, began: float, status: int | None) -> None:
        self.latencies.append((time.perf_counter() - began) * 1000)
        if status is None or status >= 500:
            self.errors += 1
        if status is not None:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def line(self, name: str) -> str:
        ordered = sorted(self.latencies) or [float("nan")]
        p50 = ordered[len(ordered) // 2]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        return (
            f"  {name:<30} {len(self.latencies):7d} requests  p50 {p50:7.1f} ms  "
            f"p99 {p99:7.1f} ms  errors {self.errors}  ({statuses})"
        )

    def p99(self) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def readers(
    base: str,
    key: str,
    count: int,
    seconds: float,
    figures: Figures,
    writing: asyncio.Event | None = None,
) -> None:
    """``count`` readers polling for ``seconds``, and on while ``writing`` is set."""
    import aiohttp

    live = f"{base}live/{quote(key, safe='')}"
    stop = time.perf_counter() + seconds

    async def reader(session: aiohttp.ClientSession, rng: random.Random) -> None:
        etag: str | None = None
        await asyncio.sleep(rng.random())
        while time.perf_counter() < stop or (writing is not None and writing.is_set()):
            html = rng.random() < 0.05
            headers = {"If-None-Match": etag} if etag and not html else {}
            began = time.perf_counter()
            try:
                async with session.get(live if html else live + ".json", headers=headers) as got:
                    await got.read()
                    status = got.status
                    if not html and status == 200:
                        etag = got.headers.get("ETag")
            except (aiohttp.ClientError, TimeoutError):
                figures.add(began, None)
            else:
                figures.add(began, status)
                if status not in (200, 304):
                    figures.errors += 1
            await asyncio.sleep(0.8 + 0.4 * rng.random())

    connector = aiohttp.TCPConnector(limit=count)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        await asyncio.gather(*(reader(session, random.Random(n)) for n in range(count)))


@dataclass
class Accepted:
    unit: str
    expected: int
    votes: dict[str, int]
    clerk: str
    at: float


def _cookie(headers: Any, name: str) -> str:
    for header in headers.getall("Set-Cookie", []):
        pair = header.split(";")[0]
        if pair.startswith(name + "="):
            return str(pair)
    return ""


async def clerk(
    base: str,
    key: str,
    name: str,
    units: list[str],
    seconds: float,
    figures: Figures,
    accepted: list[Accepted],
    conflicts: list[str],
) -> None:
    import aiohttp

    rng = random.Random(name)
    async with aiohttp.ClientSession(
        base_url=base, cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(60)
    ) as session:
        # The cookies are Secure (__Host-): a browser sends them to localhost, this client
        # only over HTTPS, so they are sent here by hand.
        async with session.get("night/sign-in") as form:
            pre = _cookie(form.headers, "__Host-tallyroom-signin")
            csrf = TOKEN.findall(await form.text())[0]
        async with session.post(
            "night/sign-in",
            data={"name": name, "password": PASSWORD, "csrf": csrf},
            headers={"Cookie": pre},
            allow_redirects=False,
        ) as signed:
            cookie = _cookie(signed.headers, "__Host-tallyroom")
            if not cookie:
                raise SystemExit(f"{name} could not sign in: {signed.status}")
        headers = {"Cookie": cookie}
        address = f"night/e/{quote(key, safe='')}/0/"
        pace = seconds / max(1, len(units))
        start = time.perf_counter()
        for number, unit in enumerate(units):
            # Precinct ``number`` is due ``number * pace`` seconds in (at once when behind).
            await asyncio.sleep(max(0.0, start + number * pace - time.perf_counter()))
            while True:
                began = time.perf_counter()
                async with session.get(address + unit, headers=headers) as page:
                    text = await page.text()
                    figures.add(began, page.status)
                revision = int(REVISION.findall(text)[0])
                votes = {c: rng.randrange(100, 600) for c in CANDIDATES}
                data = {"csrf": TOKEN.findall(text)[0], "revision": str(revision)}
                data.update({f"v{n}": str(v) for n, v in enumerate(votes.values())})
                await asyncio.sleep(rng.random() * min(pace, 1.0))  # typing
                began = time.perf_counter()
                async with session.post(address + unit, data=data, headers=headers) as response:
                    await response.read()
                    status = response.status
                figures.add(began, status)
                if status == 200:
                    accepted.append(Accepted(unit, revision, votes, name, time.perf_counter()))
                    break
                if status == 409:
                    conflicts.append(unit)
                    continue
                figures.errors += 1
                break


def lost_updates(url: str, key: str, accepted: list[Accepted]) -> tuple[int, int]:
    """(accepted edits made from a revision another accepted edit was made from, precincts
    whose stored returns are not their last accepted edit)."""
    from tallyroom.night.returns import unit_entry
    from tallyroom.store import Store

    by_unit: dict[str, list[Accepted]] = {}
    for item in accepted:
        by_unit.setdefault(item.unit, []).append(item)
    stale = 0
    wrong = 0
    with Store.open(url) as store:
        for unit, items in by_unit.items():
            expected = [item.expected for item in items]
            stale += len(expected) - len(set(expected))
            last = max(items, key=lambda item: item.expected)
            entry = unit_entry(store, key, 0, unit)
            if entry is None or {c: entry.votes[c] for c in CANDIDATES} != last.votes:
                wrong += 1
    return stale, wrong


async def night(
    base: str, key: str, args: argparse.Namespace
) -> tuple[Figures, Figures, list[Accepted], list[str]]:
    units = [f"P{n}" for n in range(1, args.precincts + 1)]
    third = len(units) // 3
    first, second = units[: 2 * third], units[third:]
    second = second[::-1]  # the shared third is met from both ends
    read_figures, clerk_figures = Figures(), Figures()
    accepted: list[Accepted] = []
    conflicts: list[str] = []
    writing = asyncio.Event()
    writing.set()
    pace = args.seconds * 0.9

    async def clerks() -> None:
        await asyncio.gather(
            clerk(base, key, "clerk1", first, pace, clerk_figures, accepted, conflicts),
            clerk(base, key, "clerk2", second, pace, clerk_figures, accepted, conflicts),
        )
        writing.clear()

    await asyncio.gather(
        readers(base, key, args.readers, args.seconds, read_figures, writing), clerks()
    )
    return read_figures, clerk_figures, accepted, conflicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precincts", type=int, default=150)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline", type=float, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "TALLYROOM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    print(f"machine: sum(range(1000)) in {calibrate():.1f} µs")
    print(compile_tallyroom())
    url, schema = schema_url(args.pg)
    try:
        began = time.perf_counter()
        key = setup(url, args.precincts)
        print(f"declared {args.precincts} precincts in {time.perf_counter() - began:.1f} s")
        server, base = start_server(url, args.workers)
        try:
            # Every worker loads its code and makes the page once before anything is timed.
            asyncio.run(readers(base, key, args.readers, 5, Figures()))
            baseline = Figures()
            asyncio.run(readers(base, key, args.readers, args.baseline, baseline))
            cpu = time.process_time()
            wall = time.perf_counter()
            read_figures, clerk_figures, accepted, conflicts = asyncio.run(night(base, key, args))
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        served = resource.getrusage(resource.RUSAGE_CHILDREN)
        stale, wrong = lost_updates(url, key, accepted)
        from tallyroom.night.status import progress
        from tallyroom.store import Store

        with Store.open(url) as store:
            done = progress(store, key)
    finally:
        drop_schema(args.pg, schema)
    print(
        f"{args.workers} workers on PostgreSQL; {args.readers} readers for {args.seconds:.0f} s; "
        f"2 clerks, {args.precincts} precincts"
    )
    print(baseline.line(f"readers, nobody writing ({args.baseline:.0f} s)"))
    print(read_figures.line(f"readers, clerks entering ({wall:.0f} s)"))
    print(clerk_figures.line("clerks (form GET + POST)"))
    print(
        f"  accepted edits {len(accepted)}, refused as stale and entered again {len(conflicts)}; "
        f"precincts reporting {done.reported} of {done.total} ({done.status})"
    )
    errors = read_figures.errors + clerk_figures.errors
    print(f"  errors {errors}; lost updates {stale + wrong} (stale {stale}, not last {wrong})")
    ratio = read_figures.p99() / baseline.p99() if baseline.latencies else float("nan")
    print(f"  readers' p99 with clerks / without: {ratio:.2f}")
    print(
        f"  wall {wall:.1f} s (readers poll until the clerks are done); load generator CPU "
        f"{cpu:.1f} s; "
        f"server CPU {served.ru_utime + served.ru_stime:.1f} s (all workers, whole run)"
    )


if __name__ == "__main__":
    main()
