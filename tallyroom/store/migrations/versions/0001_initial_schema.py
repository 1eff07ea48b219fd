"""Initial schema: elections and their versions, stages, results, sources, findings, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:01:38.404183
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "elections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "current_version >= 1", name=op.f("ck_elections_current_version_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
        sa.UniqueConstraint("key", name=op.f("uq_elections_key")),
    )
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("name", name=op.f("uq_parties_name")),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=400), nullable=False),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_sources_sha256_length")),
        sa.CheckConstraint("size >= 0", name=op.f("ck_sources_size_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("sha256", name=op.f("uq_sources_sha256")),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=400), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.CheckConstraint("action IN ('created', 'changed')", name=op.f("ck_audit_action_known")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_audit_version_positive")),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_audit_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_audit_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
        sa.UniqueConstraint("election_id", "version", name="uq_audit_election_version"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=400), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("city", sa.String(length=400), nullable=True),
        sa.Column("state", sa.String(length=400), nullable=True),
        sa.Column("office", sa.String(length=400), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("type", sa.String(length=400), nullable=True),
        sa.Column("term", sa.String(length=400), nullable=True),
        sa.Column("previous_election", sa.String(length=400), nullable=True),
        sa.Column("previous_year", sa.Integer(), nullable=True),
        sa.Column("next_election", sa.String(length=400), nullable=True),
        sa.Column("next_year", sa.Integer(), nullable=True),
        sa.Column("before_holder", sa.String(length=400), nullable=True),
        sa.Column("before_acting", sa.Boolean(), nullable=False),
        sa.Column("before_party", sa.String(length=400), nullable=True),
        sa.Column("after_holder", sa.String(length=400), nullable=True),
        sa.Column("after_party", sa.String(length=400), nullable=True),
        sa.Column("stated_turnout", sa.String(length=64), nullable=True),
        sa.Column("registered_voters", sa.Integer(), nullable=True),
        sa.Column("rules", sa.String(length=400), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("deciding_stage", sa.Integer(), nullable=True),
        sa.Column("winner", sa.String(length=400), nullable=True),
        sa.Column("margin_votes", sa.Integer(), nullable=True),
        sa.Column("counted_total", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "counted_total >= 0", name=op.f("ck_versions_counted_total_non_negative")
        ),
        sa.CheckConstraint("length(fingerprint) = 64", name=op.f("ck_versions_fingerprint_length")),
        sa.CheckConstraint("margin_votes >= 0", name=op.f("ck_versions_margin_votes_non_negative")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_versions_number_positive")),
        sa.CheckConstraint(
            "registered_voters >= 0", name=op.f("ck_versions_registered_voters_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_versions_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_versions_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("election_id", "number", name="uq_versions_election_number"),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index("ix_versions_year", ["year"], unique=False)

    op.create_table(
        "candidates",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("nickname", sa.String(length=400), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 0", name=op.f("ck_candidates_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_candidates_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_candidates")),
    )
    op.create_table(
        "findings",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_findings_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_findings_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_findings")),
    )
    op.create_table(
        "infobox_fields",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 0", name=op.f("ck_infobox_fields_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_infobox_fields_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_infobox_fields")),
    )
    op.create_table(
        "nominees",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("party", sa.String(length=400), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=True),
        sa.Column("stated_percentage", sa.String(length=64), nullable=True),
        sa.CheckConstraint("position >= 0", name=op.f("ck_nominees_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_nominees_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_nominees")),
    )
    op.create_table(
        "outcomes",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_outcomes_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_outcomes_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_outcomes")),
    )
    op.create_table(
        "outline",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_outline_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_outline_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_outline")),
    )
    op.create_table(
        "paragraphs",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 0", name=op.f("ck_paragraphs_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_paragraphs_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_paragraphs")),
    )
    op.create_table(
        "stages",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("party", sa.String(length=400), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("stated_total", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("registered_voters", sa.Integer(), nullable=True),
        sa.Column("ballots_cast", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("date_source", sa.String(length=16), nullable=True),
        sa.Column("caption_line", sa.Integer(), nullable=True),
        sa.Column("total_line", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "date_source IN ('caption', 'infobox', 'prose')",
            name=op.f("ck_stages_date_source_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('primary', 'general', 'runoff')", name=op.f("ck_stages_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('unofficial', 'complete', 'certified')", name=op.f("ck_stages_status_known")
        ),
        sa.CheckConstraint("ballots_cast >= 0", name=op.f("ck_stages_ballots_cast_non_negative")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_stages_position_non_negative")),
        sa.CheckConstraint(
            "registered_voters >= 0", name=op.f("ck_stages_registered_voters_non_negative")
        ),
        sa.CheckConstraint("stated_total >= 0", name=op.f("ck_stages_stated_total_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_stages_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "position", name=op.f("pk_stages")),
    )
    op.create_table(
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
    op.create_table(
        "rounds",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("elected", sa.Text(), nullable=False),
        sa.Column("eliminated", sa.Text(), nullable=False),
        sa.Column("inactive", sa.String(length=64), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_rounds_number_positive")),
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            name="fk_rounds_stage_stages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "stage", "number", name=op.f("pk_rounds")),
    )
    op.create_table(
        "stage_results",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("name_key", sa.String(length=400), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=True),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("incumbent", sa.Boolean(), nullable=False),
        sa.Column("write_in", sa.Boolean(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 0", name=op.f("ck_stage_results_position_non_negative")),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_stage_results_votes_non_negative")),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_stage_results_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            name="fk_stage_results_stage_stages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "stage", "position", name=op.f("pk_stage_results")),
    )
    with op.batch_alter_table("stage_results", schema=None) as batch_op:
        batch_op.create_index("ix_stage_results_party_id", ["party_id"], unique=False)

    op.create_table(
        "unit_results",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit", sa.String(length=400), nullable=False),
        sa.Column("candidate", sa.String(length=400), nullable=False),
        sa.Column("vote_type", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_unit_results_votes_non_negative")),
        sa.ForeignKeyConstraint(
            ["version_id", "stage"],
            ["stages.version_id", "stages.position"],
            name="fk_unit_results_stage_stages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "stage", "unit", "candidate", "vote_type", name=op.f("pk_unit_results")
        ),
    )
    op.create_table(
        "round_tallies",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("round", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("candidate", sa.String(length=400), nullable=False),
        sa.Column("votes", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id", "stage", "round"],
            ["rounds.version_id", "rounds.stage", "rounds.number"],
            name="fk_round_tallies_round_rounds",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "stage", "round", "position", name=op.f("pk_round_tallies")
        ),
    )

    _create_audit_guard()


def downgrade() -> None:
    _drop_audit_guard()
    op.drop_table("round_tallies")
    op.drop_table("unit_results")
    with op.batch_alter_table("stage_results", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_results_party_id")

    op.drop_table("stage_results")
    op.drop_table("rounds")
    op.drop_table("reporting_units")
    op.drop_table("stages")
    op.drop_table("paragraphs")
    op.drop_table("outline")
    op.drop_table("outcomes")
    op.drop_table("nominees")
    op.drop_table("infobox_fields")
    op.drop_table("findings")
    op.drop_table("candidates")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index("ix_versions_year")

    op.drop_table("versions")
    op.drop_table("audit")
    op.drop_table("sources")
    op.drop_table("parties")
    op.drop_table("elections")


# The audit trail is append-only: the database itself refuses to change or delete its rows.
APPEND_ONLY = "audit trail is append-only"


def _create_audit_guard() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
        "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
    )


def _drop_audit_guard() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_no_update")
        op.execute("DROP TRIGGER audit_no_delete")
        return
    op.execute("DROP TRIGGER audit_append_only ON audit")
    op.execute("DROP FUNCTION audit_append_only()")
