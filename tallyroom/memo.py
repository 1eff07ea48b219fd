"""What is worked out from an object that many records share, worked out once per object.

A statewide precinct file's 265 contests list 217,080 reporting units, of which 56,191 are
distinct lists: a county's contests share the tuple of its precincts, the statewide contests
the tuple of all (the readers hand out one tuple per distinct list). What is made of such a
tuple (the text that hashes it, the JSON that stores it, the check that no unit is listed
twice) is made once per tuple with :class:`ByIdentity`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ByIdentity"]

T = TypeVar("T")
V = TypeVar("V")


class ByIdentity(Generic[T, V]):
    """``make(value)`` once per object ``value`` (call the cache as ``cache(value)``), for
    values that cannot change, such as a tuple of frozen records. An object is known by its
    identity, not compared by value: looking up a long tuple costs nothing per item. Each kept
    object is held, so that its id is not given to another while kept. The objects and
    results kept weigh at most ``budget`` by ``weight(value, result)``; past that the cache
    starts again."""

    def __init__(
        self,
        make: Callable[[T], V],
        budget: int,
        weight: Callable[[T, V], int],
    ) -> None:
        self.make = make
        self.budget = budget
        self.weight = weight
        self._kept: dict[int, tuple[T, V]] = {}
        self._held = 0

    def __call__(self, value: T) -> V:
        found = self._kept.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        made = self.make(value)
        weight = self.weight(value, made)
        if self._held + weight > self.budget:
            self._kept.clear()
            self._held = 0
        self._kept[id(value)] = (value, made)
        self._held += weight
        return made
