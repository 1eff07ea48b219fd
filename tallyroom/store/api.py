"""The :class:`Store`: tallyroom's results database, for the command line and the web app.

::

    with Store.open("tallyroom.db") as store:          # or "postgresql://host/db"
        store.import_file(Path("2004_milwaukee.txt"))  # atomic; a no-op when re-imported
        store.list_elections(ElectionFilter(city="Milwaukee"))
        election = store.get_election("2004 Milwaukee mayoral election")

Every method that writes runs in one transaction; every method that reads returns model objects
(:meth:`Store.get_election`) or JSON-ready dicts (the others).
"""

from __future__ import annotations

import functools
import getpass
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.formats.summary import election_json as summary_json
from tallyroom.model import Election
from tallyroom.store import queries
from tallyroom.store.batch import Batch
from tallyroom.store.codec import election_json
from tallyroom.store.engine import (
    create_engine,
    current_revision,
    head_revision,
    normalize_url,
    optimize,
    upgrade,
    write_connection,
)
from tallyroom.store.queries import ElectionFilter
from tallyroom.store.rows import load_election
from tallyroom.store.writes import (
    CheckRunner,
    Decider,
    ImportResult,
    decide_by_rules,
    default_checks,
    import_source,
)

__all__ = ["Store", "current_user"]

T = TypeVar("T")
#: SQLSTATEs of transactions PostgreSQL asks us to retry: serialization failure, deadlock.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
RETRIES = 5


@functools.cache
def current_user() -> str:
    """The operating-system user, recorded as the author of imports when no one signed in."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _describe(error: sa.exc.DBAPIError) -> str:
    return " ".join(str(error.orig).split())[:300]


class Store:
    """A results database. Open it with :meth:`open`; close it (or use ``with``) when done."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        checks: CheckRunner | None = None,
        decider: Decider | None = None,
    ) -> None:
        self.engine = engine
        self.checks = checks
        self.decider = decider
        self._party_ids: dict[str, int] = {}

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        migrate: bool = True,
        checks: CheckRunner | bool | None = True,
        decider: Decider | bool | None = True,
    ) -> Store:
        """Open (and create, and migrate) the database at a SQLite path or a database URL.

        ``postgresql://`` URLs use psycopg 3. ``checks=True`` runs ``tallyroom.checks`` on every
        imported election when that package is present; pass ``False`` or a runner of your own.
        ``decider=True`` applies the election's rules (``tallyroom.rules``) and stores the
        outcomes; the winner it derives is the one queries report.
        With ``migrate=False`` a database that is not at the newest schema is refused.
        """
        url = normalize_url(target)
        engine = create_engine(url)
        runner = default_checks() if checks is True else (checks or None)
        rules = decide_by_rules if decider is True else (decider or None)
        store = cls(engine, checks=runner, decider=rules)
        try:
            revision = store.revision()
            if revision != head_revision():
                if not migrate:
                    raise StorageError(
                        f"{url.render_as_string(hide_password=True)}: database schema is at "
                        f"{revision or 'nothing'}, expected {head_revision()}; "
                        "run `tallyroom db upgrade`"
                    )
                store.upgrade()
        except BaseException:
            engine.dispose()
            raise
        return store

    @classmethod
    def connect(cls, target: str | Path) -> Store:
        """Open the database without looking at its schema (for :meth:`upgrade`)."""
        return cls(create_engine(normalize_url(target)), checks=None)

    def close(self) -> None:
        """Close the database's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    # -- schema ------------------------------------------------------------------------------

    def revision(self) -> str | None:
        """The schema revision the database is at; ``None`` when it is empty."""
        return self._read(current_revision)

    def upgrade(self) -> tuple[str | None, str]:
        """Run missing migrations; returns (revision before, revision after)."""
        try:
            return upgrade(self.engine)
        except sa.exc.DBAPIError as error:
            raise StorageError(f"{self.url}: migration failed: {_describe(error)}") from None

    def optimize(self) -> None:
        """Refresh the query planner's statistics after a large import (``ANALYZE`` on
        PostgreSQL, ``PRAGMA optimize`` on SQLite). :meth:`batch` does it when it ends."""
        try:
            optimize(self.engine)
        except sa.exc.DBAPIError as error:
            raise StorageError(f"{self.url}: optimize failed: {_describe(error)}") from None

    # -- writes ------------------------------------------------------------------------------

    def import_election(
        self, election: Election, source_text: str, source_name: str, *, user: str | None = None
    ) -> ImportResult:
        """Store one election read from ``source_text`` (kept, with its SHA-256).

        Returns ``status`` ``"new"``, ``"unchanged"`` (an equal election is already current:
        nothing was written) or ``"new version"`` (the old version is kept and the change is
        appended to the audit trail, attributed to ``user`` or the OS user).
        """
        (result,) = self.import_source((election,), source_text, source_name, user=user)
        return result

    def import_source(
        self,
        elections: Sequence[Election],
        source_text: str,
        source_name: str,
        *,
        user: str | None = None,
    ) -> tuple[ImportResult, ...]:
        """Store every election of one source in one transaction: all of them or none."""
        author = user or current_user()

        def work(conn: sa.Connection) -> tuple[tuple[ImportResult, ...], dict[str, int]]:
            return import_source(
                conn,
                elections,
                source_text,
                source_name,
                author,
                self._party_ids,
                self.checks,
                self.decider,
            )

        try:
            results, party_ids = self._write(work)
        except sa.exc.DBAPIError as error:
            raise StorageError(
                f"{source_name}: the database refused the import: {_describe(error)}"
            ) from None
        self._party_ids = party_ids
        return results

    def import_file(self, path: Path, *, user: str | None = None) -> tuple[ImportResult, ...]:
        """Read a file in any format tallyroom reads and import it (one transaction)."""
        from tallyroom.formats import read_bytes, read_text

        text = read_bytes(path)
        return self.import_source(read_text(text, str(path)), text, path.name, user=user)

    def batch(self, *, commit_every: int = 200, user: str | None = None) -> Batch:
        """A batch for importing many sources fast: each source in its own savepoint (all of it
        or none), a commit every ``commit_every`` sources and at the end of the ``with`` block::

            with store.batch() as batch:
                for path in paths:
                    batch.import_file(path)   # StorageError for a refused file; others go on
        """
        return Batch(self, commit_every=commit_every, user=user or current_user())

    # -- reads -------------------------------------------------------------------------------

    def list_elections(
        self,
        where: ElectionFilter | None = None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Summaries of the current elections matching ``where`` (JSON-ready dicts)."""
        wanted = where or ElectionFilter()
        return self._read(lambda c: queries.list_elections(c, wanted, limit=limit, offset=offset))

    def find(self, ref: int | str) -> int:
        """The id of the election named by id, full title, or a unique part of its title.

        Raises :class:`~tallyroom.errors.StorageError` naming the candidates when ambiguous.
        """
        return self._read(lambda c: queries.find_election(c, ref))

    def get_election(self, ref: int | str, version: int | None = None) -> Election:
        """The stored election (its current version unless ``version`` is given)."""

        def work(conn: sa.Connection) -> Election:
            row = queries.version_id(conn, queries.find_election(conn, ref), version)
            name, _ = queries.source_text(conn, row)
            return load_election(conn, row, source=name)

        return self._read(work)

    def show(self, ref: int | str, version: int | None = None) -> dict[str, Any]:
        """One election as a JSON-ready dict.

        ``store``: id, version, source, who imported it and when, the checks' findings;
        ``outcomes``: what the rules derive (the rules record first, then one per stage);
        ``summary``: the view ``tallyroom parse --json`` prints (derived percentages);
        ``election``: the whole model, every field.
        """

        def work(conn: sa.Connection) -> dict[str, Any]:
            row = queries.version_id(conn, queries.find_election(conn, ref), version)
            name, _ = queries.source_text(conn, row)
            election = load_election(conn, row, source=name)
            return {
                "store": queries.version_summary(conn, row),
                "outcomes": queries.outcomes(conn, row),
                "summary": summary_json(election),
                "election": election_json(election),
            }

        return self._read(work)

    def source(self, ref: int | str, version: int | None = None) -> tuple[str, str]:
        """The name and raw text of the source an election (version) was imported from."""

        def work(conn: sa.Connection) -> tuple[str, str]:
            row = queries.version_id(conn, queries.find_election(conn, ref), version)
            return queries.source_text(conn, row)

        return self._read(work)

    def history(self, ref: int | str) -> list[dict[str, Any]]:
        """The election's audit trail, oldest first: version, action, at, by, source, changes."""
        return self._read(lambda c: queries.history(c, queries.find_election(c, ref)))

    def stats(self) -> dict[str, Any]:
        """Figures across elections: incumbents' record, average winning margin, turnout per
        city over time, and the kind of stage that decided each election."""
        return self._read(queries.stats)

    # -- transactions ------------------------------------------------------------------------

    def _read(self, work: Callable[[sa.Connection], T]) -> T:
        try:
            with self.engine.connect() as conn, conn.begin():
                return work(conn)
        except sa.exc.DBAPIError as error:
            raise StorageError(f"{self.url}: query failed: {_describe(error)}") from None

    def _write(self, work: Callable[[sa.Connection], T]) -> T:
        for attempt in range(RETRIES):
            try:
                with write_connection(self.engine) as conn, conn.begin():
                    return work(conn)
            except sa.exc.OperationalError as error:
                state = getattr(error.orig, "sqlstate", None)
                if state not in RETRY_SQLSTATES or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")
