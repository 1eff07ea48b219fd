"""Damaged figures: a total cut at its thousands separator, a transposed or mistyped digit
where two figures of one document should agree, thousands separators in the wrong places."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Confidence, Finding
from tallyroom.checks.typos import Slip, digit_slip
from tallyroom.evidence import number_text, percent_consistent
from tallyroom.model import Election

__all__ = ["CODES", "check_damaged"]

TOTAL_TRUNCATED = CheckCode(
    "total-truncated",
    "damaged",
    "error",
    "A total cut at its thousands separator (stated 135 for 135,xxx)",
)
DIGITS_TRANSPOSED = CheckCode(
    "digits-transposed",
    "damaged",
    "error",
    "Two neighbouring digits swapped where two figures should agree",
)
DIGIT_MISTYPED = CheckCode(
    "digit-mistyped", "damaged", "error", "One digit wrong where two figures should agree"
)
SEPARATOR_MISPLACED = CheckCode(
    "separator-misplaced",
    "damaged",
    "warning",
    "Thousands separators in the wrong places (1,23,456)",
)

CODES = (TOTAL_TRUNCATED, DIGITS_TRANSPOSED, DIGIT_MISTYPED, SEPARATOR_MISPLACED)

_SLIP_CODES: dict[Slip, CheckCode] = {"transposed": DIGITS_TRANSPOSED, "mistyped": DIGIT_MISTYPED}

# Digits grouped by commas where some group after the first is not three digits long.
_GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d+)+(?![\d,]*\d)")
_GOOD = re.compile(r"^\d{1,3}(?:,\d{3})+$")
#: Where a grouped figure can be: every one has a separator before a digit.
_COMMA_DIGIT = re.compile(r",\d")


def check_damaged(context: CheckContext) -> Iterator[Finding]:
    yield from _truncated(context)
    yield from _slips(context)
    yield from _separators(context.election)


def _truncated(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage, total in zip(election.stages, context.totals, strict=True):
        if total.truncated is None or total.stated is None:
            continue
        low, high = total.truncated
        evidence: dict[str, int | str | None] = {
            "stated_total": total.stated,
            "likely_low": low,
            "likely_high": high,
            "rows_total": total.rows,
            "basis": total.truncation_basis,
        }
        confidence: Confidence
        if total.rows is not None and low == total.rows:
            fix = f"{number_text(total.rows)} votes"
            why = f"the rows add up to {number_text(total.rows)}"
            confidence = "high"
        elif total.truncation_basis == "scale":
            fix = f"a figure from {number_text(low)} to {number_text(high)} votes"
            why = "another stage of the election counted over a hundred times as many votes"
            confidence = "low"
        else:
            fix = (
                f"{number_text(low)} votes"
                if low == high
                else f"a figure from {number_text(low)} to {number_text(high)} votes"
            )
            if total.truncation_basis == "percentages":
                why = "the infobox votes and percentages imply it"
                evidence["implied_low"] = total.implied[0] if total.implied else None
                evidence["implied_high"] = total.implied[1] if total.implied else None
            else:
                why = f"the rows alone add up to {number_text(total.rows or 0)}"
            confidence = "medium"
        yield TOTAL_TRUNCATED.found(
            election,
            stage.total_line or stage.caption_line,
            "Total",
            f"{stage.label()}: the stated total {number_text(total.stated)} looks cut at its "
            f"thousands separator; {why}",
            evidence,
            fix=fix,
            confidence=confidence,
        )


def _slips(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage, total in zip(election.stages, context.totals, strict=True):
        if total.stated is None or total.rows is None or total.truncated is not None:
            continue
        slip = digit_slip(total.stated, total.rows)
        if slip is None or (
            total.stated > total.rows and _plausible_others(total.stated, total.rows)
        ):
            continue
        yield _SLIP_CODES[slip].found(
            election,
            stage.total_line or stage.caption_line,
            "Total",
            f"{stage.label()}: the stated total {number_text(total.stated)} and the rows' sum "
            f"{number_text(total.rows)} differ by {_slip_words(slip)}",
            {"stated_total": total.stated, "rows_total": total.rows},
            fix=f"{number_text(total.rows)} votes",
            confidence="medium",
        )
    deciding = election.deciding_stage
    if deciding is None:
        return
    likely = context.totals[election.stages.index(deciding)].likely
    for column, index in zip(context.columns, context.column_rows, strict=True):
        if index is None or column.votes is None:
            continue
        row = deciding.results[index]
        if row.votes is None:
            continue
        slip = digit_slip(column.votes, row.votes)
        if slip is None:
            continue
        # The percentage says which figure it was computed from; that one is right.
        infobox_wrong = _percentage_follows(column.percentage, row.votes, likely)
        table_wrong = _percentage_follows(column.percentage, column.votes, likely)
        field: str | None
        if table_wrong and not infobox_wrong:
            line, field, fix = row.line, f"row {row.name}", column.votes
            confidence: Confidence = "high"
        else:
            line, field, fix = column.votes_line, column.votes_key, row.votes
            confidence = "high" if infobox_wrong and not table_wrong else "low"
        yield _SLIP_CODES[slip].found(
            election,
            line,
            field,
            f"{column.name}: the infobox gives {number_text(column.votes)} votes, the "
            f"{deciding.label().lower()} table {number_text(row.votes)} — they differ by "
            f"{_slip_words(slip)}",
            {
                "infobox_votes": column.votes,
                "table_votes": row.votes,
                "infobox_line": column.votes_line,
                "table_line": row.line,
                "stated_percentage": None if column.percentage is None else str(column.percentage),
            },
            fix=f"{number_text(fix)} votes"
            if field and field.startswith("row")
            else number_text(fix),
            confidence=confidence,
        )


def _plausible_others(stated: int, rows: int) -> bool:
    return (stated - rows) * 20 <= stated


def _percentage_follows(stated: Decimal | None, votes: int, likely: tuple[int, int] | None) -> bool:
    if stated is None or likely is None:
        return False
    return percent_consistent(votes, stated, likely)


def _slip_words(slip: Slip) -> str:
    match slip:
        case "transposed":
            return "two swapped digits"
        case "mistyped":
            return "one digit"


def _separators(election: Election) -> Iterator[Finding]:
    places: list[tuple[int | None, str, str]] = []
    for item in election.infobox:
        places.append((item.line, item.key, item.value))
    for paragraph in election.paragraphs:
        places.append((paragraph.line, "prose", paragraph.text))
    for stage in election.stages:
        if stage.caption:
            places.append((stage.caption_line, "caption", stage.caption))
    for line, field, text in places:
        if "," not in text or _COMMA_DIGIT.search(text) is None:
            continue
        for match in _GROUPED.finditer(text):
            figure = match.group(0)
            if _GOOD.match(figure):
                continue
            digits = figure.replace(",", "")
            fixed = f"{int(digits):,}"
            yield SEPARATOR_MISPLACED.found(
                election,
                line,
                field,
                f"{field}: {figure!r} has thousands separators in the wrong places",
                {"stated": figure, "digits": int(digits)},
                fix=fixed,
                confidence="medium",
            )
