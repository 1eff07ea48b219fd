"""The static export: every page as files, every relative link resolving to a file."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.store import Store
from tallyroom.store.codec import to_json
from tallyroom.views.election import sorted_rows
from tallyroom.web.export import STAMP
from tests.web_helpers import build_database


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("export")
    db = build_database(folder / "results.db")
    result = CliRunner().invoke(main, ["export-site", str(folder / "site"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "files" in result.output
    return db, folder / "site"


def test_every_election_is_exported_with_its_twin(exported: tuple[Path, Path]) -> None:
    db, site = exported
    with Store.open(db) as store:
        rows = store.list_elections().rows
        for row in rows:
            page = site / "elections" / f"{row.id}.html"
            assert page.is_file()
            twin = json.loads((site / "elections" / f"{row.id}.json").read_text())
            record = store.record(row.id)
            assert twin["title"] == record.title
            assert twin["figures"] == to_json(record.figures)
            assert [[r["votes"] for r in s["rows"]] for s in twin["stages"]] == [
                [r.votes for r in sorted_rows(stage.rows)] for stage in record.figures.stages
            ]
    index = json.loads((site / "index.json").read_text())
    assert index["total"] == len(rows) == len(index["elections"])
    assert (site / "static" / "style.css").is_file()


class _Links(HTMLParser):
    """The links (``href``, ``src``) and the ids of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            elif name == "id" and value is not None:
                self.ids.add(value)


def _parsed(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_link_is_relative_and_resolves(exported: tuple[Path, Path]) -> None:
    """A crawl of the export from its index: every link (and every ``#anchor``) resolves, no
    link is broken, and every file the export wrote is reached."""
    _, site = exported
    written = {p.resolve() for p in site.rglob("*") if p.is_file() and p.name != STAMP}
    index = (site / "index.html").resolve()
    reached, queue, broken = {index}, [index], []
    parsed: dict[Path, _Links] = {}
    checked = anchors = 0
    while queue:
        page = queue.pop()
        links = parsed.setdefault(page, _parsed(page))
        assert "<form" not in page.read_text(encoding="utf-8")  # a static host cannot filter
        for link in links.links:
            assert not link.startswith(("/", "http:", "https:")), (page, link)
            path, _, fragment = link.partition("#")
            target = (page.parent / unquote(path)).resolve() if path else page
            checked += 1
            if not target.is_file():
                broken.append((page, link))
                continue
            if fragment:
                anchors += 1
                if fragment not in parsed.setdefault(target, _parsed(target)).ids:
                    broken.append((page, link))
            if target not in reached:
                reached.add(target)
                if target.suffix == ".html":
                    queue.append(target)
    assert not broken, broken[:10]
    assert checked > 1000 and anchors > 20
    kinds = {path.relative_to(site.resolve()).parts[0] for path in reached}
    assert {"elections", "candidates", "cities", "years", "compare", "static"} <= kinds
    assert any(path.name == "source.html" for path in reached)
    assert written - reached == set(), sorted(written - reached)[:10]


def test_export_into_a_file_path_fails_cleanly(tmp_path: Path) -> None:
    db = build_database(tmp_path / "results.db")
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    result = CliRunner().invoke(main, ["export-site", str(blocker / "site"), "--db", str(db)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_a_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    db = build_database(tmp_path / "results.db")
    site = tmp_path / "site"
    site.mkdir()
    (site / "candidates").write_text("a file where the candidates' folder belongs")
    result = CliRunner().invoke(main, ["export-site", str(site), "--db", str(db)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "candidates" in result.output and "cannot write the file" in result.output
    assert (site / "elections").is_dir()  # the files before it were written


def test_demo_section_prints_how_to_open_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re as regex
    import tempfile

    from fastapi.testclient import TestClient
    from rich.console import Console

    from tallyroom.cli.demo import sample_elections
    from tallyroom.cli.web import demo_web
    from tallyroom.web import create_app

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    console = Console(record=True, width=400)
    elections = sample_elections()
    demo_web(console, elections)
    text = console.export_text()
    assert "http://127.0.0.1:8000/" in text
    found = regex.search(r"tallyroom serve --db (\S+)", text)
    assert found is not None
    with TestClient(create_app(found.group(1))) as client:
        listed = client.get("/index.json").json()
    assert sorted(row["title"] for row in listed["elections"]) == sorted(e.title for e in elections)
