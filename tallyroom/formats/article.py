"""Reader of the plain-text article format: encyclopedia election articles rendered to text.

The format, as the converter that produced the seed documents writes it::

    = 2004 Milwaukee mayoral election =          title
    Infobox                                      then "- Key: Value" lines up to a blank line
    - Election Date: April 6, 2004
    ...
    A paragraph of prose.                        one paragraph per line
    ==Candidates==                               headings, level 2 and deeper
    - Tom Barrett, U.S. congressman              a candidate list item: name, description
      - General election results, April 6, 2004**    a results table's caption
    - Tom Barrett (Nonpartisan candidate): 86,493 votes    a row: name (markers) (party): votes
    Total: 161 votes                             the total, as stated (maybe damaged)
    Result: Democratic Party (United States) Hold

The reader keeps what the document states, damaged figures included; finding the damage is the
job of :mod:`tallyroom.checks`. Unusable input raises :class:`~tallyroom.errors.ParseError` with
the file and line; oddities a person would want read anyway become :class:`ParseWarning` s.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import re
import string
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats.dates import (
    MONTHS,
    StageWords,
    find_dates,
    format_date,
    parse_date,
    stage_kind_near,
    stage_words,
)
from tallyroom.formats.states import find_state
from tallyroom.limits import MAX_VOTES, check_figures
from tallyroom.model import (
    Candidate,
    CandidateResult,
    Election,
    InactiveReason,
    InfoboxCandidate,
    InfoboxField,
    Jurisdiction,
    Paragraph,
    Round,
    Section,
    Stage,
    StageKind,
    Unread,
    builder,
)
from tallyroom.names import NONPARTISAN_LABELS, party_short, split_nickname

__all__ = ["ArticleRead", "ParseWarning", "parse_article", "read_article", "read_article_file"]

_TITLE = re.compile(r"^=\s*(?P<title>[^=].*?)\s*=$")
_HEADING = re.compile(r"^(?P<marks>={2,6})\s*(?P<title>.*?)\s*(?P=marks)$")
#: (Greedy: only one "**" can be followed by nothing but spaces, so it finds what the lazy
#: ``.*?`` finds, without trying for "**" at every character.)
_CAPTION = re.compile(r"^\s+-\s+(?P<caption>.*)\*\*\s*$")
_COUNT = re.compile(r"^(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\s+votes?$")
_LABELLED = re.compile(r"^(?P<label>[A-Za-z][A-Za-z /-]{1,40}?):\s*(?P<value>.*?)\s*$")
#: The summary lines and rows of a results table, by their label folded (spaces and hyphens
#: dropped): what each holds. None of them is a candidate.
_SUMMARY: dict[str, str] = {
    "total": "total",
    "totals": "total",
    "totalvotes": "total",
    "totalvotescast": "total",
    "validvotes": "total",
    "result": "result",
    "registeredvoters": "registered",
    "registered": "registered",
    "registeredelectors": "registered",
    "ballotscast": "ballots",
    "totalballots": "ballots",
    "totalballotscast": "ballots",
    "turnout": "ballots",
    "exhausted": "exhausted",
    "exhaustedballots": "exhausted",
    "exhaustedvotes": "exhausted",
    "inactive": "exhausted",
    "inactiveballots": "exhausted",
    "blank": "undervote",
    "blanks": "undervote",
    "blankballots": "undervote",
    "blankvotes": "undervote",
    "undervotes": "undervote",
    "undervote": "undervote",
    "overvotes": "overvote",
    "overvote": "overvote",
    "continuing": "continuing",
    "continuingballots": "continuing",
    "continuingvotes": "continuing",
    "activeballots": "continuing",
    "threshold": "threshold",
    "majority": "threshold",
    "spoiled": "other",
    "spoiledballots": "other",
    "rejected": "other",
    "rejectedballots": "other",
    "invalid": "other",
    "invalidvotes": "other",
    "invalidballots": "other",
}
#: ASCII letters and digits that no label of :data:`_SUMMARY` starts (ends) with, in either
#: case: a name starting (ending) with one is no summary label, whatever its other characters
#: (folding drops only spaces, hyphens and tabs, so an ASCII letter or digit at either end of
#: a name stays there, in lower case).
_NO_SUMMARY_FIRST = frozenset(
    c for c in string.ascii_letters + string.digits if c.lower() not in {k[0] for k in _SUMMARY}
)
_NO_SUMMARY_LAST = frozenset(
    c for c in string.ascii_letters + string.digits if c.lower() not in {k[-1] for k in _SUMMARY}
)
#: The inactive reasons of the summary rows that count ballots out of a round.
_INACTIVE: dict[str, InactiveReason] = {
    "exhausted": "exhausted",
    "undervote": "undervote",
    "overvote": "overvote",
}
#: A round's column label: "Round 1", "Round 2 votes", "First round", "Final round".
_ROUND_LABEL = re.compile(
    r"^(?:round\s*(?P<number>[0-9]{1,2})|(?P<ordinal>first|second|third|fourth|fifth|sixth|"
    r"seventh|eighth|ninth|tenth|final|last)\s+round)\b(?:\s+(?:votes?|count|tally))?$",
    re.I,
)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
#: One figure of a row: "11,389 votes", "11,389", "11,389 (38.5%)", "11,389 votes (38.5%)".
_CELL_COUNT = re.compile(
    r"^(?P<number>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?P<unit>\s+votes?)?"
    r"(?:\s*\(\s*[0-9]{1,3}(?:\.[0-9]+)?\s*%\s*\))?$",
)
_CELL_PERCENT = re.compile(r"^\(?[0-9]{1,3}(?:\.[0-9]+)?\s*%\)?$")
_CELL_TRANSFER = re.compile(r"^[+−–-]\s*(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\s+votes?)?$")
_CELL_GAP = frozenset({"", "—", "–", "-", "n/a", "na", "x", "×"})
#: Marks of a candidate's fate in a round table (a cell or a group after the name).
_FATE = re.compile(r"^(?P<fate>eliminated|defeated|elected|winner|won)\b", re.I)
_EXPECTED_ROW = "expected a results row 'Name (Party): N votes' with whole numbers"
_CELL_SPLIT = re.compile(r",\s+|;\s*|\s*\|\s*|\t+")
_DIGIT = re.compile(r"\d")
_CLAUSE = re.compile(r"[;.]\s+")
_PLACE = re.compile(r"^(?:\d{4}(?:[–-]\d{2,4})?\s+)?(?P<place>.+?)\s+mayoral\b", re.I)
#: :data:`_PLACE` in two: the year its optional group takes first, and what follows it.
_YEAR_PREFIX = re.compile(r"\d{4}(?:[–-]\d{2,4})?\s+")
_PLACE_AFTER = re.compile(r"(?P<place>.+?)\s+mayoral\b", re.I)
#: A title's place, the place's words, and its jurisdiction when the place names the state.
_Place = tuple[str, frozenset[str], Jurisdiction | None]
_NOT_PARTIES = frozenset({"non-partisan", "nonpartisan", "blanket", "open", "jungle", "mayoral"})
_ACTING = re.compile(r"\s*\(acting\)\s*$", re.I)
_MAYORAL = re.compile(r"\bmayoral\b", re.I)
_PLACE_WORD = re.compile(r"[\w.'-]+")
_NUMBER = re.compile(r"\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\s*")
#: A year in a caption, alone or opening a span ("2003–04"), not part of a longer number:
#: ``(?<![\d–-])(1[89]\d\d|2[01]\d\d)([–-]\d{2,4})?(?!\d)``, written to open with the year's
#: first digit and the look-behind after it, which the regex engine finds by a quick scan
#: instead of trying the pattern at every position.
_YEAR = re.compile(r"([12](?<![\d–-][12])(?:(?<=1)[89]|(?<=2)[01])\d\d)([–-]\d{2,4})?(?!\d)")
#: A results row in its usual shape, stripped, read in one go: a name without parentheses or
#: colons, "(incumbent)"/"(write-in)" markers, at most one more group (the party, which may
#: hold one level of parentheses) and a plain count. Other rows take the general way.
_ROW = re.compile(
    r"- (?P<name>[^\s():](?:[^():]*[^\s():])?)"
    r"(?P<marks>(?: \((?:incumbent|write-in)\))*)"
    r"(?: \((?P<party>[^()]*(?:\([^()]*\)[^()]*)*)\))?"
    r": (?P<votes>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+) votes?"
)
#: A table's summary line in its usual shape, stripped: "Total: 80,008 votes" (label, figure);
#: the label as :data:`_LABELLED` reads it (it holds no colon, so greedy or lazy, it ends at the
#: first), the figure as :func:`_count` reads it.
_SUMMARY_COUNT = re.compile(
    r"([A-Za-z][A-Za-z /-]{1,40}):\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+) votes?"
).fullmatch
#: Group labels of a row that are not a party.
_MARKERS = frozenset({"incumbent", "write-in", "write in", *NONPARTISAN_LABELS})


#: The model's classes, each made by a :func:`~tallyroom.model.builder`: a reader makes many.
_new_field = builder(InfoboxField)
_new_result = builder(CandidateResult)
_new_candidate = builder(Candidate)
_new_paragraph = builder(Paragraph)
_new_stage = builder(Stage)
_new_nominee = builder(InfoboxCandidate)
_new_jurisdiction = builder(Jurisdiction)
_new_election = builder(Election)


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something odd that the reader read past; shown to the user, never silent."""

    source: str | None
    line: int | None
    message: str

    def describe(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: warning: {self.message}"


@dataclass(frozen=True, slots=True)
class ArticleRead:
    election: Election
    warnings: tuple[ParseWarning, ...]


_new_read = builder(ArticleRead)


def parse_article(text: str, source: str | None = None) -> Election:
    """Read one election article; raises :class:`ParseError` when it cannot be read."""
    return read_article(text, source).election


def read_article_file(path: Path) -> Election:
    from tallyroom.formats import read_bytes

    return parse_article(read_bytes(path), source=str(path))


def read_article(text: str, source: str | None = None) -> ArticleRead:
    """Read one election article, returning the election and the warnings met on the way."""
    try:
        read = _Reader(text, source).read()
    except ValueError:  # a number too long for Python to convert (see _refuse_huge_number)
        _refuse_huge_number(text, source or "<input>")
        raise
    if _largest_count(read.election) > MAX_VOTES:
        check_figures(read.election, source or "<input>")
    return read


def _refuse_huge_number(text: str, source: str) -> None:
    """Refuse ``text`` for its first number of more digits than Python converts to an integer
    (``sys.get_int_max_str_digits()``, 4,300 by default), as a count beyond the limit, naming
    its line. The reader converts a figure's digits as it meets them, so such a number stops
    it with a ``ValueError``; this words it. Nothing is raised when there is none."""
    most = sys.get_int_max_str_digits()
    for match in re.finditer(rf"[\d,]{{{most + 1},}}", text):
        digits = len(match[0]) - match[0].count(",")
        if digits > most:
            raise ValidationError(
                f"a number of {digits:,} digits is more than the limit of {MAX_VOTES:,}",
                source=source,
                line=text.count("\n", 0, match.start()) + 1,
            )


def _largest_count(election: Election) -> int:
    """The largest whole number of the fields of ``election`` that
    :func:`~tallyroom.limits.check_figures` refuses beyond the limit: every field of a whole
    number that an election holds, line numbers left out (a test keeps this list and the model
    in step; the reader's numbers are never negative). Read from those fields, many times
    faster than the walk over the whole election, which runs only to refuse a count beyond the
    limit with its line."""
    counts = [election.previous_year or 0, election.next_year or 0, election.registered_voters or 0]
    counts.extend(filter(None, map(_VOTES, election.nominees)))
    for stage in election.stages:
        counts += (stage.stated_total or 0, stage.registered_voters or 0, stage.ballots_cast or 0)
        counts.extend(filter(None, map(_VOTES, stage.results)))
        if stage.unit_results:
            counts.extend(map(_VOTES, stage.unit_results))
        if stage.rounds:
            counts.extend(map(_NUMBER_OF, stage.rounds))
    return max(counts)


_VOTES = operator.attrgetter("votes")
_NUMBER_OF = operator.attrgetter("number")


class _Table:
    """A results table as read so far."""

    __slots__ = (
        "ballots",
        "by_rounds",
        "caption",
        "columns",
        "fates",
        "inactive",
        "inactive_lines",
        "line",
        "party_column",
        "registered",
        "result",
        "rows",
        "section",
        "total",
        "total_line",
        "totals",
        "wide",
    )

    def __init__(self, caption: str, section: Section, line: int) -> None:
        self.caption = caption
        self.section = section
        self.line = line
        self.rows: list[CandidateResult] = []
        self.total: int | None = None
        self.total_line: int | None = None
        self.result: str | None = None
        self.registered: int | None = None
        self.ballots: int | None = None
        #: The round of each figure column, from a header row ("Round 1", "Round 2", ...), and
        #: the column (after the name's) that holds the party, when the header has one.
        self.columns: list[int] | None = None
        self.party_column: int | None = None
        #: The figures round by round (``None``: no figure in that round) of each candidate row
        #: that has more than one, by the row's index in :attr:`rows`; a row's one figure is
        #: its votes (see :func:`_counts`).
        self.wide: dict[int, list[int | None]] = {}
        #: The candidates marked elected or eliminated, with the round named when one is.
        self.fates: list[tuple[str, str, int | None]] = []
        #: Summary rows round by round: inactive ballots by reason, continuing votes.
        self.inactive: dict[InactiveReason, list[int | None]] = {}
        self.totals: list[int | None] = []
        self.inactive_lines: dict[InactiveReason, tuple[int, str, str]] = {}
        #: Whether the table gives figures for more than one round: set as a row or summary
        #: line with more than one figure is added (they are only ever added, so it stays so).
        self.by_rounds = False


class _Reader:
    __slots__ = ("lines", "source", "unread", "warnings")

    def __init__(self, text: str, source: str | None) -> None:
        self.source = source
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.split("\n")
        self.warnings: list[ParseWarning] = []
        self.unread: list[Unread] = []

    def error(self, line: int | None, message: str, text: str | None = None) -> ParseError:
        return ParseError(message, source=self.source, line=line, text=text)

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ParseWarning(self.source, line, message))

    def skip(self, line: int | None, text: str, expected: str) -> None:
        """Keep ``text`` as not read: ``expected`` says what the reader looked for there."""
        self.unread.append(Unread.of(text, expected, line))

    # -- the document's blocks -------------------------------------------------------------

    def read(self) -> ArticleRead:
        lines = self.lines
        first_no = (
            1
            if lines[0].strip()
            else next((i + 1 for i, line in enumerate(lines) if line.strip()), None)
        )
        if first_no is None:
            raise self.error(None, "empty document: expected an article starting '= Title ='")
        first = lines[first_no - 1].strip()
        title = _title(first)
        infobox: list[InfoboxField] = []
        paragraphs: list[Paragraph] = []
        candidates: list[Candidate] = []
        outline: list[Section] = []
        tables: list[_Table] = []
        section: Section = ()
        listing = False  # inside a "Candidates" section
        table: _Table | None = None
        rows: list[CandidateResult] | None = None  # the rows of `table` while it takes rows
        in_infobox = False
        usual_row = _ROW.fullmatch
        row_groups = _ROW_GROUPS.get
        label_kinds = _LABEL_KINDS.get
        sections = _SECTIONS.get
        start = first_no if title else first_no - 1
        for number, raw in enumerate(lines[start:], start + 1):
            stripped = raw.strip()
            if not stripped:
                in_infobox = False
                continue
            lead = stripped[0]
            if in_infobox:
                if lead == "-" and stripped[1:2] in (" ", "\t"):
                    # (The first colon is after the "- ": partitioned as it stands, with no copy.)
                    key, colon, value = stripped.partition(":")
                    key = key[2:].strip()
                    if colon and key and (not value or value[0] in " \t"):
                        infobox.append(_new_field(key, value.strip(), number))
                        continue
                in_infobox = False
            if lead == "-":
                if raw[0] != "-" and stripped.endswith("**"):
                    caption = _CAPTION.match(raw)
                    if caption:
                        table = _Table(caption["caption"].strip(), section, number)
                        tables.append(table)
                        rows = table.rows
                        continue
                if rows is not None and table is not None:
                    row = usual_row(stripped)
                    if row is not None and not table.columns:
                        # _usual_row, written out: most lines of a document are such rows.
                        name, marks, group, votes = row.groups()
                        party, incumbent, write_in, usual = (
                            _NO_GROUP if group is None else row_groups(group) or _row_group(group)
                        )
                        if usual and (
                            name[0] in _NO_SUMMARY_FIRST
                            or name[-1] in _NO_SUMMARY_LAST
                            or name.casefold().replace(" ", "").replace("-", "").replace("\t", "")
                            not in _SUMMARY
                        ):
                            if marks:
                                incumbent = incumbent or "(incumbent)" in marks
                                write_in = write_in or "(write-in)" in marks
                            figure = int(votes.replace(",", ""))
                            rows.append(
                                _new_result(name, figure, party, incumbent, write_in, number)
                            )
                            continue
                    who, colon, count = stripped[2:].rpartition(":")
                    if colon and who.strip():
                        self._table_row(table, who, count, number, stripped)
                        continue
                    if "|" in stripped or "\t" in raw:
                        self._cells_row(table, _cells(stripped[1:]), number, stripped)
                        continue
                elif not infobox and not paragraphs and not outline and not tables:
                    # "- Key: Value" lines before anything else: an infobox without its label.
                    key, colon, value = stripped[2:].partition(":")
                    if colon and key.strip() and (not value or value[0] in " \t"):
                        in_infobox = True
                        self.warn(number, "infobox lines without an 'Infobox' line before them")
                        infobox.append(InfoboxField(key.strip(), value.strip(), number))
                        continue
                elif ":" in stripped and _ROW_LIKE.search(stripped):
                    # A results row after its table ended or without a caption: a table of
                    # the section, so that no figure is lost.
                    table = _Table("", section, number)
                    tables.append(table)
                    rows = table.rows
                    self.warn(number, "results rows without a table caption ('  - ...**')")
                    row = usual_row(stripped)
                    read = _usual_row(row, number) if row is not None else None
                    if read is not None and _fold_label(read.name) not in _SUMMARY:
                        rows.append(read)
                    else:
                        who, _, count = stripped[2:].rpartition(":")
                        self._table_row(table, who, count, number, stripped)
                    continue
                table = rows = None
                if listing:
                    who, _, description = stripped[2:].partition(", ")
                    if '"' in who or "“" in who:
                        name, nickname = split_nickname(who)
                    else:
                        name, nickname = " ".join(who.split()), None
                    candidates.append(
                        _new_candidate(name, nickname, description.strip() or None, section, number)
                    )
                    continue
            elif lead == "=":
                entered = sections((section, stripped)) or _enter_section(section, stripped)
                if entered is not _NOT_HEADING:
                    section, listing = entered
                    outline.append(section)
                    table = rows = None
                    continue
            elif stripped == "Infobox" and not infobox:
                in_infobox = True
                table = rows = None
                continue
            elif table is not None:
                if ":" in stripped:
                    # The usual summary line ("Total: 161 votes") whose figure the table has not
                    # yet: read at once, as the general way below reads it.
                    summary = _SUMMARY_COUNT(stripped)
                    if summary is not None:
                        label, stated = summary.groups()
                        kind = label_kinds(label) or _label_kind(label)
                        if kind == "total" and table.total is None:
                            table.total, table.total_line = int(stated.replace(",", "")), number
                            if rows is not None and not table.by_rounds:
                                rows = None
                            continue
                        if kind == "registered" and table.registered is None:
                            table.registered = int(stated.replace(",", ""))
                            continue
                        if kind == "ballots" and table.ballots is None:
                            table.ballots = int(stated.replace(",", ""))
                            continue
                    labelled = _LABELLED.match(stripped)
                    if labelled:
                        kind = _label_kind(labelled["label"])
                        if kind is not None:
                            label, value = labelled["label"], labelled["value"]
                            self._table_line(table, kind, label, value, number)
                            # (Once ``rows`` is None, a later total has nothing to end.)
                            if (
                                kind == "total"
                                and rows is not None
                                and table.total_line
                                and not table.by_rounds
                            ):
                                rows = None
                            continue
                if rows is not None and ("|" in stripped or "\t" in raw):
                    self._cells_row(table, _cells(stripped), number, stripped)
                    continue
            if lead == "|":
                cells = _cells(stripped)
                if cells[0] and not any(cells[1:]) and not _SUMMARY.get(_fold_label(cells[0])):
                    if table is None or rows is None or table.rows or table.caption:
                        table = _Table(cells[0], section, number)
                        tables.append(table)
                        rows = table.rows
                    else:
                        table.caption = cells[0]
                    continue
                if table is None or rows is None:
                    table = _Table("", section, number)
                    tables.append(table)
                    rows = table.rows
                self._cells_row(table, cells, number, stripped)
                continue
            if lead.isupper() and ":" in stripped and _BARE_ROW.fullmatch(stripped):
                if table is None or rows is None:
                    table = _Table("", section, number)
                    tables.append(table)
                    rows = table.rows
                who, _, count = stripped.rpartition(":")
                self._table_row(table, who, count, number, stripped)
                continue
            table = rows = None
            paragraphs.append(_new_paragraph(stripped, section, number))
        if not infobox and not tables:
            raise self.error(
                first_no,
                "not an election article: expected an 'Infobox' block or a results table",
            )
        if title is None:
            named = _first(infobox, "election name")
            if named is not None and named.value:
                title = named.value
            else:
                self.skip(first_no, first, "expected a title line '= Title =' first")
                title = Path(self.source).stem if self.source else "Untitled election"
        election = self._election(title, infobox, paragraphs, candidates, outline, tables)
        return _new_read(election, tuple(self.warnings))

    def _table_line(self, table: _Table, kind: str, label: str, value: str, number: int) -> None:
        """A summary line of a table ("Total: 161 votes", "Exhausted: 0 votes, 1,234 votes")."""
        value = value.strip()
        if kind == "result":
            table.result = value or None
            return
        text = f"{label}: {value}"
        single = _count(value)  # the usual line, read at once
        if single is not None:
            self._summary(table, kind, label, [single], number, text)
            return
        expected = f"expected '{label.strip().capitalize()}: N votes'"
        figures = self._figures(value, number, text, expected)
        if figures is None:
            return
        self._summary(table, kind, label, figures, number, text)

    def _summary(
        self,
        table: _Table,
        kind: str,
        label: str,
        figures: list[int | None],
        number: int,
        text: str,
    ) -> None:
        first = figures[0] if figures else None
        reason = _INACTIVE.get(kind)
        taken = {
            "total": table.total,
            "registered": table.registered,
            "ballots": table.ballots,
        }.get(kind)
        if taken is not None or (reason is not None and reason in table.inactive):
            self.skip(number, text, f"one {label.strip()} line per table (the first is read)")
        elif reason is not None:
            table.inactive[reason] = figures
            if len(figures) > 1:
                table.by_rounds = True
            table.inactive_lines[reason] = (number, text, label.strip())
        elif kind == "continuing" or (kind == "total" and len(figures) > 1):
            table.totals = figures
            if kind == "total" and first is not None:
                table.total, table.total_line = first, number
        elif kind == "total" and first is not None:
            table.total, table.total_line = first, number
        elif kind == "registered" and first is not None:
            table.registered = first
        elif kind == "ballots" and first is not None:
            table.ballots = first
        else:
            kept = f"a summary line ({label.strip()}) with no place in the model"
            self.skip(number, text, kept)

    def _figures(
        self, value: str, number: int, text: str, expected: str = _EXPECTED_ROW
    ) -> list[int | None] | None:
        """The figures of a row or summary line, round by round; None (and the line kept as not
        read) when a part is not a figure."""
        single = _count(value)
        if single is not None:
            return [single]
        if value.strip().casefold() == "unknown votes":
            return [None]
        cells = _CELL_SPLIT.split(value.strip())
        figures: list[int | None] = []
        for cell in cells:
            cell = cell.strip()
            match = _CELL_COUNT.match(cell)
            if match is not None:
                if match["unit"] is None and len(cells) == 1:
                    break  # a bare number alone: maybe cut short
                figures.append(int(match["number"].replace(",", "")))
            elif _CELL_PERCENT.match(cell) or _CELL_TRANSFER.match(cell):
                continue
            elif cell.casefold() in _CELL_GAP or _FATE.match(cell):
                figures.append(None)
            else:
                break
        else:
            if any(figure is not None for figure in figures):
                return figures
        self.skip(number, text, expected)
        return None

    def _table_row(self, table: _Table, who: str, count: str, number: int, text: str) -> None:
        name, groups = _split_groups(who.strip().removeprefix("-").strip())
        kind = _SUMMARY.get(_fold_label(name)) if not groups else None
        if kind is not None:
            self._table_line(table, kind, name, count, number)
            return
        header = _CELL_SPLIT.split(count.strip())
        if all(_ROUND_LABEL.match(cell.strip()) for cell in header if cell.strip()):
            table.columns = _header_columns(header)
            return
        if not name:
            self.skip(number, text, "expected a candidate's name before the party")
            return
        figures = self._figures(count, number, text)
        if figures is None:
            return
        fate = _fate_of_cells(count)
        self._add_row(table, name, groups, figures, fate, number)

    def _cells_row(self, table: _Table, cells: list[str], number: int, text: str) -> None:
        """A row of a table written with column separators: "Jacob Frey | 38,387 | 42,630"."""
        if len(cells) < 2:
            self.skip(number, text, "expected a results row 'Name | N | N ...'")
            return
        if any(_ROUND_LABEL.match(cell.strip()) for cell in cells[1:]):
            table.columns = _header_columns(cells[1:])
            parties = [i for i, c in enumerate(cells[1:]) if c.strip().casefold() == "party"]
            table.party_column = parties[0] if parties else None
            return
        name, groups = _split_groups(cells[0].strip())
        kind = _SUMMARY.get(_fold_label(name)) if not groups else None
        rest = cells[1:]
        at = table.party_column
        if at is not None and at < len(rest) and not _CELL_COUNT.match(rest[at]):
            party = rest.pop(at)
            if party and party.casefold() not in _CELL_GAP:
                groups.append(party)
        # The text cells between the name and the first figure hold the party (or nothing).
        while len(rest) > 1 and not _CELL_COUNT.match(rest[0]) and not _FATE.match(rest[0]):
            party = rest.pop(0)
            if party and party.casefold() not in _CELL_GAP:
                groups.append(party)
        cells = [cells[0], *rest]
        figures = self._figures(", ".join(c.strip() or "—" for c in cells[1:]), number, text)
        if figures is None:
            return
        if kind is not None:
            self._summary(table, kind, name, figures, number, text)
            return
        if not name or not name[0].isalpha():
            self.skip(number, text, "expected a candidate's name in the first column")
            return
        self._add_row(table, name, groups, figures, _fate_of_cells("|".join(cells[1:])), number)

    def _add_row(
        self,
        table: _Table,
        name: str,
        groups: list[str],
        figures: list[int | None],
        fate: tuple[str, int | None] | None,
        number: int,
    ) -> None:
        incumbent = write_in = False
        party: str | None = None
        for group in groups:
            folded = group.casefold()
            marked = _FATE.match(group)
            if folded == "incumbent":
                incumbent = True
            elif folded in ("write-in", "write in"):
                write_in = True
            elif folded in NONPARTISAN_LABELS:
                party = None
            elif marked is not None:
                fate = (_fate_word(marked["fate"]), _round_in(group))
            elif party is None:
                party = group
            else:
                self.warn(number, f"second party label {group!r} ignored")
        if len(figures) > 1:
            table.wide[len(table.rows)] = figures
            table.by_rounds = True
        table.rows.append(
            CandidateResult(name, figures[0], party, incumbent, write_in, line=number)
        )
        if fate is not None:
            table.fates.append((name, *fate))

    # -- from blocks to the election ---------------------------------------------------------

    def _election(
        self,
        title: str,
        infobox: list[InfoboxField],
        paragraphs: list[Paragraph],
        candidates: list[Candidate],
        outline: list[Section],
        tables: list[_Table],
    ) -> Election:
        fields, values, columns = self._infobox_fields(infobox)
        text = values.get

        before = text("before election")
        before_acting = False
        if before:
            stripped = _ACTING.sub("", before) if "(" in before else before
            before_acting = stripped != before
            before = stripped
        date_item = fields.get("election date")
        date_text = date_item.value if date_item else ""
        date_found = _dates_in(date_text) if date_text else ()
        election_date = self._date_field(date_item, date_found)
        place = _place(title)
        place_words = place[1] if place is not None else frozenset()
        stages = self._stages(tables, election_date, date_text, date_found, paragraphs, place_words)
        office = text("title")
        if office is None and _MAYORAL.search(title):
            office = "Mayor"
        # (The fields in their order, passed by position: a call with 27 keywords takes a
        # measurable share of reading a document.)
        return _new_election(
            title,
            _jurisdiction(place, paragraphs),
            office,
            None,  # district
            election_date,
            text("type"),
            text("term"),
            text("previous election"),
            self._int_field(fields.get("previous year")),
            text("next election"),
            self._int_field(fields.get("next year")),
            before,  # before_holder
            before_acting,
            text("before party"),
            text("after election"),  # after_holder
            text("after party"),
            self._percent_field(fields.get("turnout")),  # stated_turnout
            self._int_field(fields.get("registered")),  # registered_voters
            self._nominees(columns, fields, stages),
            stages,
            tuple(candidates),
            tuple(paragraphs),
            tuple(outline),
            tuple(infobox),
            None,  # rules
            tuple(self.unread),
            self.source,
        )

    def _infobox_fields(
        self, infobox: list[InfoboxField]
    ) -> tuple[dict[str, InfoboxField], dict[str, str], dict[int, dict[str, InfoboxField]]]:
        """The fields by their key folded (the first of a repeated key, with a warning), the
        values of those not empty, and the numbered fields ("Candidate1", "Popular Vote1") by
        number, then by folded stem."""
        fields: dict[str, InfoboxField] = {}
        values: dict[str, str] = {}
        columns: dict[int, dict[str, InfoboxField]] = {}
        known = _INFOBOX_KEYS.get
        for item in infobox:
            key, index, stem = known(item.key) or _infobox_key(item.key)
            if index is not None:
                column = columns.get(index)
                if column is None:
                    column = columns[index] = {}
                column.setdefault(stem, item)
            if key in fields:
                self.warn(
                    item.line,
                    f"infobox key {item.key!r} appears again (first on line "
                    f"{fields[key].line}); the first value is used",
                )
                continue
            fields[key] = item
            if item.value:
                values[key] = item.value
        return fields, values, columns

    def _nominees(
        self,
        columns: dict[int, dict[str, InfoboxField]],
        fields: dict[str, InfoboxField],
        stages: tuple[Stage, ...],
    ) -> tuple[InfoboxCandidate, ...]:
        """The candidate columns. A column's votes are its "Popular Vote", else its figure in the
        row of numbered rows ("1Blank: First round", "1Data1: 2,585") for the deciding stage: the
        runoff's ("Runoff", "Second round", "Final round") when there is a runoff stage, else
        the first round's."""
        data_row: int | None = None
        data_read = False  # data_row is read when a column first needs it
        nominees = []
        for index in sorted(columns):
            column = columns[index]
            who = column.get("candidate") or column.get("nominee")
            if who is None or not who.value:
                continue
            party = column.get("party")
            votes = self._int_field(column.get("popular vote"))
            if votes is None and not data_read:
                data_row, data_read = _data_row(columns, fields, stages), True
            if votes is None and data_row is not None:
                data = column.get(f"{data_row}data")
                votes = _leading_number(data.value) if data is not None else None
            nominees.append(
                _new_nominee(
                    who.value,
                    party.value if party and party.value else None,
                    votes,
                    self._percent_field(column.get("percentage")),
                )
            )
        return tuple(nominees)

    def _int_field(self, item: InfoboxField | None) -> int | None:
        if item is None or not item.value:
            return None
        number = _number(item.value)
        if number is None:
            self.warn(item.line, f"{item.key}: expected a whole number, got {item.value!r}")
        return number

    def _percent_field(self, item: InfoboxField | None) -> Decimal | None:
        if item is None or not item.value:
            return None
        value = item.value.strip().removesuffix("%").strip()
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.warn(
                item.line, f"{item.key}: expected a percentage like 53.45%, got {item.value!r}"
            )
            return None
        return number

    def _date_field(self, item: InfoboxField | None, dates: _Dates) -> dt.date | None:
        """The date of ``item``: the first of its ``dates`` (its :func:`find_dates`)."""
        if item is None or not item.value:
            return None
        found = dates[0][0] if dates else None
        if found is None:
            self.warn(
                item.line, f"{item.key}: expected a date like April 6, 2004, got {item.value!r}"
            )
        return found

    def _stages(
        self,
        tables: list[_Table],
        election_date: dt.date | None,
        date_text: str,
        date_found: _Dates,
        paragraphs: list[Paragraph],
        place_words: frozenset[str] = frozenset(),
    ) -> tuple[Stage, ...]:
        """Each table as a stage, dated from the strongest source that dates it: its caption,
        else the infobox's date (see :func:`_infobox_dated`), else the prose.

        The prose is read only for the kinds of the stages still without a date, and its date
        yields to the year the caption names: a caption "Primary election, 2004" with prose
        "the primary on May18, 2008" dates the primary May 18, 2004 (``date_source`` stays
        ``"prose"``, which gives the day, and a warning says the year was the caption's). The
        checks still report the prose's year (:mod:`tallyroom.checks.dates`)."""
        kinds = [_stage_kind(table.caption, table.section, place_words) for table in tables]
        # The date of each stage from its caption or the infobox, and how it was found.
        dated: list[tuple[dt.date | None, Literal["caption", "infobox", "prose"] | None]] = []
        by_infobox: dict[int, dt.date] | None = None  # read when a caption names no date
        # The kinds of the stages still undated, with the years their captions name.
        wanted: dict[StageKind, set[int]] = {}
        # The year each undated stage's caption names.
        years_named: dict[int, int | None] = {}
        for index, table in enumerate(tables):
            # (A caption without a year names no date: parse_date finds none in it.)
            date = parse_date(table.caption)
            if date is not None:
                dated.append((date, "caption"))
                continue
            if by_infobox is None:
                by_infobox = _infobox_dated(
                    [kind for kind, _ in kinds], election_date, date_text, date_found
                )
            if index in by_infobox:
                dated.append((by_infobox[index], "infobox"))
            else:
                dated.append((None, None))
                years = wanted.setdefault(kinds[index][0], set())
                digits = _DIGIT.search(table.caption) is not None
                year = years_named[index] = _caption_year(table.caption) if digits else None
                if year is not None:
                    years.add(year)
        prose = _prose_dates(paragraphs, wanted) if wanted else {}
        stages = []
        for index, table in enumerate(tables):
            by_round = table.by_rounds or bool(table.columns)
            if not by_round and table.inactive_lines:
                # Blank, overvote or exhausted ballots of a single count: no place in a stage.
                for number, text, label in table.inactive_lines.values():
                    self.skip(number, text, f"a summary line ({label}) with no place in the model")
            kind, party = kinds[index]
            date, source = dated[index]
            if date is None and kind in prose:
                date = self._prose_date(table, years_named[index], kind, prose[kind])
                source = "prose" if date is not None else None
            stages.append(
                _new_stage(  # (the fields in their order, passed by position)
                    kind,
                    party,
                    date,
                    table.caption or None,
                    table.section,
                    tuple(table.rows),  # results
                    table.total,  # stated_total
                    table.result,
                    table.registered,  # registered_voters
                    table.ballots,  # ballots_cast
                    None,  # status
                    (),  # units
                    (),  # unit_results
                    _rounds(table) if by_round else (),
                    source,  # date_source
                    table.line,  # caption_line
                    table.total_line,
                )
            )
        return tuple(stages)

    def _prose_date(
        self,
        table: _Table,
        year: int | None,
        kind: StageKind,
        found: list[tuple[dt.date, int | None]],
    ) -> dt.date | None:
        """The date of a stage from the prose's dates for its kind (``found``, in order, each
        with its line): the first in the year the table's caption names (``year``), else the
        first with its year replaced by the caption's (None when that day is not in that year),
        else the first."""
        first, line = found[0]
        if year is None:
            return first
        for date, _ in found:
            if date.year == year:
                return date
        try:
            moved = first.replace(year=year)
        except ValueError:
            moved = None
        stated = (
            f"the prose dates the {kind} {format_date(first)} but its table's caption "
            f"{table.caption!r} names {year}"
        )
        if moved is None:
            day = f"{MONTHS[first.month - 1]} {first.day}"
            self.warn(line, f"{stated}, which has no {day}: left undated")
        else:
            self.warn(line, f"{stated}: read as {format_date(moved)}")
        return moved


def _first(infobox: list[InfoboxField], key: str) -> InfoboxField | None:
    for item in infobox:
        if " ".join(item.key.casefold().split()) == key:
            return item
    return None


#: Infobox keys seen, read: documents share a small vocabulary of keys ("Candidate1", "Party1",
#: "Popular Vote1", ...), so each is read once. Emptied when it grows large.
_INFOBOX_KEYS: dict[str, tuple[str, int | None, str]] = {}


_ASCII_DIGITS = "0123456789"


def _infobox_key(key: str) -> tuple[str, int | None, str]:
    """ "Popular  Vote2" -> ("popular vote2", 2, "popular vote"): the key folded, and for a
    numbered key its number and folded stem (None and "" otherwise)."""
    read = _INFOBOX_KEYS.get(key)
    if read is None:
        index: int | None = None
        stem = ""
        if key[-1:] in _ASCII_DIGITS:
            stem = key.rstrip(_ASCII_DIGITS)
            index = int(key[len(stem) :])
            stem = " ".join(stem.casefold().split())
        read = (" ".join(key.casefold().split()), index, stem)
        if len(_INFOBOX_KEYS) >= 4096:
            _INFOBOX_KEYS.clear()
        _INFOBOX_KEYS[key] = read
    return read


#: The section a heading line enters from a section, and whether it lists candidates, by
#: (section, heading line stripped); :data:`_NOT_HEADING` for a line that is no heading.
#: Documents share a small vocabulary of headings, so each is read once. Emptied when large.
_SECTIONS: dict[tuple[Section, str], tuple[Section, bool]] = {}
_NOT_HEADING: tuple[Section, bool] = ((), False)


def _enter_section(section: Section, line: str) -> tuple[Section, bool]:
    """The section the heading ``line`` (stripped) enters from ``section``, and whether it is
    a list of candidates (its top heading names them); :data:`_NOT_HEADING` for a line that
    is no heading."""
    heading = _heading(line)
    if heading is None:
        entered = _NOT_HEADING
    else:
        level, title = heading
        within = (*section[: level - 1], title)
        if len(within) < level:
            within = (*within, *[""] * (level - len(within)))[:level]
        entered = (within, "candidate" in within[0].casefold())
    if len(_SECTIONS) >= 4096:
        _SECTIONS.clear()
    _SECTIONS[section, line] = entered
    return entered


def _title(line: str) -> str | None:
    """The title of a title line (stripped), as :data:`_TITLE` reads it on a line that is no
    heading (:data:`_HEADING`): "= 2004 Milwaukee mayoral election =" -> "2004 Milwaukee
    mayoral election"; None for another line. The usual title line, one "=" at each end around
    a title that neither starts with "=" nor is empty, is read without the patterns: there the
    title is what lies between the marks, stripped (the pattern's lazy title leaves the spaces
    before the closing mark, its ``\\s*`` those after the opening one)."""
    if line[:1] == "=" and line[1:2] != "=" and line[-1:] == "=" and len(line) > 2:
        title = line[1:-1].strip()
        if title and title[0] != "=":
            return title
    match = _TITLE.match(line)
    if match is None or _HEADING.match(line):
        return None
    return match["title"]


def _heading(line: str) -> tuple[int, str] | None:
    """The level and title of a heading line (stripped), as :data:`_HEADING` reads it: "===Results
    ===" -> (2, "Results"). The usual heading, as many marks (2 to 6) at each end, is read
    without the pattern, whose lazy title tries the closing marks at every character."""
    marks = len(line) - len(line.lstrip("="))
    if (
        2 <= marks <= 6
        and len(line) > 2 * marks
        and line[-marks - 1] != "="
        and line.endswith("=" * marks)
    ):
        return marks - 1, line[marks:-marks].strip()
    match = _HEADING.match(line)
    return (len(match["marks"]) - 1, match["title"]) if match else None


def _number(text: str) -> int | None:
    # The usual year or count ("2004", "86,493": digits, or digits in groups of three after
    # a first group of one to three), read at once as the pattern reads it.
    plain = text.replace(",", "") if "," in text else text
    if (
        plain.isdigit()
        and plain.isascii()
        and (plain is text or (text[0] != "," and text[-4::-4] == "," * (len(text) - len(plain))))
    ):
        return int(plain)
    match = _NUMBER.fullmatch(text)
    return int(match.group(1).replace(",", "")) if match else None


def _count(text: str) -> int | None:
    """ "59,569 votes" -> 59569; None unless the text is a whole number of votes."""
    text = text.strip()
    number = text[:-6] if text.endswith(" votes") else text[:-5] if text.endswith(" vote") else ""
    if number.isdigit() and number.isascii():
        return int(number)
    match = _COUNT.match(text)
    return int(match["number"].replace(",", "")) if match else None


def _usual_row(row: re.Match[str], number: int) -> CandidateResult | None:
    """What :meth:`_Reader._add_row` makes of a row :data:`_ROW` matched, read in one go; None
    when its group is a mark of a round table ("eliminated in round 2"), left to the general
    way."""
    name, marks, party, votes = row.groups()
    incumbent = write_in = False
    if marks:
        incumbent = "(incumbent)" in marks
        write_in = "(write-in)" in marks
    if party is not None:
        party = party.strip()
        folded = party.casefold()
        if folded in _MARKERS:  # none of them is a mark of a round table
            incumbent = incumbent or folded == "incumbent"
            write_in = write_in or folded in ("write-in", "write in")
            party = None
        elif _FATE.match(party):
            return None
    return CandidateResult(name, int(votes.replace(",", "")), party, incumbent, write_in, number)


#: What the group of a usual row (:data:`_ROW`) says, by the group as written: documents share
#: a small vocabulary of parties and marks, so each is read once. Emptied when it grows large.
_ROW_GROUPS: dict[str, tuple[str | None, bool, bool, bool]] = {}
#: What a usual row without a group reads as (see :func:`_row_group`).
_NO_GROUP: tuple[str | None, bool, bool, bool] = (None, False, False, True)


def _row_group(group: str) -> tuple[str | None, bool, bool, bool]:
    """The party a usual row's group names (None for a mark), whether it marks the candidate
    incumbent or a write-in, and whether the row is read as usual (False for a mark of a round
    table, "eliminated in round 2", left to the general way): as :func:`_usual_row` reads it."""
    read = _ROW_GROUPS.get(group)
    if read is None:
        party: str | None = group.strip()
        folded = group.strip().casefold()
        incumbent = write_in = False
        usual = True
        if folded in _MARKERS:
            incumbent = folded == "incumbent"
            write_in = folded in ("write-in", "write in")
            party = None
        elif _FATE.match(group.strip()):
            usual = False
        read = (party, incumbent, write_in, usual)
        if len(_ROW_GROUPS) >= 4096:
            _ROW_GROUPS.clear()
        _ROW_GROUPS[group] = read
    return read


_FIGURE = (
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\s+votes?(?:\s*\(\s*[0-9]{1,3}(?:\.[0-9]+)?\s*%\s*\))?"
)
#: A results row written without its "- ": "Bob Kiss (Progressive): 3,809 votes, 4,761 votes".
_BARE_ROW = re.compile(
    rf"[A-Z][^:|]{{0,120}}:\s*{_FIGURE}"
    rf"(?:\s*[,;]\s*(?:{_FIGURE}|(?:eliminated|defeated|elected|winner)\b[^,;:]*|—|–))*\s*",
    re.I,
)
#: A line that looks like a results row: "- Name ...: 1,234 votes" (maybe more figures after).
_ROW_LIKE = re.compile(r"^- [^:]*[^\s:]:\s*(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\s+votes?\b")


def _cells(text: str) -> list[str]:
    """The cells of a row written with "|" or tabs: "| A | 1 | 2 |" -> ["A", "1", "2"]."""
    text = text.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip() for cell in re.split(r"\s*\|\s*|\t+", text)]


#: The kind of summary line (:data:`_SUMMARY`) of each label seen, None for other labels: a
#: small vocabulary ("Total", "Registered voters"), each label read once. Emptied when large.
_LABEL_KINDS: dict[str, str | None] = {}


def _label_kind(label: str) -> str | None:
    """ "Registered voters" -> "registered": what a line of that label holds, by
    :data:`_SUMMARY`; None when it is not a summary line's."""
    try:
        return _LABEL_KINDS[label]
    except KeyError:
        kind = _SUMMARY.get(_fold_label(label))
        if len(_LABEL_KINDS) >= 4096:
            _LABEL_KINDS.clear()
        _LABEL_KINDS[label] = kind
        return kind


def _fold_label(label: str) -> str:
    """ "Exhausted ballots" -> "exhaustedballots"; "Over-votes" -> "overvotes"."""
    return label.casefold().replace(" ", "").replace("-", "").replace("\t", "")


def _header_columns(cells: list[str]) -> list[int]:
    """The round of each figure column of a header row (other columns dropped)."""
    rounds: list[int] = []
    for cell in cells:
        match = _ROUND_LABEL.match(cell.strip())
        if match is None:
            continue
        if match["number"]:
            rounds.append(int(match["number"]))
        elif match["ordinal"].casefold() in _ORDINALS:
            rounds.append(_ORDINALS.index(match["ordinal"].casefold()) + 1)
        else:
            rounds.append(max(rounds, default=0) + 1)
    return rounds


def _fate_word(word: str) -> str:
    return "eliminated" if word.casefold() in ("eliminated", "defeated") else "elected"


def _fate_of_cells(text: str) -> tuple[str, int | None] | None:
    """The fate a row's cells mark ("eliminated", "elected"), with the round when named."""
    for cell in _CELL_SPLIT.split(text):
        match = _FATE.match(cell.strip())
        if match is not None:
            return _fate_word(match["fate"]), _round_in(cell)
    return None


def _round_in(text: str) -> int | None:
    """The round a mark names: "eliminated in round 3" -> 3."""
    match = re.search(r"\bround\s*(\d{1,2})\b", text, re.I)
    return int(match[1]) if match else None


def _counts(table: _Table) -> list[list[int | None]]:
    """Each candidate row's figures round by round, in the order of the rows: a row with one
    figure has its votes."""
    wide = table.wide
    return [wide.get(index) or [row.votes] for index, row in enumerate(table.rows)]


def _rounds(table: _Table) -> tuple[Round, ...]:
    """The rounds a table gives, one per figure column: each round's tally is the candidates with
    a figure in it; a candidate with none in any later round is eliminated in it (or in the
    round a mark names); inactive ballots are those of the exhausted, overvote and blank rows."""
    counts = _counts(table)
    width = max((len(figures) for figures in [*counts, *table.inactive.values()]), default=0)
    columns = table.columns or []
    ordered = all(a < b for a, b in itertools.pairwise(columns))
    numbers = columns if len(columns) >= width and ordered else list(range(1, width + 1))
    marked: dict[str, tuple[str, int | None]] = {name: (fate, at) for name, fate, at in table.fates}
    # Each row's name and the index of its last figure (-1 for none), so that the candidates with
    # a figure after a round are found without reading the rest of each row again.
    last_figure = [
        (row.name, max((i for i, figure in enumerate(figures) if figure is not None), default=-1))
        for row, figures in zip(table.rows, counts, strict=True)
    ]
    rounds = []
    for index in range(width):
        number = numbers[index]
        tally = [
            (row.name, Decimal(figure))
            for row, figures in zip(table.rows, counts, strict=True)
            if index < len(figures) and (figure := figures[index]) is not None
        ]
        if not tally:
            continue
        later = {name for name, at in last_figure if at > index}
        last = index == width - 1
        eliminated: list[str] = []
        elected: list[str] = []
        for name, _ in tally:
            fate, at = marked.get(name, ("", None))
            if fate == "elected" and (at == number or (at is None and last)):
                elected.append(name)
            elif (fate == "eliminated" and at == number) or (
                not last and name not in later and fate != "elected" and at is None
            ):
                eliminated.append(name)
        reasons = tuple(
            (reason, Decimal(figure))
            for reason, figures in table.inactive.items()
            if index < len(figures) and (figure := figures[index]) is not None
        )
        rounds.append(
            Round(
                number,
                tuple(tally),
                elected=tuple(dict.fromkeys(elected)),
                eliminated=tuple(dict.fromkeys(eliminated)),
                inactive=sum((votes for _, votes in reasons), Decimal(0)),
                inactive_by_reason=reasons,
            )
        )
    return tuple(rounds)


_DATA_STEM = re.compile(r"([0-9]{1,2})data")
_LEADING_NUMBER = re.compile(
    r"\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?![0-9.,]*[0-9])(?:\s+votes?)?(?:\s*\(.*\))?\s*"
)


def _data_row(
    columns: dict[int, dict[str, InfoboxField]],
    fields: dict[str, InfoboxField],
    stages: tuple[Stage, ...],
) -> int | None:
    """The numbered infobox row ("1Data1", "2Data1", ...) holding the deciding stage's votes:
    the runoff's when a stage is a runoff."""
    found: set[int] = set()
    for column in columns.values():
        for stem in column:
            if stem.endswith("data"):
                match = _DATA_STEM.fullmatch(stem)
                if match is not None:
                    found.add(int(match[1]))
    if not found:
        return None
    rows = sorted(found)
    runoff = any(stage.kind == "runoff" for stage in stages)
    labels = {row: (fields[f"{row}blank"].value if f"{row}blank" in fields else "") for row in rows}
    wanted = ("runoff", "run-off", "second", "final", "last") if runoff else ("first",)
    for row in rows:
        if any(word in labels[row].casefold() for word in wanted):
            return row
    if runoff:
        return rows[-1] if len(rows) > 1 else None
    return rows[0]


def _leading_number(text: str) -> int | None:
    """ "97,667" or "97,667 (18.5%)" -> 97667; None for anything else ("Eliminated")."""
    match = _LEADING_NUMBER.fullmatch(text)
    return int(match[1].replace(",", "")) if match else None


def _split_groups(text: str) -> tuple[str, list[str]]:
    """'A (incumbent) (Democratic Party (United States))' -> ('A', ['incumbent', 'Dem...'])."""
    rest = text.rstrip()
    groups: list[str] = []
    while rest.endswith(")"):
        close = len(rest) - 1
        position = close
        while True:
            position = rest.rfind("(", 0, position)
            if position < 0:
                break
            group = rest[position:close]
            if group.count("(") == group.count(")") + 1:
                break
        if position <= 0:
            break
        groups.append(rest[position + 1 : close].strip())
        rest = rest[:position].rstrip()
    groups.reverse()
    return rest.strip(), groups


#: The dates a text holds, each with its match: :func:`find_dates` in a tuple.
_Dates = tuple[tuple[dt.date, re.Match[str]], ...]
#: The dates of infobox values seen (every election of a day has the same): each read once.
#: Emptied when it grows large.
_DATES_IN: dict[str, _Dates] = {}


def _dates_in(text: str) -> _Dates:
    """``tuple(find_dates(text))``, each text read once."""
    found = _DATES_IN.get(text)
    if found is None:
        found = tuple(find_dates(text))
        if len(_DATES_IN) >= 4096:
            _DATES_IN.clear()
        _DATES_IN[text] = found
    return found


def _infobox_dated(
    kinds: list[StageKind],
    election_date: dt.date | None,
    text: str,
    dates: _Dates,
) -> dict[int, dt.date]:
    """The stages the infobox's election date (``text``, whose :func:`find_dates` are
    ``dates``) belongs to, by index. A value naming several dates, each marked ("February 26,
    2019 (first round), April 2, 2019 (runoff)"), dates the last stage of each kind marked; a
    single date is the general election's (the last one), else the last runoff's."""
    found: dict[int, dt.date] = {}
    if len(dates) > 1:
        for at, (date, match) in enumerate(dates):
            end = dates[at + 1][1].start() if at + 1 < len(dates) else len(text)
            mark = text[match.end() : end].casefold()
            kind: StageKind | None = None
            if "runoff" in mark or "run-off" in mark or "second round" in mark:
                kind = "runoff"
            elif "primary" in mark:
                kind = "primary"
            elif "general" in mark or "first round" in mark:
                kind = "general"
            chosen = max((i for i, k in enumerate(kinds) if k == kind), default=None)
            if chosen is not None:
                found.setdefault(chosen, date)
        return found
    if election_date is None:
        return found
    for wanted in ("general", "runoff"):
        chosen = max((i for i, k in enumerate(kinds) if k == wanted), default=None)
        if chosen is not None:
            found[chosen] = election_date
            break
    return found


def _stage_kind(
    caption: str, section: Section, place_words: frozenset[str] = frozenset()
) -> tuple[StageKind, str | None]:
    """The kind of stage a table is (the first its caption, then its headings from the deepest,
    name; else "general"), and for a primary the party it names: "2003 Democratic primary" ->
    "Democratic"; None for a nonpartisan ("Non-partisan", "blanket") primary. The words of the
    place the title names are not the party's ("2003 Baltimore Democratic primary")."""
    read = _STAGE_KINDS.get((caption, section))
    if read is None:
        read = _stage_kind_read(caption, section)
    kind, parties = read
    for party in parties:
        start = 0
        while start < len(party) and party[start].rstrip(",") in place_words:
            start += 1
        if start < len(party):
            return kind, party_short(" ".join(party[start:]))
    return kind, None


#: What a caption and its section say of their stage, by (caption, section): its kind and, for a
#: primary, the words that may name its party (:func:`_party_words`) of each text that has some,
#: in the order they are tried. Each read once; emptied when it grows large.
_STAGE_KINDS: dict[tuple[str, Section], tuple[StageKind, tuple[tuple[str, ...], ...]]] = {}


def _stage_kind_read(
    caption: str, section: Section
) -> tuple[StageKind, tuple[tuple[str, ...], ...]]:
    kind = _text_kind(caption)
    if kind is None:
        for text in reversed(section):
            kind = _text_kind(text)
            if kind is not None:
                break
        else:
            kind = "general"
    parties: tuple[tuple[str, ...], ...] = ()
    if kind == "primary":
        parties = tuple(
            words for text in (caption, *reversed(section)) if (words := _party_words(text))
        )
    if len(_STAGE_KINDS) >= 4096:
        _STAGE_KINDS.clear()
    read = _STAGE_KINDS[caption, section] = (kind, parties)
    return read


def _text_kind(text: str) -> StageKind | None:
    """ "Runoff results" -> "runoff": the kind of stage a caption or heading names."""
    folded = text.casefold()
    if "runoff" in folded or "run-off" in folded:
        return "runoff"
    if "general" in folded:
        return "general"
    if "primary" in folded or "nomination" in folded:
        return "primary"
    return None


def _party_words(text: str) -> tuple[str, ...]:
    """The capitalised words right before "primary" that are not a nonpartisan label: "2003
    Baltimore Democratic primary" -> ("Baltimore", "Democratic"); () when "primary" does not
    follow a word."""
    at = text.casefold().find("primary")
    if at <= 0:
        return ()
    words = text[:at].split()
    party: list[str] = []
    while words and words[-1][:1].isupper() and words[-1].casefold() not in _NOT_PARTIES:
        party.insert(0, words.pop())
    return tuple(party)


def _prose_dates(
    paragraphs: list[Paragraph], wanted: dict[StageKind, set[int]]
) -> dict[StageKind, list[tuple[dt.date, int | None]]]:
    """The complete dates the prose ties to each of the ``wanted`` kinds of stage, in order,
    each with its paragraph's line. A date belongs to the stage its clause names next to it
    (:func:`~tallyroom.formats.dates.stage_kind_near`). Reading stops once every kind has a date
    and one in each of the years wanted for it (the years its captions name)."""
    found: dict[StageKind, list[tuple[dt.date, int | None]]] = {}
    missing = {kind: set(years) for kind, years in wanted.items()}
    for paragraph in paragraphs:
        text = paragraph.text
        folded = text.casefold()
        # The words that tie a date to a stage (see :func:`stage_kind_near`), then a digit.
        if not (
            "primar" in folded or "general" in folded or "runoff" in folded or "run-off" in folded
        ) or not _DIGIT.search(text):
            continue
        # The dates of the paragraph are those of its clauses (no date holds a "." or ";"),
        # each read with the clause that holds it.
        clause, begin, end = "", 0, -1
        words: StageWords = []
        for date, match in find_dates(text):
            start = match.start()
            if start >= end:
                begin, end = _clause(text, start, match.end())
                clause = text[begin:end]
                words = stage_words(clause)
            kind = stage_kind_near(clause, start - begin, match.end() - begin, words)
            if kind is None or kind not in missing:
                continue
            found.setdefault(kind, []).append((date, paragraph.line))
            years = missing[kind]
            years.discard(date.year)
            if not years:
                del missing[kind]
                if not missing:
                    return found
    return found


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the clause holding the date ``text[start:end]`` begins and ends: the part of
    ``_CLAUSE.split(text)`` it lies in. The clauses are split at each "." or ";" followed by a
    space (and the spaces after it), which no date holds; the nearest such split before and
    after the date are found with plain search."""
    # (Each search goes on from where the last one of its character stopped: linear time.)
    begin = 0
    dot, semicolon = text.rfind(".", 0, start), text.rfind(";", 0, start)
    while dot >= 0 or semicolon >= 0:
        at = max(dot, semicolon)
        if text[at + 1].isspace():
            begin = at + 2
            while text[begin].isspace():  # (a date starts with no space)
                begin += 1
            break
        if at == dot:
            dot = text.rfind(".", 0, at)
        else:
            semicolon = text.rfind(";", 0, at)
    stop = len(text)
    dot, semicolon = text.find(".", end), text.find(";", end)
    while dot >= 0 or semicolon >= 0:
        at = min(dot, semicolon) if dot >= 0 and semicolon >= 0 else max(dot, semicolon)
        if text[at + 1 : at + 2].isspace():
            stop = at
            break
        if at == dot:
            dot = text.find(".", at + 1)
        else:
            semicolon = text.find(";", at + 1)
    return begin, stop


def _caption_year(caption: str) -> int | None:
    """The one year a caption names ("Primary election, 2004" -> 2004); None when it names
    none, several, or a span ("2003–04")."""
    year: int | None = None
    for match in _YEAR.finditer(caption):
        named = int(match[1])
        if match[2] or named != (year or named):
            return None
        year = named
    return year


#: What :func:`_place` reads of a title, by the title less its year (:data:`_YEAR_PREFIX`):
#: titles differ by their year more than by their place. Emptied when it grows large.
_PLACES: dict[str, _Place | None] = {}


def _place(title: str) -> _Place | None:
    """The place a title names (as :data:`_PLACE` reads it: "2004 Baltimore, Maryland mayoral
    election" -> "Baltimore, Maryland"), its words, and its jurisdiction when it names a state
    (None when the state is to be found in the prose); None for a title naming no place."""
    prefix = _YEAR_PREFIX.match(title)
    rest = title[prefix.end() :] if prefix is not None else title
    try:
        read = _PLACES[rest]
    except KeyError:
        # What the pattern reads after the year, as it first splits the year off.
        match = _PLACE_AFTER.match(rest)
        read = _place_read(match["place"]) if match is not None else None
        if len(_PLACES) >= 4096:
            _PLACES.clear()
        _PLACES[rest] = read
    if read is None and prefix is not None:
        # The pattern then splits the year off otherwise, or not at all.
        match = _PLACE.match(title)
        read = _place_read(match["place"]) if match is not None else None
    return read


def _place_read(place: str) -> _Place:
    """A place, its words (which name no party, see :func:`_stage_kind`) and its jurisdiction
    when it names a state after a comma ("Riverton, Wyoming")."""
    city, _, state = place.partition(",")
    state = state.strip()
    known = _new_jurisdiction(city.strip() or None, state) if state else None
    return place, frozenset(_PLACE_WORD.findall(place)), known


def _jurisdiction(place: _Place | None, paragraphs: list[Paragraph]) -> Jurisdiction:
    """The city and state of the title's place (see :func:`_place`): the state it names, else
    the first the prose names."""
    if place is None:
        return Jurisdiction()
    if place[2] is not None:
        return place[2]
    city, _, _ = place[0].partition(",")
    state = find_state(" ".join([p.text for p in paragraphs])) or ""
    return _new_jurisdiction(city.strip() or None, state or None)
