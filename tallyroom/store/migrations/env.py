"""Alembic environment: migrations run on a connection tallyroom hands over (see engine.upgrade)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from tallyroom.store.schema import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("run migrations with `tallyroom db upgrade`")
        engine = sa.create_engine(url)
        with engine.begin() as owned:
            _run(owned)
        engine.dispose()
        return
    _run(connection)


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
