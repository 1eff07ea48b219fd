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

from tallyroom.model import UnitResults, _unit_results

__all__ = ["code_arrays", "unit_results"]

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
