"""A stage's reporting units kept as one row: ``stage_units`` replaces ``reporting_units``.

``reporting_units`` held a row per unit of a stage (its id, position, name, kind and parent).
A statewide precinct file's 265 contests list 217,000 units between them: inserting them took
1.2 of the 5.7 CPU-s its import took once its figures were columns (migration 0016).
``stage_units`` holds a stage's units as one JSON array of ``[id, name, kind, parent]``, in
order, with their count; a stored election reads back equal, and its fingerprint is unchanged.
Like the other tables of a published version it refuses UPDATE and DELETE (and TRUNCATE on
PostgreSQL).

The upgrade moves every stage's units over, a version at a time, and drops
``reporting_units``; the downgrade makes ``reporting_units`` as 0016 had it and moves the units
back.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None

IMMUTABLE = "published results are immutable"
TABLE = "stage_units"


def _versions(table: str) -> list[int]:
    query = sa.text(f"SELECT DISTINCT version_id FROM {table} ORDER BY version_id")
    return [int(version_id) for (version_id,) in op.get_bind().execute(query)]


def _immutable(postgresql: bool) -> None:
    if postgresql:
        op.execute(
            f"CREATE TRIGGER {TABLE}_published_immutable BEFORE UPDATE OR DELETE "
            f"ON {TABLE} FOR EACH ROW EXECUTE FUNCTION published_immutable()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION published_immutable()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}: {TABLE}'); END"
        )


def upgrade() -> None:
    from tallyroom.store.rows import legacy_units, unit_list

    bind = op.get_bind()
    table = op.create_table(
        TABLE,
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("stage", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("units", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            ondelete="CASCADE",
            name="fk_stage_units_stage_stages",
        ),
        sa.PrimaryKeyConstraint("version_id", "stage", name=op.f("pk_stage_units")),
        sa.CheckConstraint("count > 0", name=op.f("ck_stage_units_count_positive")),
    )
    assert table is not None
    for version_id in _versions("reporting_units"):
        rows = [
            {
                "version_id": version_id,
                "stage": stage,
                "count": len(units),
                "units": unit_list(units),
            }
            for stage, units in legacy_units(bind, version_id).items()
        ]
        bind.execute(table.insert(), rows)
    _immutable(bind.dialect.name == "postgresql")
    op.drop_table("reporting_units")


def downgrade() -> None:
    from tallyroom.store.rows import read_unit_list

    bind = op.get_bind()
    table = op.create_table(
        "reporting_units",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit", sa.String(length=400), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.String(length=400), nullable=True),
        sa.CheckConstraint(
            "kind IN ('city', 'ward', 'precinct', 'district', 'county', 'other')",
            name=op.f("ck_reporting_units_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            name="fk_reporting_units_stage_stages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "stage", "unit", name=op.f("pk_reporting_units")),
        sa.UniqueConstraint("version_id", "stage", "position", name="uq_reporting_units_position"),
    )
    assert table is not None
    listed = sa.table(TABLE, *map(sa.column, ("version_id", "stage", "units")))
    for version_id, stage, units in bind.execute(
        sa.select(listed.c.version_id, listed.c.stage, listed.c.units).order_by(
            listed.c.version_id, listed.c.stage
        )
    ):
        bind.execute(
            table.insert(),
            [
                {
                    "version_id": version_id,
                    "stage": stage,
                    "unit": unit.id,
                    "position": position,
                    "name": unit.name,
                    "kind": unit.kind,
                    "parent": unit.parent,
                }
                for position, unit in enumerate(read_unit_list(units, f"stage {stage}"))
            ],
        )
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TABLE}_published_immutable ON {TABLE}")
        op.execute(f"DROP TRIGGER {TABLE}_no_truncate ON {TABLE}")
    else:
        op.execute(f"DROP TRIGGER {TABLE}_no_update")
        op.execute(f"DROP TRIGGER {TABLE}_no_delete")
    op.drop_table(TABLE)
