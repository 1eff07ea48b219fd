"""The results database: SQLite by default, PostgreSQL for servers.

:class:`Store` is the whole public API (see :mod:`tallyroom.store.api`); the schema is in
:mod:`tallyroom.store.schema`, its migrations in ``tallyroom/store/migrations``.
"""

from __future__ import annotations

from tallyroom.store.api import Store, current_user
from tallyroom.store.batch import Batch
from tallyroom.store.engine import DEFAULT_DB, normalize_url
from tallyroom.store.queries import ElectionFilter
from tallyroom.store.writes import ImportResult, ImportStatus

__all__ = [
    "DEFAULT_DB",
    "Batch",
    "ElectionFilter",
    "ImportResult",
    "ImportStatus",
    "Store",
    "current_user",
    "normalize_url",
]
