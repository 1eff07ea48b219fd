"""Dates: the infobox date against table captions and prose, a stage dated after the next stage,
a year in prose that does not belong to the election, malformed dates, a wrong weekday."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from operator import itemgetter
from typing import NamedTuple

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.formats.dates import ISO_TAIL as _ISO_TAIL
from tallyroom.formats.dates import (
    MONTHS,
    StageWords,
    date_starts,
    find_dates,
    find_dates_at,
    format_date,
    matches_at,
    stage_kind_near,
    stage_words,
)
from tallyroom.model import Election, Stage, StageKind
from tallyroom.textscan import may_match

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
#: Joins an election's texts to look for months' names and ISO dates in one pass. It is not a
#: letter, digit, space or punctuation of a date, so nothing is found across it.
_SEPARATOR = "\x00"
_CLAUSE_END = re.compile(r"[;.]\s+")


class _Scan(NamedTuple):
    """One text of the document and what the date patterns find in it, found once and shared by
    the checks below. No pattern's match contains a "." or ";", so the matches of a clause of a
    paragraph are the paragraph's matches that start in it. (A named tuple: made several times
    per election, it is much cheaper to make than a frozen dataclass.)"""

    line: int | None
    field: str
    text: str
    paragraph: bool
    glued: tuple[re.Match[str], ...]
    spelled: tuple[re.Match[str], ...]
    dates: tuple[tuple[dt.date, re.Match[str]], ...]


def _scans(election: Election) -> list[_Scan]:
    """The scans of the election's texts (infobox values, paragraphs, table captions) in which a
    date pattern can match: those naming a month or holding an ISO date (every pattern needs one
    or the other). All texts are looked through at once, joined."""
    texts = [(item.line, item.key, item.value, False) for item in election.infobox if item.value]
    texts += [(p.line, "prose", p.text, True) for p in election.paragraphs if p.text]
    texts += [(s.caption_line, "caption", s.caption, False) for s in election.stages if s.caption]
    joined = _SEPARATOR.join([text for _, _, text, _ in texts])
    if joined.count(_SEPARATOR) != len(texts) - 1:  # a text holds the separator: one by one
        scans = []
        for line, field, text, paragraph in texts:
            months = _month_positions(text)
            tails = [m.start() for m in _ISO_TAIL.finditer(text)]
            if months or tails:
                scans.append(_scan(line, field, text, paragraph, months, tails))
        return scans
    ends = list(itertools.accumulate([len(text) + 1 for _, _, text, _ in texts]))
    months_at: dict[int, list[int]] = {}
    for position in _month_positions(joined):
        index = bisect.bisect_right(ends, position)
        months_at.setdefault(index, []).append(position - (ends[index - 1] if index else 0))
    tails_at: dict[int, list[int]] = {}
    for tail in _ISO_TAIL.finditer(joined):
        index = bisect.bisect_right(ends, tail.start())
        tails_at.setdefault(index, []).append(tail.start() - (ends[index - 1] if index else 0))
    return [
        _scan(*texts[index], months_at.get(index, []), tails_at.get(index, []))
        for index in sorted(months_at.keys() | tails_at.keys())
    ]


def _month_positions(text: str) -> list[int]:
    """Where a month's name that can belong to a date is written in ``text``, in order: at the
    start of a word, and followed by a space, a digit or a comma ("May 18", "May18", "18 May,
    2004"; not "Mayor"). Plain substring search, much faster than a pattern; the date patterns
    then decide, there, whether a date is written."""
    found = []
    for month in MONTHS:
        position = text.find(month)
        while position != -1:
            after = text[position + len(month) : position + len(month) + 1]
            if (after.isspace() or after.isdigit() or after == ",") and (
                position == 0 or not _is_word_character(text[position - 1])
            ):
                found.append(position)
            position = text.find(month, position + 1)
    found.sort()
    return found


def _is_word_character(character: str) -> bool:
    """What ``\\b`` tells apart: letters, digits and the underscore."""
    return character.isalnum() or character == "_"


def _scan(
    line: int | None, field: str, text: str, paragraph: bool, months: list[int], tails: list[int]
) -> _Scan:
    """What the date patterns find in ``text``, given where its months' names (``months``) and
    ISO date ends (``tails``) are."""
    glued = tuple(matches_at(_GLUED, text, months))
    spelled = tuple(matches_at(_SPELLED, text, months))
    return _Scan(line, field, text, paragraph, glued, spelled, _dates(text, months, tails))


def _dates(
    text: str, months: list[int], tails: list[int]
) -> tuple[tuple[dt.date, re.Match[str]], ...]:
    """``tuple(find_dates(text))``, given where the months' names and ISO date ends of ``text``
    are, which are where a date can begin (:func:`tallyroom.formats.dates.date_starts`)."""
    return tuple(find_dates_at(text, date_starts(text, months + tails)))


def check_dates(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    scans = _scans(election)
    paragraphs = [scan for scan in scans if scan.paragraph]
    yield from _malformed(context, scans)
    yield from _prose(context, paragraphs)
    yield from _order(election, context)
    yield from _weekdays(election, scans)


def _malformed(context: CheckContext, scans: list[_Scan]) -> Iterator[Finding]:
    election = context.election
    for scan in scans:
        line, field = scan.line, scan.field
        for match in scan.glued:
            fixed = f"{match['month']} {match['day']}{match['rest'] or ''}"
            yield DATE_MALFORMED.found(
                election,
                line,
                field,
                f"{match.group(0)!r}: a space is missing between the month and the day",
                {"stated": match.group(0)},
                fix=fixed,
            )
        for match in scan.spelled:
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


def _kind_words(clause: str) -> StageWords:
    if not may_match(clause, ("primar", "general", "run")):
        return []
    return stage_words(clause)


def _firm_date(stage: Stage) -> dt.date | None:
    """A stage's date when a caption or the infobox gives it (not prose)."""
    return stage.date if stage.date is not None and stage.date_source != "prose" else None


def _caption_year(stage: Stage) -> int | None:
    if not stage.caption:
        return None
    found = [int(m.group(1)) for m in _YEAR.finditer(stage.caption) if not m.group(2)]
    return found[0] if len(found) == 1 else None


def _clauses(text: str) -> Iterator[tuple[int, int]]:
    """The spans of the clauses of ``text``, as splitting it at ``_CLAUSE_END`` cuts it."""
    start = 0
    for end in _CLAUSE_END.finditer(text):
        yield start, end.start()
        start = end.end()
    yield start, len(text)


def _prose(context: CheckContext, paragraphs: list[_Scan]) -> Iterator[Finding]:
    election = context.election
    if not any(p.dates or p.spelled for p in paragraphs):
        return
    years = election_years(election)
    for paragraph in paragraphs:
        if not paragraph.dates and not paragraph.spelled:
            continue
        text = paragraph.text
        # The matches of each clause, found by bisection: each list is in the text's order.
        full_starts = [m.start() for _, m in paragraph.dates]
        spelled_starts = [m.start() for m in paragraph.spelled]
        for first, last in _clauses(text):
            full = paragraph.dates[
                bisect.bisect_left(full_starts, first) : bisect.bisect_left(full_starts, last)
            ]
            spelled = paragraph.spelled[
                bisect.bisect_left(spelled_starts, first) : bisect.bisect_left(spelled_starts, last)
            ]
            if not full and not spelled:
                continue
            clause = text[first:last]
            words = _kind_words(clause)
            spans = [m.span() for _, m in full]
            for date, match in full:
                kind = stage_kind_near(clause, match.start() - first, match.end() - first, words)
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
            for part in spelled:
                if part["year"] or _within(part.start(), spans):
                    continue
                kind = stage_kind_near(clause, part.start() - first, part.end() - first, words)
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


def _within(position: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``position`` is within one of ``spans`` (in order, none overlapping another): the
    last that begins at or before it."""
    at = bisect.bisect_right(spans, position, key=itemgetter(0))
    return at > 0 and position < spans[at - 1][1]


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
    dated = [(s, _rank(s)) for s in election.stages if s.date is not None]
    for earlier, earlier_rank in dated:
        for later, later_rank in dated:
            if earlier_rank >= later_rank:
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


def _weekday_before(text: str, start: int) -> re.Match[str] | None:
    """A weekday ending right before ``text[start:]`` ("Tuesday, "), searched for only where it
    can be: within ten characters ("Wednesday,") before the whitespace that ends there."""
    words_end = start
    while words_end > 0 and text[words_end - 1].isspace():
        words_end -= 1
    return _WEEKDAYS.search(text, max(0, words_end - 10), start)


def _weekdays(election: Election, scans: list[_Scan]) -> Iterator[Finding]:
    for scan in scans:
        line, field, text = scan.line, scan.field, scan.text
        for date, match in scan.dates:
            before = _weekday_before(text, match.start())
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
