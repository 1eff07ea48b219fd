"""Group the identical lines of a large text file with numpy, without a Python loop per line.

Each line's bytes (from a given column on) are packed into 64-bit words, hashed, and grouped by
one plain sort of the hashes with each line's index in their low bits; every line is then
compared word for word with the first line of its group, so the grouping is exact (a collision
of the shortened hash is detected and the lines are grouped again on the whole hash; a collision
of that one is reported as ``None``, and the caller reads the file another way).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "LineGroups",
    "byte_count",
    "byte_positions",
    "group_lines",
    "line_bounds",
    "read_padded",
]

_CHUNK = 1 << 22

_MIX = 0x9E3779B97F4A7C15
_MUL = 0xBF58476D1CE4E5B9


@dataclass(frozen=True, slots=True)
class LineGroups:
    """Distinct lines in order of first appearance."""

    starts: npt.NDArray[np.int64]
    """Byte offset where the kept part of each group's first line starts."""
    ends: npt.NDArray[np.int64]
    lines: npt.NDArray[np.int64]
    """0-based index (among all lines of the file) of each group's first line."""
    counts: npt.NDArray[np.int64]
    short: npt.NDArray[np.int64]
    """0-based indexes of the lines with fewer than ``skip_fields`` separators."""


def read_padded(path: Path, extra: int = 64) -> tuple[bytearray, int]:
    """A file's bytes followed by ``extra`` zero bytes, and the file's size."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        padded = bytearray(size + extra)
        read = handle.readinto(memoryview(padded)[:size])
    if read != size:  # pragma: no cover - the file changed while being read
        raise OSError(f"{path}: short read")
    return padded, size


def byte_count(buf: npt.NDArray[np.uint8], value: int) -> int:
    """How many bytes equal ``value`` (counted in chunks: small temporaries)."""
    return sum(
        int(np.count_nonzero(buf[at : at + _CHUNK] == value)) for at in range(0, buf.size, _CHUNK)
    )


def byte_positions(buf: npt.NDArray[np.uint8], value: int) -> npt.NDArray[np.int64]:
    """Offsets of every byte equal to ``value`` (searched in chunks: small temporaries)."""
    pieces = [
        np.flatnonzero(buf[at : at + _CHUNK] == value) + at for at in range(0, buf.size, _CHUNK)
    ]
    return np.concatenate(pieces).astype(np.int64) if pieces else np.zeros(0, dtype=np.int64)


def line_bounds(buf: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start and end offsets of every line (``\\n`` or ``\\r\\n`` endings; no final empty line)."""
    newlines = byte_positions(buf, 10)
    starts = np.empty(newlines.size + 1, dtype=np.int64)
    starts[0] = 0
    np.add(newlines, 1, out=starts[1:])
    ends = np.empty(newlines.size + 1, dtype=np.int64)
    ends[:-1] = newlines
    ends[-1] = buf.size
    if starts[-1] == buf.size:
        starts, ends = starts[:-1], ends[:-1]
    carriage = np.zeros(ends.size, dtype=bool)
    inside = ends > starts
    carriage[inside] = buf[ends[inside] - 1] == 13
    ends = ends - carriage
    return starts, ends


_LOW = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)


def words_at_any_offset(padded: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """A little-endian 64-bit word starting at every byte offset (an unaligned strided view)."""
    return np.ndarray((padded.size - 7,), dtype="<u8", buffer=padded.data, offset=0, strides=(1,))


def _next_separator(
    padded: npt.NDArray[np.uint8],
    size: int,
    origins: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    separator: int,
) -> npt.NDArray[np.int64]:
    """Offset of the first separator at or after each origin and before its end, or -1.

    The first 32 bytes after each origin are searched eight at a time (a zero-byte test on
    64-bit words); lines whose separator is further away are searched in the whole buffer.
    """
    words = words_at_any_offset(padded)
    pattern = np.uint64(0x0101010101010101 * separator)
    found = np.full(origins.size, -1, dtype=np.int64)
    pending = np.arange(origins.size, dtype=np.int64)
    for step in range(4):
        at = np.minimum(origins[pending] + 8 * step, size)
        x = words[at] ^ pattern
        hits = (x - _LOW) & ~x & _HIGH
        hit = hits != 0
        lowest = hits[hit] & (~hits[hit] + np.uint64(1))
        byte = (np.frexp(lowest.astype(np.float64))[1] - 1) // 8
        found[pending[hit]] = at[hit] + byte
        pending = pending[~hit]
        if pending.size == 0:
            break
    if pending.size:
        marks = np.flatnonzero(padded[:size] == separator)
        at = np.searchsorted(marks, origins[pending])
        inside = at < marks.size
        found[pending[inside]] = marks[at[inside]]
    return np.where((found >= 0) & (found < ends), found, -1)


Grouping = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]


def _group_packed(digest: npt.NDArray[np.uint64]) -> Grouping | None:
    """Group ids, first members and sizes, from one plain sort of (high hash bits, index).

    The low bits of each key hold the line's index, so the sort also orders each group's
    members and no argsort is needed; the hash keeps ``64 - log2(lines)`` bits, so a collision
    is likelier than with the whole hash (the caller verifies, then tries :func:`_group_sorted`).
    """
    bits = max(1, (digest.size - 1).bit_length())
    if bits > 40:  # pragma: no cover - more than a trillion lines
        return None
    low = np.uint64((1 << bits) - 1)
    keys = np.sort((digest & ~low) | np.arange(digest.size, dtype=np.uint64))
    boundary = np.empty(keys.size, dtype=bool)
    boundary[0] = True
    high = keys & ~low
    np.not_equal(high[1:], high[:-1], out=boundary[1:])
    members = (keys & low).astype(np.int64)
    ids = np.cumsum(boundary, dtype=np.int64) - 1
    group = np.empty(keys.size, dtype=np.int64)
    group[members] = ids
    heads = np.flatnonzero(boundary)
    counts = np.diff(np.append(heads, keys.size)).astype(np.int64)
    return group, members[heads], counts


def _group_sorted(digest: npt.NDArray[np.uint64]) -> Grouping | None:
    """The same grouping on the whole 64-bit hash (slower: an argsort)."""
    distinct, first, group = np.unique(digest, return_index=True, return_inverse=True)
    group = group.reshape(-1).astype(np.int64)
    counts = np.bincount(group, minlength=distinct.size).astype(np.int64)
    return group, first.astype(np.int64), counts


def group_lines(
    padded: npt.NDArray[np.uint8],
    size: int,
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    skip_fields: int,
    separator: int = 44,
) -> LineGroups | None:
    """Group lines by their bytes after the first ``skip_fields`` separators.

    ``padded`` holds the file's ``size`` bytes followed by at least 64 zero bytes.
    """
    index = np.arange(starts.size, dtype=np.int64)
    origins = starts
    for _ in range(skip_fields):
        found = _next_separator(padded, size, origins, ends, separator)
        origins = np.where(found >= 0, found + 1, -1)
        live = origins >= 0
        ends = np.where(live, ends, -1)
    long_enough = origins >= 0
    short = index[~long_enough]
    if short.size:
        index = index[long_enough]
        starts = origins[long_enough]
        ends = ends[long_enough]
    else:
        starts = origins
    lengths = ends - starts
    if index.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return LineGroups(empty, empty, empty, empty, short)
    words = max(1, (int(lengths.max()) + 7) // 8)
    if padded.size < size + 8 * words + 8:
        padded = np.concatenate((padded[:size], np.zeros(8 * words + 8, dtype=np.uint8)))
    at_any_offset = words_at_any_offset(padded)
    keep = np.clip(np.arange(8 * words + 1)[:, None] - 8 * np.arange(words)[None, :], 0, 8)
    masks = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)[keep.T].copy()

    columns = []
    digest = lengths.astype(np.uint64)
    digest *= np.uint64(_MIX)
    spare = np.empty(lengths.size, dtype=np.uint64)
    for column in range(words):
        word = at_any_offset[starts + 8 * column]
        word &= np.take(masks[column], lengths, out=spare)
        columns.append(word)
        digest ^= word
        digest *= np.uint64(_MUL)
        np.right_shift(digest, np.uint64(31), out=spare)
        digest ^= spare
    for method in (_group_packed, _group_sorted):
        attempt = method(digest)
        if attempt is None:  # pragma: no cover - more than a trillion lines
            continue
        group, first, counts = attempt
        representative = first[group]
        if np.array_equal(lengths, lengths[representative]) and all(
            np.array_equal(word, np.take(word, representative, out=spare)) for word in columns
        ):
            break
    else:  # pragma: no cover - needs a 64-bit hash collision
        return None
    order = np.argsort(first, kind="stable")
    chosen = first[order]
    return LineGroups(
        starts=starts[chosen],
        ends=ends[chosen],
        lines=index[chosen],
        counts=counts[order].astype(np.int64),
        short=short,
    )
