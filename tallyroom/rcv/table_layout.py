"""Where the ballots are in a rank-column table: the layout a header row names, or positions given.

A light module (no numpy), so that a large CSV file's parse can start from its header before the
readers are imported (:mod:`tallyroom.rcv.csv_start`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tallyroom.errors import ParseError
from tallyroom.limits import MAX_RANKINGS

__all__ = ["TableLayout", "detect_layout"]

_RANK_HEADER = re.compile(r"^(?:rank|choice|preference)[ _-]?(\d{1,6})$", re.IGNORECASE)
_ID_HEADERS = {
    "ballot_id",
    "ballotid",
    "ballot id",
    "id",
    "cvr_id",
    "cvr id",
    "record id",
    "record_id",
}
_PRECINCT_HEADERS = {"precinct", "precinct_id", "precinct id", "precinctid"}
_WEIGHT_HEADERS = {"weight", "count", "ballots"}


class TableLayout:
    """Where the ballots are in a table (0-based internally)."""

    __slots__ = (
        "first_row",
        "id_column",
        "offset",
        "precinct_column",
        "rank_columns",
        "weight_column",
    )

    def __init__(
        self,
        rank_columns: Sequence[int],
        first_row: int,
        id_column: int | None = None,
        precinct_column: int | None = None,
        weight_column: int | None = None,
        offset: int = 0,
    ) -> None:
        self.rank_columns = tuple(rank_columns)
        self.first_row = first_row
        self.id_column = id_column
        self.precinct_column = precinct_column
        self.weight_column = weight_column
        self.offset = offset
        """Columns cut off the front of each row before these positions apply."""

    @staticmethod
    def shifted(layout: TableLayout, cut: int) -> TableLayout:
        """The same layout for rows whose first ``cut`` columns were removed."""

        def move(column: int | None) -> int | None:
            return None if column is None or column < cut else column - cut

        return TableLayout(
            [c - cut for c in layout.rank_columns],
            layout.first_row,
            move(layout.id_column),
            move(layout.precinct_column),
            move(layout.weight_column),
            layout.offset + cut,
        )


def detect_layout(header: Sequence[str]) -> TableLayout | None:
    """A layout from a recognised header row, or None."""
    ranks: list[tuple[int, int]] = []
    id_column = precinct_column = weight_column = None
    for column, raw in enumerate(header):
        name = raw.strip().lower()
        match = _RANK_HEADER.match(name)
        if match:
            ranks.append((int(match.group(1)), column))
        elif name in _ID_HEADERS and id_column is None:
            id_column = column
        elif name in _PRECINCT_HEADERS and precinct_column is None:
            precinct_column = column
        elif name in _WEIGHT_HEADERS and weight_column is None:
            weight_column = column
    if not ranks:
        return None
    if len(ranks) > MAX_RANKINGS:
        raise ParseError(
            f"{len(ranks):,} rank columns are more than the limit of {MAX_RANKINGS:,}", line=1
        )
    ranks.sort()
    if [r for r, _ in ranks] != list(range(1, len(ranks) + 1)):
        return None
    return TableLayout([c for _, c in ranks], 1, id_column, precinct_column, weight_column)
