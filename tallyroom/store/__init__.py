"""The results database: SQLite by default, PostgreSQL for servers.

:class:`Store` is the whole public API (see :mod:`tallyroom.store.api`): one read door
(:mod:`tallyroom.store.read`, typed records) and one writer (:mod:`tallyroom.store.writes`, fed
by :mod:`tallyroom.service`, which decides); the schema is in
:mod:`tallyroom.store.schema`, its migrations in ``tallyroom/store/migrations``.
"""

from __future__ import annotations

from tallyroom.store.api import Store, current_user
from tallyroom.store.batch import Batch, Busy
from tallyroom.store.engine import DEFAULT_DB, normalize_url
from tallyroom.store.read import (
    ElectionFilter,
    ElectionRecord,
    ElectionSummary,
    Page,
    StoredElection,
)
from tallyroom.store.writes import Conflict, ImportResult, ImportStatus, NewVersion

__all__ = [
    "DEFAULT_DB",
    "Batch",
    "Busy",
    "Conflict",
    "ElectionFilter",
    "ElectionRecord",
    "ElectionSummary",
    "ImportResult",
    "ImportStatus",
    "NewVersion",
    "Page",
    "Store",
    "StoredElection",
    "current_user",
    "normalize_url",
]
