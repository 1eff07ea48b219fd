"""Pages a new reader can follow: rows by votes, party colours, outcomes in words, short party
names, the source with numbered lines, dates in words, filters that narrow every list, places
of one name told apart, people's and cities' records, comparisons, and a JSON twin for each."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tallyroom.store import Store
from tallyroom.views import candidate_slug, party_colour
from tallyroom.views.wording import date_text, party_result_text, party_text, source_label
from tallyroom.web import create_app
from tests.web_helpers import MAINE_TITLE, RCV_TITLE, build_database


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("readable") / "results.db")


@pytest.fixture(scope="module")
def store(db: Path) -> Iterator[Store]:
    with Store.open(db) as opened:
        yield opened


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as test_client:
        yield test_client


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _votes(page: str) -> list[int]:
    return [int(v.replace(",", "")) for v in re.findall(r'class="num votes">([\d,]+)', page)]


def test_rows_come_most_votes_first_and_in_the_source_order_on_request(
    client: TestClient, store: Store
) -> None:
    record = store.record(MAINE_TITLE)
    stored = [row.votes for row in record.figures.stages[0].rows]
    assert stored == [4792, 7356]  # the source lists the smaller vote first
    page = client.get(f"/elections/{record.id}").text
    assert _votes(page) == [7356, 4792]
    assert "show in the source&#39;s order" in page or "show in the source's order" in page
    source_order = client.get(f"/elections/{record.id}", params={"order": "source"}).text
    assert _votes(source_order) == stored
    twin = client.get(f"/elections/{record.id}.json", params={"order": "source"}).json()
    assert [row["votes"] for row in twin["stages"][0]["rows"]] == stored
    assert twin["order"] == "source"
    assert client.get(f"/elections/{record.id}", params={"order": "name"}).status_code == 400


def test_colours_follow_the_party(client: TestClient, store: Store) -> None:
    record = store.record(MAINE_TITLE)
    twin = client.get(f"/elections/{record.id}.json").json()
    colours = {row["party"]: row["colour"] for row in twin["stages"][0]["rows"]}
    assert colours == {"Democratic": party_colour("Democratic"), "Republican": "#D55E00"}
    chart = client.get(f"/elections/{record.id}/stages/0.svg").text
    # Most votes first: the Democrat's bar (blue) above the Republican's (vermillion).
    bars = re.findall(r'<rect x="170" y="\d+" width="[\d.]+" height="18" fill="(#\w+)"', chart)
    assert bars == [party_colour("Democratic"), party_colour("Republican")]


def test_outcomes_in_plain_words_use_the_stored_share(client: TestClient, store: Store) -> None:
    portland = store.record("2004 Portland, Oregon")
    figures = portland.figures
    page = _text(client.get(f"/elections/{portland.id}").text)
    assert f"{figures.winner} won with {figures.winner_percent} %." in page
    primary = figures.stages[0]
    assert primary.decision is not None
    first, second = primary.decision.advanced
    assert f"No majority: {first} and {second} go to the general election." in page
    assert "The document's claims" not in page and "decided; advanced" not in page
    tie = store.record("Tiedale")
    assert "Tie: Dana Reyes and Eli Novak are level with 1,204 votes each" in _text(
        client.get(f"/elections/{tie.id}").text
    )
    ranked = store.record(RCV_TITLE)
    rounds = ranked.figures.stages[0].rounds
    expected = (
        f"{ranked.figures.winner} won in round {rounds[-1].number} with "
        f"{ranked.figures.winner_percent}\u202f% of the continuing ballots."
    )
    assert expected.replace("\u202f", " ") in _text(client.get(f"/elections/{ranked.id}").text)
    assert client.get(f"/elections/{ranked.id}.json").json()["outcome"]["sentence"] == expected


def test_party_names_are_short_and_a_hold_is_no_party(client: TestClient, store: Store) -> None:
    assert party_text("Democratic Party (United States)") == "Democratic"
    assert party_text("Democratic Party (United States) Hold") is None
    assert party_result_text("Independent gain from Democratic Party (United States)") == (
        "Independent gain from Democratic"
    )
    for title in ("Baltimore", MAINE_TITLE):
        record = store.record(title)
        page = client.get(f"/elections/{record.id}").text
        # The rules' own reasons (stored words, shown on request) are quoted as decided.
        page = re.sub(r'<details class="outcome">.*?</details>', "", page, flags=re.S)
        assert "(United States)" not in page
        assert "Hold" not in _text(page)
        assert "Democratic hold: the party kept the office" in _text(page)
        assert re.search(r"<dt>Before</dt><dd>[^<]* \(Democratic\)</dd>", page)


def test_the_source_page_numbers_every_line_and_every_finding_links_to_it(
    client: TestClient, store: Store
) -> None:
    record = store.record("2004 Portland, Oregon")
    name, text = store.source(record.id)
    page = client.get(f"/elections/{record.id}/source").text
    lines = text.splitlines()
    assert len(re.findall(r'<li id="L\d+"', page)) == len(lines)
    twin = client.get(f"/elections/{record.id}/source.json").json()
    assert [line["text"] for line in twin["lines"]] == lines
    assert twin["label"] == "2004 Portland, Oregon mayoral election" != name
    election = client.get(f"/elections/{record.id}").text
    lined = [f for f in record.findings if f.line]
    assert lined, "the sample has findings with lines"
    for finding in lined:
        assert f'href="{record.id}/source#L{finding.line}"' in election
        assert f'<li id="L{finding.line}" class="flagged">' in page
    assert f"Source: {twin['label']} (file {name})" in _text(election)


def test_source_names_and_dates_in_words() -> None:
    import datetime as dt

    assert source_label("001_d5de7c4eb0871a8b.txt", "= 2004 Portland mayoral =\n\nx") == (
        "2004 Portland mayoral"
    )
    assert source_label("ballots.csv", "id,choice 1\n1,A") == "ballots.csv"
    assert date_text(dt.date(2004, 11, 2)) == "November 2, 2004"


def test_dates_are_in_words(client: TestClient, store: Store) -> None:
    index = client.get("/").text
    shown = re.findall(r'<time class="date" datetime="([\d-]+)">([^<]+)</time>', index)
    assert shown
    for iso, words in shown:
        assert not re.search(r"\d{4}-\d\d", words)
        assert words.endswith(iso[:4])


def test_by_city_and_by_year_follow_the_filters(client: TestClient, store: Store) -> None:
    everything = client.get("/index.json").json()
    assert everything["facets"]["cities"][0]["url"].startswith("/cities/")
    narrowed = client.get("/index.json", params={"year": 2004}).json()
    places = {(c["name"], c["elections"]) for c in narrowed["facets"]["cities"]}
    from tallyroom.store import ElectionFilter

    rows = store.list_elections(ElectionFilter(year=2004)).rows
    assert places == {(f"{r.city}, {r.state}", 1) for r in rows}
    assert [y["year"] for y in narrowed["facets"]["years"]] == [2004]
    for city in narrowed["facets"]["cities"]:
        assert city["url"].startswith("/?") and "year=2004" in city["url"]
        assert client.get(city["url"].replace("/?", "/index.json?")).json()["total"] == 1
    assert len(everything["facets"]["years"]) > 1


def test_the_city_filter_tells_places_of_one_name_apart(client: TestClient) -> None:
    index = client.get("/").text
    assert "<option>Portland, Oregon</option>" in index
    assert "<option>Portland, Maine</option>" in index
    both = client.get("/index.json", params={"city": "Portland"}).json()
    assert {row["state"] for row in both["elections"]} == {"Oregon", "Maine"}
    maine = client.get("/index.json", params={"city": "Portland, Maine"}).json()
    assert [row["title"] for row in maine["elections"]] == [MAINE_TITLE]
    page = client.get("/", params={"city": "Portland, Maine"}).text
    assert "<option selected>Portland, Maine</option>" in page


def test_a_candidates_record_across_elections(client: TestClient, store: Store) -> None:
    record = store.record("2004 Portland, Oregon")
    loser = record.figures.stages[1].rows[1].name
    person = client.get(f"/candidates/{candidate_slug(loser)}.json").json()
    assert [run["title"] for run in person["elections"]] == [record.title]
    assert [s["status"] for s in person["elections"][0]["stages"]] == ["advanced", "defeated"]
    assert person["summary"] == "Ran in 1 election in 2004 and did not win it."
    assert person["won"] == 0


def test_a_citys_winners_margins_and_turnout_over_time(client: TestClient, store: Store) -> None:
    city = client.get("/cities/springfield-illinois.json").json()
    assert len(city["elections"]) == 2
    for row in city["elections"]:
        figures = store.record(row["id"]).figures
        assert (row["winner"], row["winner_percent"], row["margin_percent"]) == (
            figures.winner,
            figures.winner_percent,
            figures.margin_percent,
        )
    first, second = city["elections"]
    assert first["compare_url"] is None
    assert second["compare_url"] == f"/compare/{first['id']}/{second['id']}"
    chart = client.get("/cities/springfield-illinois/chart.svg").text
    for row in city["elections"]:
        assert f"{row['year']}: winner {row['winner_percent']}%, margin " in chart
    page = client.get("/cities/springfield-illinois").text
    assert f"{second['margin_percent']} pts" in page


def test_two_elections_side_by_side(client: TestClient, store: Store) -> None:
    one, two = store.record(MAINE_TITLE), store.record("2004 Portland, Oregon")
    pair = client.get(f"/compare/{one.id}/{two.id}.json").json()
    assert (pair["first"]["title"], pair["second"]["title"]) == (one.title, two.title)
    assert pair["second"]["winner_percent"] == two.figures.winner_percent
    assert pair["first"]["margin_votes"] == one.figures.margin_votes
    assert [r["votes"] for r in pair["first"]["rows"]] == [7356, 4792]
    page = _text(client.get(f"/compare/{one.id}/{two.id}").text)
    assert f"{two.figures.winner} won with {two.figures.winner_percent} %." in page
    assert client.get(f"/compare/{one.id}/424242").status_code == 404
    # An election links to the one before it of the same city and office.
    springfield = client.get("/cities/springfield-illinois.json").json()["elections"]
    later = client.get(f"/elections/{springfield[1]['id']}.json").json()
    assert [link["id"] for link in later["compare"]] == [springfield[0]["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/years/2004",
        "/elections/1",
        "/elections/1/source",
        "/compare/1/2",
        "/cities/springfield-illinois",
        "/candidates/tom-potter",
    ],
)
def test_every_page_type_has_its_json_twin(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    twin_path = re.search(
        r'<link rel="alternate" type="application/json" href="([^"]+)"', page.text
    )
    assert twin_path is not None
    twin = client.get("/index.json" if path == "/" else path + ".json")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert isinstance(twin.json(), dict)
