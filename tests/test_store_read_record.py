"""Reading one stored election: how many statements a record costs, what a missing one says,
and the election page's comparison links made from the city's list instead of every record."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom import service
from tallyroom.errors import NotFoundError
from tallyroom.model import CandidateResult, Election, Jurisdiction, Stage, Transfer
from tallyroom.store import ElectionRecord, Store
from tallyroom.store import schema as t
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import detailed_election, generated_election
from tallyroom.store.rows import SOMETIMES
from tallyroom.views import compare_url
from tallyroom.web.site import Site

#: Elections 0, 10, 20, ... share a city (and office), in different years.
COUNT = 40

#: One statement for the version's row (with which tables of :data:`SOMETIMES` hold its rows),
#: figures, source and count of versions, one for its findings, one for its stages, one for its
#: results (with their parties' names); then one per table of :data:`SOMETIMES` that holds its
#: rows.
ALWAYS = 4


def _holding(store: Store, election_id: int) -> int:
    """How many tables of :data:`SOMETIMES` hold rows of the election's current version."""
    e, v = t.elections, t.versions
    with store.engine.connect() as conn:
        version = conn.execute(
            sa.select(v.c.id)
            .join(e, sa.and_(e.c.id == v.c.election_id, e.c.current_version == v.c.number))
            .where(e.c.id == election_id)
        ).scalar_one()
        return sum(
            conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.version_id == version)
            ).scalar_one()
            > 0
            for table in SOMETIMES
        )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    rng = random.Random(4)
    with Store.open(db_url) as opened:
        with opened.batch() as batch:
            for number in range(COUNT):
                election = generated_election(number, rng, candidates=3)
                text = canonical_text(election)
                service.store_source(batch, [election], text, f"{number}.json")
        yield opened


def _statements(store: Store) -> tuple[list[str], Any]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN
            seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    return seen, count


def test_a_record_is_read_in_one_statement_per_table(store: Store) -> None:
    seen, listener = _statements(store)
    try:
        record = store.record(7)
        by_title = store.record(record.title)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", listener)
    assert record == by_title
    assert record.election.stages and record.findings is not None
    # By id: no lookup of the id first; by title: one more, to find it.
    statements = ALWAYS + _holding(store, 7)
    assert len(seen) == 2 * statements + 1, seen


def _in_every_table() -> Election:
    """An election with rows in every table: precincts, rounds with inactive ballots by reason
    and transfers, listed candidates, nominees, paragraphs, outline, infobox."""
    election = detailed_election(7)
    first = election.stages[0]
    second = first.rounds[1]
    rounds = (
        first.rounds[0],
        dataclasses.replace(
            second,
            inactive_by_reason=(("exhausted", Decimal("12.25")),),
            transfers=(Transfer("Ben Ford 7-3", "Frank Cruz 7-0", Decimal("10.5")),),
        ),
        *first.rounds[2:],
    )
    stages = (dataclasses.replace(first, rounds=rounds), *election.stages[1:])
    return dataclasses.replace(election, stages=stages)


@pytest.mark.parametrize(
    ("election", "holding"),
    [
        (_in_every_table(), len(SOMETIMES)),
        (
            Election(
                title="2001 Salem mayoral election",
                jurisdiction=Jurisdiction("Salem", "Oregon"),
                office="Mayor",
                stages=(Stage(kind="general", results=(CandidateResult("Ann Lee", 600),)),),
            ),
            0,
        ),
    ],
    ids=["rows-in-every-table", "rows-in-none-of-the-sometimes-tables"],
)
def test_only_the_tables_holding_an_elections_rows_are_read(
    db_url: str, election: Election, holding: int
) -> None:
    with Store.open(db_url) as store:
        service.import_elections(store, [election], canonical_text(election), "one.json")
        assert _holding(store, 1) == holding
        seen, listener = _statements(store)
        try:
            back = store.get_election(1)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", listener)
    assert back == election
    assert len(seen) == ALWAYS + holding, seen


def test_a_missing_election_or_version_is_named(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no election with id 999"):
        store.record(999)
    with pytest.raises(NotFoundError, match="election 3 has no version 2"):
        store.record(3, version=2)
    with pytest.raises(NotFoundError, match="no election with id 999"):
        store.source(999)
    name, text = store.source(3, version=1)
    assert (name, text) == store.source(3)
    assert text and name == "2.json"


def _expected_links(store: Store, record: ElectionRecord) -> list[tuple[int, str, str]]:
    """The comparison links by their definition: the records of the same city and office,
    oldest first, just before and after this one."""
    place = record.election.jurisdiction
    assert place.city is not None
    ids = store.city_elections(place.city, place.state)
    same = [store.record(i) for i in ids]
    same = [other for other in same if other.election.office == record.election.office]
    at = [other.id for other in same].index(record.id)
    links = []
    for other in (same[at - 1] if at else None, same[at + 1] if at + 1 < len(same) else None):
        if other is not None:
            first, second = sorted((other.id, record.id), key=ids.index)
            links.append((other.id, other.title, compare_url(first, second)))
    return links


def test_comparison_links_come_from_the_city_list(store: Store) -> None:
    site = Site(store)
    linked = 0
    for election_id in range(1, COUNT + 1):
        page = site.election(election_id)
        assert page is not None
        record = store.record(election_id)
        shown = [(link.id, link.title, link.url) for link in page.view.compare]
        assert shown == _expected_links(store, record)
        linked += len(shown)
    assert linked >= COUNT  # most elections share their city with others


def _salem(year: int, office: str, stated: str, counted: tuple[int, int] | None) -> Election:
    registered, ballots = counted or (None, None)
    stage = Stage(
        kind="general",
        date=dt.date(year, 11, 6),
        results=(CandidateResult("Ann Lee", 600), CandidateResult("Bo Diaz", 400)),
        registered_voters=registered,
        ballots_cast=ballots,
    )
    return Election(
        title=f"{year} Salem {office}",
        jurisdiction=Jurisdiction("Salem", "Oregon"),
        office=office,
        stages=(stage,),
        stated_turnout=Decimal(stated),
    )


def test_turnout_by_city_averages_stated_turnouts_only_where_none_is_counted(
    db_url: str,
) -> None:
    elections = [
        _salem(2001, "Mayor", "40.1", None),
        _salem(2001, "Council", "45.2", None),
        _salem(2005, "Mayor", "30", (1000, 500)),
        _salem(2005, "Council", "99", None),  # a counted turnout that year wins
    ]
    with Store.open(db_url) as store:
        for election in elections:
            text = canonical_text(election)
            service.import_elections(store, [election], text, f"{election.title}.json")
        points = store.stats()["turnout_by_city"]["Salem, Oregon"]
    assert [(p["year"], p["turnout_percent"], p["basis"], p["elections"]) for p in points] == [
        (2001, "42.65", "stated", 2),
        (2005, "50.00", "computed", 1),
    ]
