"""The :class:`Store`: tallyroom's results database, for the command line and the web app.

::

    with Store.open("tallyroom.db") as store:          # or "postgresql://host/db"
        service.import_files(store, [Path("2004_milwaukee.txt")])  # read, decide, check, store
        store.list_elections(ElectionFilter(city="Milwaukee"))      # a Page of summaries
        record = store.record("2004 Milwaukee mayoral election")    # figures, decisions, findings

The store decides nothing: :mod:`tallyroom.service` reads, decides and checks, and writes through
:meth:`Store.batch`. Every read returns typed records (:mod:`tallyroom.store.read`), except
:meth:`history` and :meth:`stats` (JSON-ready dicts).
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
from collections.abc import Callable, Collection
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.model import Election
from tallyroom.store import changes, queries, read
from tallyroom.store.batch import Batch
from tallyroom.store.engine import (
    create_engine,
    current_revision,
    head_revision,
    normalize_url,
    optimize,
    upgrade,
)
from tallyroom.store.people import PeopleIndex
from tallyroom.store.read import (
    CityPlace,
    ElectionFilter,
    ElectionRecord,
    ElectionSummary,
    FacetCounts,
    Order,
    Page,
)
from tallyroom.store.writes import ImportResult

__all__ = ["Store", "current_user"]

T = TypeVar("T")


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

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, target: str | Path, *, migrate: bool = True, read_only: bool = False) -> Store:
        """Open (and create, and migrate) the database at a SQLite path or a database URL.

        ``postgresql://`` URLs use psycopg 3. With ``migrate=False`` a database that is not at
        the newest schema is refused. With ``read_only`` (the website and the read commands)
        nothing is created, migrated or changed: a SQLite file that does not exist is refused,
        and so is a database not at the newest schema.
        """
        url = normalize_url(target)
        engine = create_engine(url, read_only=read_only)
        store = cls(engine)
        try:
            revision = store.revision()
            if revision != head_revision():
                if read_only or not migrate:
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
        return cls(create_engine(normalize_url(target)))

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
        """Refresh the query planner's statistics after a large import (``VACUUM (ANALYZE)``
        on PostgreSQL; nothing on SQLite, whose plans are made without statistics, see
        :func:`~tallyroom.store.engine.optimize`). :meth:`batch` does it when it ends."""
        try:
            optimize(self.engine)
        except sa.exc.DBAPIError as error:
            raise StorageError(f"{self.url}: optimize failed: {_describe(error)}") from None

    # -- writes ------------------------------------------------------------------------------

    def batch(
        self,
        *,
        commit_every: int = 100,
        user: str | None = None,
        optimize: bool = True,
        buffered: bool = False,
    ) -> Batch:
        """A batch of writes on one connection: each source in its own savepoint (all of it or
        none), a commit every ``commit_every`` sources and at the end of the ``with`` block;
        ``buffered``: see :class:`Batch`. :mod:`tallyroom.service` is what writes through it."""
        return Batch(
            self,
            commit_every=commit_every,
            user=user or current_user(),
            optimize=optimize,
            buffered=buffered,
        )

    def revert(
        self, ref: int | str, number: int, *, user: str | None = None, reason: str | None = None
    ) -> ImportResult:
        """Make version ``number`` of an election current again; the audit trail records it."""
        election_id = self.find(ref)
        with self.batch(user=user) as batch:
            return batch.revert(election_id, number, reason)

    # -- reads: the one door ------------------------------------------------------------------

    def list_elections(
        self,
        where: ElectionFilter | None = None,
        *,
        order: Order = "newest",
        limit: int | None = None,
        offset: int = 0,
    ) -> Page:
        """Summaries of the current elections matching ``where``, newest first."""
        wanted = where or ElectionFilter()
        return self._read(
            lambda c: read.list_elections(c, wanted, order=order, limit=limit, offset=offset)
        )

    def find(self, ref: int | str) -> int:
        """The id of the election named by id, full title, or a unique part of its title.

        Raises :class:`~tallyroom.errors.StorageError` naming the candidates when ambiguous.
        """
        return self._read(lambda c: read.find_election(c, ref))

    def record(self, ref: int | str, version: int | None = None) -> ElectionRecord:
        """One version (the current one unless given) with everything decided for it."""

        def work(conn: sa.Connection) -> ElectionRecord:
            # An id is looked up with the record itself (a missing one is named as such).
            election_id = ref if isinstance(ref, int) else read.find_election(conn, ref)
            return read.election_record(conn, election_id, version)

        return self._read(work)

    def record_in_place(self, election_id: int) -> read.RecordInPlace:
        """An election's current version, its source's text and its city's elections: what its
        page shows, read in one transaction."""
        return self._read(lambda c: read.record_in_place(c, election_id))

    def get_election(self, ref: int | str, version: int | None = None) -> Election:
        """The stored election (its current version unless ``version`` is given)."""
        return self.record(ref, version).election

    def source(self, ref: int | str, version: int | None = None) -> tuple[str, str]:
        """The name and raw text of the source an election (version) was imported from."""

        def work(conn: sa.Connection) -> tuple[str, str]:
            election_id = ref if isinstance(ref, int) else read.find_election(conn, ref)
            found = queries.election_source(conn, election_id, version)
            if found is None:
                # Not there: the message of what is missing, the election or its version.
                read.version_id(conn, read.find_election(conn, election_id), version)
                raise AssertionError("a version without its source")  # pragma: no cover
            return found

        return self._read(work)

    def history(self, ref: int | str) -> list[dict[str, Any]]:
        """The election's audit trail, oldest first: version, action, at, by, source, changes."""
        return self._read(lambda c: queries.history(c, read.find_election(c, ref)))

    def stats(
        self, where: ElectionFilter | None = None, *, places: int = queries.TURNOUT_PLACES
    ) -> dict[str, Any]:
        """Figures across the elections ``where`` matches (all by default): incumbents' record,
        average winning margin, turnout per city over time (for ``places`` places at most, those
        with the most elections), and the kind of stage that decided each election."""
        return self._read(lambda c: queries.stats(c, where, places=places))

    def facets(self, places: int | None = None) -> FacetCounts:
        """Places (every one, or the ``places`` with the most elections), years and offices of
        the current elections, with counts, and how many places there are."""
        return self._read(lambda c: read.facets(c, places))

    def places(self) -> tuple[CityPlace, ...]:
        """Every place with current elections, by name, with their count."""
        return self._read(read.places)

    def place_state(self, name: str) -> str | None:
        """The state of the place called ``name`` in full ("Portland, Maine"), if any."""
        return self._read(lambda c: read.place_state(c, name))

    def city_elections(self, city: str, state: str | None) -> tuple[int, ...]:
        """Ids of one city's current elections, oldest first."""
        return self._read(lambda c: read.city_elections(c, city, state))

    def city_summaries(self, city: str, state: str | None) -> tuple[ElectionSummary, ...]:
        """Summaries of one city's current elections, oldest first."""
        return self._read(lambda c: read.city_summaries(c, city, state))

    def candidate_index(self, slug_of: Callable[[str], str]) -> PeopleIndex:
        """Ids of the current elections naming each person, by ``slug_of(name)``."""
        return self._read(lambda c: read.candidate_index(c, slug_of))

    def people_runs(
        self, slugs: Collection[str], slug_of: Callable[[str], str]
    ) -> dict[str, tuple[int, ...]]:
        """:meth:`candidate_index` for the people ``slugs`` only (see
        :func:`~tallyroom.store.changes.people_runs`)."""
        return self._read(lambda c: changes.people_runs(c, slugs, slug_of))

    def election_changes(
        self,
        election_ids: Collection[int],
        *,
        after: int | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[changes.ElectionChange, ...]:
        """How each of ``election_ids`` was listed at the mark and since (see
        :func:`~tallyroom.store.changes.election_changes`)."""
        return self._read(lambda c: changes.election_changes(c, election_ids, after=after, at=at))

    def audit_mark(self) -> int:
        """The newest audit record's id: what :meth:`changed_elections` counts from."""
        return self._read(read.audit_mark)

    def changed_elections(
        self, *, after: int | None = None, at: dt.datetime | None = None
    ) -> tuple[int, ...]:
        """Ids of the elections changed after the audit mark ``after`` or since time ``at``."""
        return self._read(lambda c: read.changed_elections(c, after=after, at=at))

    def generation(self) -> tuple[int, int, int]:
        """A token that changes whenever anything is stored or made current."""
        return self._read(read.generation)

    # -- transactions ------------------------------------------------------------------------

    def _read(self, work: Callable[[sa.Connection], T]) -> T:
        try:
            with self.engine.connect() as conn, conn.begin():
                return work(conn)
        except sa.exc.DBAPIError as error:
            raise StorageError(f"{self.url}: query failed: {_describe(error)}") from None
