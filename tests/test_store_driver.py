"""The store's insert and bulk-read statements, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tallyroom.store.driver import insert_returning_id, insert_rows, read_rows
from tests.store_helpers import tables_fixture

metadata = sa.MetaData()
sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)
rows = sa.Table(
    "rows",
    metadata,
    sa.Column("source_id", sa.ForeignKey("sources.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("votes", sa.Integer, sa.CheckConstraint("votes >= 0"), nullable=True),
    sa.Column("date", sa.Date),
)

AT = dt.datetime(2004, 4, 6, 21, 30, 5, 123456, tzinfo=dt.UTC)


conn = tables_fixture(metadata)


def test_rows_go_in_with_their_types_and_come_back(conn: sa.Connection) -> None:
    source = insert_returning_id(conn, sources, {"sha256": "a" * 64, "imported_at": AT})
    assert isinstance(source, int)
    written = [
        {
            "source_id": source,
            "position": n,
            "name": f"Candidate {n}",
            "votes": n * 1000,
            "date": dt.date(2004, 4, n + 1),
        }
        for n in range(25)
    ]
    written[3]["votes"] = None  # unknown stays unknown
    insert_rows(conn, rows, written)
    insert_rows(conn, rows, [])  # nothing to do
    back = conn.execute(sa.select(rows).order_by(rows.c.position)).mappings().all()
    assert [dict(row) for row in back] == written
    stored = conn.execute(sa.select(sources.c.imported_at)).scalar_one()
    assert stored.replace(tzinfo=stored.tzinfo or dt.UTC) == AT


def test_a_conflict_is_ignored_only_when_asked(conn: sa.Connection) -> None:
    first = insert_returning_id(conn, sources, {"sha256": "b" * 64, "imported_at": AT})
    second = insert_returning_id(conn, sources, {"sha256": "c" * 64, "imported_at": AT})
    assert first is not None and second == first + 1
    again = {"sha256": "b" * 64, "imported_at": AT}
    assert insert_returning_id(conn, sources, again, ignore_conflict=True) is None
    with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
        insert_returning_id(conn, sources, again)
    assert conn.execute(sa.select(sa.func.count()).select_from(sources)).scalar_one() == 2


def test_the_database_checks_every_row(conn: sa.Connection) -> None:
    source = insert_returning_id(conn, sources, {"sha256": "d" * 64, "imported_at": AT})
    assert source is not None
    good = {"source_id": source, "position": 0, "name": "A", "votes": 1, "date": None}
    bad = {"source_id": source, "position": 1, "name": "B", "votes": -1, "date": None}
    with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
        insert_rows(conn, rows, [good, bad])
    orphan = {**good, "source_id": source + 100}
    with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
        insert_rows(conn, rows, [orphan])
    assert conn.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one() == 0


def test_read_rows_gives_tuples_in_the_query_order(conn: sa.Connection) -> None:
    source = insert_returning_id(conn, sources, {"sha256": "e" * 64, "imported_at": AT})
    insert_rows(
        conn,
        rows,
        [
            {
                "source_id": source,
                "position": n,
                "name": name,
                "votes": votes,
                "date": dt.date(2004, 4, 6),
            }
            for n, (name, votes) in enumerate([("Conaway", 926), ("O'Malley", 173030)])
        ],
    )
    query = sa.select(rows.c.name, rows.c.votes, sa.type_coerce(rows.c.date, sa.String)).order_by(
        rows.c.votes.desc()
    )
    found = read_rows(conn, query, {})
    assert all(isinstance(row, tuple) for row in found) and len(found) == 2
    assert [row[:2] for row in found] == [("O'Malley", 173030), ("Conaway", 926)]
    assert str(found[0][2]) == "2004-04-06"


def test_read_rows_gives_what_sqlalchemy_gives_by_position_and_by_label(
    conn: sa.Connection,
) -> None:
    """A query read on the driver's cursor: the same values, of the same types (dates, times
    and unknowns converted as SQLAlchemy converts them), by position and by column label, with
    bound parameters by name, however often and in whatever order they appear."""
    source = insert_returning_id(conn, sources, {"sha256": "f" * 64, "imported_at": AT})
    insert_rows(
        conn,
        rows,
        [
            {
                "source_id": source,
                "position": n,
                "name": f"Candidate {n}",
                "votes": None if n == 2 else n * 100,
                "date": dt.date(2004, 4, n + 1),
            }
            for n in range(6)
        ],
    )
    wanted = sa.bindparam("wanted")
    query = (
        sa.select(
            rows.c.position,
            rows.c.name,
            rows.c.votes,
            rows.c.date,
            sources.c.imported_at,
            (rows.c.position * 2).label("doubled"),
            sa.literal_column("'x'").label("count"),  # a label that is also a tuple method's
        )
        .join(sources, sources.c.id == rows.c.source_id)
        .where(rows.c.source_id == wanted, rows.c.position < sa.bindparam("below"))
        .where(sa.or_(rows.c.votes.is_(None), rows.c.votes > sa.bindparam("least")))
        .where(rows.c.source_id == wanted, rows.c.date >= sa.bindparam("since", type_=sa.Date))
        .order_by(rows.c.position.desc())
    )
    parameters = {
        "wanted": source,
        "below": 5,
        "least": 100,
        "since": dt.date(2004, 4, 2),  # converted for the driver as SQLAlchemy converts it
        "unused": 7,
    }
    expected = conn.execute(query, parameters).all()
    found = read_rows(conn, query, parameters)
    assert [tuple(row) for row in found] == [tuple(row) for row in expected]
    assert [row.position for row in found] == [4, 3, 2]
    assert [type(row.date) for row in found] == [dt.date] * 3
    assert found[2].votes is None and found[0].doubled == 8 and found[0].count == "x"
    for label in ("name", "votes", "date", "imported_at"):
        assert [getattr(row, label) for row in found] == [getattr(row, label) for row in expected]
    assert read_rows(conn, query, {**parameters, "wanted": source + 1}) == []
    later = {**parameters, "since": dt.date(2004, 4, 4)}
    assert [row.position for row in read_rows(conn, query, later)] == [4, 3]


def test_read_rows_refuses_a_list_parameter(conn: sa.Connection) -> None:
    query = sa.select(rows.c.name).where(rows.c.position.in_(sa.bindparam("some", expanding=True)))
    with pytest.raises(AssertionError, match="by name only"):
        read_rows(conn, query, {"some": [1, 2]})


def test_read_rows_raises_the_databases_errors_as_sqlalchemy_does(conn: sa.Connection) -> None:
    query = sa.select(sa.literal_column("no_such_column")).select_from(rows)
    with pytest.raises(sa.exc.DBAPIError, match="no_such_column"), conn.begin_nested():
        read_rows(conn, query, {})
