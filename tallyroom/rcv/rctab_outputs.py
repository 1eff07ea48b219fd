"""Every report RCTab writes for a contest config, produced from tallyroom's count.

:func:`rctab_outputs` reads an RCTab contest configuration, counts it and renders the files RCTab
would write, named as RCTab's regression suite names its expected files (``<stem>_expected_...``):
the detailed report as JSON and CSV (one of each per pass of a sequential count), with
``generateCdfJson`` the ballots as NIST CDF JSON round by round, and with
``tabulateByPrecinct`` / ``tabulateByBatch`` one report per precinct or batch in the folders
``Tabulate by Precinct/`` and ``Tabulate by Batch/``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from tallyroom.rcv.rctab_cdf import ballot_label, to_cdf_json
from tallyroom.rcv.rctab_config import RctabContest, read_rctab_config
from tallyroom.rcv.rctab_csv import display_order, to_rctab_csv
from tallyroom.rcv.readers import read_ballot_sources
from tallyroom.rcv.reports import to_rctab_json
from tallyroom.rcv.tally import tabulate, tabulate_slices, tabulate_traced
from tallyroom.rcv.types import BallotSet, RcvResult

__all__ = ["rctab_conversions", "rctab_outputs", "split_by_precinct"]

_CSV_HEADER = [
    "Source Filepath",
    "CVR Provider",
    "Contest Id",
    "RCTab CVR Id",
    "Tabulator Id",
    "Batch Id",
    "Vendor Id",
    "Precinct",
    "Precinct Portion",
]


def split_by_precinct(ballots: BallotSet, missing: str) -> dict[str, BallotSet]:
    """The ballots of each precinct (those without one under ``missing``)."""
    groups: dict[str, list[int]] = {}
    for index, precinct in enumerate(ballots.precincts):
        groups.setdefault(precinct if precinct is not None else missing, []).append(index)
    return {
        name: BallotSet(
            candidates=ballots.candidates,
            rankings=tuple(ballots.rankings[i] for i in indexes),
            counts=tuple(ballots.counts[i] for i in indexes),
            precincts=tuple(ballots.precincts[i] for i in indexes),
            rows=tuple(ballots.rows[i] for i in indexes) if ballots.rows else (),
            source=ballots.source,
            rank_columns=ballots.rank_columns,
        )
        for name, indexes in groups.items()
    }


def _file_part(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_\-.]", "_", name)


def rctab_outputs(config: str | Path, stem: str) -> dict[str, str]:
    """The report files for ``config``, keyed by their path relative to the case folder."""
    contest = read_rctab_config(config)
    options = contest.options
    export = contest.generate_cdf_json and options.winner_mode != "multi-pass-irv"
    ballots = contest.load(keep_ballots=export)
    meta: dict[str, Any] = {
        "contest": contest.contest_name,
        "date": contest.contest_date,
        "jurisdiction": contest.jurisdiction,
        "office": contest.office,
    }
    percentage = (
        options.bottoms_up_percentage if options.winner_mode == "bottoms-up-threshold" else None
    )
    # RCTab gives shares of the first round's active votes where the threshold is set once.
    once = options.first_round_determines_threshold or (
        options.winner_mode != "single-winner" and options.winner_mode != "bottoms-up-threshold"
    )
    slices: dict[str, tuple[str, str, BallotSet]] = {}
    if contest.tabulate_by_precinct and ballots.has_precincts:
        for name, part in split_by_precinct(ballots, "no precinct id").items():
            slices[f"Tabulate by Precinct/{stem}_expected_{_file_part(name)}_precinct"] = (
                "Precinct",
                name,
                part,
            )
    if contest.tabulate_by_batch:
        by_batch = _by_batch(contest)
        if by_batch.has_precincts:
            for name, part in split_by_precinct(by_batch, "no batch id").items():
                slices[f"Tabulate by Batch/{stem}_expected_{_file_part(name)}_batch"] = (
                    "Batch",
                    name,
                    part,
                )
    counted: dict[str, RcvResult] = {}
    files: dict[str, str] = {}
    if export:
        result, allocations = tabulate_traced(ballots, options)
        cdf = to_cdf_json(
            ballots,
            result,
            allocations,
            contest=contest.contest_name,
            jurisdiction=contest.jurisdiction,
        )
        files[f"{stem}_expected_cdf_cvr.json"] = json.dumps(cdf, indent=2)
    if slices:
        result, counted = tabulate_slices(
            ballots, options, {key: part for key, (_, _, part) in slices.items()}
        )
    elif not export:
        result = tabulate(ballots, options)
    passes = sorted({r.pass_number for r in result.rounds}) or [1]
    sequential = options.winner_mode == "multi-pass-irv"
    for pass_number in passes:
        prefix = f"{stem}_{pass_number}" if sequential else stem
        report = to_rctab_json(result, pass_number=pass_number, **meta)
        files[f"{prefix}_expected_detailed_report.json"] = json.dumps(report, indent=2)
        files[f"{prefix}_expected_detailed_report.csv"] = to_rctab_csv(
            result,
            pass_number=pass_number,
            bottoms_up_percentage=percentage,
            shares_of_first_round=once,
            **meta,
        )
    order = display_order(result.rounds[0].tally) if result.rounds else []
    for key, (kind, name, _) in slices.items():
        part_result = counted[key]
        report = to_rctab_json(part_result, slice_of=(kind.lower(), name), **meta)
        files[f"{key}_detailed_report.json"] = json.dumps(report, indent=2)
        files[f"{key}_detailed_report.csv"] = to_rctab_csv(
            part_result,
            bottoms_up_percentage=percentage,
            slice_of=(kind, name),
            order=order,
            shares_of_first_round=once,
            **meta,
        )
    return files


def _by_batch(contest: RctabContest) -> BallotSet:
    """The contest's ballots read again, with each ballot's batch where its precinct was."""
    sources = [replace(s, precinct_column=s.batch_column) for s in contest.sources]
    return read_ballot_sources(
        sources, candidates=contest.candidates, write_ins_declared=contest.write_ins_declared
    )


def rctab_conversions(config: str | Path, stem: str) -> dict[str, str]:
    """RCTab's conversions of a contest's ballot files, without a count: every ballot as a row
    of its cast-vote-record CSV (``<stem>_expected.csv``) and as NIST CDF JSON
    (``<stem>_expected_cdf_cvr.json``)."""
    contest = read_rctab_config(config)
    ballots = contest.load(keep_ballots=True)
    spreadsheet = tuple(s.format in ("xlsx", "csv") for s in contest.sources)
    labels = [s.labels.overvote_label for s in contest.sources if s.labels.overvote_label]
    result = tabulate(ballots, contest.options)
    cdf = to_cdf_json(
        ballots,
        result,
        [],
        contest=contest.contest_name,
        jurisdiction=contest.jurisdiction,
        spreadsheet=spreadsheet,
        extra_candidates=tuple(dict.fromkeys(labels)),
    )
    width = contest.options.max_rankings or len(contest.candidates)
    rows = [[*_CSV_HEADER, *(f"Rank {r}" for r in range(1, width + 1))]]
    vendor_ids = [_vendor_ids(s.path) if s.format == "nist-json" else [] for s in contest.sources]
    numbers: dict[int, int] = {}
    for where, group in ballots.ballots:
        numbers[where] = numbers.get(where, 0) + 1
        file_path, provider = contest.source_entries[where]
        vendor = vendor_ids[where]
        marks = {rank: codes for rank, codes in ballots.rankings[group]}
        cells = []
        for rank in range(1, width + 1):
            codes = marks.get(rank, ())
            if not codes:
                cells.append("undervote")
            elif len(codes) > 1 or codes[0] < 0:
                cells.append("overvote")
            else:
                cells.append(ballots.candidates[codes[0]])
        rows.append(
            [
                file_path,
                provider,
                "",
                ballot_label(ballots, where, numbers[where], spreadsheet),
                "",
                "",
                vendor[numbers[where] - 1] if numbers[where] <= len(vendor) else "",
                "",
                "",
                *cells,
            ]
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return {
        f"{stem}_expected.csv": out.getvalue(),
        f"{stem}_expected_cdf_cvr.json": json.dumps(cdf, indent=2),
    }


def _vendor_ids(path: Path) -> list[str]:
    """The ``BallotPrePrintedId`` of each record of a CDF JSON file, in order."""
    import ijson  # type: ignore[import-untyped]

    with path.open("rb") as handle:
        return [
            str(record.get("BallotPrePrintedId") or "")
            for record in ijson.items(handle, "CVR.item")
        ]
