"""Reads at 100,000 elections: the index's order and text search by index.

- ``ix_versions_newest``: versions in the index's order (year and date of the deciding stage,
  newest first and unknown last, then title and election), so a page of the index, filtered by
  anything that matches many elections, reads its rows in order and stops instead of sorting
  every match.
- ``ix_versions_places``: each version's place, year and office with its election and number
  and its turnout figures, so the counts by city, year and office and the turnout by city and
  year (``stats``) read this index instead of every version's row.
- Text search (the ``candidate`` and ``q`` filters match part of a name, a title or a city):
  on SQLite, ``versions_search``, an FTS5 table with the trigram tokenizer over each version's
  title, city and names (``people``), filled here from the stored versions and afterwards by a
  trigger on every new version (versions are never updated nor deleted). It holds no copy of
  the text (``content=''``): it only finds the versions that may match, and the query checks
  them with the filter itself (a SQLite without FTS5's trigram tokenizer, before 3.34, goes
  without: the filters then read every version, as before). On PostgreSQL, GIN trigram
  indexes (``pg_trgm``) on ``lower(title)``, ``lower(city)`` and ``lower(people)``; when the
  extension cannot be created (not installed, or not allowed) they are left out and the
  filters read every version, as before.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

#: What the counts by place, year and office, and turnout by city and year, read of each
#: version: all of it in the index.
PLACE_COLUMNS = (
    "city",
    "state",
    "year",
    "office",
    "election_id",
    "number",
    "turnout_ballots",
    "turnout_registered",
    "stated_turnout",
)
#: The text a trigram index is kept of, on PostgreSQL.
TRIGRAM_COLUMNS = ("title", "city", "people")


def _trigram_schema() -> str | None:
    """The schema pg_trgm is installed in, installing it when it can be; ``None`` when not.

    The extension is one per database: when another schema has it already, that one is used
    (its operator class is named with its schema)."""
    bind = op.get_bind()
    found = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace "
        "WHERE x.extname = 'pg_trgm'"
    ).scalar_one_or_none()
    if found is not None:
        return str(found)
    available = bind.exec_driver_sql(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    ).scalar_one_or_none()
    if available is None:
        return None
    # Into ``public`` when it can (a schema that is not dropped with an application's own),
    # else into the current schema.
    for statement in ("CREATE EXTENSION pg_trgm SCHEMA public", "CREATE EXTENSION pg_trgm"):
        try:
            with bind.begin_nested():
                bind.exec_driver_sql(statement)
            break
        except sa.exc.DBAPIError:
            continue
    else:
        return None
    return str(
        bind.exec_driver_sql(
            "SELECT n.nspname FROM pg_extension x JOIN pg_namespace n "
            "ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm'"
        ).scalar_one()
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_index(
        "ix_versions_places",
        "versions",
        [*PLACE_COLUMNS],
    )
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_versions_newest ON versions "
            "(year DESC NULLS LAST, decided_on DESC NULLS LAST, title, election_id)"
        )
        schema = _trigram_schema()
        if schema is not None:
            for column in TRIGRAM_COLUMNS:
                op.execute(
                    f"CREATE INDEX ix_versions_trgm_{column} ON versions "
                    f'USING gin (lower({column}) "{schema}".gin_trgm_ops)'
                )
        return
    # SQLite sorts NULL first, so a descending index has unknown years and dates last.
    op.execute(
        "CREATE INDEX ix_versions_newest ON versions "
        "(year DESC, decided_on DESC, title, election_id)"
    )
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(
                "CREATE VIRTUAL TABLE versions_search USING fts5"
                "(title, city, people, tokenize = 'trigram', content = '')"
            )
    except sa.exc.OperationalError:
        # A SQLite without FTS5 or its trigram tokenizer (before 3.34): the text filters read
        # every version, as before.
        return
    op.execute(
        "INSERT INTO versions_search (rowid, title, city, people) "
        "SELECT id, title, city, people FROM versions"
    )
    op.execute(
        "CREATE TRIGGER versions_search_insert AFTER INSERT ON versions BEGIN "
        "INSERT INTO versions_search (rowid, title, city, people) "
        "VALUES (new.id, new.title, new.city, new.people); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_versions_trgm_{column}")
    else:
        op.execute("DROP TRIGGER IF EXISTS versions_search_insert")
        op.execute("DROP TABLE IF EXISTS versions_search")
    op.execute("DROP INDEX ix_versions_newest")
    op.drop_index("ix_versions_places", "versions")
