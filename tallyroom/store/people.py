"""Each person's current elections, by slug, held compactly.

The website's and the export's people pages look a person up by the slug of their name and
read the elections naming them; the index of every person is read whole. As a dict of tuples of
ids it took 165 bytes a person (a tuple and an integer object per person besides the slug and
the dict's entry: 13.2 MB for the 80,000 people of 10,000 generated elections). Here the slugs
are one sorted list and the ids of every person's elections lie end to end in one array of
machine integers, with each slug's start in another: 90 bytes a person (7.2 MB), most of it
the slug's text, and built in two thirds of the time.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping

__all__ = ["PeopleIndex"]


class PeopleIndex(Mapping[str, tuple[int, ...]]):
    """A read-only mapping of slug to the ids of the elections naming that person, in the
    order given to :meth:`of`; iterated in the slugs' sorted order."""

    __slots__ = ("_ids", "_slugs", "_starts")

    def __init__(self, slugs: list[str], starts: array[int], ids: array[int]) -> None:
        """``slugs`` sorted and distinct; the ids of ``slugs[i]`` are
        ``ids[starts[i]:starts[i + 1]]``."""
        if len(starts) != len(slugs) + 1 or (slugs and starts[-1] != len(ids)):
            raise ValueError("starts must bound each slug's ids")
        self._slugs = slugs
        self._starts = starts
        self._ids = ids

    @classmethod
    def of(cls, named: Iterable[tuple[str, int]]) -> PeopleIndex:
        """The index of ``(slug, election id)`` pairs that come election by election (as the
        store's query orders them): each slug's ids in the order they come, each once (a slug
        named twice in one election is kept once). Nothing is kept per pair or per person on
        the way but machine integers (and the slug)."""
        number: dict[str, int] = {}  # slug -> person, in the order they first come
        people, elections = array("q"), array("q")
        counts, last = array("q"), array("q")
        for slug, election_id in named:
            person = number.setdefault(slug, len(number))
            if person == len(counts):
                counts.append(0)
                last.append(-1)
            elif last[person] == election_id:
                continue  # named again in the same election: the pairs come election by election
            people.append(person)
            elections.append(election_id)
            counts[person] += 1
            last[person] = election_id
        del last
        slugs = sorted(number)
        rank = array("q", bytes(8 * len(slugs)))
        for at, slug in enumerate(slugs):
            rank[number[slug]] = at
        del number
        starts = array("q", bytes(8 * (len(slugs) + 1)))
        for person, count in enumerate(counts):
            starts[rank[person] + 1] = count
        for at in range(len(slugs)):
            starts[at + 1] += starts[at]
        ids = array("q", bytes(8 * len(elections)))
        filled = array("q", starts[:-1])
        for person, election_id in zip(people, elections, strict=True):
            at = rank[person]
            ids[filled[at]] = election_id
            filled[at] += 1
        return cls(slugs, starts, ids)

    def _position(self, slug: object) -> int:
        at = bisect_left(self._slugs, slug) if isinstance(slug, str) else len(self._slugs)
        if at == len(self._slugs) or self._slugs[at] != slug:
            return -1
        return at

    def __getitem__(self, slug: str) -> tuple[int, ...]:
        at = self._position(slug)
        if at < 0:
            raise KeyError(slug)
        return tuple(self._ids[self._starts[at] : self._starts[at + 1]])

    def __contains__(self, slug: object) -> bool:
        return self._position(slug) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._slugs)

    def __len__(self) -> int:
        return len(self._slugs)
