"""Audit refuses TRUNCATE (PostgreSQL); party and turnout columns on versions; party index gone.

0001 refused UPDATE and DELETE on ``audit``; TRUNCATE fires neither, so PostgreSQL gets a
statement trigger for it too (SQLite has no TRUNCATE: its DELETE trigger already applies).

Derived columns on versions, filled from the stored rows of existing versions: ``parties``
(every party of the result rows, case-folded, each on its own line between newlines) for the
party filter, and ``turnout_ballots`` / ``turnout_registered`` (the deciding stage's ballots cast
and registered voters, the election's registered voters when the stage has none) for turnout
over time. The index on ``stage_results.party_id``, which cost every import a page write, goes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = (
    "parties TEXT NOT NULL DEFAULT ''",
    "turnout_ballots INTEGER CONSTRAINT ck_versions_turnout_ballots_non_negative "
    "CHECK (turnout_ballots >= 0)",
    "turnout_registered INTEGER CONSTRAINT ck_versions_turnout_registered_non_negative "
    "CHECK (turnout_registered >= 0)",
)

# Sorted here for SQLite, whose group_concat keeps the order of its input (PostgreSQL sorts in
# string_agg itself).
PARTIES = """
    SELECT DISTINCT lower(p.name) AS n FROM stage_results AS r JOIN parties AS p
    ON p.id = r.party_id WHERE r.version_id = v.id ORDER BY n
"""
DECIDING = "FROM stages WHERE version_id = v.id AND position = v.deciding_stage"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(
            "CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
    op.drop_index("ix_stage_results_party_id", table_name="stage_results")
    for column in COLUMNS:
        op.execute(f"ALTER TABLE versions ADD COLUMN {column}")
    joined = "string_agg(n, E'\\n' ORDER BY n)" if postgresql else "group_concat(n, char(10))"
    newline = "E'\\n'" if postgresql else "char(10)"
    op.execute(
        f"""
        UPDATE versions AS v SET
            parties = coalesce(
                (SELECT {newline} || {joined} || {newline} FROM ({PARTIES}) AS found), ''
            ),
            turnout_ballots = (SELECT ballots_cast {DECIDING}),
            turnout_registered = coalesce(
                (SELECT registered_voters {DECIDING}), v.registered_voters
            )
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        raise NotImplementedError("0003 cannot be undone on SQLite; restore a copy of the file")
    for name in ("turnout_registered", "turnout_ballots", "parties"):
        op.drop_column("versions", name)
    op.create_index("ix_stage_results_party_id", "stage_results", ["party_id"])
    op.execute("DROP TRIGGER audit_no_truncate ON audit")
