"""The fast paths of the checks give exactly what the plain computations give: the date scan
(patterns tried only where a date can begin, the texts looked through joined) against
``finditer`` and :func:`tallyroom.formats.dates.find_dates`, and the whole-number range of totals
a percentage implies against the same range worked out with fractions."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom import evidence
from tallyroom.checks import dates
from tallyroom.evidence import decimal_places, implied_total_range, percent_consistent
from tallyroom.formats.dates import find_dates
from tallyroom.model import Election, InfoboxField, Paragraph, Stage
from tallyroom.textscan import may_match

_PIECES = (
    "May",
    "June",
    "November",
    "Mayor",
    "2004",
    "2008",
    "11",
    "02",
    "6",
    "31",
    "18",
    "-",
    ",",
    " ",
    "  ",
    "\n",
    ". ",
    "; ",
    "th",
    "st",
    "Tuesday",
    "Wednesday",
    "x",
    "_",
    "\x00",
    "é",
    "٣",
    "²",
)

texts = st.lists(st.sampled_from(_PIECES), max_size=24).map("".join)


def _spans(matches: tuple[re.Match[str], ...] | list[re.Match[str]]) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _expected(text: str) -> tuple[object, ...]:
    return (
        _spans(list(dates._GLUED.finditer(text))),
        _spans(list(dates._SPELLED.finditer(text))),
        [(d, m.span()) for d, m in find_dates(text)],
    )


def _scanned(scan: dates._Scan) -> tuple[object, ...]:
    return (_spans(scan.glued), _spans(scan.spelled), [(d, m.span()) for d, m in scan.dates])


@settings(max_examples=300, deadline=None)
@given(texts)
def test_one_text_scan_matches_finditer_and_find_dates(text: str) -> None:
    months = dates._month_positions(text)
    tails = [m.start() for m in dates._ISO_TAIL.finditer(text)]
    scan = dates._scan(1, "prose", text, True, months, tails)
    assert _scanned(scan) == _expected(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, max_size=5), st.lists(texts, max_size=4), st.lists(texts, max_size=2))
def test_joined_scan_finds_every_text_with_a_date(
    values: list[str], paragraphs: list[str], captions: list[str]
) -> None:
    election = Election(
        title="Test",
        infobox=tuple(InfoboxField(f"Key{i}", v, line=i) for i, v in enumerate(values)),
        paragraphs=tuple(Paragraph(p, line=10 + i) for i, p in enumerate(paragraphs)),
        stages=tuple(
            Stage("general", caption=c, caption_line=20 + i) for i, c in enumerate(captions)
        ),
    )
    scans = {(scan.line, scan.text): scan for scan in dates._scans(election)}
    places = [(i, v) for i, v in enumerate(values)]
    places += [(10 + i, p) for i, p in enumerate(paragraphs)]
    places += [(20 + i, c) for i, c in enumerate(captions)]
    for line, text in places:
        expected = _expected(text)
        if (line, text) in scans:
            assert _scanned(scans[(line, text)]) == expected
            assert scans[(line, text)].paragraph == (10 <= line < 20)
        else:
            assert expected == ([], [], [])


@settings(max_examples=300, deadline=None)
@given(texts)
def test_weekday_window_and_clauses_match_the_plain_search(text: str) -> None:
    for position in range(len(text) + 1):
        plain = dates._WEEKDAYS.search(text[:position])
        fast = dates._weekday_before(text, position)
        assert (plain and plain.span(), plain and plain["weekday"]) == (
            fast and fast.span(),
            fast and fast["weekday"],
        )
    clauses = [text[start:end] for start, end in dates._clauses(text)]
    assert clauses == re.split(r"[;.]\s+", text)


def _implied_with_fractions(votes: int, stated: Decimal) -> tuple[int, int] | None:
    unit = Fraction(1, 10 ** decimal_places(stated))
    low_share, high_share = Fraction(stated) - unit / 2, Fraction(stated) + unit
    if votes <= 0 or high_share <= 0:
        return None
    low = math.ceil(Fraction(votes * 100) / high_share)
    high = math.floor(Fraction(votes * 100) / low_share) if low_share > 0 else 10**15
    return (low, high) if low <= high else None


percentages = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(min_value=-2_000, max_value=20_000),
    st.integers(min_value=-1, max_value=3),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-5, max_value=10**7), percentages)
def test_implied_total_range_in_whole_numbers(votes: int, stated: Decimal) -> None:
    expected = _implied_with_fractions(votes, stated)
    assert implied_total_range(votes, stated) == expected
    if votes == 0:
        low_share = Fraction(stated) - Fraction(1, 10 ** decimal_places(stated)) / 2
        assert percent_consistent(0, stated, (0, 10)) == (low_share <= 0)


_LAZY_INDEXED_KEY = re.compile(r"^(?P<base>[A-Za-z ]+?)\s*(?P<index>\d+)$")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(("Popular", "Vote", " ", "\t", "1", "23", "\n", "x", "_")), max_size=8)
)
def test_indexed_key_pattern_reads_keys_as_the_lazy_one(pieces: list[str]) -> None:
    key = "".join(pieces)

    def read(match: re.Match[str] | None) -> tuple[str, str] | None:
        return None if match is None else (" ".join(match["base"].split()), match["index"])

    assert read(evidence._INDEXED_KEY.match(key)) == read(_LAZY_INDEXED_KEY.match(key))


_WORD_PIECES = st.sampled_from(
    (
        "Ranked",
        "-",
        " ",
        "choice",
        "INSTANT",
        "runoff",
        "Run-Off",
        "non",
        "Partisan",
        "majority",
        "no candidate received",
        "primaries",
        "General",
        "mayoral",
        "ſ",
        "K",
        "İ",
        "ı",
        "x",
    )
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORD_PIECES, max_size=10).map("".join))
def test_word_prefilter_never_hides_a_match(text: str) -> None:
    from tallyroom.rules import inference

    patterns = [(pattern, words) for pattern, words in inference._WORDS.items()]
    from tallyroom.formats import dates as stage_dates

    patterns.append((stage_dates._STAGE_WORD, ("primar", "general", "run")))
    patterns.append((re.compile(r"\bmayoral\b", re.I), ("mayoral",)))
    for pattern, words in patterns:
        if pattern.search(text):
            assert may_match(text, words)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_WORD_PIECES, max_size=8).map(" ".join), max_size=4),
    st.sampled_from([None, 1990, 2004, 2030]),
)
def test_the_prose_looked_through_at_once_finds_what_each_paragraph_gives(
    texts: list[str], year: int | None
) -> None:
    # The rules' inference first looks for a pattern's words in all the paragraphs joined: when
    # none is there, no paragraph is looked at; the quotes are those found paragraph by paragraph.
    from tallyroom.rules import inference

    paragraphs = tuple(Paragraph(text, line=number) for number, text in enumerate(texts, 1))
    at_once = inference._Prose.of(paragraphs)
    one_by_one = inference._Prose(paragraphs, None)
    assert all("\n" not in word for words in inference._WORDS.values() for word in words)
    for pattern in inference._WORDS:
        for denials in (True, False):
            found = inference._quotes(at_once, pattern, year, denials=denials)
            assert found == inference._quotes(one_by_one, pattern, year, denials=denials)
