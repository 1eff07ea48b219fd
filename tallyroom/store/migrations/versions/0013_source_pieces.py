"""A long source's text kept in pieces: ``source_pieces``.

A source's text was one value of ``sources.text``. A statewide precinct file is tens of
megabytes, and a value that size is copied whole by the database driver and again by the
database as it is written: an import of a 85 MB file held both copies beside the file's text.
Now ``sources.text`` holds the text's first piece (a mebibyte of characters at most) and
``source_pieces`` the rest, numbered from 1 in order; a source of one piece, as nearly every
source is, has no rows there. The text is the first piece followed by the others; its
``size`` and ``sha256`` are those of the whole text, as before.

The pieces of a stored source, like the source, are never changed: the same triggers as on
``sources`` refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). Sources stored before hold
their whole text in ``sources.text`` and need no change.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

IMMUTABLE = "published results are immutable"


def upgrade() -> None:
    op.create_table(
        "source_pieces",
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_source_pieces_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("source_id", "number", name=op.f("pk_source_pieces")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_source_pieces_number_positive")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER source_pieces_published_immutable BEFORE UPDATE OR DELETE "
            "ON source_pieces FOR EACH ROW EXECUTE FUNCTION published_immutable()"
        )
        op.execute(
            "CREATE TRIGGER source_pieces_no_truncate BEFORE TRUNCATE ON source_pieces "
            "FOR EACH STATEMENT EXECUTE FUNCTION published_immutable()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER source_pieces_no_{verb.lower()} BEFORE {verb} ON source_pieces "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}: source_pieces'); END"
        )


def downgrade() -> None:
    """Back to one value per source: the pieces are joined onto ``sources.text`` (past its
    triggers, which are set aside for it), then dropped."""
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    pieced = [
        int(source_id)
        for (source_id,) in bind.execute(sa.text("SELECT DISTINCT source_id FROM source_pieces"))
    ]
    if pieced:
        if postgresql:
            op.execute("ALTER TABLE sources DISABLE TRIGGER sources_published_immutable")
        else:
            op.execute("DROP TRIGGER sources_no_update")
        for source_id in pieced:
            rest = bind.execute(
                sa.text("SELECT text FROM source_pieces WHERE source_id = :id ORDER BY number"),
                {"id": source_id},
            ).scalars()
            first = bind.execute(
                sa.text("SELECT text FROM sources WHERE id = :id"), {"id": source_id}
            ).scalar_one()
            bind.execute(
                sa.text("UPDATE sources SET text = :text WHERE id = :id"),
                {"text": first + "".join(rest), "id": source_id},
            )
        if postgresql:
            op.execute("ALTER TABLE sources ENABLE TRIGGER sources_published_immutable")
        else:
            op.execute(
                "CREATE TRIGGER sources_no_update BEFORE UPDATE ON sources "
                f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}: sources'); END"
            )
    if postgresql:
        op.execute("DROP TRIGGER source_pieces_published_immutable ON source_pieces")
        op.execute("DROP TRIGGER source_pieces_no_truncate ON source_pieces")
    else:
        op.execute("DROP TRIGGER source_pieces_no_update")
        op.execute("DROP TRIGGER source_pieces_no_delete")
    op.drop_table("source_pieces")
