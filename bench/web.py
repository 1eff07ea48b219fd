"""Benchmark of the results website: throughput and latency under load, and the static export.

    python bench/web.py [--elections 1000] [--seconds 10] [--clients 32]

Builds a SQLite database of generated elections, starts ``tallyroom serve`` as a separate
process, and loads it from loopback with 32 concurrent clients, bounded in time: with ``wrk``
when it is installed (``apt-get install wrk``), else with httpx async clients in this process.
Reports requests/s and p50/p99 latency for the index and for election pages (a different
election on each request, so every page is rendered once and then served from the page cache,
as in production, after every page was requested once), the same for the first-time render of
election pages (the baseline: each request renders a page not yet in the cache), and the time
to export the whole site (twice; wall time, and the CPU time of the export, its threads writing
files included, with a calibration figure before and after since the machine is shared).
Goals: >= 500 requests/s for an election page with p99 <= 100 ms;
export <= 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from machine import calibrate, compile_tallyroom  # noqa: E402

from tallyroom import service  # noqa: E402
from tallyroom.store import Store  # noqa: E402
from tallyroom.store.generate import generated_election  # noqa: E402
from tallyroom.views import election_view  # noqa: E402
from tallyroom.web import export_site  # noqa: E402

LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, string.format(PATTERN, (counter %% COUNT) + 1))
end
"""


def build(path: Path, count: int) -> float:
    started = time.perf_counter()
    rng = random.Random(2024)
    with Store.open(path) as store, store.batch(commit_every=100) as batch:
        for number in range(count):
            election = generated_election(number, rng)
            service.store_source(batch, [election], election.title, f"generated-{number}.txt")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(url: str, seconds: int, clients: int, script: str | None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        command += ["-s", lua.name]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rate, "p50": p50, "p99": p99, "errors": float(errors.group(1) if errors else 0)}


async def _httpx_load(urls: list[str], seconds: int, clients: int) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            url = urls[next(counter) % len(urls)]
            began = time.perf_counter()
            response = await client.get(url)
            latencies.append((time.perf_counter() - began) * 1000)
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=clients)
    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": float(errors),
    }


def load(base: str, pattern: str, count: int, seconds: int, clients: int) -> dict[str, float]:
    if shutil.which("wrk"):
        script = LUA.replace("PATTERN", repr(pattern)).replace("COUNT", str(count))
        script = script.replace("%%", "%")
        return run_wrk(base, seconds, clients, script)
    urls = [base.rstrip("/") + pattern % (i + 1) for i in range(count)]
    return asyncio.run(_httpx_load(urls, seconds, clients))


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"  {name:<36} {figures['rps']:8.0f} req/s   p50 {figures['p50']:7.1f} ms   "
        f"p99 {figures['p99']:7.1f} ms   errors {int(figures['errors'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elections", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tallyroom-bench-web-"))
    db = folder / "bench.db"
    print(f"calibration: {calibrate():.1f} us for sum(range(1000))")
    print(compile_tallyroom())
    print(f"building {args.elections} generated elections: {build(db, args.elections):.1f} s")
    print(f"load generator: {'wrk' if shutil.which('wrk') else 'httpx (in-process)'}; "
          f"{args.clients} clients, {args.seconds} s per run; cores: {os.cpu_count()}")  # fmt: skip

    with Store.open(db) as store:
        began = time.perf_counter()
        for _ in range(20):
            election_view(store.record(1))
        per_page = (time.perf_counter() - began) / 20 * 1000
    print(f"reading one election's stored record and building its page data: {per_page:.1f} ms")

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tallyroom", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_up(port)
        base = f"http://127.0.0.1:{port}/"
        print("under load:")
        cold = load(base, "/elections/%d", args.elections, args.seconds, args.clients)
        report("election pages, first render", cold)
        began = time.perf_counter()
        for number in range(1, args.elections + 1):
            with urllib.request.urlopen(f"{base}elections/{number}") as response:
                response.read()
        print(f"  (every election page requested once, one at a time: "
              f"{time.perf_counter() - began:.1f} s)")  # fmt: skip
        warm = load(base, "/elections/%d", args.elections, args.seconds, args.clients)
        report("election pages (cached)", warm)
        single = load(base, "/elections/%d", 1, args.seconds, args.clients)
        report("one election page", single)
        index = load(base, "/?page=%d", 1, args.seconds, args.clients)
        report("index (first page)", index)
        twin = load(base, "/elections/%d.json", args.elections, args.seconds, args.clients)
        report("election JSON twins", twin)
        print(f"  cached election pages vs first render: {warm['rps'] / cold['rps']:.1f}x")
        goal = warm["rps"] >= 500 and warm["p99"] <= 100
        print(f"  goal >= 500 req/s with p99 <= 100 ms for election pages: "
              f"{'met' if goal else 'NOT met'}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"calibration before the export: {calibrate():.1f} us for sum(range(1000))")
    for run in (1, 2):
        target = folder / f"site-{run}"
        own = time.process_time()
        with Store.open(db) as store:
            exported = export_site(store, target)
        own = time.process_time() - own
        met = "met" if exported.seconds <= 30 else "NOT met"
        print(
            f"export run {run}: {exported.files} files, {exported.bytes / 1e6:.1f} MB, "
            f"{exported.elections} elections, {exported.candidates} candidates, "
            f"{exported.cities} cities in {exported.seconds:.1f} s wall "
            f"(goal <= 30 s: {met}); CPU {own:.1f} s rendering and writing files"
        )
        shutil.rmtree(target)
    print(f"calibration after the export: {calibrate():.1f} us for sum(range(1000))")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
