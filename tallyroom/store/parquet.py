"""Every stored result as partitioned Parquet, for engines beyond one machine.

:func:`export_parquet` writes the current version of every election as four datasets, one a
grain, each partitioned by state and year (hive style: ``state=Oregon/year=2004/``) so that an
engine reading one state or year touches only its files:

``elections/``
    one row an election: its identity, place, office, year, the decided winner and share (the
    stored figures, as text with two decimals), the outcome, margin and turnout counts;
``stages/``
    one row a stage (primary, general, runoff) with its stated total, registered voters,
    ballots cast and results status;
``candidates/``
    one row a candidate of a stage, with integer votes (``null`` where the source lost them);
``units/``
    one row a candidate's (or a pseudo-row's: "Ballots Cast", "Registered Voters", …) votes in
    one reporting unit and vote type.

Rows stream from the database in batches, and unit figures a stage at a time (read from its
blocks, written 50,000 rows at a time), so memory grows with the largest stage, not with the
archive.
The datasets are written into a new folder beside ``folder`` and swapped in whole: a reader never
sees half an export. DuckDB, Spark, Dask or polars read them as they are (docs/scale.md).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import sqlalchemy as sa

from tallyroom.store import schema as t
from tallyroom.store.api import Store
from tallyroom.store.rows import read_unit_list
from tallyroom.store.unit_blocks import read_blocks
from tallyroom.unit_arrays import code_arrays

__all__ = ["DATASETS", "ParquetExport", "export_parquet"]

#: Rows fetched from the database and written to Parquet at a time.
BATCH_ROWS = 50_000

_PARTITIONS = pa.schema([("state", pa.string()), ("year", pa.int32())])


@dataclass(frozen=True, slots=True)
class ParquetExport:
    """What :func:`export_parquet` wrote: rows per dataset."""

    folder: Path
    rows: dict[str, int]


def _current() -> sa.Select[Any]:
    v, e = t.versions, t.elections
    return sa.select(v).join(e, (e.c.id == v.c.election_id) & (e.c.current_version == v.c.number))


def _queries() -> dict[str, tuple[pa.Schema, sa.Select[Any]]]:
    current = _current().subquery("v")
    e, st, r, p = t.elections, t.stages, t.stage_results, t.parties
    place = [current.c.state, current.c.year]
    elections = (
        sa.select(
            current.c.election_id,
            e.c.key,
            current.c.number.label("version"),
            current.c.title,
            current.c.city,
            current.c.office,
            current.c.decided_on.label("date"),
            current.c.winner,
            current.c.winner_percent,
            current.c.outcome,
            current.c.margin_votes,
            current.c.counted_total,
            current.c.turnout_ballots,
            current.c.turnout_registered,
            current.c.rules,
            *place,
        )
        .join(e, e.c.id == current.c.election_id)
        .order_by(current.c.election_id)
    )
    stages = (
        sa.select(
            current.c.election_id,
            st.c.position.label("stage"),
            st.c.kind,
            st.c.party,
            st.c.date,
            st.c.stated_total,
            st.c.registered_voters,
            st.c.ballots_cast,
            st.c.status,
            *place,
        )
        .join(current, current.c.id == st.c.version_id)
        .order_by(current.c.election_id, st.c.position)
    )
    candidates = (
        sa.select(
            current.c.election_id,
            r.c.stage,
            st.c.kind.label("stage_kind"),
            r.c.position,
            r.c.name,
            r.c.name_key,
            p.c.name.label("party"),
            r.c.votes,
            r.c.incumbent,
            r.c.write_in,
            *place,
        )
        .join(current, current.c.id == r.c.version_id)
        .join(st, (st.c.version_id == r.c.version_id) & (st.c.position == r.c.stage))
        .outerjoin(p, p.c.id == r.c.party_id)
        .order_by(current.c.election_id, r.c.stage, r.c.position)
    )
    queries = {"elections": elections, "stages": stages, "candidates": candidates}
    return {name: (_arrow_schema(query), query) for name, query in queries.items()}


#: The ``units`` dataset's columns: a figure each, read from the stored blocks of figures
#: (:mod:`tallyroom.store.unit_blocks`), with its unit's name, kind and parent.
UNITS = pa.schema(
    [
        ("election_id", pa.int64()),
        ("stage", pa.int64()),
        ("unit", pa.string()),
        ("unit_name", pa.string()),
        ("unit_kind", pa.string()),
        ("parent", pa.string()),
        ("candidate", pa.string()),
        ("vote_type", pa.string()),
        ("votes", pa.int64()),
        *_PARTITIONS,
    ]
)


def _unit_batches(conn: sa.Connection, counted: list[int]) -> Iterator[pa.RecordBatch]:
    """The ``units`` dataset: each current version's figures, a stage at a time, in their
    stored order (a stage's figures are columns: each column of names is taken by the
    figures' numbers, no figure is made one by one)."""
    current = _current().subquery("v")
    u, su = t.unit_figures, t.stage_units
    blocks = (
        sa.select(current.c.election_id, current.c.state, current.c.year, u)
        .join(current, current.c.id == u.c.version_id)
        .order_by(current.c.election_id, u.c.stage, u.c.block)
    )
    described = sa.select(su.c.units).where(
        (su.c.version_id == sa.bindparam("version_id")) & (su.c.stage == sa.bindparam("stage"))
    )
    rows = conn.execution_options(stream_results=True, yield_per=8).execute(blocks)
    for (election_id, stage), of_stage in groupby(rows, key=attrgetter("election_id", "stage")):
        stage_rows = list(of_stage)
        first = stage_rows[0]
        where = f"election {election_id}, stage {stage + 1}"
        figures = read_blocks(stage_rows, where)
        listed = conn.execute(described, {"version_id": first.version_id, "stage": stage})
        text = listed.scalar()
        about = {
            unit.id: (unit.name, unit.kind, unit.parent)
            for unit in (read_unit_list(text, where) if text is not None else ())
        }
        unit_about = [about.get(unit, (None, None, None)) for unit in figures.units]
        names = [
            pa.array(figures.units, pa.string()),
            *(pa.array([a[i] for a in unit_about], pa.string()) for i in range(3)),
            pa.array(figures.candidates, pa.string()),
            pa.array(figures.vote_types, pa.string()),
        ]
        unit_codes, candidate_codes, type_codes, votes = code_arrays(figures)
        for start in range(0, len(figures), BATCH_ROWS):
            part = slice(start, start + BATCH_ROWS)
            by_unit = pa.array(unit_codes[part])
            size = len(by_unit)
            columns = [
                pa.repeat(pa.scalar(election_id, pa.int64()), size),
                pa.repeat(pa.scalar(stage, pa.int64()), size),
                *(column.take(by_unit) for column in names[:4]),
                names[4].take(pa.array(candidate_codes[part])),
                names[5].take(pa.array(type_codes[part])),
                pa.array(votes[part], pa.int64()),
                pa.repeat(pa.scalar(first.state, pa.string()), size),
                pa.repeat(pa.scalar(first.year, pa.int32()), size),
            ]
            counted[0] += size
            yield pa.RecordBatch.from_arrays(columns, schema=UNITS)


def _arrow_type(column: sa.ColumnElement[Any]) -> pa.DataType:
    """The Arrow type of a selected column, from its SQL type."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):
        return pa.int64()
    if isinstance(kind, sa.Date):
        return pa.date32()
    if isinstance(kind, sa.String):  # Text is a String
        return pa.string()
    raise AssertionError(f"no Arrow type for {column.name}: {kind!r}")


def _arrow_schema(query: sa.Select[Any]) -> pa.Schema:
    """The dataset's schema: the query's columns as selected, its partition columns last."""
    columns = [c for c in query.selected_columns if c.name not in _PARTITIONS.names]
    fields = [(column.name, _arrow_type(column)) for column in columns]
    return pa.schema([*fields, *_PARTITIONS])


#: The datasets :func:`export_parquet` writes, by folder name.
DATASETS: tuple[str, ...] = ("elections", "stages", "candidates", "units")


def _batches(
    conn: sa.Connection, query: sa.Select[Any], schema: pa.Schema, counted: list[int]
) -> Iterator[pa.RecordBatch]:
    result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
    for rows in result.partitions():
        columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
        counted[0] += len(rows)
        yield pa.RecordBatch.from_arrays(
            [pa.array(column, type=f.type) for column, f in zip(columns, schema, strict=True)],
            schema=schema,
        )


def export_parquet(store: Store, folder: Path) -> ParquetExport:
    """Write every current election's results under ``folder`` (replaced whole)."""
    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    rows: dict[str, int] = {}
    counted = {name: [0] for name in DATASETS}
    try:
        with store.engine.connect() as conn:
            datasets = {
                name: (schema, _batches(conn, query, schema, counted[name]))
                for name, (schema, query) in _queries().items()
            }
            datasets["units"] = (UNITS, _unit_batches(conn, counted["units"]))
            for name in DATASETS:
                schema, batches = datasets[name]
                ds.write_dataset(
                    batches,
                    staging / name,
                    schema=schema,
                    format="parquet",
                    partitioning=ds.partitioning(_PARTITIONS, flavor="hive"),
                    existing_data_behavior="error",
                    max_rows_per_group=BATCH_ROWS * 2,
                )
                rows[name] = counted[name][0]
                if not rows[name]:  # an empty dataset still has its schema, for the engines
                    (staging / name).mkdir(exist_ok=True)
                    pq.write_table(schema.empty_table(), staging / name / "empty.parquet")
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ParquetExport(folder, rows)
