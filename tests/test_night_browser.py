"""The whole election night in a real headless Chromium against the live app under uvicorn:
the admin adds a clerk, the clerk signs in, enters two precincts by form and uploads the rest as
CSV while a public page (never reloaded by the test) goes from "2 of 5" to "5 of 5" by itself;
the certifier certifies, the public page says so, and a later edit is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tallyroom.night import accounts
from tallyroom.night.returns import unit_entry
from tallyroom.store import Store
from tallyroom.web import create_app
from tests.test_night_web import DATA, KEY, P1, P2, PASSWORD
from tests.web_helpers import chromium, serving

pytestmark = pytest.mark.browser

LIVE = "live/" + quote(KEY, safe="")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tallyroom.night.declare import declare, read_declaration, read_units_csv

    path = tmp_path_factory.mktemp("night") / "night.db"
    declaration = read_declaration((DATA / "springfield.toml").read_text(), "springfield.toml")
    units = read_units_csv((DATA / "units.csv").read_text(), "units.csv")
    with Store.open(path) as store:
        from dataclasses import replace

        declare(store, replace(declaration, units=units), actor="root")
        accounts.add_user(store, "ada", "admin", PASSWORD, actor="root")
        accounts.add_user(store, "ed", "certifier", PASSWORD, actor="root")
    return path


@pytest.fixture(scope="module")
def site(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    link = tmp_path_factory.mktemp("cdn") / "site"
    app = create_app(db, export_to=link)
    app.state.night.refresh = 1
    app.state.night.live.fresh_for = 0.2
    with serving(app) as port:
        # "localhost" is a secure context for Chromium: the Secure, __Host- cookies work over
        # http.
        yield f"http://localhost:{port}/", app


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as launched:
        yield launched


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(base + "night/sign-in")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form.stack button")
    page.wait_for_url("**/night")
    assert f"Signed in as {name}" in page.locator("main").inner_text()


def _sign_out(page: Any) -> None:
    page.click("header.site button.link")
    page.wait_for_url("**/live")


def _enter(page: Any, base: str, unit: str, votes: dict[str, int]) -> None:
    page.goto(base + f"night/e/{quote(KEY, safe='')}/0/{unit}")
    for number, value in enumerate(votes.values()):
        page.fill(f"#v{number}", str(value))
    page.click("#store")
    page.wait_for_selector("p.notice")
    assert "returns stored" in page.locator("p.notice").inner_text()


def test_election_night_walk(browser: Any, site: tuple[str, Any], db: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, app = site
    staff = browser.new_context()
    page = staff.new_page()

    # The admin adds a clerk and assigns the election.
    _sign_in(page, base, "ada")
    page.click("text=Accounts")
    page.wait_for_url("**/night/users")
    page.fill("#new-name", "cy")
    page.select_option("#new-role", "clerk")
    page.fill("#new-password", PASSWORD)
    page.click("form.stack button")
    row = page.locator("table.users tr", has_text="cy")
    row.locator("button", has_text="Assign").click()
    page.wait_for_load_state()
    assert "2025 Springfield Mayor election" in page.locator("table.users").inner_text()
    _sign_out(page)

    # The public watches, without an account; the page refreshes itself.
    public = browser.new_context().new_page()
    public.goto(base + LIVE)
    assert public.locator("#reporting").inner_text().startswith("0 of 5 precincts reporting")

    # The clerk enters two precincts by form...
    _sign_in(page, base, "cy")
    _enter(page, base, "P1", P1)
    _enter(page, base, "P2", P2)
    expect(public.locator("#reporting")).to_contain_text("2 of 5 precincts", timeout=15_000)
    assert "Ann Lee leads" in public.locator("#decision-0").inner_text()

    # ...and uploads the rest as CSV.
    page.goto(base + f"night/e/{quote(KEY, safe='')}")
    page.set_input_files("#upload-0", str(DATA / "returns.csv"))
    page.click("form[action$='/0/upload'] button")
    page.wait_for_selector("p.notice")
    assert "3 precincts stored" in page.locator("p.notice").inner_text()
    expect(public.locator("#reporting")).to_contain_text("5 of 5 precincts", timeout=15_000)
    ward = public.locator("table.units tr[data-unit='W2'] td").first.inner_text()
    assert ward == "yes"
    for width in (1280, 375):  # the tables scroll inside the page; the page does not
        public.set_viewport_size({"width": width, "height": 900})
        public.screenshot(path=str(tmp_path / f"live-{width}.png"), full_page=True)
        scroll, inner = public.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner, f"the live page overflows at {width}px: {scroll} > {inner}"
    _sign_out(page)

    # The certifier certifies; the public page says so.
    _sign_in(page, base, "ed")
    page.goto(base + f"night/e/{quote(KEY, safe='')}")
    page.click("#certify")
    page.wait_for_selector("p.notice")
    assert "Certified" in page.locator("p.notice").inner_text()
    expect(public.locator("#night-status")).to_have_text("Certified", timeout=15_000)
    assert public.locator("#decision-0").inner_text().startswith("Ann Lee won with")
    _sign_out(page)

    # A later edit is refused, even one posted by hand with a good token.
    _sign_in(page, base, "cy")
    desk = page.goto(base + f"night/e/{quote(KEY, safe='')}/0/P1")
    assert desk is not None and "cannot change" in page.locator("main").inner_text()
    csrf = page.locator("header.site input[name=csrf]").get_attribute("value")
    with Store.open(db) as store:
        entry = unit_entry(store, KEY, 0, "P1")
    assert entry is not None
    late = page.request.post(
        base + f"night/e/{quote(KEY, safe='')}/0/P1",
        form={"csrf": csrf, "revision": str(entry.revision), "v0": "1", "v1": "1", "v2": "1"},
    )
    assert late.status == 409
    with Store.open(db) as store:
        after = unit_entry(store, KEY, 0, "P1")
    assert after == entry

    # The static site was exported after the changes and switched to in one step.
    publisher = app.state.night.on_change.__self__
    assert publisher.wait(60)
    link = publisher.link
    assert link.is_symlink() and (link / "index.html").is_file()
    assert re.search(r"Springfield", (link / "index.html").read_text())
