"""Ranked-choice rounds as published: threshold, inactive ballots by reason, transfers.

``rounds.threshold`` is the round's threshold as exact decimal text (``NULL``: not reported).
``rounds.inactive`` keeps its meaning: the total of ballots inactive in that round, blank ballots
included. ``round_inactive`` breaks that total down by reason (``exhausted``, ``overvote``,
``skipped``, ``repeated``, ``undervote``: the reasons RCTab reports); ``round_transfers`` holds
the votes each round moved from a source candidate to a target (a candidate, or ``exhausted``).

Existing rounds keep their figures: their threshold is unknown (``NULL``) and they get no reason
or transfer rows, which reads back as "breakdown not reported", never as zero.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

REASONS = ("exhausted", "overvote", "skipped", "repeated", "undervote")


def _round_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["version_id", "stage", "round"],
        ["rounds.version_id", "rounds.stage", "rounds.number"],
        name=f"fk_{table}_round_rounds",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (SQLite would otherwise rebuild the table).
    op.execute("ALTER TABLE rounds ADD COLUMN threshold VARCHAR(64)")
    listed = ", ".join(f"'{reason}'" for reason in REASONS)
    op.create_table(
        "round_inactive",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("round", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("votes", sa.String(length=64), nullable=False),
        sa.CheckConstraint(f"reason IN ({listed})", name=op.f("ck_round_inactive_reason_known")),
        _round_fk("round_inactive"),
        sa.PrimaryKeyConstraint(
            "version_id", "stage", "round", "reason", name=op.f("pk_round_inactive")
        ),
    )
    op.create_table(
        "round_transfers",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("round", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("votes", sa.String(length=64), nullable=False),
        _round_fk("round_transfers"),
        sa.PrimaryKeyConstraint(
            "version_id", "stage", "round", "position", name=op.f("pk_round_transfers")
        ),
    )


def downgrade() -> None:
    op.drop_table("round_transfers")
    op.drop_table("round_inactive")
    # SQLite 3.35 and later drop a column in place, as PostgreSQL does.
    op.execute("ALTER TABLE rounds DROP COLUMN threshold")
