"""The static export's file writing: every file written once, each election read once, failures
named in one line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.errors import StorageError
from tallyroom.store import ElectionRecord, Store
from tallyroom.store.read import RecordInPlace
from tallyroom.web import export_site
from tallyroom.web.export import _ExportSite
from tallyroom.web.site import IndexQuery, Site
from tests.web_helpers import build_database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_database(tmp_path_factory.mktemp("export-files") / "results.db")


def test_the_report_counts_what_is_on_disk(database: Path, tmp_path: Path) -> None:
    with Store.open(database) as store:
        report = export_site(store, tmp_path / "site")
    written = [path for path in (tmp_path / "site").rglob("*") if path.is_file()]
    assert report.files == len(written) > 30
    assert report.bytes == sum(path.stat().st_size for path in written)
    with Store.open(database) as store:
        again = export_site(store, tmp_path / "site")  # over the earlier export
    assert (again.files, again.bytes) == (report.files, report.bytes)


class _CountingStore(Store):
    """The database, counting how often each election's record is read from it."""

    reads: Counter[int]

    def record(self, ref: int | str, version: int | None = None) -> ElectionRecord:
        found = super().record(ref, version)
        self.reads[found.id] += 1
        return found

    def record_in_place(self, election_id: int) -> RecordInPlace:
        self.reads[election_id] += 1
        return super().record_in_place(election_id)


def test_each_election_is_read_from_the_database_once(database: Path, tmp_path: Path) -> None:
    # An election's page, source page, comparisons with its neighbours, its city's page and
    # its people's pages all show it; the export reads its record for the first and keeps it
    # for the others (a comparison waits for the second election of the pair).
    with _CountingStore.open(database) as store:
        assert isinstance(store, _CountingStore)
        store.reads = Counter()
        report = export_site(store, tmp_path / "site")
        ids = [summary.id for summary in store.list_elections().rows]
    assert report.elections == len(ids) > 10
    assert len(list((tmp_path / "site" / "compare").rglob("*.html"))) >= 2
    assert store.reads == Counter(dict.fromkeys(ids, 1))


def test_the_export_keeps_no_rendered_page(database: Path) -> None:
    # The export asks for each page once; kept, the lists of every election (the index, the
    # years) would stay in memory to the end. The live site keeps what it rendered.
    with Store.open(database) as store:
        live, export = Site(store), _ExportSite(store, {})
        assert live.index(IndexQuery()) is live.index(IndexQuery())
        first, again = export.index(IndexQuery()), export.index(IndexQuery())
        assert first is not again and first.html == again.html
        assert export.election(1) is not None and len(export.pages) == 0


def test_a_file_the_system_refuses_stops_the_export_with_its_name(
    database: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "index.json").mkdir(parents=True)  # a folder where the index's JSON twin belongs
    with Store.open(database) as store, pytest.raises(StorageError) as raised:
        export_site(store, site)
    message = str(raised.value)
    assert message.startswith(str(site / "index.json")) and "cannot write the file" in message
    assert "\n" not in message
    assert (site / "index.html").is_file()  # the files before it were written


def test_the_command_line_names_the_file_in_one_line(database: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "static" / "style.css").mkdir(parents=True)
    result = CliRunner().invoke(main, ["export-site", str(site), "--db", str(database)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "style.css: cannot write the file" in result.output
