"""Impossible values: negative votes, percentages over 100 or summing far above 100, turnout over
100%, more votes than registered voters."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.evidence import decimal_places, number_text

__all__ = ["CODES", "check_impossible"]

NEGATIVE_VOTES = CheckCode("negative-votes", "impossible", "error", "A negative number of votes")
PERCENTAGE_OUT_OF_RANGE = CheckCode(
    "percentage-out-of-range", "impossible", "error", "A percentage below 0 or above 100"
)
PERCENTAGES_OVER_100 = CheckCode(
    "percentages-over-100",
    "impossible",
    "error",
    "Stated percentages that sum above 100 by more than rounding allows",
)
TURNOUT_OVER_100 = CheckCode("turnout-over-100", "impossible", "error", "A turnout above 100%")
VOTES_EXCEED_REGISTERED = CheckCode(
    "votes-exceed-registered",
    "impossible",
    "error",
    "More votes or ballots than registered voters",
)

CODES = (
    NEGATIVE_VOTES,
    PERCENTAGE_OUT_OF_RANGE,
    PERCENTAGES_OVER_100,
    TURNOUT_OVER_100,
    VOTES_EXCEED_REGISTERED,
)


def check_impossible(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage in election.stages:
        for row in stage.results:
            if row.votes is not None and row.votes < 0:
                yield NEGATIVE_VOTES.found(
                    election,
                    row.line,
                    f"row {row.name}",
                    f"{stage.label()}: {row.name} has {row.votes} votes",
                    {"votes": row.votes},
                )
        for label, value, line in (
            ("Total", stage.stated_total, stage.total_line),
            ("Registered voters", stage.registered_voters, stage.caption_line),
            ("Ballots cast", stage.ballots_cast, stage.caption_line),
        ):
            if value is not None and value < 0:
                yield NEGATIVE_VOTES.found(
                    election, line, label, f"{stage.label()}: {label} is {value}", {"value": value}
                )
    for column in context.columns:
        if column.votes is not None and column.votes < 0:
            yield NEGATIVE_VOTES.found(
                election,
                column.votes_line,
                column.votes_key,
                f"the infobox gives {column.name} {column.votes} votes",
                {"votes": column.votes},
            )
    yield from _percentages(context)
    yield from _turnout(context)


def _percentages(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    stated = [(c, c.percentage) for c in context.columns if c.percentage is not None]
    for column, value in stated:
        if not Decimal(0) <= value <= Decimal(100):
            yield PERCENTAGE_OUT_OF_RANGE.found(
                election,
                column.percentage_line,
                column.percentage_key,
                f"{column.name}: {value}% is not a percentage of the votes",
                {"stated_percentage": str(value)},
            )
    if len(stated) < 2:
        return
    total = sum((value for _, value in stated), Decimal(0))
    slack = sum((Decimal(1).scaleb(-decimal_places(value)) for _, value in stated), Decimal(0))
    if total > 100 + slack:
        first = stated[0][0]
        yield PERCENTAGES_OVER_100.found(
            election,
            first.percentage_line,
            first.percentage_key,
            f"the infobox percentages sum to {total}%",
            {"sum": str(total), "percentages": tuple(str(v) for _, v in stated)},
        )


def _turnout(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    if election.stated_turnout is not None and not 0 <= election.stated_turnout <= 100:
        yield TURNOUT_OVER_100.found(
            election,
            context.field_line("turnout"),
            "Turnout",
            f"turnout stated as {election.stated_turnout}%",
            {"stated_turnout": str(election.stated_turnout)},
        )
    for stage, total in zip(election.stages, context.totals, strict=True):
        registered = stage.registered_voters or election.registered_voters
        if registered is None or registered <= 0:
            continue
        counted = stage.ballots_cast if stage.ballots_cast is not None else None
        label = "ballots"
        if counted is None and total.likely is not None:
            counted, label = total.likely[0], "votes"
        if counted is not None and counted > registered:
            line = stage.total_line if label == "votes" else stage.caption_line
            yield VOTES_EXCEED_REGISTERED.found(
                election,
                line or context.field_line("registered"),
                "Total" if label == "votes" else "Ballots cast",
                f"{stage.label()}: {number_text(counted)} {label} but only "
                f"{number_text(registered)} registered voters",
                {"counted": counted, "registered_voters": registered},
            )
