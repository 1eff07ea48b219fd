"""Four importers at once, over overlapping files, on SQLite and on a real PostgreSQL server:
every one finishes, and nothing is lost or stored twice."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tallyroom.formats import write_text
from tallyroom.store import Store
from tallyroom.store import schema as t
from tallyroom.store.generate import generated_election
from tests.conftest import ROOT

FILES = 40


def _files(folder: Path) -> list[Path]:
    paths = []
    for n in range(FILES):
        election = generated_election(n, random.Random(n))
        path = folder / f"{n:02d}.toml"
        path.write_text(write_text([election], "native").text, encoding="utf-8")
        paths.append(path)
    return paths


def test_four_overlapping_importers_lose_nothing(db_url: str, tmp_path: Path) -> None:
    paths = _files(tmp_path)
    Store.open(db_url).close()  # migrated once; the importers then only write
    orders = [
        paths[:30],
        paths[10:],
        paths[::-1],
        paths[20:] + paths[:10],
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tallyroom", "import", "--db", db_url, "--json", *map(str, o)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for o in orders
    ]
    stored: dict[str, list[str]] = {}
    for child in children:
        out, err = child.communicate(timeout=600)
        assert child.returncode == 0, err[-2000:]
        report = json.loads(out)
        assert report["refused"] == 0, report
        for entry in report["files"]:
            stored.setdefault(entry["name"], []).append(entry["status"])
    # Every file was imported by some importer first ("stored"), by the others "unchanged".
    assert sorted(stored) == sorted(p.name for p in paths)
    for name, statuses in stored.items():
        assert statuses.count("stored") == 1, (name, statuses)
    with Store.open(db_url) as store, store.engine.connect() as conn:
        counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (t.elections, t.versions, t.sources, t.audit, t.version_figures)
        }
        assert counts == {
            "elections": FILES,
            "versions": FILES,
            "sources": FILES,
            "audit": FILES,
            "version_figures": FILES,
        }
        assert {row.version for row in store.list_elections().rows} == {1}
