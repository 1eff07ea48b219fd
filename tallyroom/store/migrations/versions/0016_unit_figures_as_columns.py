"""A stage's unit figures kept as columns: ``unit_figures`` replaces ``unit_results``.

``unit_results`` held a row per figure (a candidate's votes in one reporting unit and vote
type). A statewide precinct file has six million figures: inserting them was most of its
import on SQLite (12 of 28 CPU-s) and on PostgreSQL (17 s of the server's time even with
migration 0014's statement-level check). ``unit_figures`` holds a stage's figures as a few
rows of up to a million figures each: the names they use once, and per figure its numbers
among them and its votes as arrays of integers (see ``tallyroom/store/unit_blocks.py``). A
stored election reads back equal, and its fingerprint is unchanged.

Like the other tables of a published version, ``unit_figures`` refuses UPDATE and DELETE
(and TRUNCATE on PostgreSQL). Queries over single figures go to the Parquet export's
``units`` dataset (``tallyroom export-parquet``), a row per figure, for DuckDB and the like.

The upgrade moves every stored figure over, a version at a time, and drops ``unit_results``
(on PostgreSQL with 0014's triggers and function); the downgrade makes ``unit_results`` as
0015 had it and moves the figures back.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None

IMMUTABLE = "published results are immutable"
#: 0014's statement-level check of ``unit_results``' stage on PostgreSQL.
CHECK_FUNCTION = "unit_results_stages_stored"
CHECK_MESSAGE = (
    'insert or update on table "unit_results" violates foreign key constraint '
    '"fk_unit_results_stage_stages"'
)
#: Rows of ``unit_results`` inserted at a time by the downgrade.
CHUNK = 50_000


def _versions(table: str) -> list[int]:
    query = sa.text(f"SELECT DISTINCT version_id FROM {table} ORDER BY version_id")
    return [int(version_id) for (version_id,) in op.get_bind().execute(query)]


def upgrade() -> None:
    from tallyroom.store.rows import legacy_unit_results
    from tallyroom.store.schema import FIGURE_BLOCK

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    figures = op.create_table(
        "unit_figures",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("stage", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("block", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("figures", sa.Integer, nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.Column("candidates", sa.Text, nullable=False),
        sa.Column("vote_types", sa.Text, nullable=False),
        sa.Column("unit_codes", sa.LargeBinary, nullable=False),
        sa.Column("candidate_codes", sa.LargeBinary, nullable=False),
        sa.Column("type_codes", sa.LargeBinary, nullable=False),
        sa.Column("votes", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            ondelete="CASCADE",
            name="fk_unit_figures_stage_stages",
        ),
        sa.PrimaryKeyConstraint("version_id", "stage", "block", name=op.f("pk_unit_figures")),
        sa.CheckConstraint("block >= 0", name=op.f("ck_unit_figures_block_non_negative")),
        sa.CheckConstraint(
            f"figures > 0 AND figures <= {FIGURE_BLOCK}",
            name=op.f("ck_unit_figures_figures_in_block"),
        ),
    )
    assert figures is not None
    for version_id in _versions("unit_results"):
        from tallyroom.store.unit_blocks import BLOCK_KEYS, block_rows  # numpy: figures to move

        rows = [
            dict(zip(("version_id", *BLOCK_KEYS), (version_id, *row), strict=True))
            for stage, held in legacy_unit_results(bind, version_id).items()
            for row in block_rows(stage, held)
        ]
        bind.execute(figures.insert(), rows)
    if postgresql:
        for verb in ("insert", "update"):
            op.execute(f"DROP TRIGGER unit_results_stages_stored_{verb} ON unit_results")
        op.execute(f"DROP FUNCTION {CHECK_FUNCTION}()")
        op.execute(
            "CREATE TRIGGER unit_figures_published_immutable BEFORE UPDATE OR DELETE "
            "ON unit_figures FOR EACH ROW EXECUTE FUNCTION published_immutable()"
        )
        op.execute(
            "CREATE TRIGGER unit_figures_no_truncate BEFORE TRUNCATE ON unit_figures "
            "FOR EACH STATEMENT EXECUTE FUNCTION published_immutable()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER unit_figures_no_{verb.lower()} BEFORE {verb} ON unit_figures "
                f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}: unit_figures'); END"
            )
    op.drop_table("unit_results")


def _unit_results(postgresql: bool) -> sa.Table:
    """``unit_results`` as 0015 had it (the foreign key checked by 0014's triggers on
    PostgreSQL, by SQLite itself there, in a table without row ids)."""
    key: list[Any] = [
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            name="fk_unit_results_stage_stages",
            ondelete="CASCADE",
        )
    ]
    table = op.create_table(
        "unit_results",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit", sa.String(length=400), nullable=False),
        sa.Column("candidate", sa.String(length=400), nullable=False),
        sa.Column("vote_type", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_unit_results_votes_non_negative")),
        *([] if postgresql else key),
        sa.PrimaryKeyConstraint(
            "version_id", "stage", "unit", "candidate", "vote_type", name=op.f("pk_unit_results")
        ),
        sqlite_with_rowid=False,
    )
    assert table is not None
    if postgresql:
        op.execute(
            f"CREATE FUNCTION {CHECK_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM new_rows AS n WHERE NOT EXISTS (SELECT 1 FROM stages AS s "
            "WHERE s.version_id = n.version_id AND s.position = n.stage)) THEN "
            f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', "
            f"MESSAGE = '{CHECK_MESSAGE}', "
            "DETAIL = 'A figure names a stage that is not stored.'; "
            "END IF; RETURN NULL; END $$"
        )
        for verb in ("insert", "update"):
            op.execute(
                f"CREATE TRIGGER unit_results_stages_stored_{verb} AFTER {verb.upper()} "
                "ON unit_results REFERENCING NEW TABLE AS new_rows "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {CHECK_FUNCTION}()"
            )
    return table


def downgrade() -> None:
    from tallyroom.model import unit_columns
    from tallyroom.store.unit_blocks import read_blocks

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    table = _unit_results(postgresql)
    blocks = sa.table("unit_figures", *map(sa.column, ("version_id", "stage", "block")))
    for version_id in _versions("unit_figures"):
        rows = bind.execute(
            sa.select(sa.text("*"))
            .select_from(blocks)
            .where(blocks.c.version_id == version_id)
            .order_by(blocks.c.stage, blocks.c.block)
        ).all()
        stages = sorted({row.stage for row in rows})
        for stage in stages:
            held = read_blocks([row for row in rows if row.stage == stage], f"stage {stage}")
            for start in range(0, len(held), CHUNK):
                units, candidates, votes, vote_types = unit_columns(held, start, start + CHUNK)
                bind.execute(
                    table.insert(),
                    [
                        {
                            "version_id": version_id,
                            "stage": stage,
                            "unit": unit,
                            "candidate": candidate,
                            "vote_type": vote_type,
                            "position": position,
                            "votes": count,
                        }
                        for position, (unit, candidate, count, vote_type) in enumerate(
                            zip(units, candidates, votes, vote_types, strict=True), start
                        )
                    ],
                )
    if postgresql:
        op.execute("DROP TRIGGER unit_figures_published_immutable ON unit_figures")
        op.execute("DROP TRIGGER unit_figures_no_truncate ON unit_figures")
    else:
        op.execute("DROP TRIGGER unit_figures_no_update")
        op.execute("DROP TRIGGER unit_figures_no_delete")
    op.drop_table("unit_figures")
