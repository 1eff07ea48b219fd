"""Dates as election documents write them: "April 6, 2004", "2004-11-02", "6 April 2004", and
the damaged "May18, 2008"; and the stage a date in prose belongs to ("the November 2, 2004
general election")."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from operator import itemgetter

from tallyroom.model import StageKind

__all__ = [
    "ISO_TAIL",
    "MONTHS",
    "StageWords",
    "date_starts",
    "find_dates",
    "find_dates_at",
    "format_date",
    "matches_at",
    "parse_date",
    "stage_kind_near",
    "stage_words",
]

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_NUMBER = {name: i for i, name in enumerate(MONTHS, start=1)}
_MONTH = "|".join(MONTHS)

_DATE = re.compile(
    rf"(?P<iso>\b(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})\b)"
    rf"|(?P<mdy>\b(?P<m1>{_MONTH})\s*(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})\b)"
    rf"|(?P<dmy>\b(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}})\b)",
)


#: The end of an ISO date ("-11-02"), which every ISO date has.
ISO_TAIL = re.compile(r"-\d\d-\d\d")

#: What every date the pattern finds holds: a month's name, or the end of an ISO date.
_MONTH_OR_ISO_TAIL = re.compile(rf"{_MONTH}|{ISO_TAIL.pattern}")


def _build(year: str, month: int, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


def _date_of(match: re.Match[str]) -> dt.date | None:
    # The outer group that matched: 1 "iso", 5 "mdy", 9 "dmy" (see :data:`_DATE`).
    kind = match.lastindex
    if kind == 1:
        year, month, day = match.group(2, 3, 4)
        return _build(year, int(month), day)
    if kind == 5:
        name, day, year = match.group(6, 7, 8)
    else:
        day, name, year = match.group(10, 11, 12)
    return _build(year, _MONTH_NUMBER[name], day)


def date_starts(text: str, marks: Iterable[int]) -> list[int]:
    """Every place in ``text`` where a date can begin, in order, given ``marks``: where the
    months' names ("May") and the ISO dates' ends ("-11-02") are written, in any order (those no
    date can hold may be left out). A date can begin four characters before an ISO date's end,
    at a month's name ("May 18, 2004"), and at the day before one ("18 May 2004": one or two
    characters before the spaces before the name)."""
    starts: set[int] = set()
    for at in marks:
        if text[at] == "-":
            if at >= 4:
                starts.add(at - 4)
            continue
        starts.add(at)
        spaces = at
        while spaces > 0 and text[spaces - 1].isspace():
            spaces -= 1
        if 0 < spaces < at and text[spaces - 1].isdigit():
            starts.add(spaces - 1)
            if spaces > 1:
                starts.add(spaces - 2)
    return sorted(starts)


def _starts(text: str) -> list[int]:
    """Every place in ``text`` where a date can begin, in order (:func:`date_starts`). Every
    date holds a month's name or an ISO date's end, and one pass finds all those a date can
    hold: no name overlaps another or an ISO date's end, and an end that the pass skips,
    overlapping the one before it ("-11-02-03"), has a "-" where its year would be."""
    return date_starts(text, [hint.start() for hint in _MONTH_OR_ISO_TAIL.finditer(text)])


#: The date each date's text names (None for no date: "February 30, 2004"), by the text the
#: pattern matched, which alone decides it: dates repeat across documents and within one.
#: Emptied when it grows large.
_DATES: dict[str, dt.date | None] = {}


def find_dates(text: str) -> Iterator[tuple[dt.date, re.Match[str]]]:
    """Every complete, valid date in ``text`` with its match, in order: what the pattern's
    search from the start finds, the pattern tried only where a date can begin (:func:`_starts`),
    which is many times faster than searching."""
    return find_dates_at(text, _starts(text))


def find_dates_at(text: str, starts: list[int]) -> Iterator[tuple[dt.date, re.Match[str]]]:
    """:func:`find_dates`, the pattern tried only at ``starts`` (in order), which must hold every
    place a date can begin (:func:`date_starts`)."""
    for match in matches_at(_DATE, text, starts):
        written = match[0]
        try:
            found = _DATES[written]
        except KeyError:
            found = _date_of(match)
            if len(_DATES) >= 4096:
                _DATES.clear()
            _DATES[written] = found
        if found is not None:
            yield found, match


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` for a pattern whose matches can begin only at ``starts``
    (in order): tried only there, none overlapping the one before."""
    found = []
    end = 0
    for start in starts:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            end = match.end()
            found.append(match)
    return found


#: The dates :func:`parse_date` found, by text: captions and infobox values repeat across
#: documents (every election of a city's day names it alike), so each is read once. Emptied
#: when it grows large.
_PARSED: dict[str, dt.date | None] = {}


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` consists of (surrounding words such as a weekday allowed), else None:
    the first of :func:`find_dates`."""
    try:
        return _PARSED[text]
    except KeyError:
        pass
    found = next((date for date, _ in find_dates(text)), None)
    if len(_PARSED) >= 4096:
        _PARSED.clear()
    _PARSED[text] = found
    return found


def format_date(value: dt.date) -> str:
    """The style of the articles: "April 6, 2004"."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


#: ``\b(primary|primaries|general|runoff|run-off)\b`` ignoring case, written to open with
#: one set of letters, the word's first (no other character matches p, g or r ignoring case),
#: with the boundary before it as a look-behind after it: the regex engine finds such a start
#: by a quick scan, where a pattern opening with ``\b`` is tried at every position.
_STAGE_WORD = re.compile(
    r"([PpGgRr](?<!\w[PpGgRr])(?:(?<=[Pp])(?i:rimary|rimaries)|(?<=[Gg])(?i:eneral)"
    r"|(?<=[Rr])(?i:unoff|un-off)))\b"
)


#: The stage words of a clause: (start, end, word in lower case), in order.
StageWords = list[tuple[int, int, str]]


def stage_words(clause: str) -> StageWords:
    """Where a clause names a stage ("primary", "general", "runoff", ...)."""
    return [(m.start(), m.end(), m.group(1).casefold()) for m in _STAGE_WORD.finditer(clause)]


#: Words that set a date apart from a stage named after it ("on November 2, after the primaries
#: of May 18").
_APART = re.compile(r"\b(after|before|following|since|than|unlike)\b", re.I)


#: Blanks, to tell whether a date and the stage word after it have only blanks between them.
_BLANKS = re.compile(r"\s*")


@functools.lru_cache(maxsize=64)
def _last_apart(clause: str, stop: int) -> int:
    """Where the last of the words :data:`_APART` finds in ``clause[:stop]`` begins (-1: none).
    Each is a whole word, so no two overlap and a search from any place finds one exactly when
    one begins there or later. Kept for the clauses last asked about: every date of a clause
    before its first stage word asks the same."""
    last = -1
    for word in _APART.finditer(clause, 0, stop):
        last = word.start()
    return last


def stage_kind_near(
    clause: str, start: int, end: int, words: StageWords | None = None
) -> StageKind | None:
    """The kind of stage a date written at ``clause[start:end]`` belongs to: the stage word
    right after it ("the November 6 general election"), else the nearest one before it ("the
    primary on May 18, 2004"), else the first one after it; None when the clause names no
    stage, or when the first one after it is set apart ("November 2, after the primaries").
    ``words``: the clause's :func:`stage_words`, when already found (in order, as found: each
    word begins and ends after the one before it, so both are looked up by bisection)."""
    if words is None:
        words = stage_words(clause)
    # The first word beginning after the date, and how many words end before it.
    first_after = bisect.bisect_left(words, end, key=itemgetter(0))
    ending_before = bisect.bisect_right(words, start, key=itemgetter(1))
    after = words[first_after] if first_after < len(words) else None
    if after is not None and _BLANKS.fullmatch(clause, end, after[0]):
        chosen = after[2]
    elif ending_before:
        chosen = words[ending_before - 1][2]
    elif after is not None and _last_apart(clause, after[0]) < end:
        chosen = after[2]
    else:
        return None
    if chosen.startswith("primar"):
        return "primary"
    if chosen == "general":
        return "general"
    return "runoff"
