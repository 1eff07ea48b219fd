"""Every route of the website, in-process, over a real temporary SQLite database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tallyroom.service import import_elections
from tallyroom.store import ElectionFilter, Store
from tallyroom.store.codec import to_json
from tallyroom.web import create_app
from tests.web_helpers import GENERATED, MAINE_TITLE, RCV_TITLE, build_database


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("web") / "results.db")


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def store(db: Path) -> Iterator[Store]:
    with Store.open(db) as opened:
        yield opened


def _id(store: Store, title_part: str) -> int:
    return store.find(title_part)


def _cells(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<td class="num {css_class}">([^<]*)</td>', html)


def test_index_lists_every_election_newest_first(client: TestClient, store: Store) -> None:
    data = client.get("/index.json").json()
    everything = store.list_elections()
    assert data["total"] == everything.total == 6 + GENERATED + 2
    assert [row["id"] for row in data["elections"]] == [row.id for row in everything.rows]
    dates = [row["date"] for row in data["elections"] if row["date"]]
    assert dates == sorted(dates, reverse=True)
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for row in data["elections"]:
        assert f'href="elections/{row["id"]}"' in page.text


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"city": "milwaukee"}, ElectionFilter(city="Milwaukee")),
        ({"year": "2004"}, ElectionFilter(year=2004)),
        ({"office": "Mayor"}, ElectionFilter(office="Mayor")),
        ({"candidate": "barrett"}, ElectionFilter(candidate="barrett")),
    ],
)
def test_filters_match_the_store(
    client: TestClient, store: Store, params: dict[str, str], where: ElectionFilter
) -> None:
    data = client.get("/index.json", params=params).json()
    expected = {row.id for row in store.list_elections(where).rows}
    assert expected
    assert {row["id"] for row in data["elections"]} == expected
    html = client.get("/", params=params).text
    assert f"{len(expected)} election" in html


def test_search_finds_titles_and_candidates(client: TestClient, store: Store) -> None:
    by_title = client.get("/index.json", params={"q": "portland"}).json()
    assert [row["title"] for row in by_title["elections"]] == [
        "2004 Portland, Oregon mayoral election",
        MAINE_TITLE,
    ]
    by_person = client.get("/index.json", params={"q": "Alvarez"}).json()
    assert [row["title"] for row in by_person["elections"]] == [RCV_TITLE]
    none = client.get("/", params={"q": "no such place"})
    assert none.status_code == 200
    assert "No election matches" in none.text


def test_pages_of_the_index(client: TestClient, db: Path) -> None:
    from tallyroom.web.site import PER_PAGE

    total = client.get("/index.json").json()["total"]
    assert total <= PER_PAGE  # one page here; a second page is empty but valid
    beyond = client.get("/index.json", params={"page": "2"}).json()
    assert beyond["elections"] == []
    assert beyond["page"] == 2


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "0"}, "year"),
        ({"year": "2004.5"}, "year"),
        ({"page": "-1"}, "page"),
        ({"page": "x"}, "page"),
        ({"colour": "red"}, "colour"),
        ({"city": "x" * 300}, "city"),
    ],
)
def test_malformed_filters_are_400_with_a_message(
    client: TestClient, params: dict[str, str], named: str
) -> None:
    page = client.get("/", params=params)
    assert page.status_code == 400
    assert named in page.text
    assert 'href="./"' in page.text  # a way back to the index
    twin = client.get("/index.json", params=params)
    assert twin.status_code == 400
    assert named in twin.json()["error"]["message"]


def test_election_page_shows_the_stored_figures(client: TestClient, store: Store) -> None:
    election_id = _id(store, "Portland, Oregon")
    record = store.record(election_id)
    page = client.get(f"/elections/{election_id}")
    assert page.status_code == 200
    data = client.get(f"/elections/{election_id}.json").json()
    assert data["title"] == record.title
    assert data["figures"] == to_json(record.figures)
    assert len(data["stages"]) == len(record.figures.stages)
    expected_votes = []
    for stage, shown in zip(record.figures.stages, data["stages"], strict=True):
        assert shown["kind"] == stage.kind
        assert shown["date"] == (stage.date.isoformat() if stage.date else None)
        for row, figures in zip(shown["rows"], stage.rows, strict=True):
            assert (row["name"], row["votes"], row["percent"], row["status"]) == (
                figures.name,
                figures.votes,
                figures.percent,
                figures.status,
            )
            expected_votes.append("—" if figures.votes is None else f"{figures.votes:,}")
    assert _cells(page.text, "votes") == expected_votes
    assert "<svg" in page.text and 'role="img"' in page.text
    assert all(stage["decision"] for stage in data["stages"])
    assert data["rules"] is not None


def test_election_page_shows_findings_with_severity(client: TestClient, store: Store) -> None:
    election_id = _id(store, "Milwaukee")
    data = client.get(f"/elections/{election_id}.json").json()
    assert data["findings"], "the Milwaukee sample has damaged tables"
    severities = {finding["severity"] for finding in data["findings"]}
    assert severities <= {"info", "warning", "error"}
    page = client.get(f"/elections/{election_id}").text
    for finding in data["findings"]:
        assert finding["code"] in page
    assert "severity-error" in page


def test_ranked_choice_rounds_table_and_chart(client: TestClient, store: Store) -> None:
    election_id = _id(store, RCV_TITLE)
    record = store.record(election_id)
    rounds = record.figures.stages[0].rounds
    assert rounds
    data = client.get(f"/elections/{election_id}.json").json()
    stage = data["stages"][0]
    assert stage["rounds"] == to_json(rounds)
    page = client.get(f"/elections/{election_id}").text
    assert "Round by round" in page
    assert f"Round {rounds[-1].number}" in page
    chart = client.get(stage["rounds_chart_url"])
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "<title" in chart.text and "Round 1:" in chart.text
    assert record.figures.winner is not None
    assert data["outcome"]["winner"] == record.figures.winner
    assert data["outcome"]["winner_percent"] == record.figures.winner_percent


def test_stage_chart_svg(client: TestClient, store: Store) -> None:
    election_id = _id(store, "Portland, Oregon")
    chart = client.get(f"/elections/{election_id}/stages/0.svg")
    assert chart.status_code == 200
    assert chart.text.startswith("<svg") and "<desc" in chart.text
    assert client.get(f"/elections/{election_id}/stages/99.svg").status_code == 404
    assert client.get(f"/elections/{election_id}/stages/0/rounds.svg").status_code == 404


@pytest.mark.parametrize(
    "path", ["/elections/9999", "/elections/abc", "/elections/1x", "/nowhere", "/years/1066"]
)
def test_unknown_addresses_are_404_pages_with_a_way_back(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert "Back to all elections" in page.text
    twin = client.get(path + ".json")
    assert twin.status_code == 404
    assert twin.json()["error"]["status"] == 404


def test_candidate_page_lists_every_run(client: TestClient, store: Store) -> None:
    data = client.get("/candidates/tom-barrett.json").json()
    expected = {
        row.id for row in store.list_elections(ElectionFilter(candidate="tom barrett")).rows
    }
    assert {run["id"] for run in data["elections"]} == expected
    assert data["name"] == "Tom Barrett"
    page = client.get("/candidates/tom-barrett").text
    for run in data["elections"]:
        assert f'href="../elections/{run["id"]}"' in page
    assert client.get("/candidates/nobody-at-all").status_code == 404


def test_city_page_and_chart(client: TestClient, store: Store) -> None:
    index = client.get("/index.json").json()
    springfield = next(c for c in index["facets"]["cities"] if c["city"] == "Springfield")
    data = client.get(f"/cities/{springfield['slug']}.json").json()
    stored = store.list_elections(ElectionFilter(city="Springfield")).rows
    assert len(data["elections"]) == len(stored) == springfield["elections"]
    years = [row["year"] for row in data["elections"]]
    assert years == sorted(years)
    for row in data["elections"]:
        figures = store.record(row["id"]).figures
        assert figures.turnout is not None
        assert row["turnout_percent"] == figures.turnout.percent
        assert row["winner_percent"] == figures.winner_percent
    page = client.get(f"/cities/{springfield['slug']}").text
    assert '<title id="city-title">' in page and "winner" in page
    chart = client.get(data["chart_url"])
    assert chart.status_code == 200 and chart.text.startswith("<svg")


def test_year_page(client: TestClient, store: Store) -> None:
    data = client.get("/years/2004.json").json()
    assert {row["id"] for row in data["elections"]} == {
        row.id for row in store.list_elections(ElectionFilter(year=2004)).rows
    }
    assert "Elections of 2004" in client.get("/years/2004").text


def test_openapi_and_docs_page(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/", "/index.json", "/elections/{ref}", "/elections/{ref}.json",
                 "/candidates/{slug}.json", "/cities/{slug}.json"):  # fmt: skip
        assert path in spec["paths"]
    for path in ("/", "/index.json"):
        parameters = spec["paths"][path]["get"]["parameters"]
        assert [p["name"] for p in parameters] == [
            "city",
            "year",
            "office",
            "candidate",
            "q",
            "page",
        ]
        assert all(p["description"] for p in parameters)
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/elections/{ref}.json" in docs.text
    assert "cdn" not in docs.text.lower()


def _pages(client: TestClient, store: Store) -> list[str]:
    ids = [row.id for row in store.list_elections().rows]
    return ["/", "/docs", "/years/2004", "/candidates/tom-barrett"] + [
        f"/elections/{i}" for i in ids
    ]


def test_pages_load_nothing_from_elsewhere(client: TestClient, store: Store) -> None:
    for path in _pages(client, store):
        html = client.get(path).text
        external = re.findall(r'(?:src|href)="(https?:)?//', html)
        assert not external, path
        assert "<script" not in html, path
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@import" not in css.text and "url(" not in css.text


def test_every_page_has_its_json_twin(client: TestClient, store: Store) -> None:
    for path in _pages(client, store):
        if path == "/docs":
            continue
        twin_path = "/index.json" if path == "/" else path + ".json"
        html = client.get(path).text
        assert 'type="application/json"' in html
        twin: Any = client.get(twin_path).json()
        assert isinstance(twin, dict)
        json.dumps(twin)


def test_a_new_import_shows_on_the_next_request(db: Path, tmp_path: Path) -> None:
    import datetime as dt
    import shutil

    from tests.web_helpers import ranked_election

    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    with TestClient(create_app(copy, fresh_for=0)) as fresh:
        before = fresh.get("/index.json").json()["total"]
        election = ranked_election()
        from dataclasses import replace

        day = dt.date(2026, 11, 3)
        stages = tuple(replace(stage, date=day) for stage in election.stages)
        later = replace(
            election, title="2026 Rankton, Minnesota mayoral election", date=day, stages=stages
        )
        with Store.open(copy) as writer:
            import_elections(writer, [later], "ranked ballots", "later.csv")
        assert fresh.get("/index.json").json()["total"] == before + 1
