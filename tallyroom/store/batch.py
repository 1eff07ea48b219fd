"""Writing many sources on one connection: a savepoint per source, a commit every N sources.

Each source still lands completely or not at all — its savepoint is rolled back when the
database refuses it, and the other sources go on. A process killed mid-batch loses the sources
since the last commit, whole: never part of one. Committing every ``commit_every`` sources
instead of after each one is what makes imports of thousands of files fast on SQLite, where a
commit writes every touched page again.

The service reads the stored election through the writer's connection, so it sees the batch's
own writes: the primary and the general of one election imported in one batch join one
election.

A ``buffered`` batch is for a caller that can write its sources again: it keeps the rows below
each version (and the audit entries and import attempts) in memory and inserts them, one
statement per table for all its sources, before it commits or before a writer reads what is
stored; and it opens no savepoint per source. A database that refuses those rows refuses them
all at once, without saying whose they are, and a source that fails leaves no savepoint to roll
back: either way :class:`Replay` is raised, the batch is rolled back, and the caller writes the
same sources again in a batch that is not buffered, where each source's refusal is its own.
Every source still lands whole or not at all. A buffered batch also creates the new elections
of the sources it is about to write, and stores their texts, one statement for all of them
(:meth:`Batch.create_ahead`) rather than one per source.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.store import schema as t
from tallyroom.store.engine import CACHE_KIB, statement_journals_in_memory, write_connection
from tallyroom.store.read import has_text_index
from tallyroom.store.sources import SourceFile, SourceText
from tallyroom.store.writes import (
    Ahead,
    Attempt,
    ImportResult,
    Pending,
    SourceWriter,
    attempt_row,
    create_elections,
    record_attempt,
    revert_version,
    store_sources,
)

if TYPE_CHECKING:
    from tallyroom.store.api import Store

__all__ = ["OPTIMIZE_FROM", "RETRY_SQLSTATES", "Batch", "Busy", "Replay", "retryable"]

#: A batch that wrote this many sources refreshes the planner's statistics when it ends.
OPTIMIZE_FROM = 100
T = TypeVar("T")


#: SQLite's page cache, in KiB, while a batch writes a long source (see :meth:`Batch.write`).
BULK_CACHE_KIB = 2_048


class Batch:
    """Use as ``with store.batch() as batch:``; see :meth:`Store.batch`."""

    def __init__(
        self,
        store: Store,
        *,
        commit_every: int,
        user: str,
        optimize: bool = True,
        buffered: bool = False,
    ) -> None:
        if commit_every < 1:
            raise ValueError("commit_every must be at least 1")
        self.store = store
        self.optimize = optimize
        self.commit_every = commit_every
        self.user = user
        self.pending = 0
        self.written = 0
        self._parties: dict[str, int] = {}
        self._pending: Pending | None = Pending() if buffered else None
        self._ahead: Ahead | None = Ahead() if buffered else None
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None
        self._search: bool | None = None
        self._cache_small = False

    def __enter__(self) -> Batch:
        self._connection = write_connection(self.store.engine)
        statement_journals_in_memory(self._connection, True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if error is None and self._ahead is not None and self._ahead.elections:
                unclaimed = ", ".join(sorted(self._ahead.elections))[:300]
                error = Replay(f"elections created ahead were not written: {unclaimed}")
            if error is None:
                self.commit()
            elif self._transaction is not None:
                self._transaction.rollback()
            if isinstance(error, Replay) and kind is None:
                raise error
        finally:
            if self._connection is not None:
                # The pool's next user gets the usual settings back: statement journals in
                # files (set outside a transaction) and the usual cache.
                with contextlib.suppress(sa.exc.SQLAlchemyError, sqlite3.Error):
                    statement_journals_in_memory(self._connection, False)
                if self._cache_small:
                    with contextlib.suppress(sa.exc.DBAPIError):
                        self._connection.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
                self._connection.close()
            self._connection = self._transaction = None
        if error is None and self.optimize and self.written >= OPTIMIZE_FROM:
            self.store.optimize()

    def _conn(self) -> sa.Connection:
        conn = self._connection
        if conn is None:
            raise StorageError("a batch is used inside `with store.batch() as batch:`")
        if self._transaction is None:
            self._transaction = conn.begin()
        return conn

    def _small_cache(self, conn: sa.Connection) -> None:
        """Keep SQLite's page cache small while the batch writes a long source (a file read
        from disk, such as a statewide precinct file): its pages, and its figures' blocks, are
        written once and not read again, and a full cache of them was 16 MiB of the import's
        peak. The connection's cache is set back when the batch ends."""
        if conn.dialect.name == "sqlite" and not self._cache_small:
            conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
            self._cache_small = True

    def _fills_text_index(self, conn: sa.Connection) -> bool:
        """Whether the writers fill SQLite's text index (asked once per batch: a SQLite without
        FTS5's trigram tokenizer has none, nor has PostgreSQL)."""
        if self._search is None:
            self._search = conn.dialect.name == "sqlite" and has_text_index(conn)
        return self._search

    def write(
        self,
        source_text: SourceText,
        source_name: str,
        work: Callable[[SourceWriter], T],
        sha256: str | None = None,
    ) -> T:
        """Run ``work`` with a writer of one source, in a savepoint: all of its writes or none.
        Raises :class:`StorageError` when the database refuses one. ``sha256``: of the text,
        when the caller has it already.

        In a buffered batch there is no savepoint: a source that fails in any way raises
        :class:`Replay` (or :class:`Busy`), and the whole batch is rolled back, to be written
        again by the caller in a batch that is not buffered."""
        conn = self._conn()
        search = self._fills_text_index(conn)
        if isinstance(source_text, SourceFile):
            self._small_cache(conn)
        if self._pending is not None:
            writer = SourceWriter(
                conn,
                source_text,
                source_name,
                self.user,
                self._parties,
                self._pending,
                self.flush,
                self._ahead,
                sha256,
                search,
            )
            try:
                result = work(writer)
            except (Busy, Replay):
                raise
            except sa.exc.DBAPIError as error:
                detail = " ".join(str(error.orig).split())[:300]
                if retryable(error):
                    raise Busy(f"{source_name}: another writer was in the way: {detail}") from None
                raise Replay(f"{source_name}: the database refused the import: {detail}") from None
            except Exception as error:
                raise Replay(f"{source_name}: {error}") from error
            self._count()
            return result
        parties = set(self._parties)
        try:
            with conn.begin_nested():
                writer = SourceWriter(
                    conn,
                    source_text,
                    source_name,
                    self.user,
                    self._parties,
                    sha256=sha256,
                    search=search,
                )
                result = work(writer)
        except BaseException as error:
            # The savepoint is rolled back, and with it the parties the source added.
            for name in self._parties.keys() - parties:
                del self._parties[name]
            if isinstance(error, sa.exc.DBAPIError):
                detail = " ".join(str(error.orig).split())[:300]
                if retryable(error):
                    raise Busy(f"{source_name}: another writer was in the way: {detail}") from None
                raise StorageError(
                    f"{source_name}: the database refused the import: {detail}"
                ) from None
            raise
        self._count()
        return result

    def create_ahead(
        self, sources: Sequence[tuple[SourceText, str, str, Sequence[tuple[str, str]]]]
    ) -> None:
        """Before a buffered batch writes ``sources`` (each one's text, name, the text's SHA-256,
        and the identity and title of each of its elections), in this order: create the elections
        not stored yet in one statement, and store the texts of the sources, from the first on,
        whose elections all are among those (and whose text is held, not on disk), in another;
        each source's writer then takes them instead of inserting them one by one (a statement
        each, which costs more than the database's work). The ids are those one source at a
        time would have given. An election created here that no source has claimed when the
        batch ends makes it roll back and raise :class:`Replay` instead of committing."""
        if self._ahead is None:
            raise ValueError("only a buffered batch creates elections ahead")
        conn = self._conn()
        wanted: dict[str, str] = {}
        for _text, _name, _sha256, elections in sources:
            for identity, title in elections:
                wanted.setdefault(identity, title)
        try:
            created = create_elections(conn, list(wanted.items()))
            self._ahead.elections.update((key, (id_, wanted[key])) for key, id_ in created.items())
            texts = []
            seen: set[str] = set()
            for text, name, sha256, elections in sources:
                identities = [identity for identity, _title in elections]
                if not identities:
                    continue  # no version refers to its text: it is not stored
                if not isinstance(text, str) or any(
                    i not in created or i in seen for i in identities
                ):
                    break  # and the sources after it are stored as they are written, in order
                seen.update(identities)
                texts.append((text, name, sha256))
            if texts:
                self._ahead.sources.update(store_sources(conn, texts, self.user))
        except sa.exc.DBAPIError as error:
            detail = " ".join(str(error.orig).split())[:300]
            if retryable(error):
                raise Busy(f"another writer was in the way: {detail}") from None
            raise Replay(f"the database refused a buffered batch: {detail}") from None

    def attempt(self, attempt: Attempt) -> None:
        """Record one file an import tried; written outside the file's savepoint, so that a
        refusal is kept while the file's own writes are rolled back."""
        conn = self._conn()
        if self._pending is None:
            record_attempt(conn, self.user, attempt)
        else:
            self._pending.add_dicts(t.import_attempts, [attempt_row(self.user, attempt)])

    def revert(self, election_id: int, number: int, reason: str | None = None) -> ImportResult:
        """Make version ``number`` of an election current again (see :meth:`Store.revert`)."""
        conn = self._conn()
        self.flush()
        with conn.begin_nested():
            result = revert_version(conn, election_id, number, self.user, reason)
        self._count()
        return result

    def _count(self) -> None:
        self.pending += 1
        self.written += 1
        if self.pending >= self.commit_every:
            self.commit()

    def flush(self) -> None:
        """Insert the rows waiting in the buffer; :class:`Replay` (or :class:`Busy`) when the
        database refuses them."""
        if not self._pending:
            return
        try:
            self._pending.flush(self._conn())
        except sa.exc.DBAPIError as error:
            detail = " ".join(str(error.orig).split())[:300]
            if retryable(error):
                raise Busy(f"another writer was in the way: {detail}") from None
            raise Replay(f"the database refused a buffered batch: {detail}") from None

    def commit(self) -> None:
        """Make the sources written so far durable."""
        self.flush()
        if self._transaction is not None:
            try:
                self._transaction.commit()
            except sa.exc.DBAPIError as error:
                detail = " ".join(str(error.orig).split())[:300]
                if retryable(error):
                    raise Busy(f"another writer was in the way of the commit: {detail}") from None
                raise StorageError(f"the database refused the commit: {detail}") from None
            self._transaction = None
        self.pending = 0


#: SQLSTATEs of transactions PostgreSQL asks us to retry: serialization failure, deadlock.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})


def retryable(error: sa.exc.DBAPIError) -> bool:
    """Whether a write failed only because another writer was in the way: a deadlock or
    serialization failure on PostgreSQL, a database still busy or locked on SQLite after the
    busy timeout."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return isinstance(orig, sqlite3.Error) and getattr(orig, "sqlite_errorcode", None) in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


class Busy(StorageError):
    """A write another writer's transaction was in the way of; the whole transaction was
    rolled back, and writing it again later can succeed."""


class Replay(StorageError):
    """The database refused rows of a buffered batch, of one source or another: the batch is
    rolled back, to be written again source by source in a batch that is not buffered."""
