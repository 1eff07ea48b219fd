"""A stage's unit figures as rows of ``unit_figures``: a row per block of figures, as columns.

A precinct file's stage has a figure per reporting unit, candidate and vote type: hundreds of
thousands in a statewide race, six million in a statewide file. Stored a row per figure, they
took SQLite most of an import (12 of the 28 CPU-s of a million-row file) and PostgreSQL more;
stored as columns they are a few rows of a version, written and read at the speed of copying
bytes.

A row (see :data:`~tallyroom.store.schema.unit_figures`) holds up to
:data:`~tallyroom.store.schema.FIGURE_BLOCK` figures in their order:

- ``units``, ``candidates``, ``vote_types``: JSON arrays of the names the block's figures use,
  each in the order the figures first use it;
- ``unit_codes``, ``candidate_codes``, ``type_codes``: for each figure, its name's number
  among those, as unsigned little-endian integers of 1, 2, 4 or 8 bytes (the narrowest that
  holds the count of names: the width is the column's length over ``figures``);
- ``votes``: each figure's votes, little-endian, unsigned of 2 or 4 bytes or signed of 8 (as
  the model keeps them); a count below 0 is refused, as the table of a row per figure refused
  it by a CHECK constraint.

:func:`block_rows` makes the rows of a stage's figures, :func:`read_blocks` the figures of a
stage's rows. A row whose lengths or numbers do not agree, whose names are not a JSON array
of text, or whose votes hold a count below 0 is refused as damaged
(:class:`~tallyroom.errors.StorageError`), never read as other figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tallyroom.errors import StorageError
from tallyroom.model import UnitResults, UnitRows
from tallyroom.store.codec import json_text
from tallyroom.store.rows import ROW_KEYS
from tallyroom.store.schema import FIGURE_BLOCK, unit_figures
from tallyroom.unit_arrays import (
    VOTE_TYPES,
    canonical_codes,
    code_arrays,
    first_use,
    name_codes,
    narrowest,
    unit_results,
    vote_type,
)

__all__ = ["BLOCK_KEYS", "block_rows", "read_blocks"]

#: The columns of a block's row after ``version_id``, in the order :func:`block_rows` gives:
#: the table's, as the writer inserts them (:data:`~tallyroom.store.rows.ROW_KEYS`).
BLOCK_KEYS = ROW_KEYS[unit_figures]

#: numpy's little-endian type for a code column of each width in bytes.
_CODES: dict[int, np.dtype[Any]] = {
    1: np.dtype("<u1"),
    2: np.dtype("<u2"),
    4: np.dtype("<u4"),
    8: np.dtype("<u8"),
}
#: ... and for the votes (as the model keeps them: unsigned 16 and 32 bits, signed 64).
_VOTES: dict[int, np.dtype[Any]] = {t.itemsize: t for t in VOTE_TYPES}

Array = npt.NDArray[Any]

#: Each column of names and the column of the figures' numbers among them.
_NAMED = (("units", "unit_codes"), ("candidates", "candidate_codes"), ("vote_types", "type_codes"))


def _vote_bytes(votes: Array) -> bytes:
    """The votes' column; a count below 0 or beyond 64 bits is refused, as ``unit_results``'
    CHECK constraint refused it (a reader makes none; ``check_storable`` refuses the large)."""
    if len(votes) and (votes.dtype == object or int(votes.min()) < 0):
        raise StorageError("unit figures: expected counts of 0 or more, of at most 64 bits")
    top = int(votes.max()) if len(votes) else 0
    return bytes(np.ascontiguousarray(votes, dtype=vote_type(top)).tobytes())


def block_rows(stage: int, figures: UnitRows) -> list[tuple[Any, ...]]:
    """The ``unit_figures`` rows of stage ``stage``'s figures, values in :data:`BLOCK_KEYS`
    order (none for a stage without figures). A stage of one block stores its canonical codes
    (:func:`~tallyroom.unit_arrays.canonical_codes`, as its fingerprint hashes them)."""
    held = figures if isinstance(figures, UnitResults) else UnitResults.of(figures)
    columns = code_arrays(held)
    rows = []
    for block, start in enumerate(range(0, len(held), FIGURE_BLOCK)):
        stop = start + FIGURE_BLOCK
        if stop >= len(held) and not start:
            used, codes, _ = canonical_codes(held)
        else:
            used, codes = [], []
            for distinct, column in zip(
                (held.units, held.candidates, held.vote_types), columns[:3], strict=False
            ):
                names, renumbered = first_use(distinct, name_codes(distinct, column[start:stop]))
                used.append(names)
                codes.append(narrowest(renumbered, len(names) - 1))
        votes = columns[3][start:stop]
        rows.append(
            (
                stage,
                block,
                len(votes),
                *map(json_text, used),
                *(bytes(column.tobytes()) for column in codes),
                _vote_bytes(votes),
            )
        )
    return rows


def _column(data: bytes, figures: int, widths: dict[int, np.dtype[Any]], where: str) -> Array:
    width, extra = divmod(len(data), figures)
    if extra or width not in widths:
        raise StorageError(f"{where}: a column of {len(data)} bytes for {figures} figures")
    return np.frombuffer(data, dtype=widths[width])


def _names(text: str, field: str, here: str) -> list[str]:
    """A block's names of ``field``: a JSON array of text, or the block is damaged."""
    try:
        listed = json.loads(text)
    except ValueError:
        listed = None
    if not isinstance(listed, list) or not all(type(name) is str for name in listed):
        raise StorageError(f"{here}: expected the {field} as a JSON array of names")
    return listed


def read_blocks(rows: Sequence[Any], where: str) -> UnitResults:
    """The figures of a stage's ``unit_figures`` rows (attributes named as the columns, in
    block order). ``where`` names the stage in an error."""
    names: list[dict[str, int]] = [{}, {}, {}]
    parts: list[list[Array]] = [[], [], [], []]
    for expected, row in enumerate(rows):
        here = f"{where}, block {row.block}"
        if row.block != expected or row.figures < 1:
            raise StorageError(f"{here}: expected block {expected} of one figure or more")
        for index, (field, column) in enumerate(_NAMED):
            listed = _names(getattr(row, field), field, here)
            codes = _column(bytes(getattr(row, column)), row.figures, _CODES, here)
            if int(codes.max()) >= len(listed):
                raise StorageError(f"{here}: a figure's number in {field} is out of range")
            known = names[index]
            numbers = np.fromiter(
                (known.setdefault(name, len(known)) for name in listed), np.int64, len(listed)
            )
            parts[index].append(numbers[codes])
        votes = _column(bytes(row.votes), row.figures, _VOTES, here)
        if votes.dtype.kind == "i" and int(votes.min()) < 0:
            raise StorageError(f"{here}: a figure's votes are below 0")
        parts[3].append(votes)
    if not rows:
        raise StorageError(f"{where}: no figures")
    units, candidates, vote_types = (tuple(found) for found in names)
    unit_codes, candidate_codes, type_codes, votes = (
        part[0] if len(part) == 1 else np.concatenate(part) for part in parts
    )
    return unit_results(
        units, candidates, vote_types, unit_codes, candidate_codes, type_codes, votes
    )
