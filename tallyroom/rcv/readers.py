"""``read_ballots``: one entry point for every ballot format, detected or named.

Each format's reader (and numpy, which the readers and the ballot set need) is imported when a
file is read, so that a command line can name the formats and build a :class:`BallotSource`
without loading them. A single large CSV file whose header names its columns has its parse
started first (:func:`tallyroom.rcv.csv_start.start_parse`): the readers are imported while it
runs.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tallyroom.errors import ParseError
from tallyroom.limits import MAX_FILE_BYTES, check_file_size

if TYPE_CHECKING:
    from tallyroom.rcv.builder import BallotBuilder
    from tallyroom.rcv.cells import CandidateSpec, CellLabels
    from tallyroom.rcv.csv_start import StartedParse
    from tallyroom.rcv.table_layout import TableLayout
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
    "dominion",
    "hart",
]


#: Names of files that are never a CSV file (the parse of a CSV file is not started for them).
_NOT_CSV = (".json", ".xml", ".xlsx", ".xlsm", ".abif", ".blt")


def mapped_file(descriptor: int) -> mmap.mmap:
    """An open file mapped read-only, its pages mapped at once where the system can (one call
    instead of a fault per page as they are first read; nothing is copied). The fast readers
    read large files this way."""
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if populate and hasattr(mmap, "MAP_SHARED"):
        try:
            return mmap.mmap(descriptor, 0, flags=mmap.MAP_SHARED | populate, prot=mmap.PROT_READ)
        except OSError:  # pragma: no cover - a system that refuses the flag
            pass
    return mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ)


def fast_read_size(path: Path, builder: BallotBuilder, limit: int = MAX_FILE_BYTES) -> int | None:
    """The size of ``path`` when a fast (grouping) reader may take it; ``None`` when the builder
    keeps every ballot in the order read (a trace: no grouping) or the file cannot be looked at
    (the general reader then says why). A file over ``limit`` bytes is refused."""
    if getattr(builder, "trace", None) is not None:
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None
    check_file_size(size, str(path), limit)
    return size


def _labels() -> CellLabels:
    """Cell labels as none are given."""
    from tallyroom.rcv.cells import CellLabels

    return CellLabels()


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
    labels: CellLabels = field(default_factory=_labels)
    batch_column: int | None = None
    """1-based column of the batch (tabulation slices by batch)."""
    rank_limit: int | None = None
    """Most rank columns to read from ``first_vote_column`` on (RCTab reads as many as the
    contest allows rankings); columns after them are not rankings."""


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
        chosen = replace(chosen, path=Path(path))
    return read_ballot_sources(
        [chosen], candidates=candidates, unknown_as_write_in=unknown_as_write_in
    )


def read_ballot_sources(
    sources: Sequence[BallotSource],
    *,
    candidates: Sequence[CandidateSpec] = (),
    unknown_as_write_in: bool = False,
    write_ins_declared: bool = False,
    keep_ballots: bool = False,
) -> BallotSet:
    """Read several ballot files into one set (the sources of one contest); with
    ``keep_ballots`` the set also lists every ballot in the order read
    (:attr:`BallotSet.ballots`)."""
    # A single large CSV file's parse starts first, and the readers are imported while it runs.
    started = _start_parse(sources[0]) if len(sources) == 1 and not keep_ballots else None
    try:
        from tallyroom.rcv.builder import BallotBuilder

        builder = BallotBuilder(
            candidates,
            unknown_as_write_in=unknown_as_write_in,
            write_ins_declared=write_ins_declared,
            keep_ballots=keep_ballots,
        )
        for source in sources:
            _read_one(source, builder, started)
    finally:
        if started is not None:
            started.close()
    return builder.build()


def _start_parse(source: BallotSource) -> StartedParse | None:
    """The parse of a large CSV file whose header names its columns, started; None otherwise."""
    if source.format not in ("auto", "csv") or source.path.suffix.lower() in _NOT_CSV:
        return None
    if source.format == "auto" and source.path.is_dir():
        return None  # a folder: a Dominion export, Hart records, or not a ballot file
    if source.first_vote_column is not None or source.weight_column is not None:
        return None
    from tallyroom.rcv.csv_start import start_parse

    return start_parse(source.path, MAX_FILE_BYTES)


def detect_format(path: Path) -> BallotFormat:
    if path.is_dir():
        from tallyroom.rcv.read_dominion import is_dominion_export
        from tallyroom.rcv.read_hart import is_hart_export

        if is_dominion_export(path):
            return "dominion"
        if is_hart_export(path):
            return "hart"
        raise ParseError(
            "a folder, but neither a Dominion CVR export (no CvrExport.json or "
            "CvrExport_<n>.json in it) nor Hart cast-vote records (.xml files of <Cvr>)",
            source=str(path),
        )
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
    import csv

    from tallyroom.rcv.read_clearballot import looks_like_clear_ballot

    try:
        first = next(csv.reader([line.decode("utf-8", errors="replace").rstrip("\r\n")]), [])
    except csv.Error:
        return "csv"  # the CSV reader names the line
    if looks_like_clear_ballot(first):
        return "clear-ballot"
    return "csv"


def _read_one(
    source: BallotSource, builder: BallotBuilder, started: StartedParse | None = None
) -> None:
    from tallyroom.rcv.cells import CellLabels
    from tallyroom.rcv.read_table import (
        read_candidate_columns_csv,
        read_rank_csv,
        read_rank_table,
        rows_of_xlsx,
    )

    path = source.path
    fmt = source.format if source.format != "auto" else detect_format(path)
    name = str(path)
    match fmt:
        case "csv" | "xlsx":
            layout = _layout(source, rows_count_hint=None) if source.first_vote_column else None
            if layout is None and source.weight_column is not None:
                layout = _header_layout_with_weight(source)
            labels = source.labels
            if source.first_vote_column is None and labels == CellLabels():
                labels = CellLabels(overvote_label="overvote", skipped_rank_label="undervote")
            if fmt == "csv":
                from tallyroom.rcv.fast_csv import read_fast_csv

                if not read_fast_csv(path, layout, labels, builder, started=started):
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
                precinct_column=source.precinct_column,
            )
        case "nist-json":
            from tallyroom.rcv.fast_cdf import read_fast_cdf
            from tallyroom.rcv.read_nist import read_nist_json

            if not read_fast_cdf(path, source.contest_id, builder):
                read_nist_json(path, source.contest_id, builder)
        case "nist-xml":
            from tallyroom.rcv.read_nist import read_nist_xml

            read_nist_xml(path, source.contest_id, builder)
        case "clear-ballot":
            from tallyroom.rcv.read_clearballot import read_clear_ballot

            read_clear_ballot(
                path, source.contest_id, source.labels.undeclared_write_in_label, builder
            )
        case "abif":
            from tallyroom.rcv.read_abif import read_abif

            read_abif(path, builder)
        case "dominion":
            from tallyroom.rcv.read_dominion import read_dominion

            read_dominion(path, source.contest_id, source.labels.undeclared_write_in_label, builder)
        case "hart":
            from tallyroom.rcv.read_hart import read_hart

            read_hart(path, source.contest_id, source.labels.undeclared_write_in_label, builder)
        case "auto":  # pragma: no cover - replaced above
            raise AssertionError


def _layout(source: BallotSource, rows_count_hint: int | None) -> TableLayout:
    from tallyroom.limits import MAX_RANKINGS
    from tallyroom.rcv.table_layout import TableLayout

    assert source.first_vote_column is not None
    first_column = source.first_vote_column - 1
    width = _row_width(source)
    if source.rank_limit is not None:
        width = min(width, first_column + source.rank_limit)
    others = {source.id_column, source.precinct_column, source.weight_column}
    ranks = [c for c in range(first_column, width) if c + 1 not in others]
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


def _header_layout_with_weight(source: BallotSource) -> TableLayout:
    """The layout the header names, with the weight in the column given (not a ranking)."""
    from tallyroom.rcv.table_layout import TableLayout, detect_layout

    assert source.weight_column is not None
    header = _first_row(source)
    found = detect_layout(header)
    if found is None:
        raise ParseError(
            "no rank columns recognised in the header (expected rank1, rank2, …) and no "
            "first vote column given",
            source=str(source.path),
            line=1,
        )
    weight = source.weight_column - 1
    if weight >= len(header):
        raise ParseError(
            f"weight column {source.weight_column} is past the last column ({len(header)})",
            source=str(source.path),
            line=1,
        )
    ranks = [c for c in found.rank_columns if c != weight]
    return TableLayout(ranks, 1, found.id_column, found.precinct_column, weight)


def _first_row(source: BallotSource) -> list[str]:
    from tallyroom.rcv.read_table import rows_of_csv, rows_of_xlsx

    rows = (
        rows_of_xlsx(source.path)
        if source.path.suffix.lower() == ".xlsx"
        else rows_of_csv(source.path)
    )
    first = next(rows, None)
    if first is None:
        raise ParseError("empty ballot file", source=str(source.path))
    return first


def _row_width(source: BallotSource) -> int:
    first = _first_row(source)
    width = len(first)
    while width and not first[width - 1].strip():
        width -= 1
    return width
