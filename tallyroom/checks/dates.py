"""Dates: the infobox date against table captions and prose, a stage dated after the next stage,
a year in prose that does not belong to the election, malformed dates, a wrong weekday."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.formats.dates import MONTHS, find_dates, format_date
from tallyroom.model import Election, Stage, StageKind

__all__ = ["CODES", "check_dates"]

DATE_MALFORMED = CheckCode(
    "date-malformed", "dates", "warning", 'A date written wrongly ("May18, 2008", "April 31")'
)
DATE_CONFLICT = CheckCode(
    "date-conflict",
    "dates",
    "error",
    "Two places of the document give one stage different dates",
)
DATE_YEAR = CheckCode(
    "date-year", "dates", "warning", "A stage's date in a year that does not belong to the election"
)
STAGE_ORDER = CheckCode(
    "stage-order", "dates", "error", "A stage dated after the stage that follows it"
)
WEEKDAY_MISMATCH = CheckCode(
    "weekday-mismatch", "dates", "warning", "A weekday that is not the date's weekday"
)

CODES = (DATE_MALFORMED, DATE_CONFLICT, DATE_YEAR, STAGE_ORDER, WEEKDAY_MISMATCH)

_MONTH = "|".join(MONTHS)
_GLUED = re.compile(rf"\b(?P<month>{_MONTH})(?P<day>\d{{1,2}})\b(?P<rest>,?\s+\d{{4}})?")
_SPELLED = re.compile(
    rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?P<year>,?\s+\d{{4}}\b)?"
)
_WEEKDAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS = re.compile(rf"\b(?P<weekday>{'|'.join(_WEEKDAY)}),?\s+$")
_YEAR = re.compile(r"(?<![\d–-])(1[89]\d\d|2[01]\d\d)(?:[–-](\d{2,4}))?(?!\d)")


def check_dates(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    yield from _malformed(context)
    yield from _prose(context)
    yield from _order(election, context)
    yield from _weekdays(election)


def _texts(election: Election) -> Iterator[tuple[int | None, str, str]]:
    for item in election.infobox:
        yield item.line, item.key, item.value
    for paragraph in election.paragraphs:
        yield paragraph.line, "prose", paragraph.text
    for stage in election.stages:
        if stage.caption:
            yield stage.caption_line, "caption", stage.caption


def _malformed(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for line, field, text in _texts(election):
        for match in _GLUED.finditer(text):
            fixed = f"{match['month']} {match['day']}{match['rest'] or ''}"
            yield DATE_MALFORMED.found(
                election,
                line,
                field,
                f"{match.group(0)!r}: a space is missing between the month and the day",
                {"stated": match.group(0)},
                fix=fixed,
            )
        for match in _SPELLED.finditer(text):
            month = MONTHS.index(match["month"]) + 1
            year = int(match["year"].strip(", ")) if match["year"] else 2000  # a leap year
            try:
                dt.date(year, month, int(match["day"]))
            except ValueError:
                yield DATE_MALFORMED.found(
                    election,
                    line,
                    field,
                    f"{match.group(0)!r} is not a date: {match['month']} has no day {match['day']}",
                    {"stated": match.group(0)},
                    fix=None,
                )
    item = context.field("election date")
    if item is not None and item.value and election.date is None and not _GLUED.search(item.value):
        yield DATE_MALFORMED.found(
            election,
            item.line,
            item.key,
            f"{item.key}: {item.value!r} is not a date",
            {"stated": item.value},
        )


def election_years(election: Election) -> set[int]:
    """The years the election belongs to: its title's, its infobox date's, its stages' dates
    (other than those read from prose) and the years its table captions name."""
    years: set[int] = set()
    texts = [election.title, *(s.caption or "" for s in election.stages)]
    for text in texts:
        for match in _YEAR.finditer(text):
            first = int(match.group(1))
            years.add(first)
            if match.group(2):
                end = match.group(2)
                years.add(int(end) if len(end) == 4 else first // 100 * 100 + int(end))
    if election.date is not None:
        years.add(election.date.year)
    for stage in election.stages:
        if stage.date is not None and stage.date_source != "prose":
            years.add(stage.date.year)
    return years


_KIND_WORDS = re.compile(r"\b(primary|primaries|general|runoff|run-off)\b", re.I)


def _kind_at(clause: str, start: int, end: int) -> StageKind | None:
    """The kind of stage a date at ``clause[start:end]`` belongs to: the stage word right after
    it ("the November 6 general election"), else the nearest one before it, else after it."""
    words = [(m.start(), m.end(), m.group(1).casefold()) for m in _KIND_WORDS.finditer(clause)]
    after = [w for w in words if w[0] >= end]
    before = [w for w in words if w[1] <= start]
    if after and not clause[end : after[0][0]].strip():
        chosen = after[0][2]
    elif before:
        chosen = before[-1][2]
    elif after:
        chosen = after[0][2]
    else:
        return None
    if chosen.startswith("primar"):
        return "primary"
    if chosen == "general":
        return "general"
    return "runoff"


def _firm_date(stage: Stage) -> dt.date | None:
    """A stage's date when a caption or the infobox gives it (not prose)."""
    return stage.date if stage.date is not None and stage.date_source != "prose" else None


def _caption_year(stage: Stage) -> int | None:
    if not stage.caption:
        return None
    found = [int(m.group(1)) for m in _YEAR.finditer(stage.caption) if not m.group(2)]
    return found[0] if len(found) == 1 else None


def _prose(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    years = election_years(election)
    for paragraph in election.paragraphs:
        for clause in re.split(r"[;.]\s+", paragraph.text):
            full = list(find_dates(clause))
            spans = [m.span() for _, m in full]
            for date, match in full:
                kind = _kind_at(clause, *match.span())
                stages = [s for s in election.stages if s.kind == kind]
                if not stages:
                    continue
                firm = [d for d in (_firm_date(s) for s in stages) if d is not None]
                if firm and date not in firm:
                    yield DATE_CONFLICT.found(
                        election,
                        paragraph.line,
                        "prose",
                        f"the prose dates the {stages[0].label().lower()} {format_date(date)}, "
                        f"the {_source_words(stages[0])} {format_date(firm[0])}",
                        {"prose_date": date.isoformat(), "other_date": firm[0].isoformat()},
                        fix=format_date(firm[0]),
                        confidence="medium",
                    )
                elif years and date.year not in years:
                    yield from _wrong_year(
                        election, paragraph.line, date, match.group(0), stages, years
                    )
            for part in _SPELLED.finditer(clause):
                if part["year"] or any(a <= part.start() < b for a, b in spans):
                    continue
                kind = _kind_at(clause, *part.span())
                stages = [s for s in election.stages if s.kind == kind]
                month = MONTHS.index(part["month"]) + 1
                firm = [d for d in (_firm_date(s) for s in stages) if d is not None]
                if firm and all((d.month, d.day) != (month, int(part["day"])) for d in firm):
                    yield DATE_CONFLICT.found(
                        election,
                        paragraph.line,
                        "prose",
                        f"the prose dates the {stages[0].label().lower()} "
                        f"{part['month']} {part['day']}, the {_source_words(stages[0])} "
                        f"{format_date(firm[0])}",
                        {"prose_date": part.group(0), "other_date": firm[0].isoformat()},
                        fix=f"{MONTHS[firm[0].month - 1]} {firm[0].day}",
                        confidence="medium",
                    )


def _source_words(stage: Stage) -> str:
    return "infobox" if stage.date_source == "infobox" else "results table"


def _wrong_year(
    election: Election,
    line: int | None,
    date: dt.date,
    stated: str,
    stages: list[Stage],
    years: set[int],
) -> Iterator[Finding]:
    captions = {y for y in (_caption_year(s) for s in stages) if y is not None}
    if len(captions) == 1:
        year: int | None = captions.pop()
    elif len(years) == 1:
        year = next(iter(years))
    else:
        year = None
    fix = None
    if year is not None:
        try:
            fix = format_date(date.replace(year=year))
        except ValueError:
            fix = None
    yield DATE_YEAR.found(
        election,
        line,
        "prose",
        f"the prose dates the {stages[0].label().lower()} {stated!r}, but {date.year} is not a "
        f"year of this election ({', '.join(str(y) for y in sorted(years))})",
        {"prose_date": date.isoformat(), "election_years": tuple(sorted(years))},
        fix=fix,
        confidence="medium" if fix else "low",
    )


_RANK: dict[StageKind, int] = {"primary": 0, "general": 1, "runoff": 2}


def _rank(stage: Stage) -> int:
    if stage.kind == "runoff" and (stage.party or "primary" in (stage.caption or "").casefold()):
        return 0
    return _RANK[stage.kind]


def _date_line(election: Election, context: CheckContext, stage: Stage) -> int | None:
    match stage.date_source:
        case "caption":
            return stage.caption_line
        case "infobox":
            return context.field_line("election date")
        case "prose":
            assert stage.date is not None
            for paragraph in election.paragraphs:
                if any(d == stage.date for d, _ in find_dates(paragraph.text)):
                    return paragraph.line
            return stage.caption_line
        case None:
            return stage.caption_line


def _order(election: Election, context: CheckContext) -> Iterator[Finding]:
    dated = [s for s in election.stages if s.date is not None]
    for earlier in dated:
        for later in dated:
            if _rank(earlier) >= _rank(later):
                continue
            assert earlier.date is not None and later.date is not None
            if earlier.date <= later.date:
                continue
            # Blame the date from the weaker source (prose before captions and the infobox).
            blamed = (
                earlier if earlier.date_source == "prose" or later.date_source != "prose" else later
            )
            yield STAGE_ORDER.found(
                election,
                _date_line(election, context, blamed),
                "date",
                f"the {earlier.label().lower()} is dated {format_date(earlier.date)}, after the "
                f"{later.label().lower()} of {format_date(later.date)}",
                {
                    "earlier_stage": earlier.label(),
                    "earlier_date": earlier.date.isoformat(),
                    "earlier_source": earlier.date_source,
                    "later_stage": later.label(),
                    "later_date": later.date.isoformat(),
                    "later_source": later.date_source,
                },
                confidence="high",
            )


def _weekdays(election: Election) -> Iterator[Finding]:
    for line, field, text in _texts(election):
        for date, match in find_dates(text):
            before = _WEEKDAYS.search(text[: match.start()])
            if before is None:
                continue
            actual = _WEEKDAY[date.weekday()]
            if before["weekday"] != actual:
                yield WEEKDAY_MISMATCH.found(
                    election,
                    line,
                    field,
                    f"{format_date(date)} was a {actual}, not a {before['weekday']}",
                    {"stated_weekday": before["weekday"], "date": date.isoformat()},
                    fix=actual,
                    confidence="medium",
                )
