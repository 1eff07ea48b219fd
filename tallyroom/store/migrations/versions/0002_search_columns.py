"""Derived search columns on versions: people, incumbents' record, deciding stage kind.

``people`` holds every name of a version (results, candidate list, infobox nominees), case-folded,
one per line, so a search by name reads one row per election instead of every result row.
``incumbents_ran`` / ``incumbents_won`` count the candidates who held the office (flagged
incumbent, or named as the holder before) and whether one of them won; ``decided_in`` is the kind
of the deciding stage. Existing versions are filled from their stored rows.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Names of one version, lower-cased, without repeats (``v`` is the version being filled).
NAMES = """
    SELECT lower(name) AS n FROM stage_results WHERE version_id = v.id
    UNION SELECT lower(name) FROM candidates WHERE version_id = v.id
    UNION SELECT lower(name) FROM nominees WHERE version_id = v.id
"""
# Candidates of one version who held the office before.
INCUMBENTS = """
    SELECT lower(name) AS n FROM stage_results
    WHERE version_id = v.id AND (incumbent OR lower(name) = lower(v.before_holder))
"""


COLUMNS = (
    "people TEXT NOT NULL DEFAULT ''",
    "incumbents_ran INTEGER NOT NULL DEFAULT 0",
    "incumbents_won INTEGER NOT NULL DEFAULT 0 CONSTRAINT ck_versions_incumbents_won_range "
    "CHECK (incumbents_won >= 0 AND incumbents_won <= incumbents_ran)",
    "decided_in VARCHAR(16) CONSTRAINT ck_versions_decided_in_known "
    "CHECK (decided_in IN ('primary', 'general', 'runoff'))",
)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite would otherwise rebuild the table, and dropping
    # the old copy with foreign keys on would cascade to every row below it.
    for column in COLUMNS:
        op.execute(f"ALTER TABLE versions ADD COLUMN {column}")
    joined = (
        "string_agg(n, E'\\n' ORDER BY n)"
        if op.get_bind().dialect.name == "postgresql"
        else "group_concat(n, char(10))"
    )
    op.execute(
        f"""
        UPDATE versions AS v SET
            people = coalesce((SELECT {joined} FROM ({NAMES}) AS names), ''),
            incumbents_ran = (SELECT count(DISTINCT n) FROM ({INCUMBENTS}) AS held),
            incumbents_won = (
                SELECT count(DISTINCT n) FROM ({INCUMBENTS}) AS held
                WHERE n = lower(v.winner)
            ),
            decided_in = (
                SELECT kind FROM stages
                WHERE version_id = v.id AND position = v.deciding_stage
            )
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        raise NotImplementedError("0002 cannot be undone on SQLite; restore a copy of the file")
    for name in ("decided_in", "incumbents_won", "incumbents_ran", "people"):
        op.drop_column("versions", name)
