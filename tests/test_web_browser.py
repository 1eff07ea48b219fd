"""The website in a real headless Chromium: the live app under uvicorn, and the static export
served by a plain HTTP server. One browser for the module; each test opens its own pages."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tallyroom.store import ElectionFilter, Store
from tallyroom.store.codec import to_json
from tallyroom.views.election import sorted_rows
from tallyroom.web import create_app, export_site
from tests.web_helpers import build_database, chromium, serving

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 375}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("browser") / "results.db")


@pytest.fixture(scope="module")
def store(db: Path) -> Iterator[Store]:
    with Store.open(db) as opened:
        yield opened


@pytest.fixture(scope="module")
def live_url(db: Path) -> Iterator[str]:
    with serving(create_app(db)) as port:
        yield f"http://127.0.0.1:{port}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def static_url(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("static") / "site"
    export_site(store, folder)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as launched:
        yield launched


def _table_votes(page: Any, stage: int) -> list[int | None]:
    cells = page.locator(f'table.results[data-stage="{stage}"] td.votes').all_inner_texts()
    return [None if text.strip() == "—" else int(text.replace(",", "")) for text in cells]


def _check_election_page(page: Any, store: Store, title: str) -> None:
    record = store.record(title)
    assert page.locator("h1").inner_text() == record.title
    for stage in record.figures.stages:
        if stage.rows and all(row.basis == "table" for row in stage.rows):
            shown = [row.votes for row in sorted_rows(stage.rows)]
            assert _table_votes(page, stage.index) == shown
            assert shown == sorted(shown, reverse=True)  # most votes first
            total = page.locator(f'table.results[data-stage="{stage.index}"] td.total')
            assert int(total.inner_text().replace(",", "")) == stage.total.counted


def _screenshots(page: Any, tmp_path: Path, name: str) -> None:
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        shot = tmp_path / f"{name}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner, f"{name} overflows at {width}px: {scroll} > {inner}"


def _json_twin(page: Any, url: str) -> Any:
    response = page.request.get(url)
    assert response.ok
    return response.json()


def test_live_site(browser: Any, live_url: str, store: Store, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_url)
    total = store.list_elections().total
    assert page.locator("#count").inner_text().startswith(f"{total} elections")
    _screenshots(page, tmp_path, "index")

    page.select_option("#city", "Portland, Oregon")
    page.fill("#year", "2004")
    page.click("form.filters button")
    page.wait_for_url("**/?*city=Portland*")
    where = ElectionFilter(city="Portland", state="Oregon", year=2004)
    expected = store.list_elections(where).rows
    assert page.locator("#count").inner_text().startswith(f"{len(expected)} election")
    links = page.locator("table.elections tbody th a")
    assert links.all_inner_texts() == [row.title for row in expected]

    links.first.click()
    page.wait_for_url("**/elections/*")
    _check_election_page(page, store, expected[0].title)
    _screenshots(page, tmp_path, "election")
    twin = _json_twin(page, page.url + ".json")
    assert twin["title"] == expected[0].title

    page.locator("#winner a").click()
    page.wait_for_url("**/candidates/*")
    winner = twin["outcome"]["winner"]
    assert page.locator("h1").inner_text() == winner
    assert expected[0].title in page.locator("table.runs").inner_text()
    _screenshots(page, tmp_path, "candidate")

    page.go_back()
    page.locator("nav.crumbs a").nth(1).click()
    page.wait_for_url("**/cities/*")
    assert page.locator("h1").inner_text() == "Portland, Oregon"
    assert page.locator("figure.chart svg title").count() == 1
    _screenshots(page, tmp_path, "city")

    page.goto(live_url + "elections/424242")
    assert "Not found" in page.locator("h1").inner_text()
    page.click("text=Back to all elections")
    page.wait_for_url(live_url)
    page.close()


def test_static_export(browser: Any, static_url: str, store: Store, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(static_url + "index.html")
    assert page.locator("form").count() == 0
    page.click("section.facets >> text=Springfield")  # the static site's city filter
    page.wait_for_url("**/cities/springfield-illinois.html")
    expected = store.list_elections(ElectionFilter(city="Springfield")).rows
    rows = page.locator("table.city tbody th a:not(.small)")
    assert sorted(rows.all_inner_texts()) == sorted(row.title for row in expected)

    rows.first.click()
    page.wait_for_url("**/elections/*.html")
    title = page.locator("h1").inner_text()
    _check_election_page(page, store, title)
    _screenshots(page, tmp_path, "static-election")
    twin = _json_twin(page, page.url.removesuffix(".html") + ".json")
    figures = store.record(title).figures
    assert twin["figures"] == to_json(figures)
    assert [r["votes"] for r in twin["stages"][0]["rows"]] == [
        r.votes for r in sorted_rows(figures.stages[0].rows)
    ]

    page.locator("table.results tbody th a").first.click()
    page.wait_for_url("**/candidates/*.html")
    assert title in page.locator("table.runs").inner_text()
    page.locator("table.runs a").first.click()
    page.wait_for_url("**/elections/*.html")
    page.click("header.site >> text=Elections")
    page.wait_for_url("**/index.html")
    _screenshots(page, tmp_path, "static-index")
    page.close()
