"""The public server's hardening: security headers on every response, HEAD wherever GET works,
error pages of bounded size, a busy port as one line, and the OpenAPI description checked by
schemathesis against the app, in process."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tallyroom.cli import main
from tallyroom.store import Store
from tallyroom.web import create_app
from tallyroom.web.app import CONTENT_SECURITY_POLICY, MAX_ECHO
from tests.web_helpers import RCV_TITLE, build_database, chromium

EXPECTED_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
#: Examples schemathesis makes for each operation of the API (a few seconds in all).
EXAMPLES = 25


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("hardening") / "results.db")


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def addresses(db: Path) -> list[str]:
    """One address of every kind the site answers, good and bad."""
    with Store.open(db, read_only=True) as store:
        ranked = store.find(RCV_TITLE)
        first = store.list_elections(limit=1).rows[0]
    city = client_get_slug(db, "/index.json", "cities")
    candidate = client_get_slug(db, f"/elections/{ranked}.json", "candidates")
    return [
        "/",
        "/index.json",
        "/?year=2004",
        f"/elections/{first.id}",
        f"/elections/{ranked}.json",
        f"/elections/{ranked}/stages/0.svg",
        f"/elections/{ranked}/stages/0/rounds.svg",
        city,
        city + ".json",
        city + "/chart.svg",
        candidate,
        f"/years/{first.year}",
        "/docs",
        "/openapi.json",
        "/static/style.css",
        "/nowhere",
        "/nowhere.json",
        "/?year=abc",
        "/index.json?colour=red",
    ]


def client_get_slug(db: Path, address: str, kind: str) -> str:
    with TestClient(create_app(db)) as test_client:
        text = test_client.get(address).text
    found = re.search(rf'"(/{kind}/[a-z0-9-]+)"', text)
    assert found, f"no /{kind}/ link in {address}"
    return found.group(1)


def _security(headers: Any) -> dict[str, str]:
    return {name: headers.get(name) for name in EXPECTED_HEADERS}


def test_every_response_carries_the_security_headers(
    client: TestClient, addresses: list[str]
) -> None:
    statuses: Counter[int] = Counter()
    for address in addresses:
        response = client.get(address)
        statuses[response.status_code // 100] += 1
        assert _security(response.headers) == EXPECTED_HEADERS, address
    assert statuses == {2: 15, 4: 4}
    refused = client.post("/")
    assert refused.status_code == 405
    assert _security(refused.headers) == EXPECTED_HEADERS
    assert refused.headers["allow"] == "GET"


def test_head_answers_wherever_get_does(client: TestClient, addresses: list[str]) -> None:
    for address in addresses:
        got = client.get(address)
        head = client.head(address)
        assert head.status_code == got.status_code, address
        assert head.content == b"", address
        assert head.headers["content-type"] == got.headers["content-type"], address
        assert int(head.headers["content-length"]) == len(got.content), address
        assert _security(head.headers) == EXPECTED_HEADERS, address


def test_pages_use_nothing_the_policy_forbids(client: TestClient, addresses: list[str]) -> None:
    """No script, no inline style, nothing from elsewhere: the strict policy costs nothing."""
    forbidden = re.compile(
        r"<script|<style|\sstyle=|\son[a-z]+=|javascript:|(?:src|href)=\"(?:https?:)?//", re.I
    )
    checked = 0
    for address in addresses:
        response = client.get(address)
        kind = response.headers["content-type"]
        if kind.startswith(("text/html", "image/svg+xml")):
            checked += 1
            assert not forbidden.search(response.text), (address, forbidden.search(response.text))
    assert checked >= 12


@pytest.mark.parametrize(
    "address",
    [
        "/" + "x" * 10_000,
        "/" + "x" * 10_000 + ".json",
        "/elections/" + "9" * 10_000,
        "/elections/" + "a" * 10_000 + ".json",
        "/candidates/" + "b" * 10_000,
        "/cities/" + "c" * 10_000 + "/chart.svg",
        "/years/" + "1" * 10_000,
    ],
)
def test_error_pages_are_bounded(client: TestClient, address: str) -> None:
    short = client.get(address[:40])
    response = client.get(address)
    assert response.status_code == short.status_code == 404
    # The page repeats a bounded part of the address: no longer than for a short one, plus that.
    assert len(response.content) <= len(short.content) + 4 * MAX_ECHO
    assert len(response.content) < 6_000


def test_schemathesis_finds_no_server_error_and_no_departure_from_the_schema(
    db: Path,
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(db))
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            response = case.call_and_validate()
            statuses[response.status_code] += 1

        conforms()
    assert operations == 21  # with the list of places: /places, /places/{n} and twins
    assert not [status for status in statuses if status >= 500]
    assert statuses[200] > 0 and statuses[404] > 0


def test_a_page_address_ending_in_json_is_its_twins_and_the_schema_says_so(
    client: TestClient,
) -> None:
    """``/cities/x.json`` is the JSON twin of ``/cities/x``, refused in JSON, never the page of
    a city whose slug is ``x.json``: the schema's page parameters exclude the suffix (without
    it, schemathesis once generated that slug for the page and found a JSON 404 there)."""
    response = client.get("/cities/stages.json")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "No city is known as 'stages'" in response.json()["error"]["message"]
    spec = client.get("/openapi.json").json()
    pages = 0
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                last = path.endswith("{" + parameter["name"] + "}")
                if parameter["in"] == "path" and last and parameter["schema"]["type"] == "string":
                    pattern = re.compile(parameter["schema"]["pattern"])
                    assert pattern.search("portland-oregon") and pattern.search("2004")
                    assert not pattern.search("stages.json") and not pattern.search(".json")
                    pages += 1
                elif parameter["in"] == "path":
                    assert "pattern" not in parameter["schema"], (path, parameter)
    assert pages == 6  # elections, compare, candidates, cities, years, places


def test_a_busy_port_is_one_line_and_exit_2(db: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    assert "--port" in lines[0]


@pytest.fixture(scope="module")
def served(db: Path) -> Iterator[tuple[str, int]]:
    """``tallyroom serve`` in a process of its own, on a port the system picks."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tallyroom", "serve", "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, (line, process.stderr.read() if process.stderr else "")
    try:
        yield "127.0.0.1", int(found.group(1))
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()


def test_the_real_server_answers_head_without_a_body(served: tuple[str, int]) -> None:
    host, port = served
    for method in ("GET", "HEAD"):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request(method, "/index.json")
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        assert _security(response.headers) == EXPECTED_HEADERS
        length = int(response.headers["content-length"])
        assert length > 1000
        assert body == b"" if method == "HEAD" else len(body) == length
        connection.close()


@pytest.mark.browser
def test_chromium_reports_no_policy_violation(
    served: tuple[str, int], chromium_path: str, db: Path
) -> None:
    host, port = served
    with Store.open(db, read_only=True) as store:
        ranked = store.find(RCV_TITLE)
    complaints: list[str] = []
    with chromium(chromium_path) as browser:
        page = browser.new_page()
        page.on("console", lambda message: complaints.append(message.text))
        for address in ("/", f"/elections/{ranked}", "/docs", "/nowhere"):
            page.goto(f"http://{host}:{port}{address}")
            # The stylesheet was allowed and applied; the charts are drawn.
            assert page.evaluate("document.styleSheets[0].cssRules.length") > 0
            if address.startswith("/elections"):
                assert page.locator("svg").count() > 0
    assert not [text for text in complaints if "Content Security Policy" in text], complaints
