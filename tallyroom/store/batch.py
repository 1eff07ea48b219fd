"""Importing many sources on one connection: a savepoint per source, a commit every N sources.

Each source still lands completely or not at all — its savepoint is rolled back when the
database refuses it, and the other sources go on. A process killed mid-batch loses the sources
since the last commit, whole: never part of one. Committing every ``commit_every`` sources
instead of after each one is what makes imports of thousands of files fast on SQLite, where a
commit writes every touched page again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.model import Election
from tallyroom.store.engine import write_connection
from tallyroom.store.writes import ImportResult, import_source

if TYPE_CHECKING:
    from tallyroom.store.api import Store

__all__ = ["OPTIMIZE_FROM", "Batch"]

#: A batch that imported this many sources refreshes the planner's statistics when it ends.
OPTIMIZE_FROM = 100


class Batch:
    """Use as ``with store.batch() as batch: batch.import_file(path)``; see :meth:`Store.batch`."""

    def __init__(self, store: Store, *, commit_every: int, user: str) -> None:
        if commit_every < 1:
            raise ValueError("commit_every must be at least 1")
        self.store = store
        self.commit_every = commit_every
        self.user = user
        self.pending = 0
        self.imported = 0
        self._parties = dict(store._party_ids)
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> Batch:
        self._connection = write_connection(self.store.engine)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                self.commit()
            elif self._transaction is not None:
                self._transaction.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._transaction = None
        if error is None and self.imported >= OPTIMIZE_FROM:
            self.store.optimize()

    def import_source(
        self, elections: Sequence[Election], source_text: str, source_name: str
    ) -> tuple[ImportResult, ...]:
        """Store one source's elections in a savepoint; raises StorageError (and stores none of
        them) when the database refuses one."""
        conn = self._connection
        if conn is None:
            raise StorageError("a batch is used inside `with store.batch() as batch:`")
        if self._transaction is None:
            self._transaction = conn.begin()
        try:
            with conn.begin_nested():
                results, parties = import_source(
                    conn,
                    elections,
                    source_text,
                    source_name,
                    self.user,
                    self._parties,
                    self.store.checks,
                    self.store.decider,
                )
        except sa.exc.DBAPIError as error:
            detail = " ".join(str(error.orig).split())[:300]
            raise StorageError(
                f"{source_name}: the database refused the import: {detail}"
            ) from None
        self._parties = parties
        self.pending += 1
        self.imported += 1
        if self.pending >= self.commit_every:
            self.commit()
        return results

    def import_file(self, path: Path) -> tuple[ImportResult, ...]:
        """Read a file in any format tallyroom reads and import it in a savepoint."""
        from tallyroom.formats import read_bytes, read_text

        text = read_bytes(path)
        return self.import_source(read_text(text, str(path)), text, path.name)

    def commit(self) -> None:
        """Make the sources imported so far durable."""
        if self._transaction is not None:
            self._transaction.commit()
            self._transaction = None
            self.store._party_ids = dict(self._parties)
        self.pending = 0
