"""A results database for the website's tests: the sample articles, generated elections and a
ranked-choice election counted from the sample ballots, each read, decided, checked and stored by
:mod:`tallyroom.service`."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from tallyroom.formats.article_writer import render_article
from tallyroom.model import CandidateResult, Election, Jurisdiction, Stage
from tallyroom.service import import_elections, import_files
from tallyroom.store import Store
from tallyroom.store.generate import generated_election

SAMPLES = Path(str(resources.files("tallyroom") / "data" / "samples"))
BALLOTS = Path(str(resources.files("tallyroom") / "data" / "rcv" / "sample_mayor.csv"))
GENERATED = 12
RCV_TITLE = "2022 Rankton, Minnesota mayoral election"
MAINE_TITLE = "2003 Portland, Maine mayoral election"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(executable: str) -> Iterator[Any]:
    """A headless Chromium (Playwright's), closed on leaving."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving(app: Any) -> Iterator[int]:
    """``app`` under uvicorn in a thread on 127.0.0.1, on a port the system picks: the port."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def maine_election() -> Election:
    """A second Portland (in Maine), its table in the source listing the smaller vote first and
    its parties written the long way, as Wikipedia writes them."""
    import datetime as dt

    rows = (
        CandidateResult(name="Nora Quint", votes=4792, party="Republican Party (United States)"),
        CandidateResult(name="Owen Pell", votes=7356, party="Democratic Party (United States)"),
    )
    return Election(
        title=MAINE_TITLE,
        jurisdiction=Jurisdiction(city="Portland", state="Maine"),
        office="Mayor",
        date=dt.date(2003, 11, 4),
        before_party="Democratic Party (United States)",
        stages=(
            Stage(
                kind="general",
                date=dt.date(2003, 11, 4),
                results=rows,
                result="Democratic Party (United States) Hold",
            ),
        ),
        rules="plurality",
    )


def ranked_election() -> Election:
    """A general election decided by ranked choice, its rounds counted from the sample ballots."""
    from tallyroom.rcv import RcvOptions, read_ballots, tabulate

    result = tabulate(read_ballots(BALLOTS), RcvOptions())
    rounds = result.to_model_rounds()
    first = rounds[0]
    rows = tuple(CandidateResult(name=name, votes=int(votes)) for name, votes in first.tally)
    winner = result.rounds[-1].elected[0] if result.rounds[-1].elected else None
    import datetime as dt

    return Election(
        title=RCV_TITLE,
        jurisdiction=Jurisdiction(city="Rankton", state="Minnesota"),
        office="Mayor",
        date=dt.date(2022, 11, 8),
        after_holder=winner,
        stages=(Stage(kind="general", date=dt.date(2022, 11, 8), results=rows, rounds=rounds),),
        rules="ranked-choice",
    )


def build_database(path: Path) -> Path:
    with Store.open(path) as store:
        outcomes = import_files(store, sorted(SAMPLES.glob("*.txt")))
        assert all(o.status == "stored" for o in outcomes), outcomes
        rng = random.Random(8)
        for number in range(GENERATED):
            election = generated_election(number, rng)
            import_elections(store, [election], render_article(election), f"generated-{number}.txt")
        import_elections(
            store, [ranked_election()], BALLOTS.read_text(encoding="utf-8"), BALLOTS.name
        )
        maine = maine_election()
        import_elections(store, [maine], render_article(maine), "maine-2003.txt")
    return path
