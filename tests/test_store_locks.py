"""Locked and audited results, on SQLite and PostgreSQL: a certified election is changed only by
a correction with a reason; the actor, OS user and host of every write are recorded; every
import attempt is kept, refused and unchanged ones too; published rows are immutable."""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom.store import Store
from tallyroom.store import schema as t
from tests.conftest import ROOT
from tests.conftest import run_cli as run

#: The project's own articles of the 2003–04 Baltimore and 2004 Milwaukee elections.
SAMPLES = ROOT / "tallyroom" / "data" / "samples"
BALTIMORE = SAMPLES / "2004-baltimore.txt"
MILWAUKEE = SAMPLES / "2004-milwaukee.txt"

GENERAL = 'result = "Democratic Party (United States) Hold"\n'


def native(tmp_path: Path, name: str, *, certified: bool, votes: int = 173030) -> Path:
    """Baltimore 2004 in the native format, its general election's results certified or not."""
    text = run("convert", str(BALTIMORE), "--to", "native").stdout
    assert GENERAL in text and "votes = 173030\n" in text
    if certified:
        text = text.replace(GENERAL, GENERAL + 'status = "certified"\n')
    path = tmp_path / name
    path.write_text(text.replace("votes = 173030\n", f"votes = {votes}\n"), encoding="utf-8")
    return path


def rows(db_url: str, table: sa.Table) -> list[Any]:
    with Store.open(db_url) as store, store.engine.connect() as conn:
        return list(conn.execute(sa.select(table).order_by(table.c.id)).all())


def history(db_url: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        run("history", "Baltimore", "--db", db_url, "--json").stdout
    )
    return data


def test_a_certified_version_is_replaced_only_by_a_correction(db_url: str, tmp_path: Path) -> None:
    official = native(tmp_path, "official.toml", certified=True)
    run("import", str(official), "--db", db_url, "--actor", "clerk")
    # A rival reading (the article without the status), even with --replace: refused, whole.
    for extra in ((), ("--replace",)):
        out = run("import", str(BALTIMORE), *extra, "--db", db_url, code=2)
        lines = out.stderr.strip().splitlines()
        assert lines == [
            f"refused: {BALTIMORE.name}: 2003–04 Baltimore mayoral election (version 1) is "
            "certified; import it with --correction REASON to record a correction"
        ]
    assert [v.number for v in rows(db_url, t.versions)] == [1]
    # The same certified content again is a no-op, not a rival.
    run("import", str(official), "--db", db_url)
    fixed = native(tmp_path, "fixed.toml", certified=True, votes=173031)
    out = run(
        "import", str(fixed), "--db", db_url, "--correction", "canvass recount", "--actor", "board"
    ).stdout
    assert "new version: 2003–04 Baltimore mayoral election" in out and "current 2" in out
    entries = history(db_url)
    corrected = next(e for e in entries if e["action"] == "corrected")
    assert corrected["version"] == 2 and corrected["by"] == "board"
    assert corrected["note"] == "correction: canvass recount"
    assert corrected["os_user"] == getpass.getuser()
    assert corrected["host"] == socket.gethostname()
    attempts = rows(db_url, t.import_attempts)
    assert [(a.source, a.outcome, a.actor) for a in attempts] == [
        ("official.toml", "stored", "clerk"),
        (BALTIMORE.name, "refused", getpass.getuser()),
        (BALTIMORE.name, "refused", getpass.getuser()),
        ("official.toml", "unchanged", getpass.getuser()),
        ("fixed.toml", "stored", "board"),
    ]
    assert "is certified" in (attempts[1].reason or "")
    assert attempts[0].elections == attempts[1].elections and attempts[0].elections
    assert len(attempts[0].sha256 or "") == 64 and attempts[0].sha256 != attempts[1].sha256
    assert {(a.os_user, a.host) for a in attempts} == {(getpass.getuser(), socket.gethostname())}


def test_an_uncertified_version_is_replaced_as_before(db_url: str, tmp_path: Path) -> None:
    run("import", str(native(tmp_path, "a.toml", certified=False)), "--db", db_url)
    worse = str(native(tmp_path, "b.toml", certified=False, votes=1))
    out = run("import", worse, "--replace", "--db", db_url)
    assert "replaced" not in out.stderr and "new version:" in out.stdout
    assert [e["action"] for e in history(db_url)] == ["created", "replaced"]


def test_adding_stages_to_a_certified_election_is_a_rival(db_url: str, tmp_path: Path) -> None:
    official = native(tmp_path, "official.toml", certified=True)
    text = official.read_text(encoding="utf-8")
    first, general = text.index("[[stages]]"), text.rindex('[[stages]]\nkind = "general"')
    official.write_text(text[:first] + text[general:], encoding="utf-8")
    run("import", str(official), "--db", db_url)
    out = run("import", str(BALTIMORE), "--db", db_url, code=2)
    assert "is certified; import it with --correction REASON" in out.stderr
    run("import", str(BALTIMORE), "--db", db_url, "--correction", "primaries added")
    assert [e["action"] for e in history(db_url)][-1] == "corrected"


def test_unreadable_files_and_reverts_are_recorded(db_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    run("import", str(MILWAUKEE), str(broken), "--db", db_url, "--actor", "a", code=2)
    attempts = rows(db_url, t.import_attempts)
    assert [(a.source, a.outcome, a.elections is None) for a in attempts] == [
        (MILWAUKEE.name, "stored", False),
        ("broken.json", "refused", True),
    ]
    assert "broken.json:1: expected JSON" in (attempts[1].reason or "")
    assert attempts[1].sha256 == hashlib.sha256(b"{").hexdigest()
    run("import", str(native(tmp_path, "a.toml", certified=False)), "--db", db_url)
    run("import", str(native(tmp_path, "b.toml", certified=False, votes=1)), "--db", db_url)
    run("revert", "Baltimore", "2", "--db", db_url, "--actor", "auditor", "--reason", "typo")
    last = history(db_url)[-1]
    assert (last["action"], last["by"], last["os_user"]) == (
        "reverted",
        "auditor",
        getpass.getuser(),
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE versions SET title = 'x'",
        "DELETE FROM versions",
        "UPDATE version_figures SET rules = '{}'",
        "DELETE FROM version_figures",
        "UPDATE stages SET stated_total = 1",
        "DELETE FROM stages",
        "UPDATE stage_results SET votes = 1",
        "DELETE FROM stage_results",
        "UPDATE findings SET message = 'x'",
        "DELETE FROM findings",
        "UPDATE sources SET text = 'x'",
        "DELETE FROM sources",
        "UPDATE import_attempts SET outcome = 'stored'",
        "DELETE FROM import_attempts",
        "UPDATE audit SET by = 'x'",
        "DELETE FROM audit",
    ],
)
def test_published_rows_and_the_records_are_immutable(db_url: str, statement: str) -> None:
    run("import", str(BALTIMORE), "--db", db_url)
    with Store.open(db_url) as store:
        with pytest.raises(sa.exc.DBAPIError) as caught, store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
        assert "immutable" in str(caught.value) or "append-only" in str(caught.value)
        with store.engine.begin() as conn:
            # The pointer to the current version stays writable: imports and reverts move it.
            conn.execute(sa.update(t.elections).values(current_version=1))
