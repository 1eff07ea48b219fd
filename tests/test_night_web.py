"""Election night on the website, through HTTP: signing in, the accounts page, declaring,
returns by form and by CSV, two clerks on one precinct, certifying, and the live pages with their
JSON, CSV, ETag and ``?since=``; on SQLite and PostgreSQL. The election is the made-up
Springfield of tests/data/night."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tallyroom.night import accounts
from tallyroom.night.declare import declare, read_declaration, read_units_csv
from tallyroom.night.returns import unit_entry
from tallyroom.night.status import progress
from tallyroom.store import Store
from tallyroom.web import create_app

DATA = Path(__file__).resolve().parent / "data" / "night"
PASSWORD = "a long enough password"
KEY = "springfield|illinois|mayor|2025"
LIVE = "/live/" + quote(KEY, safe="")
DESK = "/night/e/" + quote(KEY, safe="")
P1 = {"Ann Lee": 500, "Bo Park": 300, "Cy Diaz": 50}
P2 = {"Ann Lee": 310, "Bo Park": 320, "Cy Diaz": 40}
CANDIDATES = ("Ann Lee", "Bo Park", "Cy Diaz")
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def declared_springfield(store: Store) -> str:
    """Springfield declared, with an admin, two clerks (one assigned), and a certifier."""
    declaration = read_declaration((DATA / "springfield.toml").read_text(), "springfield.toml")
    units = read_units_csv((DATA / "units.csv").read_text(), "units.csv")
    key = declare(store, replace(declaration, units=units), actor="root")
    for name, role in (("ada", "admin"), ("cy", "clerk"), ("di", "clerk"), ("ed", "certifier")):
        accounts.add_user(store, name, role, PASSWORD, actor="root")
    accounts.assign(store, "cy", key, actor="root")
    return key


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        declared_springfield(opened)
        yield opened


@pytest.fixture
def app_client(db_url: str, store: Store) -> Iterator[TestClient]:
    app = create_app(db_url)
    app.state.night.live.fresh_for = 0  # every look reads the database
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def token(html: str) -> str:
    found = TOKEN.search(html)
    assert found is not None, html[:2000]
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the session's CSRF token (from the desk page)."""
    form = client.get("/night/sign-in")
    assert form.status_code == 200
    response = client.post(
        "/night/sign-in",
        data={"name": name, "password": password, "csrf": token(form.text), "next": "/night"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/night"
    desk = client.get("/night")
    assert desk.status_code == 200
    return token(desk.text)


def unit_form(client: TestClient, unit: str) -> tuple[str, str]:
    """The returns form of ``unit``: its CSRF token and the revision it was made against."""
    page = client.get(f"{DESK}/0/{unit}")
    assert page.status_code == 200, page.text
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision is not None
    return token(page.text), revision.group(1)


def enter(client: TestClient, unit: str, votes: dict[str, int], **extra: str) -> object:
    csrf, revision = unit_form(client, unit)
    data = {"csrf": csrf, "revision": revision, **extra}
    for number, name in enumerate(CANDIDATES):
        data[f"v{number}"] = str(votes[name])
    return client.post(f"{DESK}/0/{unit}", data=data)


def live_json(client: TestClient) -> dict[str, object]:
    response = client.get(LIVE + ".json")
    assert response.status_code == 200
    data: dict[str, object] = response.json()
    return data


def test_sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it(
    app_client: TestClient, store: Store
) -> None:
    form = app_client.get("/night/sign-in")
    assert "__Host-tallyroom-signin=" in form.headers["set-cookie"]
    wrong = app_client.post(
        "/night/sign-in",
        data={"name": "cy", "password": "not the password", "csrf": token(form.text)},
    )
    assert wrong.status_code == 401
    assert "do not match" in wrong.text
    response = app_client.post(
        "/night/sign-in",
        data={"name": "cy", "password": PASSWORD, "csrf": token(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-tallyroom=")
    )
    for part in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
        assert part in cookie
    assert response.headers["cache-control"] == "no-store"
    desk = app_client.get("/night")
    assert "Signed in as <strong>cy</strong> (clerk)" in desk.text
    assert "2025 Springfield Mayor election" in desk.text
    app_client.post("/night/sign-out", data={"csrf": token(desk.text)})
    assert app_client.get("/night", follow_redirects=False).status_code == 303


def test_sign_in_is_limited_after_repeated_failures(app_client: TestClient) -> None:
    form = app_client.get("/night/sign-in")
    statuses = [
        app_client.post(
            "/night/sign-in",
            data={"name": "di", "password": f"guess number {n}", "csrf": token(form.text)},
        ).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # Even the right password waits now, and is told how long.
    limited = app_client.post(
        "/night/sign-in", data={"name": "di", "password": PASSWORD, "csrf": token(form.text)}
    )
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0


def test_the_admin_adds_a_clerk_and_assigns_the_election(
    app_client: TestClient, store: Store
) -> None:
    csrf = sign_in(app_client, "ada")
    added = app_client.post(
        "/night/users",
        data={"csrf": csrf, "name": "fay", "role": "clerk", "password": PASSWORD},
    )
    assert added.status_code == 200  # after the redirect, the accounts page
    assert '<th scope="row">fay</th>' in added.text
    short = app_client.post(
        "/night/users", data={"csrf": csrf, "name": "gus", "role": "clerk", "password": "short"}
    )
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    app_client.post("/night/users/assign", data={"csrf": csrf, "name": "fay", "election": KEY})
    assert accounts.find_user(store, "fay").elections == (KEY,)
    # Refusals come back as the accounts page, saying why, and change nothing.
    nowhere = app_client.post(
        "/night/users/assign", data={"csrf": csrf, "name": "fay", "election": "no-such-key"}
    )
    assert nowhere.status_code == 400
    assert "no declared election" in nowhere.text
    assert accounts.find_user(store, "fay").elections == (KEY,)
    admin = app_client.post(
        "/night/users/assign", data={"csrf": csrf, "name": "ada", "election": KEY}
    )
    assert admin.status_code == 400
    assert "only clerks are assigned elections" in admin.text
    self_disable = app_client.post("/night/users/disable", data={"csrf": csrf, "name": "ada"})
    assert self_disable.status_code == 400
    assert "You cannot disable your own account." in self_disable.text
    assert not accounts.find_user(store, "ada").disabled
    app_client.post("/night/users/disable", data={"csrf": csrf, "name": "fay"})
    assert accounts.find_user(store, "fay").disabled


def test_returns_by_form_and_csv_show_on_the_live_page(
    app_client: TestClient, store: Store
) -> None:
    first = live_json(app_client)
    assert first["headline"].startswith("0 of 5 precincts reporting · updated ")  # type: ignore[union-attr]
    assert first["stages"][0]["decision"] == "Too early: no precinct has reported yet."  # type: ignore[index]

    sign_in(app_client, "cy")
    stored = enter(app_client, "P1", P1)
    assert stored.status_code == 200  # type: ignore[attr-defined]
    assert "Precinct 1: returns stored." in stored.text  # type: ignore[attr-defined]
    enter(app_client, "P2", P2)
    entry = unit_entry(store, KEY, 0, "P2")
    assert entry is not None and dict(entry.votes) == P2 and entry.by == "cy"

    page = app_client.get(LIVE)
    assert "2 of 5 precincts reporting" in page.text
    assert 'http-equiv="refresh"' in page.text
    data = live_json(app_client)
    stage = data["stages"][0]  # type: ignore[index]
    rows = {row["name"]: row["votes"] for row in stage["rows"]}
    assert rows == {name: P1[name] + P2[name] for name in CANDIDATES}
    assert stage["decision"].startswith("Ann Lee leads with ")
    units = {unit["id"]: unit for unit in stage["units"]}
    assert units["P1"]["votes"] == P1 and units["P1"]["reported"]
    assert units["W1"]["votes"] == {n: P1[n] + P2[n] for n in CANDIDATES}  # the ward adds up
    assert units["W1"]["reported"] and not units["W2"]["reported"]
    assert units["P3"]["votes"] == dict.fromkeys(CANDIDATES)

    # The figures are the stored election's: the election's own page says the same.
    election = app_client.get(data["election_url"] + ".json").json()  # type: ignore[operator]
    assert [r["votes"] for r in election["stages"][0]["rows"]] == [
        r["votes"] for r in stage["rows"]
    ]

    upload = app_client.post(
        f"{DESK}/0/upload",
        data={"csrf": token(app_client.get(DESK).text)},
        files={"file": ("returns.csv", (DATA / "returns.csv").read_bytes(), "text/csv")},
    )
    assert upload.status_code == 200, upload.text
    assert "returns.csv: 3 precincts stored." in upload.text
    done = live_json(app_client)
    assert done["headline"].startswith("5 of 5 precincts reporting")  # type: ignore[union-attr]
    assert done["status"] == "unofficial-complete"
    assert progress(store, KEY).reported == 5


def test_a_bad_upload_names_every_line_and_stores_nothing(
    app_client: TestClient, store: Store
) -> None:
    csrf = sign_in(app_client, "cy")
    text = "unit,candidate,votes\nP3,Ann Lee,-4\nP9,Ann Lee,3\nP4,Ann Lee,2000\nP4,Bo Park,1\n"
    response = app_client.post(
        f"{DESK}/0/upload",
        data={"csrf": csrf},
        files={"file": ("bad.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 400
    problems = re.findall(r"<li>(.*?)</li>", response.text)
    assert any(p.startswith("line 2:") for p in problems), problems
    assert any(p.startswith("line 3:") for p in problems), problems
    assert any("line 4" in p for p in problems), problems
    assert progress(store, KEY).reported == 0


def test_two_clerks_on_one_precinct_lose_no_update(
    app_client: TestClient, db_url: str, store: Store
) -> None:
    accounts.assign(store, "di", KEY, actor="root")
    sign_in(app_client, "cy")
    with TestClient(app_client.app, base_url="https://testserver") as other:
        sign_in(other, "di")
        mine = unit_form(app_client, "P1")
        theirs = unit_form(other, "P1")
        assert mine[1] == theirs[1] == "0"
        data = {f"v{n}": str(P1[name]) for n, name in enumerate(CANDIDATES)}
        first = other.post(f"{DESK}/0/P1", data={**data, "csrf": theirs[0], "revision": "0"})
        assert first.status_code == 200
        late = {**data, "v0": "520", "csrf": mine[0], "revision": mine[1]}
        second = app_client.post(f"{DESK}/0/P1", data=late)
    assert second.status_code == 409
    assert "changed by di while you were typing" in second.text
    entry = unit_entry(store, KEY, 0, "P1")
    assert entry is not None and entry.votes["Ann Lee"] == P1["Ann Lee"] and entry.by == "di"


def test_the_certifier_certifies_and_then_nothing_changes(
    app_client: TestClient, store: Store
) -> None:
    sign_in(app_client, "cy")
    enter(app_client, "P1", P1)
    sign_in(app_client, "ed")
    refused = app_client.post(f"{DESK}/certify", data={"csrf": token(app_client.get(DESK).text)})
    assert refused.status_code == 409
    assert "Not certified" in refused.text and "<li>" in refused.text

    sign_in(app_client, "cy")
    enter(app_client, "P2", P2)
    app_client.post(
        f"{DESK}/0/upload",
        data={"csrf": token(app_client.get(DESK).text)},
        files={"file": ("returns.csv", (DATA / "returns.csv").read_bytes(), "text/csv")},
    )
    sign_in(app_client, "ed")
    done = app_client.post(f"{DESK}/certify", data={"csrf": token(app_client.get(DESK).text)})
    assert done.status_code == 200, done.text
    assert "Certified." in done.text
    data = live_json(app_client)
    assert data["status"] == "certified"
    decision = data["stages"][0]["decision"]  # type: ignore[index]
    assert decision.startswith("Ann Lee won with 48.31")
    election = app_client.get(data["election_url"] + ".json").json()  # type: ignore[operator]
    assert election["stages"][0]["sentence"] == decision  # the election page's own words

    csrf = sign_in(app_client, "cy")
    form = app_client.get(f"{DESK}/0/P1")
    assert "certified: its returns cannot change" in form.text
    assert 'name="revision"' not in form.text
    stored = unit_entry(store, KEY, 0, "P1")
    assert stored is not None
    data = {f"v{n}": str(P1[name]) for n, name in enumerate(CANDIDATES)}
    late = app_client.post(
        f"{DESK}/0/P1", data={**data, "v0": "1", "csrf": csrf, "revision": str(stored.revision)}
    )
    assert late.status_code == 409
    assert "certified" in late.text
    entry = unit_entry(store, KEY, 0, "P1")
    assert entry is not None and entry.votes["Ann Lee"] == P1["Ann Lee"]


def test_live_json_etag_since_and_csv(app_client: TestClient, store: Store) -> None:
    first = app_client.get(LIVE + ".json")
    revision = first.json()["revision"]
    etag = first.headers["etag"]
    assert app_client.get(LIVE + ".json", headers={"If-None-Match": etag}).status_code == 304
    assert app_client.get(LIVE + f".json?since={revision}").status_code == 304
    sign_in(app_client, "cy")
    enter(app_client, "P1", P1)
    changed = app_client.get(LIVE + f".json?since={revision}")
    assert changed.status_code == 200
    assert changed.json()["revision"] > revision
    assert changed.headers["etag"] != etag

    totals = list(csv.DictReader(io.StringIO(app_client.get(LIVE + ".csv").text)))
    assert {row["candidate"]: int(row["votes"]) for row in totals} == P1
    table = list(csv.DictReader(io.StringIO(app_client.get(LIVE + "/units.csv").text)))
    assert [row["unit_id"] for row in table] == ["city", "W1", "W2", "P1", "P2", "P3", "P4", "P5"]
    p1 = next(row for row in table if row["unit_id"] == "P1")
    assert [int(p1[name]) for name in CANDIDATES] == list(P1.values())
    assert p1["reported"] == "yes" and p1["registered_voters"] == "1000"

    unit = app_client.get(LIVE + "/units/P1.json").json()
    rows = unit["stages"][0]["rows"]
    assert [row["votes"] for row in rows] == list(P1.values())
    assert rows[0]["percent"] == "58.82"  # 500 of 850
    page = app_client.get(LIVE + "/units/P1")
    assert page.status_code == 200 and "Precinct 1" in page.text
    assert app_client.get(LIVE + "/units/P9").status_code == 404
    assert app_client.get("/live/nowhere").status_code == 404
    listing = app_client.get("/live.json").json()
    assert [item["key"] for item in listing["elections"]] == [KEY]


def test_declaring_through_the_form(app_client: TestClient, store: Store) -> None:
    csrf = sign_in(app_client, "ada")
    text = (DATA / "springfield.toml").read_text().replace("Springfield", "Shelbyville")
    response = app_client.post(
        "/night/declare",
        data={"csrf": csrf, "text": text},
        files={"units": ("units.csv", (DATA / "units.csv").read_bytes(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "2025 Shelbyville Mayor election" in response.text
    assert progress(store, "shelbyville|illinois|mayor|2025").total == 5
    broken = app_client.post("/night/declare", data={"csrf": csrf, "text": "= nonsense"})
    assert broken.status_code == 400
    assert "form" in broken.text


def test_live_pages_are_listed_and_json_is_valid(app_client: TestClient) -> None:
    listing = app_client.get("/live")
    assert listing.status_code == 200
    assert "2025 Springfield Mayor election" in listing.text
    assert json.loads(app_client.get("/live.json").text)["elections"][0]["total"] == 5


def test_publishing_switches_the_link_to_a_whole_new_export(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    from tallyroom.web.publish import Publisher, publish

    link = tmp_path / "cdn" / "site"
    first = publish(store, link)
    assert link.is_symlink() and link.resolve() == first.resolve()
    assert (link / "index.html").is_file()
    second = publish(store, link)
    third = publish(store, link)
    assert link.resolve() == third.resolve()
    kept = sorted(p.name for p in link.parent.iterdir() if p.is_dir() and not p.is_symlink())
    assert kept == sorted([second.name, third.name])  # the one before stays for readers in it
    assert not first.exists()
    publisher = Publisher(store, link)
    for _ in range(5):  # requests while one export runs are served by one more
        publisher.request()
    assert publisher.wait(120)
    assert isinstance(publisher.last, Path) and link.resolve() == publisher.last.resolve()
    (tmp_path / "plain").mkdir()
    with pytest.raises(FileExistsError):
        publish(store, tmp_path / "plain")


def test_serve_with_workers_runs_that_many_processes(pg_url: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    with Store.open(pg_url) as opened:
        declared_springfield(opened)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tallyroom",
            "serve",
            "--db",
            pg_url,
            "--port",
            "0",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "with 2 workers" in line, line
        base = re.search(r"(http://\S+/)", line).group(1)  # type: ignore[union-attr]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "live.json", timeout=10) as response:
                    listing = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert [item["key"] for item in listing["elections"]] == [KEY]
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        if children.exists():  # Linux: the workers are the server's spawned children
            commands = [
                Path(f"/proc/{child}/cmdline").read_bytes()
                for child in children.read_text().split()
            ]
            assert sum(b"spawn_main" in command for command in commands) == 2
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == 0


class FakeStore:
    """What the live cache asks of a store: its generation."""

    def __init__(self) -> None:
        self.looks = 0
        self.value = (1, 1, 1)

    def generation(self) -> tuple[int, int, int]:
        self.looks += 1
        return self.value


def test_the_live_cache_makes_a_page_again_only_after_a_change() -> None:
    import threading

    from tallyroom.web.live import LiveCache

    cache = LiveCache(fresh_for=0)
    store = FakeStore()
    made: list[int] = []

    def make() -> int:
        made.append(len(made))
        return len(made)

    assert cache.get(store, "page", make) == 1  # type: ignore[arg-type]
    assert cache.get(store, "page", make) == 1  # type: ignore[arg-type]
    assert made == [0] and store.looks == 2
    store.value = (2, 1, 1)
    assert cache.get(store, "page", make) == 2  # type: ignore[arg-type]

    # While one thread makes the page again, the others get it as it was.
    store.value = (3, 1, 1)
    started, release = threading.Event(), threading.Event()

    def slow() -> int:
        started.set()
        release.wait(10)
        return 3

    maker = threading.Thread(target=lambda: cache.get(store, "page", slow))  # type: ignore[arg-type]
    maker.start()
    assert started.wait(10)
    assert cache.get(store, "page", make) == 2  # type: ignore[arg-type]
    release.set()
    maker.join(10)
    assert cache.get(store, "page", make) == 3  # type: ignore[arg-type]
    assert made == [0, 1]

    # Within fresh_for the generation is not looked at again, and the event loop may peek.
    patient = LiveCache(fresh_for=60)
    assert patient.cached("page") is None
    patient.get(store, "page", make)  # type: ignore[arg-type]
    looks = store.looks
    store.value = (4, 1, 1)
    assert patient.cached("page") == 3 == patient.get(store, "page", make)  # type: ignore[arg-type]
    assert store.looks == looks
