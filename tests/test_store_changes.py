"""``store.changes``: how changed elections were listed at an export and since, and the people
index read for a few people only (it must agree with the whole index)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator

import pytest

from tallyroom import service
from tallyroom.formats.article_writer import render_article
from tallyroom.model import CandidateResult, Election
from tallyroom.store import Store, changes
from tallyroom.store.generate import generated_election
from tallyroom.views import candidate_slug


def election(number: int) -> Election:
    """A generated election whose results are not certified (a new version may replace it)."""
    made = generated_election(number, random.Random(number))
    return dataclasses.replace(
        made, stages=tuple(dataclasses.replace(s, status=None) for s in made.stages)
    )


def store_one(store: Store, made: Election, *, replace: bool = False) -> None:
    service.import_elections(
        store, [made], render_article(made), f"{made.title}.txt", replace=replace
    )


def renamed(made: Election, old: str, new: str) -> Election:
    def row(result: CandidateResult) -> CandidateResult:
        return dataclasses.replace(result, name=new) if result.name == old else result

    return dataclasses.replace(
        made,
        stages=tuple(
            dataclasses.replace(s, results=tuple(row(r) for r in s.results)) for s in made.stages
        ),
        nominees=tuple(
            dataclasses.replace(n, name=new) if n.name == old else n for n in made.nominees
        ),
        candidates=tuple(
            dataclasses.replace(c, name=new) if c.name == old else c for c in made.candidates
        ),
        before_holder=new if made.before_holder == old else made.before_holder,
    )


def with_first_votes(made: Election, votes: int) -> Election:
    first = made.stages[0]
    rows = (dataclasses.replace(first.results[0], votes=votes), *first.results[1:])
    return dataclasses.replace(
        made, stages=(dataclasses.replace(first, results=rows), *made.stages[1:])
    )


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


def test_people_runs_agree_with_the_whole_index(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spellings that share a slug (accents, a nickname, initials with and without periods)
    are found whatever the database's text functions do with characters outside ASCII."""
    spellings = {
        0: ("José Núñez", "David Ackerman", "J.R. Smith"),
        10: ("Jose Nunez", 'David "The Ack" Ackerman', "JR Smith"),
        20: ("JOSÉ NÚÑEZ", "Zoë Ng", "---"),
    }
    for number, names in spellings.items():
        made = election(number)
        originals = [r.name for r in made.stages[0].results]
        for old, new in zip(originals, names, strict=False):
            made = renamed(made, old, new)
        store_one(store, made)
    whole = store.candidate_index(candidate_slug)
    assert len(whole["jose-nunez"]) == 3 and len(whole["jr-smith"]) == 2
    assert store.people_runs(set(whole), candidate_slug) == whole
    for slug in ("jose-nunez", "david-ackerman", "zoe-ng", "jr-smith", "unnamed"):
        assert store.people_runs({slug}, candidate_slug) == {slug: whole[slug]}
    assert store.people_runs({"nobody-at-all"}, candidate_slug) == {}
    assert store.people_runs(set(), candidate_slug) == {}
    monkeypatch.setattr(changes, "FEW_PEOPLE", 2)  # many people: read through the whole index
    assert store.people_runs(set(whole), candidate_slug) == whole


def test_election_changes_name_the_listing_at_the_mark_and_since(store: Store) -> None:
    first, second = election(0), election(10)
    store_one(store, first)
    store_one(store, second)
    mark = store.audit_mark()
    primary = first.stages[0].results
    store_one(store, with_first_votes(first, (primary[0].votes or 0) + 1), replace=True)
    fewer = dataclasses.replace(
        second,
        stages=(
            dataclasses.replace(second.stages[0], results=second.stages[0].results[:-1]),
            *second.stages[1:],
        ),
    )
    store_one(store, fewer)  # fewer figures, not --replace: kept, not made current
    third = election(20)
    store_one(store, third)
    changed = store.changed_elections(after=mark)
    found = {c.id: c for c in store.election_changes(changed, after=mark)}
    assert len(found) == 3
    one, two, new = (found[store.find(e.title)] for e in (first, second, third))
    assert one.before is not None and one.before.version == 1
    assert [s.version for s in one.since] == [2]
    assert dataclasses.replace(one.since[0], version=1) == one.before  # listed as it was
    assert one.names == {r.name for s in first.stages for r in s.results} | {
        n.name for n in first.nominees
    }
    assert two.before is not None and [s.version for s in two.since] == [1]
    assert two.since[0] == two.before  # the kept version was never current
    assert new.before is None and [s.version for s in new.since] == [1]
    assert new.since[0].title == third.title
    # By time: every audit record is newer than an hour ago, so every election is new.
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert all(c.before is None for c in store.election_changes(changed, at=hour_ago))
