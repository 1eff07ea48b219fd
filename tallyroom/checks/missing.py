"""Missing data: a table whose rows are lost, votes in a total that no row accounts for,
candidates listed in one section of a document but absent from another."""

from __future__ import annotations

from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.claims import stage_participants
from tallyroom.evidence import UNACCOUNTED_PLAUSIBLE, number_text, row_for, same_person

__all__ = ["CODES", "check_missing"]

TABLE_ROWS_LOST = CheckCode(
    "table-rows-lost", "missing", "error", "A results table with a caption or total but no rows"
)
VOTES_UNACCOUNTED = CheckCode(
    "votes-unaccounted",
    "missing",
    "info",
    "Votes in the total that no row accounts for (write-ins, scattering)",
)
ROWS_SHORT_OF_TOTAL = CheckCode(
    "rows-short-of-total",
    "missing",
    "warning",
    "The rows account for much less than the stated total: a row may be lost",
)
CANDIDATE_NOT_IN_TABLE = CheckCode(
    "candidate-not-in-table",
    "missing",
    "warning",
    "A listed candidate appears in no results table",
)
CANDIDATE_UNLISTED = CheckCode(
    "candidate-unlisted",
    "missing",
    "info",
    "A candidate of the first results table is not in the document's candidate list",
)
NOMINEE_NOT_IN_TABLE = CheckCode(
    "nominee-not-in-table",
    "missing",
    "warning",
    "An infobox candidate appears in no results table",
)
NOMINEE_FROM_OTHER_STAGE = CheckCode(
    "nominee-from-other-stage",
    "missing",
    "info",
    "An infobox candidate ran in an earlier stage, not in the deciding one",
)

CODES = (
    TABLE_ROWS_LOST,
    VOTES_UNACCOUNTED,
    ROWS_SHORT_OF_TOTAL,
    CANDIDATE_NOT_IN_TABLE,
    CANDIDATE_UNLISTED,
    NOMINEE_NOT_IN_TABLE,
    NOMINEE_FROM_OTHER_STAGE,
)


def check_missing(context: CheckContext) -> Iterator[Finding]:
    yield from _lost_rows(context)
    yield from _unaccounted(context)
    yield from _candidates(context)
    yield from _nominees(context)


def _lost_rows(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for index, stage in enumerate(election.stages):
        if stage.results or stage.rounds or stage.unit_results:
            continue
        expected = stage_participants(election, index)
        listed = f"; {len(expected)} candidates are known from elsewhere" if expected else ""
        stated = (
            f" (stated total {number_text(stage.stated_total)})"
            if stage.stated_total is not None
            else ""
        )
        yield TABLE_ROWS_LOST.found(
            election,
            stage.caption_line or stage.total_line,
            "table",
            f"{stage.label()}: the results table has no rows{stated}{listed}",
            {
                "caption": stage.caption,
                "stated_total": stage.stated_total,
                "candidates_known": tuple(name for name, _ in expected),
            },
        )


def _unaccounted(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage, total in zip(election.stages, context.totals, strict=True):
        if total.rows is None or total.likely is None or total.stated is None:
            continue
        low, high = total.likely[0] - total.rows, total.likely[1] - total.rows
        if low <= 0:
            continue
        # The share as a float, compared exactly with the plausible share (as comparing the
        # float with the Fraction does, without making a Fraction of the float).
        numerator, denominator = (high / total.likely[1]).as_integer_ratio()
        plausible = (
            numerator * UNACCOUNTED_PLAUSIBLE.denominator
            <= UNACCOUNTED_PLAUSIBLE.numerator * denominator
        )
        line = stage.total_line or stage.caption_line
        evidence = {
            "rows_total": total.rows,
            "stated_total": total.stated,
            "unaccounted_low": low,
            "unaccounted_high": high,
        }
        span = number_text(low) if low == high else f"{number_text(low)}–{number_text(high)}"
        if plausible:
            yield VOTES_UNACCOUNTED.found(
                election,
                line,
                "Total",
                f"{stage.label()}: {span} votes of the total are in no row "
                "(write-ins or scattering)",
                evidence,
            )
        else:
            yield ROWS_SHORT_OF_TOTAL.found(
                election,
                line,
                "Total",
                f"{stage.label()}: the rows account for {number_text(total.rows)} of "
                f"{number_text(total.stated)} votes; {span} are in no row — a row may be lost",
                evidence,
                confidence="medium",
            )


def _candidates(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    if not election.candidates or not election.stages:
        return
    with_rows = [s for s in election.stages if s.results]
    first = election.stages[0]
    if not with_rows or not first.results:
        return  # the lost rows are reported; nothing to compare with
    for candidate in election.candidates:
        if any(row_for(stage, candidate.name) is not None for stage in with_rows):
            continue
        yield CANDIDATE_NOT_IN_TABLE.found(
            election,
            candidate.line,
            "candidate list",
            f"{candidate.name} is listed as a candidate but appears in no results table",
            {"candidate": candidate.name, "tables": len(with_rows)},
            confidence="medium",
        )
    for row in first.results:
        if row.write_in:
            continue
        if any(same_person(row.name, c.name) for c in election.candidates):
            continue
        yield CANDIDATE_UNLISTED.found(
            election,
            row.line,
            f"row {row.name}",
            f"{row.name} has a row in the {first.label().lower()} table but is not in the "
            "candidate list",
            {"candidate": row.name, "listed": len(election.candidates)},
        )


def _nominees(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    deciding = election.deciding_stage
    if deciding is None or not deciding.results:
        return
    for column, index in zip(context.columns, context.column_rows, strict=True):
        if index is not None:
            continue
        others = [
            s for s in election.stages if s is not deciding and row_for(s, column.name) is not None
        ]
        if others:
            yield NOMINEE_FROM_OTHER_STAGE.found(
                election,
                column.name_line,
                column.name_key,
                f"the infobox lists {column.name}, who is not in the "
                f"{deciding.label().lower()} table but ran in the {others[0].label().lower()}",
                {"candidate": column.name, "stage": others[0].label()},
            )
        else:
            yield NOMINEE_NOT_IN_TABLE.found(
                election,
                column.name_line,
                column.name_key,
                f"the infobox lists {column.name}, who appears in no results table",
                {"candidate": column.name},
                confidence="medium",
            )
