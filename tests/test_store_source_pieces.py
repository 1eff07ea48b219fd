"""A long source's text is stored in pieces (``sources.text`` then ``source_pieces``) and read
back whole; a long precinct file is imported from disk, its text never held whole, and refused
when it changed between its reading and its storing."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.errors import StorageError
from tallyroom.formats import load_path, read_bytes
from tallyroom.store import Store, sources
from tallyroom.store import schema as t
from tallyroom.store.engine import create_engine, normalize_url
from tallyroom.store.sources import SourceFile
from tests.store_helpers import migrate, row_counts

DATA = Path(__file__).parent / "data"
PRECINCTS = DATA / "openelections" / "20061107__dc__general__precinct.csv"
ARTICLE = DATA / "articles" / "2019-houston.txt"


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 500 characters (or bytes read), and every precinct file read from disk."""
    monkeypatch.setattr(sources, "PIECE_CHARS", 500)
    monkeypatch.setattr(sources, "PIECE_BYTES", 500)
    monkeypatch.setattr(service, "STREAMED_BYTES", 0)


def _stored(store: Store) -> list[tuple[str, str, int, int]]:
    """Each stored source: its first piece, its SHA-256, its size, how many pieces follow."""
    s, p = t.sources, t.source_pieces
    pieces = sa.select(sa.func.count()).where(p.c.source_id == s.c.id).scalar_subquery()
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(s.c.text, s.c.sha256, s.c.size, pieces).order_by(s.c.id))
        return [(str(a), str(b), int(c), int(d)) for a, b, c, d in rows]


def _variants(tmp_path: Path) -> list[Path]:
    """The precinct file as it is, with a byte-order mark and Windows line ends, and with
    letters beyond ASCII, whose bytes a piece may cut in the middle of."""
    plain = PRECINCTS.read_bytes()
    variants = {
        "20061107__dc__general__precinct.csv": plain,
        "20081104__dc__general__bom.csv": b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n"),
        "20101102__dc__general__accents.csv": plain.replace(b"HOLMES", "HÖLMES ✓".encode()),
    }
    paths = []
    for name, data in variants.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_a_long_text_is_stored_in_pieces_and_read_back_whole(
    db_url: str, small_pieces: None
) -> None:
    text = ARTICLE.read_text(encoding="utf-8") + "Ünïcode ✓ at the end\n"
    assert len(text) > 2_000
    (election,) = load_path(ARTICLE).elections
    with Store.open(db_url) as store:
        (result,) = service.import_elections(store, [election], text, "houston.txt")
        assert store.source(result.election_id) == ("houston.txt", text)
        ((first, sha256, size, pieces),) = _stored(store)
    assert first == text[:500]
    assert pieces == -(-len(text) // 500) - 1
    assert sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert size == len(text.encode())


def test_a_long_precinct_file_is_stored_from_disk_as_read_whole(
    db_url: str, tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _variants(tmp_path)
    with Store.open(db_url) as store:
        outcomes = service.import_files(store, paths)
        pieced = _stored(store)
        texts = [store.source(outcome.results[0].election_id) for outcome in outcomes]
        counts = row_counts(store)
    assert [o.status for o in outcomes] == ["stored"] * 3
    for path, outcome, (name, text), (first, sha256, size, pieces) in zip(
        paths, outcomes, texts, pieced, strict=True
    ):
        whole = read_bytes(path)  # the text as a file read whole gives it
        assert (name, text) == (path.name, whole)
        assert outcome.sha256 == sha256 == hashlib.sha256(whole.encode()).hexdigest()
        assert size == len(whole.encode())
        assert first == whole[: len(first)] and pieces > 10

    # The same files read whole (as short files are) store the same elections and sources.
    monkeypatch.setattr(service, "STREAMED_BYTES", 1 << 30)
    with Store.open(tmp_path / "whole.db") as store:
        again = service.import_files(store, paths)
        assert [o.sha256 for o in again] == [o.sha256 for o in outcomes]
        assert [store.source(o.results[0].election_id) for o in again] == texts
        assert {k: v for k, v in row_counts(store).items() if k != "source_pieces"} == {
            k: v for k, v in counts.items() if k != "source_pieces"
        }


def test_a_precinct_file_changed_before_it_is_stored_is_refused(
    db_url: str, tmp_path: Path, small_pieces: None
) -> None:
    path = tmp_path / PRECINCTS.name
    shutil.copy(PRECINCTS, path)
    prepared = service.prepare(path)
    assert isinstance(prepared, service.Prepared)
    assert isinstance(prepared.text, SourceFile)
    with path.open("r+b") as file:  # one digit changed, the length kept
        data = file.read()
        at = data.rindex(b"1")
        file.seek(at)
        file.write(b"2")
    with Store.open(db_url) as store:
        changed = pytest.raises(StorageError, match="the file changed while it was imported")
        with changed, store.batch() as batch:
            service.store_source(batch, prepared.elections, prepared.text, path.name)
        assert store.list_elections().total == 0
        assert _stored(store) == []


def test_a_file_that_changed_is_refused_by_an_import_and_the_others_stored(
    db_url: str, tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "20061107__dc__general__precinct.csv", tmp_path / "b.csv"
    shutil.copy(PRECINCTS, first)
    second.write_bytes(PRECINCTS.read_bytes().replace(b"Ward", b"Quarter"))
    real_prepare = service.prepare

    def prepare_then_change(path: Path, *args: object, **kwargs: object) -> object:
        prepared = real_prepare(path, *args, **kwargs)  # type: ignore[arg-type]
        if path == first:
            first.write_bytes(PRECINCTS.read_bytes() + b"\n")
        return prepared

    monkeypatch.setattr(service, "prepare", prepare_then_change)
    with Store.open(db_url) as store:
        one, two = service.import_files(store, [first, second])
        assert one.status == "refused" and one.error is not None
        assert "the file changed while it was imported" in one.error
        assert two.status == "stored"
        assert len(_stored(store)) == 1


def test_pieces_cannot_be_changed(tmp_path: Path, small_pieces: None) -> None:
    path = tmp_path / "store.db"
    with Store.open(path) as store:
        service.import_files(store, [PRECINCTS])
    engine = create_engine(normalize_url(path))
    for statement in ("UPDATE source_pieces SET text = 'x'", "DELETE FROM source_pieces"):
        with engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="immutable"):
            conn.exec_driver_sql(statement)
    engine.dispose()


def test_down_and_up_across_0013_keeps_every_text(tmp_path: Path, small_pieces: None) -> None:
    path = tmp_path / "moved.db"
    with Store.open(path) as store:
        (outcome,) = service.import_files(store, [PRECINCTS])
        election_id = outcome.results[0].election_id
        before = store.source(election_id)
    assert before[1] == read_bytes(PRECINCTS)

    migrate(path, "0012", down=True)
    engine = create_engine(normalize_url(path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT text FROM sources").scalar_one() == before[1]
    engine.dispose()
    migrate(path, "0013")
    with Store.open(path) as store:
        assert store.source(election_id) == before
        assert _stored(store)[0][3] == 0  # the whole text in its row, as before the move


def test_a_long_precinct_file_not_utf8_is_refused_as_when_read_whole(
    tmp_path: Path, small_pieces: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / PRECINCTS.name
    data = PRECINCTS.read_bytes()
    late = data.rindex(b"\n", 0, len(data) - 2) + 1  # the last line
    path.write_bytes(data[:late] + b"\xff" + data[late:])
    errors = []
    for streamed in (0, 1 << 30):  # read from disk a line at a time, and read whole
        monkeypatch.setattr(service, "STREAMED_BYTES", streamed)
        with Store.open(tmp_path / f"{streamed}.db") as store:
            (outcome,) = service.import_files(store, [path])
            assert outcome.status == "refused" and store.list_elections().total == 0
        errors.append(outcome.error)
    line = data[:late].count(b"\n") + 1
    assert errors[0] == errors[1]
    assert errors[0] is not None and f":{line}: expected UTF-8 text, found byte 0xff" in errors[0]


def test_a_precinct_file_gone_before_it_is_stored_is_refused(
    tmp_path: Path, small_pieces: None
) -> None:
    path = tmp_path / PRECINCTS.name
    shutil.copy(PRECINCTS, path)
    prepared = service.prepare(path)
    assert isinstance(prepared, service.Prepared)
    path.unlink()
    with Store.open(tmp_path / "store.db") as store:
        gone = pytest.raises(StorageError, match="the file can no longer be read as it was")
        with gone, store.batch() as batch:
            service.store_source(batch, prepared.elections, prepared.text, path.name)
        assert store.list_elections().total == 0
        assert _stored(store) == []


def test_a_long_source_is_written_with_a_small_page_cache_and_the_cache_set_back(
    tmp_path: Path,
) -> None:
    from tallyroom.store.batch import BULK_CACHE_KIB
    from tallyroom.store.engine import CACHE_KIB

    text = "county,precinct,office,candidate,votes\n" * 10
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")
    source = SourceFile(path, hashlib.sha256(text.encode()).hexdigest(), len(text))
    seen = []
    with Store.open(tmp_path / "x.db") as store:
        with store.batch() as batch:
            batch.write("short text", "short.txt", lambda w: seen.append(_cache(w.conn)))
            batch.write(source, "long.csv", lambda w: seen.append(_cache(w.conn)))
            batch.write("more", "more.txt", lambda w: seen.append(_cache(w.conn)))
        with store.engine.connect() as conn:  # the batch's connection, from the pool
            seen.append(_cache(conn))
    assert seen == [-CACHE_KIB, -BULK_CACHE_KIB, -BULK_CACHE_KIB, -CACHE_KIB]


def _cache(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
