"""SQLite's text index is filled by the writer, a batch of versions at a time, not by a trigger.

Migration 0010 made ``versions_search`` (FTS5, trigram tokenizer) and a trigger that added each
new version's title, city and people to it. A trigger makes its ``INSERT INTO versions`` a
statement that writes two tables, which SQLite runs in a statement transaction of its own, and
FTS5 writes the terms it holds in memory to disk at the start of every statement transaction:
each version became a segment of the index of its own, written and then merged. That cost about
150 µs per version, most of the cost of storing one; a version inserted by the writer with the
batch's other rows (one ``executemany``, in one statement transaction) costs about 50.

The writer (``tallyroom.store.writes.SourceWriter``, the one place versions are inserted) now
adds the row, in the same transaction as the version. Downgrading makes the trigger again.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

TRIGGER = "versions_search_insert"


def _has_text_index() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    found = bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions_search'"
    ).first()
    return found is not None


def upgrade() -> None:
    if _has_text_index():
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


def downgrade() -> None:
    if _has_text_index():
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON versions BEGIN "
            "INSERT INTO versions_search (rowid, title, city, people) "
            "VALUES (new.id, new.title, new.city, new.people); END"
        )
