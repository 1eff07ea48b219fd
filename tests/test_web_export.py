"""The static export: every page as files, every relative link resolving to a file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.store import Store
from tallyroom.store.codec import to_json
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
                [r.votes for r in stage.rows] for stage in record.figures.stages
            ]
    index = json.loads((site / "index.json").read_text())
    assert index["total"] == len(rows) == len(index["elections"])
    assert (site / "static" / "style.css").is_file()


def test_every_link_is_relative_and_resolves(exported: tuple[Path, Path]) -> None:
    _, site = exported
    pages = list(site.rglob("*.html"))
    assert len(pages) > 30
    checked = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<form" not in html  # a static host cannot filter
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            if link.startswith("#"):
                continue
            assert not link.startswith(("/", "http:", "https:")), (page, link)
            target = (page.parent / unquote(link.split("#")[0])).resolve()
            assert target.is_file(), (page, link)
            checked += 1
    assert checked > 500


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
