"""Published results are immutable; corrections are audited; every import attempt is recorded.

- ``audit`` records ``corrected``: a new current version of a certified election, made by
  ``import --correction REASON`` (0005, rebuilding the table, already allows the action).
- ``import_attempts``: one row per file an import tried (stored, unchanged or refused), with
  who (the actor given, the operating-system user and host), the source's name and SHA-256, the
  identities of its elections and, for a refusal, the reason. Append-only like ``audit``.
- Triggers refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) on ``versions``,
  ``version_figures``, ``stages``, ``stage_results``, ``findings`` and ``sources``: a published
  version, its results and its sources never change. ``elections.current_version`` stays
  writable: imports and reverts move it, and the audit trail records each move.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

OUTCOMES = "outcome IN ('stored', 'unchanged', 'refused')"
APPEND_ONLY = "audit trail is append-only"
IMMUTABLE = "published results are immutable"
#: The tables of published versions, their results and their sources.
PUBLISHED = ("versions", "version_figures", "stages", "stage_results", "findings", "sources")


def _refuse_sqlite(table: str, message: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def _refuse_postgresql(table: str, function: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_{function} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "import_attempts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(400), nullable=False),
        sa.Column("os_user", sa.String(400), nullable=False),
        sa.Column("host", sa.String(400), nullable=False),
        sa.Column("source", sa.String(400), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("elections", sa.Text),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_attempts")),
        sa.CheckConstraint(OUTCOMES, name=op.f("ck_import_attempts_outcome_known")),
    )
    if postgresql:
        op.execute(
            "CREATE FUNCTION published_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{IMMUTABLE}: % on %', TG_OP, TG_TABLE_NAME; END $$"
        )
        _refuse_postgresql("import_attempts", "audit_append_only")
        for table in PUBLISHED:
            _refuse_postgresql(table, "published_immutable")
        return
    _refuse_sqlite("import_attempts", APPEND_ONLY)
    for table in PUBLISHED:
        _refuse_sqlite(table, f"{IMMUTABLE}: {table}")


def downgrade() -> None:
    raise NotImplementedError("tallyroom databases are not downgraded; restore a backup")
