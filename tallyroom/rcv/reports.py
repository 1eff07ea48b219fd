"""Rounds rendered: a readable table, tallyroom's JSON, and RCTab's detailed-report JSON.

The RCTab layout (``results`` → ``tally``, ``tallyResults`` with ``transfers``,
``inactiveBallots``, ``threshold``) is the one RCVis reads to draw its Sankey charts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tallyroom.rcv.javarandom import java_string_key
from tallyroom.rcv.types import RcvResult, RoundRecord

__all__ = ["render_text", "to_json", "to_rctab_json"]


def _num(value: Decimal) -> str:
    return format(value, "f")


def _inactive(record: RoundRecord) -> dict[str, str]:
    return {
        "overvote": _num(record.inactive.overvotes),
        "skipped_rankings": _num(record.inactive.skipped_rankings),
        "repeated_ranking": _num(record.inactive.repeated_rankings),
        "exhausted_choices": _num(record.inactive.exhausted),
        "undervote": _num(record.inactive.undervotes),
    }


def to_json(result: RcvResult) -> dict[str, Any]:
    """tallyroom's JSON: ``winners``, ``threshold`` and ``rounds`` (votes as exact strings)."""
    rounds = []
    for record in result.rounds:
        item: dict[str, Any] = {
            "round": record.number,
            "tally": {name: _num(votes) for name, votes in record.tally},
            "threshold": _num(record.threshold),
            "elected": list(record.elected),
            "eliminated": list(record.eliminated),
            "elimination_reason": record.elimination_reason,
            "transfers": [
                {"from": t.source, "to": t.target, "votes": _num(t.votes)} for t in record.transfers
            ],
            "inactive": _inactive(record),
            "residual_surplus": _num(record.residual_surplus),
            "tiebreaks": [
                {
                    "kind": t.kind,
                    "tied": list(t.tied),
                    "selected": t.selected,
                    "method": t.method,
                    "explanation": t.explanation,
                }
                for t in record.tiebreaks
            ],
        }
        if record.pass_number != 1 or any(r.pass_number != 1 for r in result.rounds):
            item["pass"] = record.pass_number
        if record.precinct_tallies:
            item["precincts"] = {
                precinct: {name: _num(v) for name, v in tally}
                for precinct, tally in record.precinct_tallies
            }
        rounds.append(item)
    threshold = result.threshold
    return {
        "winners": list(result.winners),
        "threshold": _num(threshold) if threshold is not None else None,
        "total_ballots": result.total_ballots,
        "undervotes": result.undervotes,
        "rounds": rounds,
    }


def to_rctab_json(
    result: RcvResult,
    *,
    contest: str,
    date: str | None = None,
    jurisdiction: str | None = None,
    office: str | None = None,
    pass_number: int = 1,
    slice_of: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """RCTab's detailed-report JSON (one pass of a multi-pass count at a time); ``slice_of``
    (``("precinct", name)`` or ``("batch", name)``) labels the report of one slice."""
    records = [r for r in result.rounds if r.pass_number == pass_number]
    results = []
    for record in records:
        tally_results: list[dict[str, Any]] = []
        # RCTab lists a round's winners, then its eliminated candidates, each by name.
        for name in sorted(record.elected, key=java_string_key):
            tally_results.append({"elected": name, "transfers": _transfers_from(record, name)})
        for name in sorted(record.eliminated, key=java_string_key):
            tally_results.append({"eliminated": name, "transfers": _transfers_from(record, name)})
        inactive = {
            "exhaustedChoices": _num(record.inactive.exhausted),
            "overvotes": _num(record.inactive.overvotes),
            "repeatedRankings": _num(record.inactive.repeated_rankings),
            "skippedRankings": _num(record.inactive.skipped_rankings),
        }
        if record.final_round_surplus is not None:
            inactive["finalRoundSurplus"] = _num(record.final_round_surplus)
        results.append(
            {
                # Blank ballots are counted once, in the summary's undervotes.
                "inactiveBallots": inactive,
                "round": record.number,
                "tally": {name: _num(v) for name, v in sorted(record.tally)},
                "tallyResults": tally_results,
                "threshold": _num(record.threshold),
            }
        )
    final = records[-1].threshold if records else None
    sequential = any(r.pass_number != 1 for r in result.rounds)
    return {
        "config": {
            "contest": contest,
            "date": date or "",
            "generatedBy": "tallyroom",
            "jurisdiction": jurisdiction or "",
            "office": office or "",
            **({slice_of[0]: slice_of[1]} if slice_of is not None else {}),
        },
        "jsonFormatVersion": "1",
        "results": results,
        "summary": {
            "finalThreshold": _num(final) if final is not None else "0",
            "numCandidates": len(result.candidates),
            "numWinners": 1 if sequential else result.seats,
            "totalNumBallots": str(result.total_ballots),
            "undervotes": result.undervotes,
        },
    }


def _transfers_from(record: RoundRecord, name: str) -> dict[str, str]:
    return {t.target: _num(t.votes) for t in record.transfers if t.source == name}


def render_text(result: RcvResult, title: str | None = None) -> str:
    """A round-by-round table: one row per candidate, one column per round."""
    lines: list[str] = []
    if title:
        lines.append(title)
    passes = sorted({r.pass_number for r in result.rounds})
    for pass_number in passes:
        records = [r for r in result.rounds if r.pass_number == pass_number]
        if len(passes) > 1:
            lines.append(f"Pass {pass_number}")
        order: list[str] = []
        for record in records:
            for name, _ in sorted(record.tally, key=lambda item: (-item[1], item[0])):
                if name not in order:
                    order.append(name)
        header = ["Candidate"] + [f"Round {r.number}" for r in records]
        table: list[list[str]] = [header]
        for name in order:
            row = [name]
            for record in records:
                votes = record.votes(name)
                mark = ""
                if name in record.elected:
                    mark = " *"
                elif name in record.eliminated:
                    mark = " x"
                row.append("" if votes is None else f"{_num(votes)}{mark}")
            table.append(row)
        table.append(["Inactive"] + [_num(r.inactive.total) for r in records])
        if any(r.inactive.undervotes for r in records):
            table.append(["Blank / undervote"] + [_num(r.inactive.undervotes) for r in records])
        table.append(["Threshold"] + [_num(r.threshold) for r in records])
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for i, row in enumerate(table):
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        for record in records:
            for tie in record.tiebreaks:
                verb = "wins" if tie.kind == "winner" else "loses"
                lines.append(
                    f"Round {record.number}: tie among {', '.join(tie.tied)} — {tie.selected} "
                    f"{verb} ({tie.method}: {tie.explanation})"
                )
    lines.append("* elected   x eliminated")
    lines.append(f"Winner{'s' if len(result.winners) != 1 else ''}: {', '.join(result.winners)}")
    return "\n".join(lines) + "\n"
