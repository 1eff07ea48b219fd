"""Statistics at 100,000 elections: totals over the current versions, kept by the database.

``stats`` sums figures over every current version (incumbents' record, winning margins, the
stage that decided each election) and lists turnout for the places with the most elections.
Summing 100,000 versions at each call took 130 ms on SQLite and counting the elections of
every place another 130 ms; these tables hold the sums instead, so ``stats`` reads one row and
the first rows of an index.

- ``current_totals``: one row, the sums over the current versions of the columns ``stats``
  adds up (the winning margin as millionths of the counted total, truncated, as ``stats``
  averaged it before).
- ``place_counts``: the number of current elections of each place (city and state), with an
  index in order of most elections first.

Both are kept by triggers, so every path that makes a version current keeps them right
(imports, new versions, reverts, election-night publishing, PostgreSQL's ``COPY``): a new
version that is its election's current one is added; when ``elections.current_version`` moves,
the old version is taken away and the new one added. Versions are never updated nor deleted
(migration 0001's triggers), and whichever of the two rows is written first, each version is
counted once: a version row that is not there yet adds nothing, and one written later than its
election's move is added by its own trigger.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

#: ``current_totals``' columns and what each adds up of a version.
TOTALS = {
    "incumbents_ran": "v.incumbents_ran",
    "incumbents_won": "v.incumbents_won",
    "incumbents_unknown": "CASE WHEN v.winner IS NULL THEN v.incumbents_ran ELSE 0 END",
    "margins": "CASE WHEN v.margin_votes IS NOT NULL AND v.counted_total > 0 THEN 1 ELSE 0 END",
    "margin_shares": (
        "CASE WHEN v.margin_votes IS NOT NULL AND v.counted_total > 0 "
        "THEN CAST(v.margin_votes AS BIGINT) * 1000000 / v.counted_total ELSE 0 END"
    ),
    "decided_primary": "CASE WHEN v.decided_in = 'primary' THEN 1 ELSE 0 END",
    "decided_general": "CASE WHEN v.decided_in = 'general' THEN 1 ELSE 0 END",
    "decided_runoff": "CASE WHEN v.decided_in = 'runoff' THEN 1 ELSE 0 END",
    "decided_none": "CASE WHEN v.decided_in IS NULL THEN 1 ELSE 0 END",
}


def _count(sign: str, election: str, number: str, same: str) -> list[str]:
    """The statements that add (``sign`` ``+``) or take away (``-``) version ``number`` of
    election ``election`` (SQL expressions) to or from the totals; ``same``: the null-safe
    equality operator of the dialect."""
    version = f"v.election_id = {election} AND v.number = {number}"
    sums = ", ".join(
        f"{column} = current_totals.{column} {sign} {value}" for column, value in TOTALS.items()
    )
    statements = [
        f"UPDATE current_totals SET {sums} FROM versions AS v WHERE {version}",
        f"UPDATE place_counts SET elections = place_counts.elections {sign} 1 "
        f"FROM versions AS v WHERE {version} "
        f"AND place_counts.city = v.city AND place_counts.state {same} v.state",
    ]
    if sign == "+":
        statements.append(
            "INSERT INTO place_counts (city, state, elections) SELECT v.city, v.state, 1 "
            f"FROM versions AS v WHERE {version} AND v.city IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM place_counts AS p WHERE p.city = v.city "
            f"AND p.state {same} v.state)"
        )
    else:
        statements.append("DELETE FROM place_counts WHERE elections = 0")
    return statements


def _fill() -> None:
    """The totals of the versions current now."""
    current = (
        "FROM versions AS v JOIN elections AS e "
        "ON v.election_id = e.id AND v.number = e.current_version"
    )
    sums = ", ".join(f"COALESCE(SUM({value}), 0)" for value in TOTALS.values())
    op.execute(f"INSERT INTO current_totals (id, {', '.join(TOTALS)}) SELECT 1, {sums} {current}")
    op.execute(
        "INSERT INTO place_counts (city, state, elections) SELECT v.city, v.state, COUNT(*) "
        f"{current} WHERE v.city IS NOT NULL GROUP BY v.city, v.state"
    )


def upgrade() -> None:
    op.create_table(
        "current_totals",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        *(
            sa.Column(
                name, sa.BigInteger if name == "margin_shares" else sa.Integer, nullable=False
            )
            for name in TOTALS
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_current_totals_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_current_totals")),
    )
    op.create_table(
        "place_counts",
        sa.Column("city", sa.String(400), nullable=False),
        sa.Column("state", sa.String(400)),
        sa.Column("elections", sa.Integer, nullable=False),
        sa.CheckConstraint("elections >= 0", name=op.f("ck_place_counts_elections_non_negative")),
    )
    op.create_index("ix_place_counts_place", "place_counts", ["city", "state"], unique=True)
    op.execute("CREATE INDEX ix_place_counts_most ON place_counts (elections DESC, city, state)")
    _fill()
    if op.get_bind().dialect.name == "postgresql":
        same = "IS NOT DISTINCT FROM"
        added = _count("+", "NEW.election_id", "NEW.number", same)
        moved = [
            *_count("-", "NEW.id", "OLD.current_version", same),
            *_count("+", "NEW.id", "NEW.current_version", same),
        ]
        op.execute(
            "CREATE FUNCTION current_totals_version() RETURNS trigger AS $$ BEGIN "
            "IF NEW.number = (SELECT current_version FROM elections WHERE id = NEW.election_id) "
            f"THEN {'; '.join(added)}; END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE FUNCTION current_totals_election() RETURNS trigger AS $$ BEGIN "
            f"{'; '.join(moved)}; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER current_totals_version AFTER INSERT ON versions "
            "FOR EACH ROW EXECUTE FUNCTION current_totals_version()"
        )
        op.execute(
            "CREATE TRIGGER current_totals_election AFTER UPDATE OF current_version ON elections "
            "FOR EACH ROW WHEN (OLD.current_version <> NEW.current_version) "
            "EXECUTE FUNCTION current_totals_election()"
        )
        return
    added = _count("+", "NEW.election_id", "NEW.number", "IS")
    moved = [
        *_count("-", "NEW.id", "OLD.current_version", "IS"),
        *_count("+", "NEW.id", "NEW.current_version", "IS"),
    ]
    op.execute(
        "CREATE TRIGGER current_totals_version AFTER INSERT ON versions "
        "WHEN NEW.number = (SELECT current_version FROM elections WHERE id = NEW.election_id) "
        f"BEGIN {'; '.join(added)}; END"
    )
    op.execute(
        "CREATE TRIGGER current_totals_election AFTER UPDATE OF current_version ON elections "
        "WHEN OLD.current_version <> NEW.current_version "
        f"BEGIN {'; '.join(moved)}; END"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, table in (("current_totals_election", "elections"),
                           ("current_totals_version", "versions")):  # fmt: skip
        op.execute(f"DROP TRIGGER {trigger}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION {trigger}()")
    op.drop_table("place_counts")
    op.drop_table("current_totals")
