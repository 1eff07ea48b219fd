"""``export-site --since``: only what a change touches is written again, and the result is the
export a full run would write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from tallyroom import service
from tallyroom.model import Election
from tallyroom.store import Store
from tallyroom.views import candidate_slug
from tallyroom.web.export import STAMP, export_site

from .conftest import ROOT, TEST_DATA, run_cli
from .test_store_changes import election, renamed, store_one, with_first_votes

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


def _generated(store: Store, numbers: tuple[int, ...]) -> dict[int, Election]:
    """Generated elections (0, 10 and 20 share a city and an office), stored."""
    made = {number: election(number) for number in numbers}
    for one in made.values():
        store_one(store, one)
    return made


def _inodes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_ino for path in folder.rglob("*") if path.is_file()}


def test_a_correction_listed_as_before_rewrites_its_pages_not_the_lists(tmp_path: Path) -> None:
    """A figure that changes no summary (a primary's votes) leaves the index, the year pages
    and the neighbours' pages as they were; the export still equals a full one."""
    folder = tmp_path / "site"
    with Store.open(str(tmp_path / "results.db")) as store:
        made = _generated(store, (0, 10, 20, 1))
        export_site(store, folder)
        before = _inodes(folder)
        votes = made[10].stages[0].results[0].votes or 0
        store_one(store, with_first_votes(made[10], votes + 1), replace=True)
        report = export_site(store, folder, since="last")
        export_site(store, tmp_path / "full")
        changed = store.find(made[10].title)
        neighbours = [store.find(made[n].title) for n in (0, 20)]
    assert _files(folder) == _files(tmp_path / "full")
    kept = {path for path, inode in before.items() if path.stat().st_ino == inode}
    assert folder / "index.html" in kept and folder / "index.json" in kept
    assert not any(p in kept for p in (folder / "elections").glob(f"{changed}.*"))
    assert all(folder / "elections" / f"{n}.html" in kept for n in neighbours)
    assert all(p in kept for p in (folder / "years").iterdir())
    city_files = [p for p in (folder / "cities").rglob("*") if p.is_file()]
    assert all(p in kept for p in city_files)  # the rows of the city's page are the same
    assert report.elections == 1 and report.cities == 0
    assert report.candidates == len({r.name for s in made[10].stages for r in s.results})


def test_a_change_of_listing_or_of_names_equals_a_full_export(tmp_path: Path) -> None:
    """A new winner changes the election's summary (the index, its year, its neighbours'
    links are written again); a person no election names any more loses their page."""
    folder = tmp_path / "site"
    with Store.open(str(tmp_path / "results.db")) as store:
        made = _generated(store, (0, 10, 20, 1))
        export_site(store, folder)
        one = made[10]
        runoff = one.stages[-1]
        first, second = runoff.results
        swapped = (
            dataclasses.replace(first, votes=second.votes),
            dataclasses.replace(second, votes=first.votes),
        )
        one = dataclasses.replace(
            one, stages=(*one.stages[:-1], dataclasses.replace(runoff, results=swapped))
        )
        in_runoff = {r.name for r in runoff.results} | {one.before_holder}
        gone = next(r.name for r in one.stages[0].results if r.name not in in_runoff)
        one = renamed(one, gone, "Someone Else Entirely")
        person = folder / "candidates" / f"{candidate_slug(gone)}.html"
        assert person.exists()
        store_one(store, one, replace=True)
        report = export_site(store, folder, since="last")
        export_site(store, tmp_path / "full")
    assert not person.exists()
    assert _files(folder) == _files(tmp_path / "full")
    assert report.elections == 3  # the city's elections: their links to neighbours


def test_publishing_again_writes_the_change_into_a_linked_copy(tmp_path: Path) -> None:
    """The next published folder starts as hard links to the current one and equals a full
    export; the current one, which readers may be in, is left as it was."""
    from tallyroom.web.publish import publish

    link = tmp_path / "cdn" / "site"
    with Store.open(str(tmp_path / "results.db")) as store:
        service.import_files(store, SAMPLES)
        first = publish(store, link)
        old = _files(first)
        service.import_files(store, LATER)
        second = publish(store, link)
        export_site(store, tmp_path / "full")
    assert link.resolve() == second.resolve()
    assert _files(first) == old
    assert _files(second) == _files(tmp_path / "full")
    shared = [p for p in first.rglob("*.html") if (second / p.relative_to(first)).samefile(p)]
    assert shared, "the unchanged pages were written again instead of linked"


def test_a_change_the_city_page_shows_rewrites_it(tmp_path: Path) -> None:
    """Turnout is on the city's page but not in the election's summary: the city's page is
    made again, the index is not, and the export equals a full one."""
    folder = tmp_path / "site"
    with Store.open(str(tmp_path / "results.db")) as store:
        made = _generated(store, (0, 10, 20))
        export_site(store, folder)
        before = _inodes(folder)
        one = made[10]
        stages = [
            dataclasses.replace(s, ballots_cast=(s.ballots_cast or 0) + 999) for s in one.stages
        ]
        store_one(store, dataclasses.replace(one, stages=tuple(stages)), replace=True)
        report = export_site(store, folder, since="last")
        export_site(store, tmp_path / "full")
    assert _files(folder) == _files(tmp_path / "full")
    kept = {path for path, inode in before.items() if path.stat().st_ino == inode}
    assert folder / "index.html" in kept
    assert report.elections == 1 and report.cities == 1
