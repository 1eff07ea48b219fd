"""Dates as election documents write them: "April 6, 2004", "2004-11-02", "6 April 2004", and
the damaged "May18, 2008"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

__all__ = ["MONTHS", "find_dates", "format_date", "parse_date"]

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


_YEAR = re.compile(r"\d{4}")
#: What every date the pattern finds holds: a month's name, or the end of an ISO date.
_MONTH_OR_ISO_TAIL = re.compile(rf"{_MONTH}|-\d\d-\d\d")


def _build(year: str, month: int, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), month, int(day))
    except ValueError:
        return None


def find_dates(text: str) -> Iterator[tuple[dt.date, re.Match[str]]]:
    """Every complete, valid date in ``text`` with its match, in order."""
    if not _YEAR.search(text):
        return
    hint = _MONTH_OR_ISO_TAIL.search(text)
    if hint is None:
        return
    # No date begins before the first month's name or ISO date end, less the day and spaces
    # before a month ("18 May") or the year before an ISO end: search from there, much faster.
    first = hint.start()
    spaces = first
    while spaces > 0 and text[spaces - 1].isspace():
        spaces -= 1
    for match in _DATE.finditer(text, max(0, min(first - 4, spaces - 2))):
        kind = match.lastgroup
        if kind == "iso":
            year, month, day = match.group("iy", "im", "id")
            found = _build(year, int(month), day)
        elif kind == "mdy":
            name, day, year = match.group("m1", "d1", "y1")
            found = _build(year, _MONTH_NUMBER[name], day)
        else:
            day, name, year = match.group("d2", "m2", "y2")
            found = _build(year, _MONTH_NUMBER[name], day)
        if found is not None:
            yield found, match


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` consists of (surrounding words such as a weekday allowed), else None."""
    for found, _ in find_dates(text):
        return found
    return None


def format_date(value: dt.date) -> str:
    """The style of the articles: "April 6, 2004"."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"
