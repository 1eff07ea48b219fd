"""Every page type in a real headless Chromium: axe-core finds no accessibility violation at
1,280 and 390 pixels (light and dark scheme), nothing scrolls the page sideways at 320 pixels,
the key columns stay in view and chart labels stay readable.

axe-core comes from npm (``scripts/setup`` installs it into ``.venv/node``); without it, or
without Chromium, these tests skip, unless ``TALLYROOM_REQUIRE_SERVICES=1`` (CI) makes them fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tallyroom.store import Store
from tallyroom.views import candidate_slug, city_slug
from tallyroom.web import create_app
from tests.conftest import ROOT, _missing
from tests.web_helpers import MAINE_TITLE, RCV_TITLE, build_database, chromium, serving

pytestmark = pytest.mark.browser

AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
#: The smallest a chart's text may be drawn, in CSS pixels.
MIN_LABEL_PX = 10


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        _missing(f"axe-core not installed at {AXE.relative_to(ROOT)} (run scripts/setup)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The live app over the test database, and one address of every page type."""
    db = build_database(tmp_path_factory.mktemp("a11y") / "results.db")
    with Store.open(db) as store:
        portland = store.record("2004 Portland, Oregon")
        maine = store.record(MAINE_TITLE)
        ranked = store.record(RCV_TITLE)
        city = ranked.election.jurisdiction
    pages = {
        "index": "/",
        "filtered index": "/?city=Portland%2C+Oregon&year=2004",
        "election": f"/elections/{portland.id}",
        "election, source order": f"/elections/{maine.id}?order=source",
        "ranked-choice election": f"/elections/{ranked.id}",
        "source": f"/elections/{portland.id}/source",
        "comparison": f"/compare/{maine.id}/{portland.id}",
        "candidate": f"/candidates/{candidate_slug(portland.figures.winner or '')}",
        "city": f"/cities/{city_slug(city.city or '', city.state)}",
        "year": "/years/2004",
        "every place": "/places",
        "API": "/docs",
        "not found": "/elections/424242",
    }
    with serving(create_app(db)) as port:
        yield f"http://127.0.0.1:{port}", pages


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as launched:
        yield launched


def _violations(page: Any, axe_source: str) -> list[str]:
    page.evaluate(axe_source)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)"
        ".map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_violation_on_any_page_type(
    browser: Any, site: tuple[str, dict[str, str]], axe_source: str, width: int, scheme: str
) -> None:
    base, pages = site
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems = {}
    for name, path in pages.items():
        page.goto(base + path)
        found = _violations(page, axe_source)
        if found:
            problems[name] = found
    context.close()
    assert not problems, problems


def test_nothing_scrolls_sideways_at_320_pixels(
    browser: Any, site: tuple[str, dict[str, str]]
) -> None:
    base, pages = site
    page = browser.new_page(viewport={"width": 320, "height": 700})
    wide = {}
    for name, path in pages.items():
        page.goto(base + path)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if scroll > inner:
            wide[name] = scroll
    page.close()
    assert not wide, f"wider than 320 px: {wide}"


@pytest.mark.parametrize("width", [390, 320])
def test_key_columns_and_winner_stay_in_view_on_a_phone(
    browser: Any, site: tuple[str, dict[str, str]], width: int
) -> None:
    """Candidate, votes, % and status of every results table, and the index's date, election
    and winner, fit their box: nothing to scroll, on the page or in the table."""
    base, pages = site
    page = browser.new_page(viewport={"width": width, "height": 800})
    overflowing = (
        "(sel) => Array.from(document.querySelectorAll(sel))"
        ".filter(box => box.scrollWidth > box.clientWidth).length"
    )
    for name in ("election", "ranked-choice election", "election, source order", "index"):
        page.goto(base + pages[name])
        tables = page.locator("div.scroll:has(table.results), div.scroll:has(table.elections)")
        assert tables.count(), name
        assert page.evaluate(overflowing, "div.scroll:has(table.results)") == 0, name
        assert page.evaluate(overflowing, "div.scroll:has(table.elections)") == 0, name
    page.goto(base + pages["election"])
    headers = page.locator("table.results thead th").evaluate_all(
        "cells => cells.filter(c => c.offsetParent !== null).map(c => c.textContent)"
    )
    assert headers[:4] == ["Candidate", "Votes", "%", "Status"]
    page.close()


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_chart_labels_keep_a_readable_size(
    browser: Any, site: tuple[str, dict[str, str]], width: int
) -> None:
    base, pages = site
    page = browser.new_page(viewport={"width": width, "height": 800})
    sizes = []
    for name in ("election", "ranked-choice election", "city"):
        page.goto(base + pages[name])
        sizes += page.evaluate(
            "() => Array.from(document.querySelectorAll('figure.chart svg')).flatMap(svg => {"
            "  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;"
            "  return Array.from(svg.querySelectorAll('text')).map("
            "    t => parseFloat(getComputedStyle(t).fontSize) * scale);"
            "})"
        )
    page.close()
    assert sizes and min(sizes) >= MIN_LABEL_PX, min(sizes)


def test_screenshots_of_the_main_pages(
    browser: Any, site: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """The index, an election, a ranked-choice election and a city, drawn at both widths."""
    base, pages = site
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        for name in ("index", "election", "ranked-choice election", "city"):
            page.goto(base + pages[name])
            shot = tmp_path / f"{name.replace(' ', '-')}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        page.close()
