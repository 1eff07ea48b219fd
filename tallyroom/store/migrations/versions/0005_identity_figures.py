"""Elections identified by jurisdiction, office and year; figures decided once and stored.

- ``version_figures``: the figures decided at import (JSON of
  :class:`tallyroom.figures.ElectionFigures`, each stage's decision included) and the rules they
  were decided under; ``versions`` gain the winner's share and the outcome (``winner_percent``,
  ``outcome``), what a new version is judged by (``error_findings``, ``figure_count``) and the
  date it sorts by (``decided_on``).
  Existing versions get them from their stored rows and stored rule outcomes: nothing is
  decided again; the winner becomes the rules' decision (a document's claim no longer stands in).
- The table ``outcomes`` (rules records and each stage's outcome) is carried into
  ``version_figures`` (a tie-break put in words) and dropped.
- ``stages.source_id``: the source a stage was read from (a version can combine sources).
- ``audit`` accepts the actions ``kept``, ``replaced``, ``reverted`` and ``corrected``, and more
  than one record per version (a revert records the version it makes current again). SQLite
  cannot change a CHECK constraint, so there the table is copied; its triggers are made again.
- ``elections.key`` becomes the identity (:func:`tallyroom.identity.election_identity`) of the
  current version. Elections that were distinct stay distinct: a clash keeps the old election
  apart under its key and id.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

VERSION_COLUMNS = (
    "winner_percent VARCHAR(64)",
    "outcome VARCHAR(16)",
    "error_findings INTEGER NOT NULL DEFAULT 0",
    "figure_count INTEGER NOT NULL DEFAULT 0",
    "decided_on DATE",
)
#: The table of rule outcomes that 0005 replaces: the rules record (stage NULL), then one
#: record per stage.
OUTCOMES = sa.table(
    "outcomes",
    sa.column("version_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("stage", sa.Integer),
    sa.column("data", sa.Text),
)
#: Every audit action, ``corrected`` (0006's corrections of certified versions) included: the
#: table is rebuilt once, here.
ACTIONS = "action IN ('created', 'changed', 'kept', 'replaced', 'reverted', 'corrected')"
APPEND_ONLY = "audit trail is append-only"


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
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _audit_postgresql() -> None:
    op.execute("ALTER TABLE audit DROP CONSTRAINT ck_audit_action_known")
    op.execute(f"ALTER TABLE audit ADD CONSTRAINT ck_audit_action_known CHECK ({ACTIONS})")
    op.execute("ALTER TABLE audit DROP CONSTRAINT uq_audit_election_version")
    op.execute("CREATE INDEX ix_audit_election_id ON audit (election_id)")


def _tie_in_words(record: dict[str, Any]) -> dict[str, Any]:
    """A stage outcome of before 0005, whose tie-break was a structure, with it in words."""
    tie = record.get("tie_break")
    if isinstance(tie, dict):
        among = " and ".join(tie.get("among") or ())
        chosen = " and ".join(tie.get("chosen") or ())
        how = (
            "the recorded lot" if tie.get("method") == "lot" else f"a draw (seed {tie.get('seed')})"
        )
        record = {**record, "tie_break": f"tie between {among} broken by {how}: {chosen} chosen"}
    return record


def _carry_over(conn: sa.Connection) -> None:
    """Figures and judged columns of every stored version, from its stored rows and outcomes."""
    from tallyroom.figures import election_figures
    from tallyroom.identity import election_identity, figure_count
    from tallyroom.model import StageDecision
    from tallyroom.store import schema as t
    from tallyroom.store.codec import to_json
    from tallyroom.store.records import from_json
    from tallyroom.store.rows import load_election, version_columns

    v, e = t.versions, t.elections
    for version_row, election_id, number in conn.execute(
        sa.select(v.c.id, v.c.election_id, v.c.number).order_by(v.c.id)
    ).all():
        # 0009 adds the column, 0016 and 0017 the tables
        election = load_election(
            conn, version_row, without=("district", "unit_figures", "stage_units")
        )
        records = conn.execute(
            sa.select(OUTCOMES.c.stage, OUTCOMES.c.data)
            .where(OUTCOMES.c.version_id == version_row)
            .order_by(OUTCOMES.c.position)
        ).all()
        decisions = [
            from_json(StageDecision, _tie_in_words(json.loads(data)))
            for stage, data in records
            if stage is not None
        ]
        rules = next((json.loads(data) for stage, data in records if stage is None), None)
        figures = election_figures(
            election, decisions if len(decisions) == len(election.stages) else None
        )
        errors = conn.execute(
            sa.select(sa.func.count()).where(
                t.findings.c.version_id == version_row, t.findings.c.severity == "error"
            )
        ).scalar_one()
        columns = version_columns(election, figures)
        conn.execute(
            sa.insert(t.version_figures).values(
                version_id=version_row,
                figures=json.dumps(to_json(figures), ensure_ascii=False, sort_keys=True),
                rules=json.dumps(
                    {"rules": rules.get("rules") if rules else None, "note": None},
                    ensure_ascii=False,
                    sort_keys=True,
                ),
            )
        )
        conn.execute(
            sa.update(v)
            .where(v.c.id == version_row)
            .values(
                winner=columns["winner"],
                winner_percent=columns["winner_percent"],
                outcome=columns["outcome"],
                margin_votes=columns["margin_votes"],
                counted_total=columns["counted_total"],
                people=columns["people"],
                incumbents_won=columns["incumbents_won"],
                decided_on=columns["decided_on"],
                error_findings=int(errors),
                figure_count=figure_count(election),
            )
        )
        head = conn.execute(
            sa.select(e.c.current_version).where(e.c.id == election_id)
        ).scalar_one()
        if head == number:
            identity = election_identity(election)
            taken = conn.execute(
                sa.select(e.c.id).where(e.c.key == identity, e.c.id != election_id)
            ).first()
            if taken is not None:
                identity = f"{identity}#{election_id}"
            conn.execute(sa.update(e).where(e.c.id == election_id).values(key=identity))
    conn.execute(
        sa.update(t.stages).values(
            source_id=sa.select(v.c.source_id)
            .where(v.c.id == t.stages.c.version_id)
            .scalar_subquery()
        )
    )


def upgrade() -> None:
    conn = op.get_bind()
    postgresql = conn.dialect.name == "postgresql"
    for column in VERSION_COLUMNS:
        op.execute(f"ALTER TABLE versions ADD COLUMN {column}")
    op.execute("ALTER TABLE stages ADD COLUMN source_id INTEGER REFERENCES sources (id)")
    op.create_table(
        "version_figures",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_version_figures_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_version_figures")),
    )
    if postgresql:
        _audit_postgresql()
    else:
        _audit_sqlite()
    _carry_over(conn)
    op.drop_table("outcomes")


def downgrade() -> None:
    raise NotImplementedError("tallyroom databases are not downgraded; restore a backup")
