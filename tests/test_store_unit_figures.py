"""A stage's unit figures stored as columns (``unit_figures``, migration 0016) and its reporting
units as one row (``stage_units``, 0017): read back equal, in blocks, refused when damaged or
when they name a stage not stored, never changed once stored, and moved across the migrations
both ways on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.errors import StorageError
from tallyroom.formats import load_path
from tallyroom.model import ReportingUnit, UnitResult, UnitResults
from tallyroom.store import Store, unit_blocks
from tallyroom.store import schema as t
from tallyroom.store.driver import insert_values
from tallyroom.store.engine import create_engine, normalize_url
from tallyroom.store.rows import load_election, read_unit_list, unit_list
from tallyroom.store.unit_blocks import BLOCK_KEYS, block_rows, read_blocks
from tests.store_helpers import import_file, migrate

DATA = Path(__file__).parent / "data" / "openelections"
PRIMARY = DATA / "20060912__dc__primary__precinct.csv"
GENERAL = DATA / "20061107__dc__general__precinct.csv"


def _rows(rows: list[tuple[Any, ...]]) -> list[SimpleNamespace]:
    return [SimpleNamespace(**dict(zip(BLOCK_KEYS, row, strict=True))) for row in rows]


def _stored(url: str | Path) -> dict[int, Any]:
    """Every stored version's election, by version id."""
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        ids = conn.execute(sa.select(t.versions.c.id).order_by(t.versions.c.id)).scalars().all()
        found = {version_id: load_election(conn, version_id) for version_id in ids}
    engine.dispose()
    return found


def _select(url: str | Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` on the database at ``url``."""
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(sa.text(sql))]
    engine.dispose()
    return rows


def _count(url: str | Path, table: str) -> int:
    return int(_select(url, f"SELECT count(*) FROM {table}")[0][0])


_UNIT_RESULTS = (
    "SELECT version_id, stage, position, unit, candidate, vote_type, votes "
    "FROM unit_results ORDER BY version_id, stage, position"
)
_REPORTING_UNITS = (
    "SELECT version_id, stage, position, unit, name, kind, parent "
    "FROM reporting_units ORDER BY version_id, stage, position"
)
_UNIT_RESULTS_TABLE = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit_results'"


def test_a_precinct_file_reads_back_as_it_was_read(db_url: str) -> None:
    read = {e.title: e for e in load_path(PRIMARY).elections}
    with Store.open(db_url) as store:
        import_file(store, PRIMARY)
    stored = list(_stored(db_url).values())
    assert len(stored) == len(read) and sum(len(e.stages) for e in stored) >= 2
    for election in stored:
        for ours, theirs in zip(election.stages, read[election.title].stages, strict=True):
            assert isinstance(ours.unit_results, UnitResults)
            assert ours.unit_results == theirs.unit_results and ours.unit_results
    figures = sum(len(s.unit_results) for e in read.values() for s in e.stages)
    stages = sum(1 for e in read.values() for s in e.stages if s.unit_results)
    assert _count(db_url, "unit_figures") == stages  # a row a stage: each under a block's size
    assert figures > 1000


figures = st.lists(
    st.builds(
        UnitResult,
        st.sampled_from(["precinct-1", "precinct-2", "ward-1", "city", "Précinct 3"]),
        st.sampled_from(["Ann Lee", "Bo Diaz", "Ballots Cast", 'Ü "x"']),
        st.one_of(st.integers(0, 300), st.integers(0, 2**40), st.integers(0, 2**63 - 1)),
        st.sampled_from(["total", "early"]),
    ),
    max_size=30,
)


@settings(max_examples=200)
@given(figures, st.integers(1, 7))
def test_figures_in_blocks_read_back_equal(rows: list[UnitResult], size: int) -> None:
    held = UnitResults.of(rows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(unit_blocks, "FIGURE_BLOCK", size)
        made = block_rows(3, held)
    assert len(made) == -(-len(rows) // size)
    assert [row[:3] for row in made] == [
        (3, block, min(size, len(rows) - block * size)) for block in range(len(made))
    ]
    if rows:
        assert read_blocks(_rows(made), "stage 4") == tuple(rows)
    # the same figures as a tuple make the same rows
    assert block_rows(3, tuple(rows)) == block_rows(3, held)


def test_negative_counts_are_refused_as_the_table_of_rows_refused_them() -> None:
    with pytest.raises(StorageError, match="counts of 0 or more"):
        block_rows(0, (UnitResult("p1", "Ann", -1),))


def _one_block() -> list[Any]:
    (row,) = block_rows(0, (UnitResult("p1", "Ann", 5), UnitResult("p2", "Bo", 7)))
    return list(row)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"block": 1}, "expected block 0"),
        ({"figures": 3}, "bytes for 3 figures"),
        ({"unit_codes": b"\x00\x02"}, "number in units is out of range"),
        ({"votes": b"\x05\x00\x07"}, "a column of 3 bytes"),
        ({"candidates": "[]"}, "number in candidates is out of range"),
        ({"figures": 0}, "expected block 0 of one figure or more"),
        ({"units": "p1, p2"}, "expected the units as a JSON array of names"),
        ({"candidates": '{"Ann": 0, "Bo": 1}'}, "expected the candidates as a JSON array"),
        ({"vote_types": "[1]"}, "expected the vote_types as a JSON array"),
        (
            {"votes": (5).to_bytes(8, "little") + (-7).to_bytes(8, "little", signed=True)},
            "a figure's votes are below 0",
        ),
    ],
)
def test_a_damaged_block_is_refused_never_read_as_other_figures(
    change: dict[str, Any], message: str
) -> None:
    row = dict(zip(BLOCK_KEYS, _one_block(), strict=True)) | change
    with pytest.raises(StorageError, match=message) as raised:
        read_blocks([SimpleNamespace(**row)], "version 9, stage 1's unit figures")
    assert str(raised.value).startswith("version 9, stage 1's unit figures, block")
    with pytest.raises(StorageError, match="stage 1: no figures"):
        read_blocks([], "stage 1")


def test_a_block_of_a_stage_not_stored_is_refused_and_stored_blocks_never_change(
    db_url: str,
) -> None:
    with Store.open(db_url) as store:
        import_file(store, GENERAL)
        with store.engine.connect() as conn:
            version_id = conn.execute(sa.select(sa.func.min(t.unit_figures.c.version_id))).scalar()
        keys = ("version_id", *BLOCK_KEYS)
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            insert_values(conn, t.unit_figures, keys, [(version_id, 999, *_one_block()[1:])])
        changes = [
            sa.update(t.unit_figures).values(votes=b"\x00\x00"),
            sa.delete(t.unit_figures),
            sa.update(t.stage_units).values(units="[]"),
            sa.delete(t.stage_units),
        ]
        for change in changes:
            with (
                pytest.raises(sa.exc.DatabaseError, match="immutable"),
                store.engine.begin() as conn,
            ):
                conn.execute(change.where(change.table.c.version_id == version_id))
    assert _count(db_url, "unit_figures") >= 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[["p1", "Precinct 1", "precinct"]]', "expected reporting units of"),
        ('[["p1", "Precinct 1", "precinct", null, 5]]', "expected reporting units of"),
        ('[["p1", "Precinct 1", "hamlet", null]]', "unknown kind"),
        ("p1, Precinct 1", "expected reporting units of"),
        ('{"p1": "Precinct 1"}', "expected reporting units of"),
        ('[[1, "Precinct 1", "precinct", null]]', "expected reporting units of"),
        ('[["p1", "Precinct 1", "precinct", 7]]', "expected reporting units of"),
    ],
)
def test_a_damaged_list_of_units_is_refused(text: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        read_unit_list(text, "version 2, stage 1")
    units = (
        ReportingUnit("city", "Avon", "city"),
        ReportingUnit("p1", "Pct 1", "precinct", "city"),
    )
    assert read_unit_list(unit_list(units), "x") == units
    hamlet = ReportingUnit("p2", "Pct 2", "hamlet", "city")  # type: ignore[arg-type]
    with pytest.raises(StorageError, match="'p2': expected a kind of"):
        unit_list((*units, hamlet))


def test_down_and_up_across_0017_0016_and_0012_keeps_every_unit_and_figure(db_url: str) -> None:
    with Store.open(db_url) as store:
        import_file(store, PRIMARY)
        import_file(store, GENERAL)
    before = _stored(db_url)
    expected = [
        (version_id, s, p, r.unit, r.candidate, r.vote_type, r.votes)
        for version_id, election in before.items()
        for s, stage in enumerate(election.stages)
        for p, r in enumerate(stage.unit_results)
    ]
    assert len(expected) > 1000
    units = [
        (version_id, s, p, u.id, u.name, u.kind, u.parent)
        for version_id, election in before.items()
        for s, stage in enumerate(election.stages)
        for p, u in enumerate(stage.units)
    ]
    assert len(units) > 100
    sqlite = not str(db_url).startswith("postgresql")

    migrate(db_url, "0016", down=True)  # a row a unit again, in order
    assert _select(db_url, _REPORTING_UNITS) == units

    migrate(db_url, "0015", down=True)  # a row a figure again, in order
    assert _select(db_url, _UNIT_RESULTS) == expected
    if sqlite:
        assert str(_select(db_url, _UNIT_RESULTS_TABLE)[0][0]).rstrip().endswith("WITHOUT ROWID")
        migrate(db_url, "0011", down=True)
        assert "WITHOUT ROWID" not in str(_select(db_url, _UNIT_RESULTS_TABLE)[0][0])
        assert _select(db_url, _UNIT_RESULTS) == expected
    migrate(db_url, "0017")
    assert _stored(db_url) == before
    assert _count(db_url, "unit_figures") == sum(
        1 for e in before.values() for s in e.stages if s.unit_results
    )
    engine = create_engine(normalize_url(db_url))
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if sqlite:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
    assert "unit_results" not in tables and "unit_figures" in tables
    assert "reporting_units" not in tables and "stage_units" in tables
