"""Election night: accounts, sessions, declared elections, returns as entered, their audit.

- ``users`` (role ``clerk``, ``certifier`` or ``admin``; an argon2 hash of the password, never
  the password), ``user_elections`` (the elections a clerk may enter returns for) and
  ``sessions`` (server-side; only the SHA-256 of a session token is kept, beside its CSRF token
  and expiry).
- ``declarations``: an election as declared (its JSON), its results status (NIST SP 1500-100:
  ``unofficial-partial``, ``unofficial-complete``, ``certified``, ``correction``, ``recount``)
  and a revision that grows with every accepted change.
- ``unit_returns``: the votes entered per stage, reporting unit and candidate, with the unit's
  revision (optimistic locking: an edit names the revision it was made against).
- ``returns_audit`` and ``account_audit``: append-only trails of every accepted change (who,
  when, old and new, the reason, the SHA-256 of an uploaded file). Triggers refuse UPDATE and
  DELETE on them (and TRUNCATE on PostgreSQL), as on ``audit``.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = "audit trail is append-only"
ROLES = ("clerk", "certifier", "admin")
STATUSES = ("unofficial-partial", "unofficial-complete", "certified", "correction", "recount")
RETURNS_ACTIONS = ("declared", "entered", "uploaded", "certified", "correction", "recount")
ACCOUNT_ACTIONS = ("added", "disabled", "assigned", "password")
TRAILS = ("returns_audit", "account_audit")


def _listed(column: str, kinds: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(kind) for kind in kinds)})"


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        _when("created_at"),
        sa.Column("created_by", sa.String(length=400), nullable=False),
        sa.CheckConstraint(_listed("role", ROLES), name=op.f("ck_users_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "user_elections",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("election_key", sa.String(length=400), nullable=False),
        _when("assigned_at"),
        sa.Column("assigned_by", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_elections_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "election_key", name=op.f("pk_user_elections")),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        sa.CheckConstraint("length(token_hash) = 64", name=op.f("ck_sessions_token_hash_length")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    op.create_table(
        "declarations",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("declaration", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _when("declared_at"),
        sa.Column("declared_by", sa.String(length=400), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=400), nullable=False),
        sa.CheckConstraint(_listed("status", STATUSES), name=op.f("ck_declarations_status_known")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_declarations_revision_positive")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_declarations")),
    )
    op.create_table(
        "unit_returns",
        sa.Column("election_key", sa.String(length=400), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit", sa.String(length=400), nullable=False),
        sa.Column("candidate", sa.String(length=400), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _when("updated_at"),
        sa.Column("updated_by", sa.String(length=400), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_unit_returns_votes_non_negative")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_unit_returns_revision_positive")),
        sa.ForeignKeyConstraint(
            ["election_key"],
            ["declarations.key"],
            name=op.f("fk_unit_returns_election_key_declarations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "election_key", "stage", "unit", "candidate", name=op.f("pk_unit_returns")
        ),
    )
    op.create_table(
        "returns_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("by", sa.String(length=400), nullable=False),
        sa.Column("election_key", sa.String(length=400), nullable=False),
        sa.Column("stage", sa.Integer()),
        sa.Column("unit", sa.String(length=400)),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("old", sa.Text()),
        sa.Column("new", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("file_sha256", sa.String(length=64)),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            _listed("action", RETURNS_ACTIONS), name=op.f("ck_returns_audit_action_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns_audit")),
    )
    op.create_index("ix_returns_audit_election_key", "returns_audit", ["election_key"])
    op.create_table(
        "account_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("by", sa.String(length=400), nullable=False),
        sa.Column("user_name", sa.String(length=400), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.CheckConstraint(
            _listed("action", ACCOUNT_ACTIONS), name=op.f("ck_account_audit_action_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_audit")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # audit_append_only() is the function of migration 0001.
        for table in TRAILS:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
            )
        return
    for table in TRAILS:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: {table}'); END"
            )


def downgrade() -> None:
    raise NotImplementedError("tallyroom databases are not downgraded; restore a backup")
