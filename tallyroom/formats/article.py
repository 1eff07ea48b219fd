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
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from tallyroom.errors import ParseError
from tallyroom.formats.dates import MONTHS, find_dates, format_date, parse_date, stage_kind_near
from tallyroom.formats.states import find_state
from tallyroom.model import (
    Candidate,
    CandidateResult,
    Election,
    InfoboxCandidate,
    InfoboxField,
    Jurisdiction,
    Paragraph,
    Section,
    Stage,
    StageKind,
)
from tallyroom.names import NONPARTISAN_LABELS, party_short, split_nickname

__all__ = ["ArticleRead", "ParseWarning", "parse_article", "read_article", "read_article_file"]

_TITLE = re.compile(r"^=\s*(?P<title>[^=].*?)\s*=$")
_HEADING = re.compile(r"^(?P<marks>={2,6})\s*(?P<title>.*?)\s*(?P=marks)$")
_CAPTION = re.compile(r"^\s+-\s+(?P<caption>.*?)\*\*\s*$")
_COUNT = re.compile(r"^(?P<number>\d{1,3}(?:,\d{3})+|\d+)\s+votes?$")
_LABELLED = re.compile(
    r"^(?P<label>Total|Result|Registered voters|Ballots cast):\s*(?P<value>.*?)\s*$", re.I
)
_DIGIT = re.compile(r"\d")
_CLAUSE = re.compile(r"[;.]\s+")
_PLACE = re.compile(r"^(?:\d{4}(?:[–-]\d{2,4})?\s+)?(?P<place>.+?)\s+mayoral\b", re.I)
_NOT_PARTIES = frozenset({"non-partisan", "nonpartisan", "blanket", "open", "jungle", "mayoral"})
_ACTING = re.compile(r"\s*\(acting\)\s*$", re.I)
_MAYORAL = re.compile(r"\bmayoral\b", re.I)
_NUMBER = re.compile(r"\s*(\d{1,3}(?:,\d{3})+|\d+)\s*")
#: A year in a caption, alone or opening a span ("2003–04"), not part of a longer number.
_YEAR = re.compile(r"(?<![\d–-])(1[89]\d\d|2[01]\d\d)([–-]\d{2,4})?(?!\d)")
#: A results row in its usual shape, stripped, read in one go: a name without parentheses or
#: colons, "(incumbent)"/"(write-in)" markers, at most one more group (the party, which may
#: hold one level of parentheses) and a plain count. Other rows take the general way.
_ROW = re.compile(
    r"- (?P<name>[^\s():](?:[^():]*[^\s():])?)"
    r"(?P<marks>(?: \((?:incumbent|write-in)\))*)"
    r"(?: \((?P<party>[^()]*(?:\([^()]*\)[^()]*)*)\))?"
    r": (?P<votes>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+) votes?"
)
#: Group labels of a row that are not a party.
_MARKERS = frozenset({"incumbent", "write-in", "write in", *NONPARTISAN_LABELS})
#: Words that tie a date in prose to a stage (see :func:`stage_kind_near`), folded.
_STAGE_WORDS = ("primar", "general", "runoff", "run-off")


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


def parse_article(text: str, source: str | None = None) -> Election:
    """Read one election article; raises :class:`ParseError` when it cannot be read."""
    return read_article(text, source).election


def read_article_file(path: Path) -> Election:
    from tallyroom.formats import read_bytes

    return parse_article(read_bytes(path), source=str(path))


def read_article(text: str, source: str | None = None) -> ArticleRead:
    """Read one election article, returning the election and the warnings met on the way."""
    from tallyroom.limits import check_figures

    read = _Reader(text, source).read()
    check_figures(read.election, source or "<input>")
    return read


@dataclass(slots=True)
class _Table:
    caption: str
    section: Section
    line: int
    rows: list[CandidateResult]
    total: int | None = None
    total_line: int | None = None
    result: str | None = None
    registered: int | None = None
    ballots: int | None = None


class _Reader:
    def __init__(self, text: str, source: str | None) -> None:
        self.source = source
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.warnings: list[ParseWarning] = []

    def error(self, line: int | None, message: str, text: str | None = None) -> ParseError:
        return ParseError(message, source=self.source, line=line, text=text)

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ParseWarning(self.source, line, message))

    # -- the document's blocks -------------------------------------------------------------

    def read(self) -> ArticleRead:
        lines = self.lines
        first_no = next((i + 1 for i, line in enumerate(lines) if line.strip()), None)
        if first_no is None:
            raise self.error(None, "empty document: expected an article starting '= Title ='")
        first = lines[first_no - 1].strip()
        title_match = _TITLE.match(first)
        title: str | None = None
        if title_match and not _HEADING.match(first):
            title = title_match.group("title")
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
        start = first_no if title else first_no - 1
        for number, raw in enumerate(lines[start:], start + 1):
            stripped = raw.strip()
            if not stripped:
                in_infobox = False
                continue
            lead = stripped[0]
            if in_infobox:
                if lead == "-" and stripped[1:2] in (" ", "\t"):
                    key, colon, value = stripped[2:].partition(":")
                    key = key.strip()
                    if colon and key and (not value or value[0] in " \t"):
                        infobox.append(InfoboxField(key, value.strip(), number))
                        continue
                in_infobox = False
            if lead == "-":
                if raw[0] != "-" and stripped.endswith("**"):
                    caption = _CAPTION.match(raw)
                    if caption:
                        table = _Table(caption["caption"].strip(), section, number, [])
                        tables.append(table)
                        rows = table.rows
                        continue
                if rows is not None:
                    row = usual_row(stripped)
                    if row is not None:
                        rows.append(_usual_row(row, number))
                        continue
                    who, colon, count = stripped[2:].rpartition(":")
                    if colon and who:
                        rows.append(self._row(who, count, number, stripped))
                        continue
                table = rows = None
                if listing:
                    who, _, description = stripped[2:].partition(", ")
                    if '"' in who or "“" in who:
                        name, nickname = split_nickname(who)
                    else:
                        name, nickname = " ".join(who.split()), None
                    candidates.append(
                        Candidate(name, nickname, description.strip() or None, section, number)
                    )
                    continue
            elif lead == "=":
                heading = _HEADING.match(stripped)
                if heading:
                    level = len(heading["marks"]) - 1
                    section = (*section[: level - 1], heading["title"])
                    if len(section) < level:
                        section = (*section, *[""] * (level - len(section)))[:level]
                    outline.append(section)
                    listing = "candidate" in section[0].casefold()
                    table = rows = None
                    continue
            elif stripped == "Infobox" and not infobox:
                in_infobox = True
                table = rows = None
                continue
            elif table is not None and ":" in stripped:
                labelled = _LABELLED.match(stripped)
                if labelled:
                    self._table_line(table, labelled["label"].casefold(), labelled["value"], number)
                    if table.total_line:
                        rows = None
                    continue
            table = rows = None
            paragraphs.append(Paragraph(stripped, section, number))
        if title is None:
            named = _first(infobox, "election name")
            if named is None:
                raise self.error(first_no, "expected a title line '= Title =' first", first)
            title = named.value
        if not infobox and not tables:
            raise self.error(
                first_no,
                "not an election article: expected an 'Infobox' block or a results table",
            )
        election = self._election(title, infobox, paragraphs, candidates, outline, tables)
        return ArticleRead(election, tuple(self.warnings))

    def _table_line(self, table: _Table, label: str, value: str, number: int) -> None:
        if label == "result":
            table.result = value or None
            return
        count = _count(value)
        if count is None:
            raise self.error(number, f"expected '{label.capitalize()}: N votes'", value)
        if label == "total":
            table.total, table.total_line = count, number
        elif label == "registered voters":
            table.registered = count
        else:
            table.ballots = count

    def _row(self, who: str, count: str, number: int, text: str) -> CandidateResult:
        votes = _count(count)
        if votes is None and count.strip().casefold() != "unknown votes":
            raise self.error(
                number, "expected a results row 'Name (Party): N votes' with a whole number", text
            )
        name, groups = _split_groups(who)
        if not name:
            raise self.error(number, "expected a candidate's name before the party", text)
        incumbent = write_in = False
        party: str | None = None
        for group in groups:
            folded = group.casefold()
            if folded == "incumbent":
                incumbent = True
            elif folded in ("write-in", "write in"):
                write_in = True
            elif folded in NONPARTISAN_LABELS:
                party = None
            elif party is None:
                party = group
            else:
                self.warn(number, f"second party label {group!r} ignored")
        return CandidateResult(name, votes, party, incumbent, write_in, line=number)

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
        fields, columns = self._infobox_fields(infobox)

        def text(key: str) -> str | None:
            item = fields.get(key)
            return item.value if item and item.value else None

        before = text("before election")
        before_acting = False
        if before:
            stripped = _ACTING.sub("", before)
            before_acting = stripped != before
            before = stripped
        election_date = self._date_field(fields.get("election date"))
        stages = self._stages(tables, election_date, paragraphs)
        office = text("title")
        if office is None and _MAYORAL.search(title):
            office = "Mayor"
        return Election(
            title=title,
            jurisdiction=_jurisdiction(title, paragraphs),
            office=office,
            date=election_date,
            type=text("type"),
            term=text("term"),
            previous_election=text("previous election"),
            previous_year=self._int_field(fields.get("previous year")),
            next_election=text("next election"),
            next_year=self._int_field(fields.get("next year")),
            before_holder=before,
            before_acting=before_acting,
            before_party=text("before party"),
            after_holder=text("after election"),
            after_party=text("after party"),
            stated_turnout=self._percent_field(fields.get("turnout")),
            registered_voters=self._int_field(fields.get("registered")),
            nominees=self._nominees(columns),
            stages=stages,
            candidates=tuple(candidates),
            paragraphs=tuple(paragraphs),
            outline=tuple(outline),
            infobox=tuple(infobox),
            source=self.source,
        )

    def _infobox_fields(
        self, infobox: list[InfoboxField]
    ) -> tuple[dict[str, InfoboxField], dict[int, dict[str, InfoboxField]]]:
        """The fields by their key folded (the first of a repeated key, with a warning), and
        the numbered fields ("Candidate1", "Popular Vote1") by number, then by folded stem."""
        fields: dict[str, InfoboxField] = {}
        columns: dict[int, dict[str, InfoboxField]] = {}
        known = _INFOBOX_KEYS.get
        for item in infobox:
            key, index, stem = known(item.key) or _infobox_key(item.key)
            if index is not None:
                columns.setdefault(index, {}).setdefault(stem, item)
            if key in fields:
                self.warn(
                    item.line,
                    f"infobox key {item.key!r} appears again (first on line "
                    f"{fields[key].line}); the first value is used",
                )
                continue
            fields[key] = item
        return fields, columns

    def _nominees(
        self, columns: dict[int, dict[str, InfoboxField]]
    ) -> tuple[InfoboxCandidate, ...]:
        nominees = []
        for index in sorted(columns):
            column = columns[index]
            who = column.get("candidate") or column.get("nominee")
            if who is None or not who.value:
                continue
            party = column.get("party")
            nominees.append(
                InfoboxCandidate(
                    who.value,
                    party.value if party and party.value else None,
                    self._int_field(column.get("popular vote")),
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

    def _date_field(self, item: InfoboxField | None) -> dt.date | None:
        if item is None or not item.value:
            return None
        found = parse_date(item.value)
        if found is None:
            self.warn(
                item.line, f"{item.key}: expected a date like April 6, 2004, got {item.value!r}"
            )
        return found

    def _stages(
        self, tables: list[_Table], election_date: dt.date | None, paragraphs: list[Paragraph]
    ) -> tuple[Stage, ...]:
        """Each table as a stage, dated from the strongest source that dates it: its caption,
        else the infobox's date for the deciding stage, else the prose.

        The prose is read only for the kinds of the stages still without a date, and its date
        yields to the year the caption names: a caption "Primary election, 2004" with prose
        "the primary on May18, 2008" dates the primary May 18, 2004 (``date_source`` stays
        ``"prose"``, which gives the day, and a warning says the year was the caption's). The
        checks still report the prose's year (:mod:`tallyroom.checks.dates`)."""
        kinds = [_stage_kind(table.caption, table.section) for table in tables]
        deciding = max(
            (i for i, (kind, _) in enumerate(kinds) if kind in ("general", "runoff")), default=None
        )
        dated: list[tuple[dt.date | None, Literal["caption", "infobox"] | None]] = []
        # The kinds of the stages still undated, with the years their captions name.
        wanted: dict[StageKind, set[int]] = {}
        for index, (table, (kind, _)) in enumerate(zip(tables, kinds, strict=True)):
            date = parse_date(table.caption) if _DIGIT.search(table.caption) else None
            if date is not None:
                dated.append((date, "caption"))
            elif index == deciding and election_date is not None:
                dated.append((election_date, "infobox"))
            else:
                dated.append((None, None))
                years = wanted.setdefault(kind, set())
                year = _caption_year(table.caption) if _DIGIT.search(table.caption) else None
                if year is not None:
                    years.add(year)
        prose = _prose_dates(paragraphs, wanted) if wanted else {}
        stages = []
        for table, (kind, party), (date, stated) in zip(tables, kinds, dated, strict=True):
            source: Literal["caption", "infobox", "prose"] | None = stated
            if date is None and kind in prose:
                date = self._prose_date(table, kind, prose[kind])
                source = "prose" if date is not None else None
            stages.append(
                Stage(
                    kind=kind,
                    party=party,
                    date=date,
                    caption=table.caption,
                    section=table.section,
                    results=tuple(table.rows),
                    stated_total=table.total,
                    result=table.result,
                    registered_voters=table.registered,
                    ballots_cast=table.ballots,
                    date_source=source,
                    caption_line=table.line,
                    total_line=table.total_line,
                )
            )
        return tuple(stages)

    def _prose_date(
        self, table: _Table, kind: StageKind, found: list[tuple[dt.date, int | None]]
    ) -> dt.date | None:
        """The date of a stage from the prose's dates for its kind (``found``, in order, each
        with its line): the first in the year the table's caption names, else the first with
        its year replaced by the caption's (None when that day is not in that year), else the
        first."""
        year = _caption_year(table.caption) if _DIGIT.search(table.caption) else None
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


def _number(text: str) -> int | None:
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


def _usual_row(row: re.Match[str], number: int) -> CandidateResult:
    """What :meth:`_Reader._row` makes of a row :data:`_ROW` matched, read in one go."""
    name, marks, party, votes = row.groups()
    incumbent = write_in = False
    if marks:
        incumbent = "(incumbent)" in marks
        write_in = "(write-in)" in marks
    if party is not None:
        party = party.strip()
        folded = party.casefold()
        if folded in _MARKERS:
            incumbent = incumbent or folded == "incumbent"
            write_in = write_in or folded in ("write-in", "write in")
            party = None
    return CandidateResult(name, int(votes.replace(",", "")), party, incumbent, write_in, number)


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


def _stage_kind(caption: str, section: Section) -> tuple[StageKind, str | None]:
    for text in (caption, *reversed(section)):
        folded = text.casefold()
        kind: StageKind | None = None
        if "runoff" in folded or "run-off" in folded:
            kind = "runoff"
        elif "general" in folded:
            kind = "general"
        elif "primary" in folded or "nomination" in folded:
            kind = "primary"
        if kind is not None:
            return kind, (_primary_party(caption, section) if kind == "primary" else None)
    return "general", None


def _primary_party(caption: str, section: Section) -> str | None:
    """The party whose primary a caption or heading names: "2003 Democratic primary" ->
    "Democratic"; None for a nonpartisan ("Non-partisan", "blanket") primary."""
    for text in (caption, *reversed(section)):
        at = text.casefold().find("primary")
        if at <= 0:
            continue
        words = text[:at].split()
        party: list[str] = []
        while words and words[-1][:1].isupper() and words[-1].casefold() not in _NOT_PARTIES:
            party.insert(0, words.pop())
        if party:
            return party_short(" ".join(party))
    return None


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
        if not _DIGIT.search(text):
            continue
        folded_text = text.casefold()
        if not any(word in folded_text for word in _STAGE_WORDS):
            continue
        for clause in _CLAUSE.split(text):
            for date, match in find_dates(clause):
                kind = stage_kind_near(clause, match.start(), match.end())
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


def _caption_year(caption: str) -> int | None:
    """The one year a caption names ("Primary election, 2004" -> 2004); None when it names
    none, several, or a span ("2003–04")."""
    matches = list(_YEAR.finditer(caption))
    years = {int(match[1]) for match in matches}
    if len(years) != 1 or any(match[2] for match in matches):
        return None
    return years.pop()


def _jurisdiction(title: str, paragraphs: list[Paragraph]) -> Jurisdiction:
    match = _PLACE.match(title)
    if not match:
        return Jurisdiction()
    city, _, state = match["place"].partition(",")
    state = state.strip()
    if not state:
        state = find_state(" ".join(p.text for p in paragraphs)) or ""
    return Jurisdiction(city.strip() or None, state or None)
