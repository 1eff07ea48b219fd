"""Versions keep the office's district.

``versions.district``: the district of the office within its jurisdiction ("D3", "75"), part of
an election's identity, so that two districts' contests of one office in one file are two
elections. Versions stored before have none (their identity is unchanged).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("versions", sa.Column("district", sa.String(400)))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of ``versions`` would drop the table,
    # which the immutability triggers refuse and foreign keys would cascade below it.
    op.execute("ALTER TABLE versions DROP COLUMN district")
