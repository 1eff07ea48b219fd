"""The pages read what was decided: winners, ties, statuses and totals are the stored figures.

Every database here is a real temporary SQLite file filled by :func:`tallyroom.service.import_files`
from the sample articles (or the seed articles, when they are present)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tallyroom.service import import_files
from tallyroom.store import Store
from tallyroom.store.codec import to_json
from tallyroom.store.read import RecordInPlace
from tallyroom.views import INFOBOX_MARKER, INFOBOX_NOTE
from tallyroom.web import create_app
from tests.web_helpers import SAMPLES


def _text(page: str) -> str:
    """The words a reader sees: tags dropped, entities decoded, spaces collapsed."""
    body = page[page.index("<main") :]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _fill(path: Path, files: list[Path]) -> Path:
    with Store.open(path) as store:
        outcomes = import_files(store, files)
    assert [o.status for o in outcomes] == ["stored"] * len(files), outcomes
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("views")
    return _fill(folder / "results.db", sorted(SAMPLES.glob("*.txt")))


@pytest.fixture(scope="module")
def store(db: Path) -> Iterator[Store]:
    with Store.open(db) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as test_client:
        yield test_client


def test_a_tie_is_shown_as_a_tie_and_nobody_is_elected(client: TestClient, store: Store) -> None:
    record = store.record("Tiedale")
    assert record.figures.outcome == "tied"
    page = client.get(f"/elections/{record.id}").text
    words = _text(page)
    assert "Tied: Dana Reyes and Eli Novak (1,204 each)" in words
    assert "no tie-break" in words  # the tie-break text, as decided
    assert not re.search(r"\belected\b", words), "a standing tie elects nobody"
    statuses = re.findall(r'<span class="status status-(\w+)">', page)
    assert statuses == [row.status for row in record.figures.stages[0].rows]
    assert statuses == ["tied", "tied", "defeated"]
    listed = client.get("/index.json").json()
    row = next(r for r in listed["elections"] if r["id"] == record.id)
    assert (row["winner"], row["winner_text"]) == (None, "tied")
    index = _text(client.get("/").text)
    assert "2021 Tiedale, Vermont mayoral election - tied" not in index  # the column, not a dash
    assert re.search(
        r"Tiedale, Vermont mayoral election [\w ,]+ Tiedale, Vermont Mayor tied", index
    )


def test_infobox_figures_and_a_cut_total_carry_their_markers(
    client: TestClient, store: Store
) -> None:
    record = store.record("Milwaukee")
    general = record.figures.stages[1]
    assert [(r.votes, r.basis) for r in general.rows] == [
        (86493, "infobox"),
        (74361, "infobox"),
    ]
    page = client.get(f"/elections/{record.id}").text
    for votes in ("86,493", "74,361"):
        assert f'title="{INFOBOX_NOTE}">{votes} {INFOBOX_MARKER}</td>' in page
    words = _text(page)
    assert f"{INFOBOX_MARKER} {INFOBOX_NOTE}" in words
    assert "161 (cut; 161,791–161,812)" in words
    assert "Total: 161 votes (line 53); the rows add up to 160,854" in words  # on demand
    assert "as found when imported" in words
    twin = client.get(f"/elections/{record.id}.json").json()
    assert twin["stages"][1]["total"]["text"] == "161 (cut; 161,791–161,812)"
    assert twin["stages"][1]["rows"][0]["votes_text"] == f"86,493 {INFOBOX_MARKER}"


def test_the_count_not_the_document_names_the_winner(tmp_path: Path) -> None:
    source = (SAMPLES / "2019-writeinburg-write-in.txt").read_text(encoding="utf-8")
    claimed = source.replace("- After Election: Gus Hallett", "- After Election: Hana Price")
    assert claimed != source
    edited = tmp_path / "writeinburg-claims-the-loser.txt"
    edited.write_text(claimed, encoding="utf-8")
    db = _fill(tmp_path / "results.db", [edited])
    with Store.open(db) as store, TestClient(create_app(db)) as client:
        record = store.record("Writeinburg")
        general = record.figures.stages[-1]
        votes = {row.name: row.votes for row in general.rows}
        hallett, price = votes["Gus Hallett"], votes["Hana Price"]
        assert hallett is not None and price is not None and hallett > price
        assert record.figures.winner == "Gus Hallett"
        page = client.get(f"/elections/{record.id}").text
        twin = client.get(f"/elections/{record.id}.json").json()
    winner_box = re.search(r'<dd id="winner">(.*?)</dd>', page)
    assert winner_box is not None and "Gus Hallett" in winner_box.group(1)
    assert "Hana Price" not in winner_box.group(1)
    claim = re.search(r'<dd class="claim">(.*?)</dd>', page)
    assert claim is not None
    assert "Hana Price" in claim.group(1) and "the count disagrees" in claim.group(1)
    assert twin["outcome"]["winner"] == "Gus Hallett"
    assert twin["claim"] == {
        "after_holder": "Hana Price",
        "after_party": "Independent",
        "verdict": "disagrees",
        "verdict_text": "the count disagrees",
        "verdict_reasons": list(general.decision.verdict_reasons if general.decision else ()),
    }


def test_each_stage_shows_its_own_date(client: TestClient, store: Store) -> None:
    record = store.record("Portland, Oregon")
    primary = record.figures.stages[0]
    assert primary.kind == "primary" and primary.date is not None
    assert primary.date.year == 2004
    page = client.get(f"/elections/{record.id}").text
    heading = re.search(r'<h2 id="stage-0-h">(.*?)</h2>', page)
    assert heading is not None
    assert (
        f'<time class="date" datetime="{primary.date.isoformat()}">May 18, 2004</time>'
        in heading.group(1)
    )
    twin = client.get(f"/elections/{record.id}.json").json()
    assert twin["stages"][0]["date"] == primary.date.isoformat()


def _twins_agree(client: TestClient, store: Store) -> int:
    checked = 0
    for row in store.list_elections().rows:
        record = store.record(row.id)
        twin = client.get(f"/elections/{row.id}.json").json()
        assert twin["figures"] == to_json(record.figures), record.title
        shown = [[(r["name"], r["votes"], r["status"]) for r in s["rows"]] for s in twin["stages"]]
        stored = [[(r.name, r.votes, r.status) for r in s.rows] for s in record.figures.stages]
        assert shown == stored, record.title
        assert twin["outcome"]["winner"] == record.figures.winner
        assert twin["outcome"]["winner_percent"] == record.figures.winner_percent
        checked += 1
    return checked


def test_every_election_twin_carries_the_stored_figures(client: TestClient, store: Store) -> None:
    assert _twins_agree(client, store) == 6


def test_lists_read_the_stored_outcomes(client: TestClient, store: Store) -> None:
    for row in store.list_elections().rows:
        record = store.record(row.id)
        city = client.get(f"/cities/{_slug(record.election.jurisdiction.city or '', row.state)}")
        assert city.status_code == 200
        twin = client.get(f"/cities/{_slug(row.city or '', row.state)}.json").json()
        shown = next(e for e in twin["elections"] if e["id"] == row.id)
        turnout = record.figures.turnout
        assert shown["winner_percent"] == record.figures.winner_percent
        assert shown["turnout_percent"] == (turnout.percent if turnout else None)
    person = client.get("/candidates/tom-barrett.json").json()
    milwaukee = store.record("Milwaukee")
    run = next(r for r in person["elections"] if r["id"] == milwaukee.id)
    assert run["won"] is True
    assert [(s["votes"], s["status"]) for s in run["stages"]] == [
        (row.votes, row.status)
        for stage in milwaukee.figures.stages
        for row in stage.rows
        if row.name == "Tom Barrett"
    ]


def _slug(city: str, state: str | None) -> str:
    from tallyroom.views import city_slug

    return city_slug(city, state)


def test_seed_twins_carry_the_stored_figures(seeds_dir: Path, tmp_path: Path) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))
    db = _fill(tmp_path / "seeds.db", seeds)
    with Store.open(db) as store, TestClient(create_app(db)) as client:
        assert _twins_agree(client, store) >= len(seeds) - 1


def _ask_at_once(app: Any, path: str, count: int) -> list[Any]:
    """``count`` requests for ``path`` made to ``app`` at the same time, and their answers."""
    import asyncio

    import httpx

    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.get(path) for _ in range(count)))

    return asyncio.run(ask())


def test_a_cold_page_asked_for_at_once_is_made_once(db: Path) -> None:
    """Many requests for a page nobody has asked for yet: it is read and rendered once, in the
    thread pool, and every request gets it; later requests are answered from the cache."""
    store = Store.open(db, migrate=False)
    reads: list[int] = []
    record = store.record_in_place  # what an election's page reads

    def counted(election_id: int) -> RecordInPlace:
        reads.append(election_id)
        return record(election_id)

    store.record_in_place = counted  # type: ignore[method-assign]
    app = create_app(db, store=store)
    try:
        answers = _ask_at_once(app, "/elections/2", 20)
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        assert reads == [2]
        _ask_at_once(app, "/elections/2", 5)
        assert reads == [2]
    finally:
        store.close()


def _ask_for_each_at_once(app: Any, paths: list[str]) -> list[Any]:
    """A request for each of ``paths``, all at the same time, and their answers."""
    import asyncio

    import httpx

    async def ask() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.get(path) for path in paths))

    return asyncio.run(ask())


def test_cold_pages_asked_for_at_once_are_made_a_few_at_a_time(db: Path) -> None:
    """Making a page holds the interpreter lock: the server makes at most ``page_makers`` at
    once (more threads only take turns, at a cost), and every request is answered."""
    import threading
    import time

    from tallyroom.web.app import page_makers

    store = Store.open(db, migrate=False)
    record = store.record_in_place
    lock = threading.Lock()
    running = [0]
    most = [0]

    def counted(election_id: int) -> RecordInPlace:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.02)  # long enough for the others to start, were they allowed to
            return record(election_id)
        finally:
            with lock:
                running[0] -= 1

    store.record_in_place = counted  # type: ignore[method-assign]
    app = create_app(db, store=store)
    try:
        ids = [row.id for row in store.list_elections().rows]
        answers = _ask_for_each_at_once(app, [f"/elections/{i}" for i in ids])
        assert {a.status_code for a in answers} == {200}
        assert len(ids) > page_makers(store)
        assert most[0] == page_makers(store)
    finally:
        store.close()


def test_pages_are_made_one_at_a_time_over_sqlite_and_two_over_postgresql(db_url: str) -> None:
    """SQLite is read without waiting on a network, so a second maker would only take turns
    for the interpreter lock; PostgreSQL keeps two, one making while the other waits."""
    from tallyroom.web.app import page_makers

    with Store.open(db_url) as store:
        expected = 1 if store.engine.dialect.name == "sqlite" else 2
        assert page_makers(store) == expected


def test_a_page_that_cannot_be_made_fails_every_waiter_and_is_tried_again(db: Path) -> None:
    """When reading the database fails while a page is being made, every request waiting for
    it gets the same 503, and the next request tries again."""
    from tallyroom.errors import StorageError

    store = Store.open(db, migrate=False)
    record = store.record_in_place  # what an election's page reads
    failures = [StorageError("the disk is gone")]

    def flaky(election_id: int) -> RecordInPlace:
        if failures:
            raise failures.pop()
        return record(election_id)

    store.record_in_place = flaky  # type: ignore[method-assign]
    app = create_app(db, store=store)
    try:
        answers = _ask_at_once(app, "/elections/3", 10)
        assert {a.status_code for a in answers} == {503}
        assert all("the disk is gone" in a.text for a in answers)
        (again,) = _ask_at_once(app, "/elections/3", 1)
        assert again.status_code == 200
    finally:
        store.close()
