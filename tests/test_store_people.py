"""The people index (``store.people.PeopleIndex``) is the mapping its definition gives: each
slug to the ids of the elections naming it, in the order the pairs come, each id once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tallyroom.store.people import PeopleIndex

#: Elections in order, each with the slugs of the names it holds (a slug may come twice: two
#: spellings of one name, or a name in the results and among the candidates).
elections = st.lists(
    st.lists(st.sampled_from(["ann-lee", "bo", "cy-diaz", "dee", "émile", "zed"]), max_size=6),
    max_size=12,
)


def _defined(named: list[tuple[str, int]]) -> dict[str, tuple[int, ...]]:
    runs: dict[str, list[int]] = {}
    for slug, election_id in named:
        runs.setdefault(slug, []).append(election_id)
    return {slug: tuple(dict.fromkeys(ids)) for slug, ids in runs.items()}


@given(elections, st.integers(min_value=1, max_value=10**12))
def test_the_index_is_its_definition(slugs_of: list[list[str]], first_id: int) -> None:
    named = [
        (slug, first_id + 7 * number) for number, slugs in enumerate(slugs_of) for slug in slugs
    ]
    index = PeopleIndex.of(named)
    expected = _defined(named)
    assert dict(index.items()) == expected and index == expected
    assert list(index) == sorted(expected) and len(index) == len(expected)
    for slug in ("ann-lee", "bo", "cy-diaz", "dee", "émile", "zed", "", "b", "zz"):
        assert (slug in index) == (slug in expected)
        assert index.get(slug) == expected.get(slug)
    assert 7 not in index and None not in index


def test_a_missing_slug_is_a_key_error_and_an_empty_index_is_empty() -> None:
    index = PeopleIndex.of([("bo", 3), ("ann", 1), ("bo", 3), ("bo", 2)])
    assert dict(index.items()) == {"ann": (1,), "bo": (3, 2)}
    with pytest.raises(KeyError):
        index["cy"]
    empty = PeopleIndex.of([])
    assert len(empty) == 0 and list(empty) == [] and "bo" not in empty


def test_starts_must_bound_the_ids() -> None:
    from array import array

    with pytest.raises(ValueError, match="starts must bound"):
        PeopleIndex(["a"], array("q", [0, 2]), array("q", [5]))
