"""Clear Ballot cast-vote-record CSV exports (ClearVote RCV format).

Ten fixed columns (RowNumber … Remade), then one column per (candidate, rank) whose header is
``Choice_<id>_<n>:<contest>:<rank>:<vote rule>:<candidate>:<party>``; a cell of ``1`` is a mark.
"""

from __future__ import annotations

from pathlib import Path

from tallyroom.errors import ParseError
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.read_table import rows_of_csv
from tallyroom.rcv.types import ranking_of

__all__ = ["looks_like_clear_ballot", "read_clear_ballot"]

_FIXED = 10
_BALLOT_ID, _PRECINCT = 3, 4


def looks_like_clear_ballot(header: list[str]) -> bool:
    return (
        len(header) > _FIXED and header[0] == "RowNumber" and header[_FIXED].startswith("Choice_")
    )


def read_clear_ballot(
    path: Path, contest: str | None, write_in_label: str | None, builder: BallotBuilder
) -> None:
    source = str(path)
    rows = rows_of_csv(path)
    header = next(rows, None)
    if header is None or not looks_like_clear_ballot(header):
        raise ParseError(
            "not a Clear Ballot CVR export (no Choice_ columns)", source=source, line=1
        )
    columns: list[tuple[int, int, str]] = []
    contests: set[str] = set()
    for index in range(_FIXED, len(header)):
        fields = header[index].split(":")
        if len(fields) != 6:
            raise ParseError(
                "choice column header must have 6 ':'-separated fields",
                source=source,
                line=1,
                text=header[index],
            )
        contests.add(fields[1])
        if contest is not None and fields[1] != contest:
            continue
        name = fields[4]
        if write_in_label is not None and name == write_in_label:
            code = builder.write_in_code()
        else:
            code = builder.candidate(name, source, 1)
        if not fields[2].isdigit():
            raise ParseError(
                "rank field is not a number", source=source, line=1, text=header[index]
            )
        columns.append((index, int(fields[2]), name))
        del code
    if contest is None and len(contests) > 1:
        raise ParseError(
            f"the file holds {len(contests)} contests; name one ({', '.join(sorted(contests))})",
            source=source,
        )
    if not columns:
        raise ParseError(f"no choice columns for contest {contest!r}", source=source, line=1)
    line = 1
    for row in rows:
        line += 1
        if not row:
            continue
        if len(row) != len(header):
            raise ParseError(
                f"row has {len(row)} cells, the header {len(header)}", source=source, line=line
            )
        marks: list[tuple[int, int]] = []
        for index, rank, name in columns:
            value = row[index].strip()
            if value == "1":
                if write_in_label is not None and name == write_in_label:
                    code = builder.write_in_code()
                else:
                    code = builder.candidate(name, source, line)
                marks.append((rank, code))
            elif value not in ("0", ""):
                raise ParseError(
                    f"choice cell must be 0 or 1 (column {index + 1})",
                    source=source,
                    line=line,
                    text=value,
                )
        builder.add(ranking_of(marks), row[_PRECINCT].strip() or None, 1, source, line)
