"""An import's chunk creates its new elections and stores its new sources together, ahead of
writing each file: the same rows, ids and outcomes as one file at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.store import Store
from tallyroom.store import schema as t
from tallyroom.store.driver import NEW_ROWS, insert_new
from tests.store_helpers import tables_fixture

from .conftest import ROOT

metadata = sa.MetaData()
keyed = sa.Table(
    "keyed",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("votes", sa.Integer, sa.CheckConstraint("votes >= 0")),
)
AT = dt.datetime(2004, 4, 6, 21, 30, 5, 123456, tzinfo=dt.UTC)


conn = tables_fixture(metadata)


def test_insert_new_inserts_what_no_unique_key_holds(conn: sa.Connection) -> None:
    keys = ("key", "at", "votes")
    first = insert_new(conn, keyed, keys, [("a", AT, 1), ("b", AT, None)], ("id", "key"))
    assert sorted(key for _, key in first) == ["a", "b"]
    # More rows than one statement takes, some stored already, one twice.
    count = NEW_ROWS * 2 + 7
    wanted = [("a", AT, 5), *((f"k{n}", AT, n) for n in range(count)), ("k3", AT, 9)]
    found = insert_new(conn, keyed, keys, wanted, ("id", "key"))
    assert sorted(key for _, key in found) == sorted(f"k{n}" for n in range(count))
    stored = {key: id_ for key, id_ in conn.execute(sa.select(keyed.c.key, keyed.c.id))}
    assert all(stored[key] == id_ for id_, key in [*first, *found])
    # Ids in the order given, as one row at a time would have them.
    assert [id_ for id_, _ in sorted(found)] == [stored[f"k{n}"] for n in range(count)]
    row = conn.execute(sa.select(keyed.c.at, keyed.c.votes).where(keyed.c.key == "k3")).one()
    assert row.votes == 3  # the first of the two
    assert row.at.replace(tzinfo=row.at.tzinfo or dt.UTC) == AT
    assert conn.execute(sa.select(keyed.c.votes).where(keyed.c.key == "a")).scalar_one() == 1


def test_insert_new_raises_what_the_database_refuses(conn: sa.Connection) -> None:
    with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
        insert_new(conn, keyed, ("key", "at", "votes"), [("c", AT, -1)], ("id",))
    assert conn.execute(sa.select(sa.func.count()).select_from(keyed)).scalar_one() == 0


def _files(folder: Path) -> list[Path]:
    """The sample articles, then the first one again under another name, changed (the same
    election, decided against the version the chunk stored before it), then one unchanged."""
    samples = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))
    paths = []
    for path in samples:
        copy = folder / path.name
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(copy)
    changed = folder / "zz-changed.txt"
    changed.write_text(paths[0].read_text(encoding="utf-8") + "\nRecounted.\n", encoding="utf-8")
    again = folder / "zz-again.txt"
    again.write_text(paths[1].read_text(encoding="utf-8"), encoding="utf-8")
    return [*paths, changed, again]


def _rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """The elections, sources, versions and audit of the store, as ids and what they hold."""
    e, s, v, a = t.elections, t.sources, t.versions, t.audit
    queries = {
        "elections": sa.select(e.c.id, e.c.key, e.c.current_version),
        "sources": sa.select(s.c.id, s.c.sha256),
        "versions": sa.select(v.c.id, v.c.election_id, v.c.number, v.c.source_id, v.c.fingerprint),
        "audit": sa.select(a.c.election_id, a.c.version, a.c.action),
    }
    with store.engine.connect() as conn:
        return {
            name: [tuple(row) for row in conn.execute(query)] for name, query in queries.items()
        }


def test_a_chunk_made_ahead_stores_what_one_file_at_a_time_stores(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    stored = {}
    for jobs in (1, 2):
        with Store.open(str(tmp_path / f"{jobs}.db")) as store:
            outcomes = service.import_files(store, paths, jobs=jobs, commit_every=len(paths))
            results = [
                (o.name, o.status, [(r.status, r.version) for r in o.results]) for o in outcomes
            ]
            stored[jobs] = results, _rows(store)
    results, rows = stored[2]
    assert stored[1] == stored[2]
    assert results[-2][1:] == ("stored", [("new version", 2)] * len(results[-2][2]))
    assert results[-1][1] == "unchanged"
    assert len(rows["sources"]) == len(paths) - 1  # the unchanged file's text is not kept
