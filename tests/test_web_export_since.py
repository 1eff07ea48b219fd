"""``export-site --since``: only what a change touches is written again, and the result is the
export a full run would write."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tallyroom import service
from tallyroom.store import Store
from tallyroom.web.export import STAMP, export_site

from .conftest import ROOT, TEST_DATA, run_cli

SAMPLES = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))
LATER = [TEST_DATA / "articles" / "2017-hoboken.txt", TEST_DATA / "articles" / "2019-houston.txt"]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != STAMP
    }


def test_an_incremental_export_equals_a_full_one_and_rewrites_only_what_changed(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "results.db")
    folder = tmp_path / "site"
    with Store.open(db) as store:
        service.import_files(store, SAMPLES)
        export_site(store, folder)
        before = {path: path.stat().st_ino for path in folder.rglob("*.html")}
        service.import_files(store, LATER)
        report = export_site(store, folder, since="last")
        full = tmp_path / "full"
        export_site(store, full)
    assert _files(folder) == _files(full)
    unchanged = [p for p, inode in before.items() if p.exists() and p.stat().st_ino == inode]
    rewritten = [p for p in before if p not in unchanged]
    assert unchanged, "an incremental export wrote every page again"
    assert folder / "index.html" in rewritten
    assert report.elections == len(LATER)  # two new cities: no neighbours to write again
    assert len(_files(folder)) > len(before)


def test_a_hard_linked_copy_of_the_last_export_is_left_as_it_was(tmp_path: Path) -> None:
    db = str(tmp_path / "results.db")
    folder, copy = tmp_path / "site", tmp_path / "copy"
    with Store.open(db) as store:
        service.import_files(store, SAMPLES)
        export_site(store, folder)
        for path in folder.rglob("*"):
            target = copy / path.relative_to(folder)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)
        old = _files(copy)
        service.import_files(store, LATER)
        export_site(store, folder, since="last")
    assert _files(copy) == old
    assert _files(folder) != old


def test_the_command_takes_last_or_a_time(tmp_path: Path) -> None:
    db = str(tmp_path / "results.db")
    run_cli("import", "--db", db, *map(str, SAMPLES))
    folder = str(tmp_path / "site")
    first = run_cli("export-site", folder, "--db", db, "--since", "last").stdout
    assert f"{len(SAMPLES)} elections" in first  # no earlier export: everything
    assert "0 elections" in run_cli("export-site", folder, "--db", db, "--since", "last").stdout
    run_cli("import", "--db", db, str(LATER[0]))
    hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    every = run_cli("export-site", folder, "--db", db, "--since", hour_ago).stdout
    assert f"{len(SAMPLES) + 1} elections" in every
    bad = run_cli("export-site", folder, "--db", db, "--since", "yesterday", code=2)
    assert "expected `last` or an ISO 8601 time" in bad.stderr


def test_a_missing_or_damaged_stamp_means_a_full_export(tmp_path: Path) -> None:
    db = str(tmp_path / "results.db")
    folder = tmp_path / "site"
    with Store.open(db) as store:
        service.import_files(store, SAMPLES)
        export_site(store, folder)
        for damage in ("{not json", '{"audit_mark": "7"}', None):
            if damage is None:
                (folder / STAMP).unlink()
            else:
                (folder / STAMP).write_text(damage, encoding="utf-8")
            assert export_site(store, folder, since="last").elections == len(SAMPLES)
        assert export_site(store, folder, since="last").elections == 0  # the stamp is whole again


def test_an_export_with_a_cache_of_two_records_writes_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export keeps a bounded cache of records and pages (so its memory does not grow with
    the archive); with the cache far smaller than the archive, every file is still the same."""
    from tallyroom.web import export

    db = str(tmp_path / "results.db")
    with Store.open(db) as store:
        service.import_files(store, [*SAMPLES, *LATER])
        export_site(store, tmp_path / "roomy")
        monkeypatch.setattr(export, "CACHE_SIZE", 2)
        report = export_site(store, tmp_path / "tight")
    assert _files(tmp_path / "tight") == _files(tmp_path / "roomy")
    assert report.elections == len(SAMPLES) + len(LATER) and report.candidates > 0
