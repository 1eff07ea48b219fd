"""``java.util.Random``, bit for bit, so a seeded tie-break draws as RCTab (Java) draws.

RCTab seeds one ``Random`` per count and uses ``nextDouble()`` for a random tie-break and
``Collections.shuffle`` for a generated candidate permutation; both are reproduced here, with the
iteration order of Java's hash maps, which decides the order RCTab draws from or lists in.
"""

from __future__ import annotations

import math
from typing import TypeVar

__all__ = [
    "JavaRandom",
    "hash_set_capacity",
    "java_hash_order",
    "java_shuffle",
    "java_string_key",
]

_MULTIPLIER = 0x5DEECE66D
_ADDEND = 0xB
_MASK = (1 << 48) - 1

T = TypeVar("T")


class JavaRandom:
    """The 48-bit linear congruential generator of ``java.util.Random``."""

    __slots__ = ("_seed",)

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ _MULTIPLIER) & _MASK

    def _next(self, bits: int) -> int:
        self._seed = (self._seed * _MULTIPLIER + _ADDEND) & _MASK
        value = self._seed >> (48 - bits)
        # Java returns a signed 32-bit int.
        if value & (1 << 31):
            value -= 1 << 32
        return value

    def next_int(self, bound: int) -> int:
        if bound <= 0:
            raise ValueError("bound must be positive")
        if bound & -bound == bound:  # a power of two
            return (bound * (self._next(31) & 0x7FFFFFFF)) >> 31
        while True:
            bits = self._next(31) & 0x7FFFFFFF
            value = bits % bound
            # Java rejects draws where ``bits - value + (bound - 1)`` overflows an int.
            if bits - value + (bound - 1) < (1 << 31):
                return value

    def next_double(self) -> float:
        high = self._next(26) & ((1 << 26) - 1)
        low = self._next(27) & ((1 << 27) - 1)
        return ((high << 27) + low) * (1.0 / (1 << 53))

    def choose_index(self, size: int) -> int:
        """RCTab's random tie-break: ``(int) Math.floor(nextDouble() * size)``."""
        # The same IEEE double product Java computes, then the floor.
        return math.floor(self.next_double() * float(size))


def java_shuffle(items: list[T], rng: JavaRandom) -> None:
    """``Collections.shuffle(list, rnd)`` in place."""
    for i in range(len(items), 1, -1):
        j = rng.next_int(i)
        items[i - 1], items[j] = items[j], items[i - 1]


def java_string_key(text: str) -> tuple[int, ...]:
    """Sort key of Java's ``String.compareTo`` (UTF-16 code units)."""
    encoded = text.encode("utf-16-be")
    return tuple(int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2))


def _java_hash(text: str) -> int:
    """``String.hashCode()`` (as an unsigned 32-bit value)."""
    value = 0
    for unit in java_string_key(text):
        value = (31 * value + unit) & 0xFFFFFFFF
    return value


def java_hash_order(names: list[str], capacity: int) -> list[str]:
    """The order in which a ``java.util.HashMap`` (or ``HashSet``) with ``capacity`` buckets
    (a power of two) iterates ``names`` inserted in the order given: by bucket of the spread
    hash, then by insertion within a bucket."""

    def bucket(name: str) -> int:
        value = _java_hash(name)
        return (value ^ (value >> 16)) & (capacity - 1)

    return sorted(names, key=bucket)


def hash_set_capacity(size: int) -> int:
    """Buckets of ``new HashSet<>(collection)`` holding ``size`` elements."""
    wanted = max(int(size / 0.75) + 1, 16)
    capacity = 1
    while capacity < wanted:
        capacity *= 2
    return capacity
