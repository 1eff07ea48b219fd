"""A stage's unit figures (:class:`~tallyroom.model.UnitResults`) as numpy arrays, and back.

A statewide precinct file has millions of figures; the code that reads, hashes, checks, rolls
up and stores them works on whole columns at once. :func:`code_arrays` gives the figures'
code and vote columns as numpy arrays without copying them; :func:`unit_results` makes
figures of such arrays, each kept in the narrowest ``array.array`` that holds it, as
:meth:`~tallyroom.model.UnitResults.from_columns` keeps them.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tallyroom.memo import ByIdentity
from tallyroom.model import UnitResults, _unit_results

__all__ = [
    "candidate_sums",
    "canonical_codes",
    "canonical_columns",
    "chosen",
    "code_arrays",
    "figure_keys",
    "first_use",
    "groups",
    "name_codes",
    "narrowest",
    "narrowest_type",
    "repeated",
    "repeated_figures",
    "same_figures",
    "summable_votes",
    "unit_candidate_sums",
    "unit_results",
    "units_with_figures",
    "vote_type",
]

#: numpy's type for each ``array.array`` type code the figures use.
_DTYPES = {"B": np.uint8, "H": np.uint16, "I": np.uint32, "Q": np.uint64, "q": np.int64}
#: The narrowest code type for a column of so many distinct values (as the builder widens).
_CODE_TYPES = (("B", 1 << 8), ("H", 1 << 16), ("I", 1 << 32), ("Q", 1 << 64))
#: Vote arrays: unsigned 16-bit, then unsigned 32-bit, then signed 64-bit (as the builder).
_VOTE_TYPES = (("H", 1 << 16), ("I", 1 << 32), ("q", 1 << 63))

Codes = npt.NDArray[np.integer[Any]]


def _numpy(column: Any) -> Codes:
    """``column`` (an ``array.array`` or, for votes beyond 64 bits, a list) as a numpy array,
    sharing an array's memory (read-only: the figures cannot be changed)."""
    if isinstance(column, array):
        found: Codes = np.frombuffer(column, dtype=_DTYPES[column.typecode])
        found.flags.writeable = False
        return found
    wide = column and (max(column) >= 1 << 63 or min(column) < -(1 << 63))
    return np.array(column, dtype=object if wide else np.int64)


def code_arrays(figures: UnitResults) -> tuple[Codes, Codes, Codes, Codes]:
    """The unit, candidate and vote-type codes and the votes of ``figures``, as numpy arrays
    in the figures' order (no copy: they are read-only views of the figures' own arrays)."""
    return (
        _numpy(figures.unit_codes),
        _numpy(figures.candidate_codes),
        _numpy(figures.type_codes),
        _numpy(figures.votes),
    )


def _narrowest(values: Codes, types: tuple[tuple[str, int], ...], top: int) -> array[int]:
    typecode = next(code for code, limit in types if top < limit)
    return array(typecode, np.ascontiguousarray(values, dtype=_DTYPES[typecode]).tobytes())


def unit_results(
    units: Sequence[str],
    candidates: Sequence[str],
    vote_types: Sequence[str],
    unit_codes: Codes,
    candidate_codes: Codes,
    type_codes: Codes,
    votes: Codes,
) -> UnitResults:
    """Figures whose ``k``-th is ``units[unit_codes[k]]``, ``candidates[candidate_codes[k]]``,
    ``votes[k]`` and ``vote_types[type_codes[k]]``. The arrays are copied into the figures'
    own; codes must lie within their names (``ValueError``)."""
    columns = (unit_codes, candidate_codes, type_codes, votes)
    if len({len(column) for column in columns}) != 1:
        raise ValueError("unit result columns of different lengths")
    coded = []
    for names, codes in zip((units, candidates, vote_types), columns, strict=False):
        if len(codes) and (int(codes.min()) < 0 or int(codes.max()) >= len(names)):
            raise ValueError("a unit result code outside its names")
        coded.append(_narrowest(codes, _CODE_TYPES, max(len(names) - 1, 0)))
    low, top = (int(votes.min()), int(votes.max())) if len(votes) else (0, 0)
    vote_array: Any
    if low < -(1 << 63) or top >= 1 << 63:  # beyond any real count: as the builder keeps them
        vote_array = list(map(int, votes))
    elif low < 0:
        vote_array = _narrowest(votes, (("q", 1 << 63),), top)
    else:
        vote_array = _narrowest(votes, _VOTE_TYPES, top)
    return _unit_results(tuple(units), tuple(candidates), tuple(vote_types), *coded, vote_array)


def name_codes(names: Sequence[str], codes: Codes) -> Codes:
    """``codes`` (of ``names``) with the code of a name listed twice replaced by the code of
    its first listing, so that equal codes mean equal names. The builder lists each name once
    (``codes`` comes back as it is); figures made by :func:`unit_results` may not."""
    if len(set(names)) == len(names):
        return codes
    first: dict[str, int] = {}
    table = [first.setdefault(name, code) for code, name in enumerate(names)]
    found: Codes = np.array(table, dtype=np.int64)[codes]
    return found


Keys = npt.NDArray[np.int64]


def figure_keys(
    figures: UnitResults, *, unit: bool = True, candidate: bool = True, vote_type: bool = True
) -> tuple[Keys, int] | None:
    """One number per figure for its unit, candidate and vote type (those asked for), equal
    for figures of equal names: ``(u·C + c)·T + t`` of the names' codes (``C`` and ``T`` the
    numbers of names), and how many numbers there can be; ``None`` when that is 2**63 or more
    (no such stage is real: the product of three numbers of distinct names)."""
    unit_codes, candidate_codes, type_codes, _ = code_arrays(figures)
    parts = [
        (names, codes)
        for wanted, names, codes in (
            (unit, figures.units, unit_codes),
            (candidate, figures.candidates, candidate_codes),
            (vote_type, figures.vote_types, type_codes),
        )
        if wanted
    ]
    space = 1
    for names, _ in parts:
        space *= max(len(names), 1)
    if space >= 1 << 63:
        return None
    keys: Keys = np.zeros(len(figures), dtype=np.int64)
    for names, codes in parts:
        keys *= len(names)
        keys += name_codes(names, codes)
    return keys, space


def _dense(count: int, space: int) -> bool:
    """Whether ``count`` keys below ``space`` are counted in an array of ``space`` entries
    (at most a few per key) rather than sorted."""
    return space <= 4 * count + 65536


def repeated(keys: Keys, space: int) -> bool:
    """Whether two of ``keys`` (each below ``space``) are equal."""
    if _dense(len(keys), space):
        seen = np.zeros(space, dtype=np.bool_)
        seen[keys] = True
        return int(np.count_nonzero(seen)) != len(keys)
    return len(np.unique(keys)) != len(keys)


def summable_votes(figures: UnitResults) -> Keys | None:
    """The figures' votes as signed 64-bit numbers when every sum of them is exact so (the
    number of figures times the largest size below 2**63); else ``None``, and the caller sums
    them as Python numbers."""
    votes = code_arrays(figures)[3]
    if votes.dtype == object:
        return None
    if len(votes) and len(votes) * max(int(votes.max()), -int(votes.min())) >= 1 << 63:
        return None
    found: Keys = votes.astype(np.int64)
    return found


def groups(keys: Codes, space: int, votes: Keys | None = None) -> tuple[Keys, Keys, Keys]:
    """The distinct values of ``keys`` (each below ``space``) in the order they first come:
    the index of each one's first place, how many times it comes, and the sum of ``votes``
    (one per key; zeros without them) over its places. A small ``space`` is counted in arrays
    of its size, a large one sorted."""
    count = len(keys)
    sums: Keys
    if _dense(count, space):
        first = np.full(space, count, dtype=np.int64)
        np.minimum.at(first, keys, np.arange(count, dtype=np.int64))
        present = np.flatnonzero(first < count)
        places: Keys = first[present]
        times: Keys = np.bincount(keys, minlength=space)[present].astype(np.int64)
        sums = np.zeros(space, dtype=np.int64)
        if votes is not None:
            np.add.at(sums, keys, votes)
        sums = sums[present]
    else:
        _, places, inverse, times = np.unique(
            keys, return_index=True, return_inverse=True, return_counts=True
        )
        sums = np.zeros(len(places), dtype=np.int64)
        if votes is not None:
            np.add.at(sums, inverse, votes)
    order = np.argsort(places, kind="stable")
    return places[order], times[order].astype(np.int64), sums[order]


Chosen = npt.NDArray[np.bool_]


def chosen(figures: UnitResults, vote_type: str, units: set[str], within: bool) -> Chosen:
    """Whether each figure is of ``vote_type`` and for a unit in ``units`` (``within``) or not
    in them (not ``within``), each distinct name looked at once."""
    unit_codes, _, type_codes, _ = code_arrays(figures)
    of_type = np.array([name == vote_type for name in figures.vote_types], dtype=np.bool_)
    in_units = np.array([(name in units) == within for name in figures.units], dtype=np.bool_)
    found: Chosen = of_type[type_codes] & in_units[unit_codes]
    return found


def units_with_figures(figures: UnitResults) -> list[str]:
    """The distinct units some figure is for, in the order of the figures' unit names."""
    used = np.bincount(code_arrays(figures)[0], minlength=len(figures.units))
    return list(dict.fromkeys(map(figures.units.__getitem__, np.flatnonzero(used).tolist())))


def candidate_sums(figures: UnitResults, choice: Chosen) -> dict[str, int] | None:
    """Candidate → the sum of the votes of the chosen figures (``choice``, see :func:`chosen`),
    candidates in the order they first come; ``None`` when numpy cannot sum them exactly."""
    votes = summable_votes(figures)
    if votes is None:
        return None
    names = figures.candidates
    codes = name_codes(names, code_arrays(figures)[1])[choice]
    places, _, sums = groups(codes, len(names), votes[choice])
    return dict(zip(map(names.__getitem__, codes[places].tolist()), sums.tolist(), strict=True))


def unit_candidate_sums(figures: UnitResults, choice: Chosen) -> dict[str, dict[str, int]] | None:
    """Unit → candidate → the sum of the votes of the chosen figures (``choice``), units in
    the order their first chosen figure comes, candidates in the order they first come for the
    unit; ``None`` when numpy cannot sum them exactly."""
    votes = summable_votes(figures)
    keyed = figure_keys(figures, vote_type=False)
    if votes is None or keyed is None:
        return None
    keys, space = keyed
    keys = keys[choice]
    places, _, sums = groups(keys, space, votes[choice])
    count = len(figures.candidates)
    units, candidates = figures.units, figures.candidates
    found: dict[str, dict[str, int]] = {}
    for key, total in zip(keys[places].tolist(), sums.tolist(), strict=True):
        unit, candidate = divmod(key, count)
        sums_of = found.get(units[unit])
        if sums_of is None:
            sums_of = found[units[unit]] = {}
        sums_of[candidates[candidate]] = total
    return found


def repeated_figures(figures: UnitResults) -> list[tuple[int, int]] | None:
    """Each (unit, candidate, vote type) given more than once, as the index of its first figure
    and how many times it is given, in the order they first come; ``None`` when there are too
    many names to number (see :func:`figure_keys`)."""
    keyed = figure_keys(figures)
    if keyed is None:
        return None
    places, times, _ = groups(*keyed)
    more = times > 1
    return list(zip(places[more].tolist(), times[more].tolist(), strict=True))


def first_use(names: Sequence[str], codes: Codes) -> tuple[list[str], Codes]:
    """The names ``codes`` use, in the order they first use them, and the codes renumbered
    among those (``codes`` itself when they use every name in its own order, as the figures of
    a file read do). ``codes`` must give equal names equal codes (see :func:`name_codes`)."""
    count = len(codes)
    if count:  # each code at most one above those before it: every name, first used in order
        top = np.maximum.accumulate(codes)
        if int(top[0]) == 0 and int(top[-1]) == len(names) - 1 and not np.any(np.diff(top) > 1):
            return list(names), codes
    first = np.full(len(names), count, dtype=np.int64)
    first[codes[::-1]] = np.arange(count - 1, -1, -1)  # a repeated index keeps its last value
    used = np.flatnonzero(first < count)
    used = used[np.argsort(first[used], kind="stable")]
    if np.array_equal(used, np.arange(len(names))):
        return list(names), codes
    renumbered = np.zeros(len(names), dtype=np.int64)
    renumbered[used] = np.arange(len(used))
    found: Codes = renumbered[codes]
    return [names[code] for code in used.tolist()], found


#: What :func:`canonical_columns` gives: the names of each column, the codes, the votes.
Canonical = tuple[list[list[str]], list[Codes], Codes | None]


def canonical_columns(figures: UnitResults) -> Canonical:
    """The figures in a form that depends on their values alone (equal figures, equal form,
    however their names are numbered): the units, candidates and vote types each in the order
    the figures first use them, each figure's numbers among those, and the votes (``None``
    when one does not fit 64 bits: the caller reads them as Python numbers)."""
    columns = code_arrays(figures)
    names: list[list[str]] = []
    codes: list[Codes] = []
    for distinct, column in zip(
        (figures.units, figures.candidates, figures.vote_types), columns[:3], strict=False
    ):
        used, renumbered = first_use(distinct, name_codes(distinct, column))
        names.append(used)
        codes.append(renumbered)
    votes = columns[3]
    return names, codes, None if votes.dtype == object else votes


def _canonical_codes(figures: UnitResults) -> Canonical:
    names, codes, votes = canonical_columns(figures)
    narrow = [narrowest(column, len(used) - 1) for used, column in zip(names, codes, strict=True)]
    for column in narrow:
        column.flags.writeable = False  # shared by whoever asks next
    return names, narrow, votes


#: Figures whose :func:`canonical_codes` are kept at most: a few stages' (an election's).
CANONICAL_KEPT = 1 << 21
#: :func:`canonical_columns`, each column of codes in the narrowest unsigned type for its count
#: of names (:func:`narrowest`), made once per figures: an import hashes them for the
#: election's fingerprint and then stores them as its figures' block. The lists and arrays are
#: shared (the arrays of codes read-only; the votes are the figures' own): not to be changed.
canonical_codes: ByIdentity[UnitResults, Canonical] = ByIdentity(
    _canonical_codes, CANONICAL_KEPT, lambda figures, _: len(figures)
)


#: Little-endian unsigned types by width, narrowest first.
_UNSIGNED = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"), np.dtype("<u8"))


def narrowest_type(top: int, low: int = 0) -> np.dtype[Any]:
    """The narrowest little-endian integer type of numbers between ``low`` and ``top``:
    unsigned unless ``low`` is negative, then signed of 8 bytes."""
    if low < 0:
        return np.dtype("<i8")
    return next(t for t in _UNSIGNED if top < 1 << (8 * t.itemsize))


#: The little-endian types of a column of votes, narrowest first, each with the bound of the
#: votes it holds: the model's arrays' (:data:`_VOTE_TYPES`).
_VOTE_BOUNDS = tuple(
    (np.dtype(_DTYPES[code]).newbyteorder("<"), bound) for code, bound in _VOTE_TYPES
)
#: The types of a column of votes, narrowest first: unsigned of 16 and 32 bits, signed of 64.
VOTE_TYPES = tuple(kind for kind, _ in _VOTE_BOUNDS)


def vote_type(top: int) -> np.dtype[Any]:
    """The narrowest of :data:`VOTE_TYPES` for votes from 0 to ``top`` (below 2**63)."""
    return next(kind for kind, bound in _VOTE_BOUNDS if top < bound)


def narrowest(values: Codes, top: int, low: int = 0) -> Codes:
    """``values`` (each between ``low`` and ``top``) in :func:`narrowest_type` (no copy when
    they are so already)."""
    found: Codes = np.ascontiguousarray(values, dtype=narrowest_type(top, low))
    return found


def same_figures(one: UnitResults, other: UnitResults) -> bool:
    """Whether ``one`` and ``other`` hold the same figures in the same order, compared by
    their canonical columns (no figure or Python number made per figure)."""
    if len(one) != len(other):
        return False
    names, codes, votes = canonical_columns(one)
    other_names, other_codes, other_votes = canonical_columns(other)
    if names != other_names:
        return False
    if not all(np.array_equal(a, b) for a, b in zip(codes, other_codes, strict=True)):
        return False
    if votes is None or other_votes is None:
        return list(one.votes) == list(other.votes)
    return bool(np.array_equal(votes, other_votes))
