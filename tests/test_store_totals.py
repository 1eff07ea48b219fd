"""The sums over current versions that the database keeps (migration 0011's triggers) stay
equal to summing the current versions, whatever moves an election's current version."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.model import Election
from tallyroom.store import Store, queries
from tallyroom.store import schema as t
from tallyroom.store.codec import canonical_text
from tallyroom.store.generate import generated_election
from tallyroom.store.read import current_versions
from tests.store_helpers import import_election

#: Elections 0-5; with the generator's cities, 0 and 3 share none: six places.
ELECTIONS = 6


def kept_sums(store: Store) -> tuple[tuple[int, ...], set[tuple[str, str | None, int]]]:
    """What the triggers keep: the totals row and the places' counts."""
    with store.engine.connect() as conn:
        totals = queries._totals(conn)
        places = {(c, s, int(n)) for c, s, n in conn.execute(sa.select(t.place_counts))}
    return totals, places


def summed(store: Store) -> tuple[tuple[int, ...], set[tuple[str, str | None, int]]]:
    """The same, summed from the current versions now."""
    with store.engine.connect() as conn:
        current = current_versions().subquery()
        totals = queries._across(conn, current)
        c = current.c
        places = {
            (city, state, int(n))
            for city, state, n in conn.execute(
                sa.select(c.city, c.state, sa.func.count())
                .where(c.city.is_not(None))
                .group_by(c.city, c.state)
            )
        }
    return totals, places


def variant(number: int, seed: int) -> Election:
    """Election ``number`` with figures of its own (the same identity: a new version), a
    decided-in stage and incumbents that differ with the seed."""
    election = generated_election(number, random.Random(number))
    rng = random.Random(seed)
    stages = tuple(
        dataclasses.replace(
            stage,
            status="complete",  # a certified version takes a correction to change
            results=tuple(
                dataclasses.replace(
                    row, votes=rng.randrange(100, 20_000), incumbent=rng.random() < 0.3
                )
                for row in stage.results
            ),
        )
        for stage in election.stages[: rng.randint(1, len(election.stages))]
    )
    return dataclasses.replace(election, stages=stages)


steps = st.lists(
    st.tuples(
        st.sampled_from(["import", "replace", "revert"]),
        st.integers(0, ELECTIONS - 1),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=14,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=steps)
def test_kept_sums_equal_the_current_versions_summed(db_url: str, steps: list[Any]) -> None:
    # The database is the test's: examples add to what the ones before stored.
    with Store.open(db_url) as store:
        for action, number, seed in steps:
            election = variant(number, seed)
            if action == "revert":
                found = {row.title: row.id for row in store.list_elections().rows}.get(
                    election.title
                )
                if found is not None:
                    first = int(store.history(found)[0]["version"])
                    store.revert(found, first, reason="back to the first")
            else:
                # Without --replace, a changed file's version is made current only when it is
                # better than the current one (else it is kept beside it).
                text = canonical_text(election)
                import_election(store, election, text, f"{number}-{seed}.json",
                                replace=action == "replace")  # fmt: skip
            assert kept_sums(store) == summed(store)
        # The places listed for turnout are the same whether counted or read as kept.
        with store.engine.connect() as conn:
            current = current_versions().subquery()
            for places in (0, 2, ELECTIONS):
                assert queries._turnout(conn, current, places, every=True) == queries._turnout(
                    conn, current, places, every=False
                )
