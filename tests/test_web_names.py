"""Candidates whose names carry accents: the slug drops them ("José Núñez" -> "jose-nunez"), and
the person's page must still be found, live and in the static export, with every spelling."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tallyroom.model import CandidateResult, Election, Jurisdiction, Stage
from tallyroom.service import import_elections
from tallyroom.store import Store
from tallyroom.web import create_app, export_site

ACCENTED = "José Núñez"
PLAIN = "Jose Nunez"


def _election(year: int, city: str, rows: tuple[tuple[str, int], ...]) -> Election:
    day = dt.date(year, 11, 2)
    results = tuple(CandidateResult(name=name, votes=votes) for name, votes in rows)
    return Election(
        title=f"{year} {city} mayoral election",
        jurisdiction=Jurisdiction(city=city, state="New Mexico"),
        office="Mayor",
        date=day,
        after_holder=rows[0][0],
        stages=(Stage(kind="general", date=day, results=results),),
    )


ELECTIONS = (
    _election(2001, "Santa Rosa", ((ACCENTED, 5120), ("Ana Ortiz", 4310))),
    _election(2005, "Santa Rosa", (("Ana Ortiz", 6001), (ACCENTED, 5877), ("Lee Park", 412))),
    # the same slug, spelled without accents in another source: one person's page lists both
    _election(2003, "Las Cruces", ((PLAIN, 2210), ("Ruth Gómez", 2190))),
    _election(2007, "Las Cruces", (("Ruth Gómez", 3011), ("Ed Kemp", 1502))),
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("names") / "results.db"
    with Store.open(path) as store:
        for number, election in enumerate(ELECTIONS):
            import_elections(store, [election], election.title, f"accented-{number}.txt")
    return path


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as test_client:
        yield test_client


def _ran(name_slug: str) -> set[str]:
    """Titles of the elections in which a person whose name slugs to ``name_slug`` ran."""
    from tallyroom.views import candidate_slug

    return {
        election.title
        for election in ELECTIONS
        for stage in election.stages
        for row in stage.results
        if candidate_slug(row.name) == name_slug
    }


def test_live_page_of_an_accented_name(client: TestClient) -> None:
    data = client.get("/candidates/jose-nunez.json").json()
    assert data["name"] == ACCENTED  # the first spelling met, oldest election first
    assert set(data["names"]) == {ACCENTED, PLAIN}
    assert {run["title"] for run in data["elections"]} == _ran("jose-nunez")
    assert len(data["elections"]) == 3
    votes = sorted(stage["votes"] for run in data["elections"] for stage in run["stages"])
    assert votes == [2210, 5120, 5877]
    page = client.get("/candidates/jose-nunez")
    assert page.status_code == 200
    assert "<h1>José Núñez</h1>" in page.text
    gomez = client.get("/candidates/ruth-gomez.json").json()
    assert {run["title"] for run in gomez["elections"]} == _ran("ruth-gomez")


def test_election_page_links_to_the_accented_name(client: TestClient) -> None:
    index = client.get("/index.json").json()
    first = next(row for row in index["elections"] if row["year"] == 2001)
    assert first["winner_url"] == "/candidates/jose-nunez"
    election = client.get(f"/elections/{first['id']}.json").json()
    assert [row["url"] for row in election["stages"][0]["rows"]] == [
        "/candidates/jose-nunez",
        "/candidates/ana-ortiz",
    ]
    assert client.get(first["winner_url"]).status_code == 200


def test_a_new_import_reaches_the_accented_page(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    with TestClient(create_app(copy, fresh_for=0)) as fresh:
        before = fresh.get("/candidates/jose-nunez.json").json()
        with Store.open(copy) as store:
            later = _election(2009, "Santa Rosa", (("JOSÉ NÚÑEZ", 7000), ("Ana Ortiz", 6500)))
            import_elections(store, [later], later.title, "accented-later.txt")
        after = fresh.get("/candidates/jose-nunez.json").json()
    assert len(after["elections"]) == len(before["elections"]) + 1
    assert "JOSÉ NÚÑEZ" in after["names"]


def test_export_writes_the_accented_page(db: Path, tmp_path: Path) -> None:
    with Store.open(db) as store:
        export_site(store, tmp_path / "site")
    page = tmp_path / "site" / "candidates" / "jose-nunez.html"
    twin = json.loads((tmp_path / "site" / "candidates" / "jose-nunez.json").read_text("utf-8"))
    assert "<h1>José Núñez</h1>" in page.read_text("utf-8")
    assert {run["title"] for run in twin["elections"]} == _ran("jose-nunez")
    for run in twin["elections"]:
        target = tmp_path / "site" / "elections" / f"{run['id']}.html"
        assert target.is_file()
        assert 'href="../candidates/jose-nunez.html"' in target.read_text("utf-8")
