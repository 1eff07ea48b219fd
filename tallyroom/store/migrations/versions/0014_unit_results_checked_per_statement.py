"""PostgreSQL checks that precinct figures belong to a stored stage once per statement.

A row of ``unit_results`` names its stage (``version_id``, ``stage``), and a foreign key made
the database check that the stage is stored. PostgreSQL checks a foreign key row by row: a
lookup with a row lock on the stage for each figure. A statewide precinct file has six million
figures, and inserting them took 34 s of the server's time, of which 22 s was that check.

On PostgreSQL the foreign key is replaced by triggers that check a whole statement's new rows
at once (one anti-join of its transition table with ``stages``) and refuse the statement, with
the foreign-key error code, when a row names a stage that is not stored: the same six million
figures go in in 17 s. What the key also did on deletion no longer arises: stages are never
deleted (migration 0006's triggers refuse it). SQLite keeps the foreign key: it checks it
cheaply, by a lookup in the stage's B-tree.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

FOREIGN_KEY = "fk_unit_results_stage_stages"
FUNCTION = "unit_results_stages_stored"
#: The refusal, in PostgreSQL's words for a foreign key.
MESSAGE = (
    f'insert or update on table "unit_results" violates foreign key constraint "{FOREIGN_KEY}"'
)
#: The statements checked: a trigger with a transition table has one event.
EVENTS = ("insert", "update")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM new_rows AS n WHERE NOT EXISTS (SELECT 1 FROM stages AS s "
        "WHERE s.version_id = n.version_id AND s.position = n.stage)) THEN "
        f"RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = '{MESSAGE}', "
        "DETAIL = 'A figure names a stage that is not stored.'; "
        "END IF; RETURN NULL; END $$"
    )
    for event in EVENTS:
        op.execute(
            f"CREATE TRIGGER unit_results_stages_stored_{event} AFTER {event.upper()} "
            "ON unit_results REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    op.drop_constraint(FOREIGN_KEY, "unit_results", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_foreign_key(
        FOREIGN_KEY,
        "unit_results",
        "stages",
        ["version_id", "stage"],
        ["version_id", "position"],
        ondelete="CASCADE",
    )
    for event in EVENTS:
        op.execute(f"DROP TRIGGER unit_results_stages_stored_{event} ON unit_results")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
