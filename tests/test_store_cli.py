"""The database commands, run through click's test runner on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tallyroom.store.engine import head_revision
from tests.conftest import BALTIMORE, MILWAUKEE, PORTLAND, SEEDS
from tests.conftest import run_cli as run


def data(*args: str) -> Any:
    return json.loads(run(*args, "--json").stdout)


def test_import_list_show_history_stats(db_url: str, seeds_dir: Path) -> None:
    out = run("import", *map(str, SEEDS), "--db", db_url).stdout
    assert "3 file(s): 3 new, 0 new version(s), 0 kept (not current), 0 unchanged" in out
    assert "0 refused" in out
    again = data("import", *map(str, SEEDS), "--db", db_url)
    assert again["counts"] == {"unchanged": 3} and again["refused"] == 0
    assert {file["status"] for file in again["files"]} == {"unchanged"}

    listed = data("list", "--db", db_url)
    # Newest first: the two general elections of November 2004, then Milwaukee's of April.
    assert [row["title"] for row in listed] == [
        "2003–04 Baltimore mayoral election",
        "2004 Portland, Oregon mayoral election",
        "2004 Milwaukee mayoral election",
    ]
    assert [r["title"] for r in data("list", "--city", "portland", "--db", db_url)] == [
        "2004 Portland, Oregon mayoral election"
    ]
    assert "Portland" in run("list", "--state", "Oregon", "--db", db_url).stdout

    shown = data("show", "Baltimore", "--db", db_url)
    assert shown["store"]["source"]["name"] == BALTIMORE.name
    assert shown["election"]["title"] == "2003–04 Baltimore mayoral election"
    text = run("show", "Portland", "--db", db_url).stdout
    assert "2004 Portland, Oregon mayoral election" in text and PORTLAND.name in text

    (entry,) = data("history", "Milwaukee", "--db", db_url)
    assert entry["action"] == "created" and entry["source"]["name"] == MILWAUKEE.name
    assert "version 1 created" in run("history", "Milwaukee", "--db", db_url).stdout

    stats = data("stats", "--db", db_url)
    assert stats["elections"] == 3
    assert "incumbents: ran" in run("stats", "--db", db_url).stdout
    oregon = data("stats", "--state", "oregon", "--db", db_url)
    assert (oregon["elections"], oregon["versions"], oregon["sources"]) == (1, 1, 1)
    # Turnout for one place of the three (the others are counted, and the table says so).
    one = run("stats", "--places", "1", "--db", db_url).stdout
    assert "1 of 3 places" in " ".join(one.split())


def test_a_changed_file_makes_a_new_version(db_url: str, seeds_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "portland.txt"
    shutil.copy(PORTLAND, path)
    run("import", str(path), "--db", db_url)
    text = path.read_text(encoding="utf-8")
    assert "- Type: presidential" in text
    path.write_text(text.replace("- Type: presidential", "- Type: mayoral"), encoding="utf-8")
    out = run("import", str(path), "--db", db_url).stdout
    assert "new version: 2004 Portland, Oregon mayoral election (id 1, version 2; current 2)" in out
    history = run("history", "1", "--db", db_url).stdout
    assert "version 2 changed" in history
    assert "type: 'presidential' -> 'mayoral'" in history


def test_bad_files_are_named_and_the_others_land(
    db_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\x00\x00")
    result = run("import", str(binary), str(MILWAUKEE), "--db", db_url, code=2)
    assert f"refused: {binary}: expected a text file, found binary data" in result.output
    assert "1 new" in result.stdout
    assert len(data("list", "--db", db_url)) == 1
    missing = run("show", "Boston", "--db", db_url, code=2)
    assert missing.stderr.strip() == (
        "error: no election matches 'Boston'; `tallyroom list` shows what is stored"
    )


def test_many_files_show_a_progress_bar(db_url: str, seeds_dir: Path, tmp_path: Path) -> None:
    text = MILWAUKEE.read_text(encoding="utf-8")
    files = []
    for n in range(8):
        path = tmp_path / f"milwaukee-{n}.txt"
        title = f"2004 Milwaukee mayoral election, copy {n}"
        path.write_text(text.replace("2004 Milwaukee mayoral election", title), encoding="utf-8")
        files.append(str(path))
    result = run("import", *files, "--db", db_url)
    assert "importing" in result.stderr and "8/8" in result.stderr
    # Eight titles for one election (its place, office and year): one election, 8 versions.
    assert "8 file(s): 1 new, 7 new version(s), 0 kept" in result.stdout
    assert len(data("list", "--candidate", "barrett", "--db", db_url)) == 1


def test_db_upgrade_and_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALLYROOM_DB", raising=False)
    head = head_revision()
    out = run("db", "upgrade").stdout
    assert f"schema upgraded from nothing to {head}" in out
    assert (tmp_path / "tallyroom.db").is_file()
    assert f"schema is up to date ({head})" in run("db", "upgrade").stdout
    monkeypatch.setenv("TALLYROOM_DB", str(tmp_path / "other.db"))
    # A read command never creates a database at a mistyped path.
    assert "other.db: no database there" in run("list", code=2).stderr
    assert not (tmp_path / "other.db").exists()


def test_import_shows_the_readers_warnings_and_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_text("= 2004 X mayoral election =\n\nInfobox\n- Turnout: lots\n", encoding="utf-8")
    result = run("import", str(path), "--db", str(tmp_path / "w.db"))
    assert f"warning: {path}:4: Turnout: expected a percentage like 53.45%" in result.stderr
    assert "1 new" in result.stdout
