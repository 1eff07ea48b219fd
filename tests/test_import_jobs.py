"""``tallyroom import --jobs N``: the same outcome, file by file, as one job."""

from __future__ import annotations

import json
from pathlib import Path

from tallyroom.store import Store
from tallyroom.store.read import ElectionFilter, list_elections

from .conftest import ROOT, TEST_DATA, run_cli

FILES = [
    *sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt")),
    TEST_DATA / "openelections" / "20181106__dc__general__precinct.csv",
    TEST_DATA / "nist-err" / "err-prim-03.json",
]


def _import(db: Path, *args: str) -> dict[str, object]:
    result = run_cli("import", "--db", str(db), "--json", *args, *map(str, FILES))
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _stored(db: Path) -> list[tuple[object, ...]]:
    with Store.open(str(db), read_only=True) as store, store.engine.connect() as conn:
        rows = list_elections(conn, ElectionFilter()).rows
    return [(r.title, r.winner, r.winner_percent, r.outcome) for r in rows]


def test_two_worker_processes_import_what_one_process_imports(tmp_path: Path) -> None:
    one = _import(tmp_path / "one.db")
    two = _import(tmp_path / "two.db", "--jobs", "2")
    assert one == two
    assert _stored(tmp_path / "one.db") == _stored(tmp_path / "two.db")
    assert len(_stored(tmp_path / "one.db")) > len(FILES)


def test_a_refused_file_among_workers_costs_the_others_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = run_cli(
        "import", "--db", str(tmp_path / "r.db"), "--jobs", "2", str(bad), str(FILES[0]), code=2
    )
    assert "1 new" in result.stdout and "1 refused" in result.stdout
    assert f"refused: {bad}" in result.stderr
