"""Published results are immutable; corrections are audited; every import attempt is recorded.

- ``audit`` accepts the action ``corrected``: a new current version of a certified election,
  made by ``import --correction REASON``. SQLite cannot change a CHECK constraint, so there the
  table is copied (as in 0005) and its append-only triggers are made again.
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

ACTIONS = "action IN ('created', 'changed', 'kept', 'replaced', 'reverted', 'corrected')"
OUTCOMES = "outcome IN ('stored', 'unchanged', 'refused')"
APPEND_ONLY = "audit trail is append-only"
IMMUTABLE = "published results are immutable"
#: The tables of published versions, their results and their sources.
PUBLISHED = ("versions", "version_figures", "stages", "stage_results", "findings", "sources")


def _audit_sqlite() -> None:
    op.execute("DROP TRIGGER audit_no_update")
    op.execute("DROP TRIGGER audit_no_delete")
    op.execute(
        f"""
        CREATE TABLE audit_new (
            id INTEGER NOT NULL,
            election_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            action VARCHAR(16) NOT NULL,
            at DATETIME NOT NULL,
            by VARCHAR(400) NOT NULL,
            source_id INTEGER NOT NULL,
            changes TEXT NOT NULL,
            CONSTRAINT pk_audit PRIMARY KEY (id),
            CONSTRAINT ck_audit_action_known CHECK ({ACTIONS}),
            CONSTRAINT ck_audit_version_positive CHECK (version >= 1),
            CONSTRAINT fk_audit_election_id_elections FOREIGN KEY(election_id)
                REFERENCES elections (id),
            CONSTRAINT fk_audit_source_id_sources FOREIGN KEY(source_id) REFERENCES sources (id)
        )
        """
    )
    op.execute(
        "INSERT INTO audit_new (id, election_id, version, action, at, by, source_id, changes) "
        "SELECT id, election_id, version, action, at, by, source_id, changes FROM audit"
    )
    op.execute("DROP TABLE audit")
    op.execute("ALTER TABLE audit_new RENAME TO audit")
    op.execute("CREATE INDEX ix_audit_election_id ON audit (election_id)")
    _refuse_sqlite("audit", APPEND_ONLY)


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
        op.execute("ALTER TABLE audit DROP CONSTRAINT ck_audit_action_known")
        op.execute(f"ALTER TABLE audit ADD CONSTRAINT ck_audit_action_known CHECK ({ACTIONS})")
        op.execute(
            "CREATE FUNCTION published_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{IMMUTABLE}: % on %', TG_OP, TG_TABLE_NAME; END $$"
        )
        _refuse_postgresql("import_attempts", "audit_append_only")
        for table in PUBLISHED:
            _refuse_postgresql(table, "published_immutable")
        return
    _audit_sqlite()
    _refuse_sqlite("import_attempts", APPEND_ONLY)
    for table in PUBLISHED:
        _refuse_sqlite(table, f"{IMMUTABLE}: {table}")


def downgrade() -> None:
    raise NotImplementedError("tallyroom databases are not downgraded; restore a backup")
