"""``read_ballots``: one entry point for every ballot format, detected or named."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tallyroom.errors import ParseError
from tallyroom.limits import MAX_RANKINGS
from tallyroom.rcv.builder import BallotBuilder, CandidateSpec, CellLabels
from tallyroom.rcv.read_abif import read_abif
from tallyroom.rcv.read_clearballot import looks_like_clear_ballot, read_clear_ballot
from tallyroom.rcv.read_nist import read_nist_json, read_nist_xml
from tallyroom.rcv.read_table import (
    TableLayout,
    read_candidate_columns_csv,
    read_rank_csv,
    read_rank_table,
    rows_of_csv,
    rows_of_xlsx,
)
from tallyroom.rcv.types import BallotSet

__all__ = ["BallotFormat", "BallotSource", "read_ballot_sources", "read_ballots"]

BallotFormat = Literal[
    "auto",
    "csv",
    "candidate-columns-csv",
    "xlsx",
    "nist-json",
    "nist-xml",
    "clear-ballot",
    "abif",
]


@dataclass(frozen=True, slots=True)
class BallotSource:
    """One ballot file and how to read it (the fields of an RCTab ``cvrFileSources`` entry)."""

    path: Path
    format: BallotFormat = "auto"
    contest_id: str | None = None
    first_vote_column: int | None = None
    """1-based; rank columns run from here to the end of the row."""
    first_vote_row: int | None = None
    """1-based row of the first ballot (rows above it are headers)."""
    id_column: int | None = None
    precinct_column: int | None = None
    weight_column: int | None = None
    labels: CellLabels = field(default_factory=CellLabels)


def read_ballots(
    path: str | Path,
    source: BallotSource | None = None,
    *,
    candidates: Sequence[CandidateSpec] = (),
    unknown_as_write_in: bool = False,
) -> BallotSet:
    """Read one ballot file; the format is detected from its name and first bytes."""
    chosen = source if source is not None else BallotSource(Path(path))
    if Path(path) != chosen.path:
        chosen = BallotSource(
            Path(path),
            chosen.format,
            chosen.contest_id,
            chosen.first_vote_column,
            chosen.first_vote_row,
            chosen.id_column,
            chosen.precinct_column,
            chosen.weight_column,
            chosen.labels,
        )
    return read_ballot_sources(
        [chosen], candidates=candidates, unknown_as_write_in=unknown_as_write_in
    )


def read_ballot_sources(
    sources: Sequence[BallotSource],
    *,
    candidates: Sequence[CandidateSpec] = (),
    unknown_as_write_in: bool = False,
    write_ins_declared: bool = False,
) -> BallotSet:
    """Read several ballot files into one set (the sources of one contest)."""
    builder = BallotBuilder(
        candidates, unknown_as_write_in=unknown_as_write_in, write_ins_declared=write_ins_declared
    )
    for source in sources:
        _read_one(source, builder)
    return builder.build()


def detect_format(path: Path) -> BallotFormat:
    if not path.is_file():
        raise ParseError("no such ballot file", source=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".abif":
        return "abif"
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{") or head.startswith(b"["):
        return "nist-json"
    if head.startswith(b"<"):
        return "nist-xml"
    with path.open("rb") as handle:
        line = handle.readline(1 << 16).removeprefix(b"\xef\xbb\xbf")
    try:
        first = next(csv.reader([line.decode("utf-8", errors="replace").rstrip("\r\n")]), [])
    except csv.Error:
        return "csv"  # the CSV reader names the line
    if looks_like_clear_ballot(first):
        return "clear-ballot"
    return "csv"


def _read_one(source: BallotSource, builder: BallotBuilder) -> None:
    path = source.path
    fmt = source.format if source.format != "auto" else detect_format(path)
    name = str(path)
    match fmt:
        case "csv" | "xlsx":
            layout = _layout(source, rows_count_hint=None) if source.first_vote_column else None
            labels = source.labels
            if source.first_vote_column is None and labels == CellLabels():
                labels = CellLabels(overvote_label="overvote", skipped_rank_label="undervote")
            if fmt == "csv":
                read_rank_csv(path, layout, labels, builder)
            else:
                read_rank_table(rows_of_xlsx(path), layout, labels, builder, name)
        case "candidate-columns-csv":
            read_candidate_columns_csv(
                path,
                source.first_vote_column or 2,
                source.first_vote_row or 2,
                source.labels,
                builder,
            )
        case "nist-json":
            read_nist_json(path, source.contest_id, builder)
        case "nist-xml":
            read_nist_xml(path, source.contest_id, builder)
        case "clear-ballot":
            read_clear_ballot(
                path, source.contest_id, source.labels.undeclared_write_in_label, builder
            )
        case "abif":
            read_abif(path, builder)
        case "auto":  # pragma: no cover - replaced above
            raise AssertionError


def _layout(source: BallotSource, rows_count_hint: int | None) -> TableLayout:
    assert source.first_vote_column is not None
    first_column = source.first_vote_column - 1
    width = _row_width(source)
    ranks = list(range(first_column, width))
    if len(ranks) > MAX_RANKINGS:
        raise ParseError(
            f"{len(ranks):,} rank columns are more than the limit of {MAX_RANKINGS:,}",
            source=str(source.path),
            line=1,
        )
    if not ranks:
        raise ParseError(
            f"first vote column {source.first_vote_column} is past the last column ({width})",
            source=str(source.path),
        )
    first_row = (source.first_vote_row or 2) - 1

    def zero_based(column: int | None) -> int | None:
        return column - 1 if column is not None else None

    return TableLayout(
        ranks,
        first_row,
        zero_based(source.id_column),
        zero_based(source.precinct_column),
        zero_based(source.weight_column),
    )


def _row_width(source: BallotSource) -> int:
    rows = (
        rows_of_xlsx(source.path)
        if source.path.suffix.lower() == ".xlsx"
        else rows_of_csv(source.path)
    )
    first = next(rows, None)
    if first is None:
        raise ParseError("empty ballot file", source=str(source.path))
    width = len(first)
    while width and not first[width - 1].strip():
        width -= 1
    return width
