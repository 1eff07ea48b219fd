"""Arithmetic: rows against the stated total, infobox votes and percentages against the tables,
turnout against votes and registered voters, totals implied by the infobox percentages."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.checks.typos import digit_slip
from tallyroom.evidence import (
    TotalRange,
    decimal_places,
    implied_total_range,
    intersect,
    number_text,
    pct_text,
    percent_consistent,
)
from tallyroom.figures import ratio_percent

__all__ = ["CODES", "check_arithmetic"]

TOTAL_MISMATCH = CheckCode(
    "total-mismatch", "arithmetic", "error", "The rows add up to more than the stated total"
)
PERCENTAGE_MISMATCH = CheckCode(
    "percentage-mismatch",
    "arithmetic",
    "warning",
    "A stated percentage is not the candidate's share of the votes",
)
INFOBOX_VOTES_MISMATCH = CheckCode(
    "infobox-votes-mismatch",
    "arithmetic",
    "error",
    "The infobox gives a candidate other votes than the results table",
)
IMPLIED_TOTAL_MISMATCH = CheckCode(
    "implied-total-mismatch",
    "arithmetic",
    "warning",
    "The total the infobox percentages imply is not the stated total",
)
TURNOUT_MISMATCH = CheckCode(
    "turnout-mismatch",
    "arithmetic",
    "warning",
    "The stated turnout is not the votes cast over the registered voters",
)
TURNOUT_UNCHECKED = CheckCode(
    "turnout-unchecked",
    "arithmetic",
    "info",
    "A turnout is stated but no registered-voter figure lets it be checked",
)

CODES = (
    TOTAL_MISMATCH,
    PERCENTAGE_MISMATCH,
    INFOBOX_VOTES_MISMATCH,
    IMPLIED_TOTAL_MISMATCH,
    TURNOUT_MISMATCH,
    TURNOUT_UNCHECKED,
)


def check_arithmetic(context: CheckContext) -> Iterator[Finding]:
    yield from _totals(context)
    yield from _infobox(context)
    yield from _turnout(context)


def _totals(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage, total in zip(election.stages, context.totals, strict=True):
        stated, rows = total.stated, total.rows
        if stated is None or rows is None or stated >= rows or stated < 0:
            continue
        if total.truncated is not None or digit_slip(stated, rows) is not None:
            continue  # a damaged figure, reported by its own check with the likely figure
        yield TOTAL_MISMATCH.found(
            election,
            stage.total_line or stage.caption_line,
            "Total",
            f"{stage.label()}: the rows add up to {number_text(rows)} votes, "
            f"more than the stated total of {number_text(stated)}",
            {"stated_total": stated, "rows_total": rows, "difference": rows - stated},
            fix=f"{number_text(rows)} votes",
            confidence="medium",
        )


def _infobox(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    stage = election.deciding_stage
    if stage is None or not context.columns:
        return
    total = context.totals[election.stages.index(stage)]
    for column, index in zip(context.columns, context.column_rows, strict=True):
        row = stage.results[index] if index is not None else None
        row_votes = row.votes if row is not None else None
        if (
            column.votes is not None
            and row is not None
            and row_votes is not None
            and column.votes != row_votes
            and digit_slip(column.votes, row_votes) is None
        ):
            yield INFOBOX_VOTES_MISMATCH.found(
                election,
                column.votes_line,
                column.votes_key,
                f"the infobox gives {column.name} {number_text(column.votes)} votes, the "
                f"{stage.label().lower()} table {number_text(row_votes)}",
                {
                    "infobox_votes": column.votes,
                    "table_votes": row_votes,
                    "table_line": row.line,
                    "difference": column.votes - row_votes,
                },
                confidence="medium",
            )
        votes = row_votes if row_votes is not None else column.votes
        if column.percentage is None or votes is None or total.likely is None:
            continue
        if not stage.results:
            continue  # without rows the implied total is checked once, below
        if not 0 <= column.percentage <= 100 or votes < 0:
            continue  # impossible values have their own check
        if percent_consistent(votes, column.percentage, total.likely):
            continue
        if (
            column.votes is not None
            and column.votes != votes
            and percent_consistent(column.votes, column.percentage, total.likely)
        ):
            continue  # the percentage follows the infobox's own votes; the votes differ
        places = decimal_places(column.percentage)
        low = Fraction(votes * 100, total.likely[1])
        high = Fraction(votes * 100, total.likely[0])
        derived = pct_text(low, places) if low == high else None
        shown = derived or f"{pct_text(low, places)}–{pct_text(high, places)}"
        yield PERCENTAGE_MISMATCH.found(
            election,
            column.percentage_line,
            column.percentage_key,
            f"{column.name}: stated {column.percentage}% but {number_text(votes)} votes of "
            f"{_range_text(total.likely)} are {shown}%",
            {
                "stated_percentage": str(column.percentage),
                "derived_percentage": shown,
                "votes": votes,
                "total_low": total.likely[0],
                "total_high": total.likely[1],
            },
            fix=f"{derived}%" if derived else None,
            confidence="high" if derived else "medium",
        )
    if stage.results or total.stated is None or total.truncated is not None:
        return
    implied = None
    lines = []
    for column in context.columns:
        if column.votes is None or column.percentage is None or column.votes <= 0:
            continue
        lines.append(column.percentage_line)
        implied = intersect(implied, implied_total_range(column.votes, column.percentage))
        if implied is None:
            return
    if implied is not None and not implied[0] <= total.stated <= implied[1]:
        yield IMPLIED_TOTAL_MISMATCH.found(
            election,
            stage.total_line or stage.caption_line,
            "Total",
            f"{stage.label()}: the infobox votes and percentages imply a total of "
            f"{_range_text(implied)}, not the stated {number_text(total.stated)}",
            {"stated_total": total.stated, "implied_low": implied[0], "implied_high": implied[1]},
            fix=f"{_range_text(implied)} votes",
            confidence="medium",
        )


def _range_text(span: TotalRange) -> str:
    if span[0] == span[1]:
        return number_text(span[0])
    return f"{number_text(span[0])}–{number_text(span[1])}"


def _turnout(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    stated = election.stated_turnout
    stage = election.deciding_stage
    if stated is None or stage is None or not 0 < stated <= 100:
        return
    line = context.field_line("turnout")
    total = context.totals[election.stages.index(stage)]
    registered = stage.registered_voters or election.registered_voters
    if stage.ballots_cast is not None:
        cast: TotalRange | None = (stage.ballots_cast, stage.ballots_cast)
        exact = True
    else:
        cast, exact = total.likely, False
    if registered is None:
        if cast is None:
            return
        implied = (
            implied_total_range(cast[0], stated),
            implied_total_range(cast[1], stated),
        )
        if implied[0] is None or implied[1] is None:
            return
        low, high = implied[0][0], implied[1][1]
        yield TURNOUT_UNCHECKED.found(
            election,
            line,
            "Turnout",
            f"turnout stated as {stated}% but no registered-voter figure is given; with "
            f"{_range_text(cast)} votes it implies about {_range_text((low, high))} "
            "registered voters",
            {
                "stated_turnout": str(stated),
                "votes_low": cast[0],
                "votes_high": cast[1],
                "implied_registered_low": low,
                "implied_registered_high": high,
            },
            confidence="high",
        )
        return
    if cast is None or registered <= 0:
        return
    places = decimal_places(stated)
    # Ballots cast known: the turnout must match them. Only votes known: ballots >= votes, so
    # the turnout can be higher (blank ballots) but not lower.
    fits = percent_consistent(cast[0], stated, (registered, registered)) or percent_consistent(
        cast[1], stated, (registered, registered)
    )
    if fits or (not exact and Fraction(stated) > Fraction(cast[0] * 100, registered)):
        return
    # pct_text of cast[0] * 100 / registered, from the two counts
    derived = ratio_percent(cast[0], registered, places) or ""
    yield TURNOUT_MISMATCH.found(
        election,
        line,
        "Turnout",
        f"turnout stated as {stated}% but {_range_text(cast)} "
        f"{'ballots' if exact else 'votes'} of {number_text(registered)} registered voters "
        f"are {derived}%",
        {
            "stated_turnout": str(stated),
            "derived_turnout": derived,
            "registered_voters": registered,
            "ballots_or_votes": cast[0],
        },
        fix=f"{derived}%",
        confidence="medium" if exact else "low",
    )
