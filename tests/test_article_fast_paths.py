"""The quick ways the article reader takes give what the plain ways give.

- The model's frozen dataclasses are built by a faster ``__init__`` (:mod:`tallyroom.model`):
  the same parameters and defaults, and instances as immutable, comparable, hashable, picklable
  and replaceable as the dataclass makes them. A :func:`~tallyroom.model.builder` makes the
  same instances as calling the class.
- A title line, a title's place, a heading and a row's name are read as their patterns (or the
  plain folding) read them, each kept once for the documents that repeat it.
- The walk over an election for counts beyond the limit is skipped for a document with no run
  of 13 digits: a count beyond the limit is still refused, with its line; one at the limit is
  read.
- Patterns rewritten to open with literal letters (a state's name, a stage word) find exactly
  what the plain alternation finds, on texts made of the words they look for and their traps.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import inspect
import pickle
import re
import typing
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom import model
from tallyroom.errors import ValidationError
from tallyroom.formats import article, dates
from tallyroom.formats.article import parse_article, read_article
from tallyroom.formats.dates import find_dates, parse_date, stage_words
from tallyroom.formats.states import US_STATES, find_state
from tallyroom.limits import MAX_VOTES, check_figures

SAMPLES = Path(__file__).resolve().parent.parent / "tallyroom" / "data" / "samples"

DATACLASSES = [
    kind
    for kind in (getattr(model, name) for name in model.__all__)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind)
]


@pytest.mark.parametrize("kind", DATACLASSES, ids=lambda kind: kind.__name__)
def test_every_model_class_takes_its_fields_in_order_with_their_defaults(kind: type) -> None:
    parameters = list(inspect.signature(kind).parameters.values())
    fields = dataclasses.fields(kind)
    assert [p.name for p in parameters] == [f.name for f in fields]
    for parameter, item in zip(parameters, fields, strict=True):
        expected = inspect.Parameter.empty if item.default is dataclasses.MISSING else item.default
        assert parameter.default is expected
    assert kind.__init__.__qualname__ == f"{kind.__name__}.__init__"


def test_a_read_election_is_frozen_and_every_part_is_of_its_own_class() -> None:
    election = parse_article(
        (SAMPLES / "2004-portland.txt").read_text(encoding="utf-8"), source="2004-portland.txt"
    )
    parts: list[object] = [
        election,
        election.jurisdiction,
        *election.stages,
        *(row for stage in election.stages for row in stage.results),
        *election.candidates,
        *election.paragraphs,
        *election.infobox,
        *election.nominees,
    ]
    assert {type(part).__name__ for part in parts} >= {
        "Election",
        "Jurisdiction",
        "Stage",
        "CandidateResult",
        "Candidate",
        "Paragraph",
        "InfoboxField",
    }
    for part in parts:
        assert type(part) in DATACLASSES
        name = dataclasses.fields(part)[0].name  # type: ignore[arg-type]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(part, name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(part, name)
        with pytest.raises(AttributeError):
            part.__dict__  # noqa: B018 - slotted: no instance dictionary
    stage = election.stages[0]
    assert stage.results[0].line is not None and stage.caption_line is not None


def test_instances_compare_hash_pickle_copy_and_replace_as_dataclasses() -> None:
    row = model.CandidateResult("Tom Potter", 168_377, "Nonpartisan", line=62)
    moved = model.CandidateResult("Tom Potter", 168_377, "Nonpartisan", line=9)
    assert row == moved and hash(row) == hash(moved)  # lines take no part in equality
    assert row != dataclasses.replace(row, votes=1)
    stage = model.Stage("general", date=dt.date(2004, 11, 2), results=(row,), total_line=63)
    election = model.Election(title="2004 Portland mayoral election", stages=(stage,), source="x")
    for twin in (pickle.loads(pickle.dumps(election)), copy.deepcopy(election)):
        assert twin == election and hash(twin) == hash(election)
        assert type(twin) is model.Election and twin.source == "x"
        assert twin.stages[0].total_line == 63 and twin.stages[0].results[0].line == 62
    replaced = dataclasses.replace(election, office="Mayor")
    assert type(replaced) is model.Election
    assert (replaced.office, replaced.stages, replaced.source) == ("Mayor", (stage,), "x")
    assert model.Election(title="t").jurisdiction == model.Jurisdiction()
    assert dataclasses.asdict(row)["votes"] == 168_377


def test_arguments_are_checked_and_post_init_still_runs() -> None:
    with pytest.raises(TypeError, match=r"Election\.__init__\(\) missing 1 required"):
        model.Election()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        model.InfoboxField("Key", "Value", bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="sum to 2, not 1"):
        model.Round(
            1,
            (("A", Decimal(5)),),
            inactive=Decimal(1),
            inactive_by_reason=(("exhausted", Decimal(2)),),
        )


ARTICLE = """= 2004 Springfield mayoral election =

Infobox
- Election Date: April 6, 2004

==General election==
  - General election results, April 6, 2004**

- Ann Lee (Nonpartisan candidate): {votes} votes
- Bo Park (Nonpartisan candidate): 1,204 votes
Total: 2,000 votes
"""


@pytest.mark.parametrize(
    "votes", [f"{MAX_VOTES + 1:,}", str(MAX_VOTES + 1), "99,999,999,999,999,999"]
)
def test_a_count_beyond_the_limit_is_refused_with_its_line(votes: str) -> None:
    with pytest.raises(ValidationError, match="beyond the limit") as raised:
        read_article(ARTICLE.format(votes=votes), source="big.txt")
    assert raised.value.line == 9 and raised.value.source == "big.txt"


@pytest.mark.parametrize("votes", ["9" * 4301, "1" + ",000" * 1434, "7" * 20_000])
def test_a_number_too_long_to_convert_is_refused_with_its_line(votes: str) -> None:
    """Python converts at most 4,300 digits to an integer: the reader stops at such a count
    with a ``ValueError``, which is worded as the count beyond the limit it is."""
    with pytest.raises(ValidationError, match="digits is more than the limit") as raised:
        read_article(ARTICLE.format(votes=votes), source="huge.txt")
    assert raised.value.line == 9 and raised.value.source == "huge.txt"


@pytest.mark.parametrize("votes", [f"{MAX_VOTES:,}", str(MAX_VOTES), "0000000000000796"])
def test_a_count_at_the_limit_or_with_leading_zeros_is_read(votes: str) -> None:
    election = read_article(ARTICLE.format(votes=votes), source="ok.txt").election
    assert election.stages[0].results[0].votes == int(votes.replace(",", ""))


BEYOND = MAX_VOTES + 1
_STAGE = model.Stage("general")
#: For each whole-number field an election can hold (by the model's types, line numbers left
#: out), an election holding a count beyond the limit there and nowhere else.
_BEYOND_IN = {
    ("Election", "previous_year"): model.Election("t", previous_year=BEYOND),
    ("Election", "next_year"): model.Election("t", next_year=BEYOND),
    ("Election", "registered_voters"): model.Election("t", registered_voters=BEYOND),
    ("InfoboxCandidate", "votes"): model.Election(
        "t", nominees=(model.InfoboxCandidate("A"), model.InfoboxCandidate("B", votes=BEYOND))
    ),
    **{
        ("Stage", name): model.Election(
            "t", stages=(_STAGE, dataclasses.replace(_STAGE, **{name: BEYOND}))
        )
        for name in ("stated_total", "registered_voters", "ballots_cast")
    },
    ("CandidateResult", "votes"): model.Election(
        "t",
        stages=(
            model.Stage(
                "general",
                results=(model.CandidateResult("A", 5), model.CandidateResult("B", BEYOND)),
            ),
        ),
    ),
    ("UnitResult", "votes"): model.Election(
        "t", stages=(model.Stage("general", unit_results=(model.UnitResult("u", "B", BEYOND),)),)
    ),
    ("Round", "number"): model.Election(
        "t", stages=(model.Stage("general", rounds=(model.Round(1, ()), model.Round(BEYOND, ()))),)
    ),
}


def _whole_number_fields(kind: type, seen: set[type]) -> set[tuple[str, str]]:
    """The whole-number fields (not line numbers) of the dataclass ``kind`` and of every
    dataclass its fields hold, by the model's type hints."""
    if kind in seen or not dataclasses.is_dataclass(kind):
        return set()
    seen.add(kind)
    found = set()
    hints = typing.get_type_hints(kind)
    for item in dataclasses.fields(kind):
        kinds = [hints[item.name]]
        while kinds:
            hint = kinds.pop()
            kinds.extend(typing.get_args(hint))
            if hint is int and not item.name.endswith("line"):
                found.add((kind.__name__, item.name))
            elif isinstance(hint, type):
                found |= _whole_number_fields(hint, seen)
    return found


def test_the_largest_count_is_read_from_every_whole_number_field_of_an_election() -> None:
    assert _whole_number_fields(model.Election, set()) == set(_BEYOND_IN)
    for election in _BEYOND_IN.values():
        assert article._largest_count(election) == BEYOND
        with pytest.raises(ValidationError, match="beyond the limit"):
            check_figures(election, "x")
    assert article._largest_count(model.Election("t")) == 0


_COUNT_PLACES = [
    "- Registered: {n}\n",
    "- Previous Year: {n}\n",
    "- Candidate1: Ann Lee\n- Popular Vote1: {n}\n",
    "- Candidate1: Ann Lee\n- 1Blank: First round\n- 1Data1: {n} (5%)\n",
]
_TABLE_PLACES = [
    "- Ann Lee (Nonpartisan candidate): {n} votes\n",
    "- Ann Lee (eliminated in round 2): {n} votes\n",
    "- Ann Lee: {n} votes, 5 votes\n",
    "| Ann Lee | {n} | 5 |\n",
    "Ann Lee (Green): {n} votes\n",
    "Total: {n} votes\n",
    "Registered voters: {n} votes\n",
    "Ballots cast: {n} votes\n",
    "Total: {n} votes, 5 votes\n",
]


@pytest.mark.parametrize("votes", [f"{BEYOND:,}", str(BEYOND), f"{MAX_VOTES:,}", str(MAX_VOTES)])
@pytest.mark.parametrize("place", _COUNT_PLACES + _TABLE_PLACES)
def test_a_count_beyond_the_limit_is_refused_wherever_the_reader_reads_one(
    place: str, votes: str
) -> None:
    infobox, table = (place, "") if place in _COUNT_PLACES else ("", place)
    text = (
        "= 2004 Springfield mayoral election =\n\nInfobox\n- Election Date: April 6, 2004\n"
        f"{infobox.format(n=votes)}\n==General election==\n"
        "  - General election results, April 6, 2004**\n\n"
        f"- Bo Park (Nonpartisan candidate): 1,204 votes\n{table.format(n=votes)}"
    )
    if votes.replace(",", "") == str(BEYOND):
        with pytest.raises(ValidationError, match="beyond the limit"):
            read_article(text, source="big.txt")
    else:
        read_article(text, source="ok.txt")


_PLAIN_STATE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(s) for s in US_STATES), key=len, reverse=True)) + r")\b"
)
_PLAIN_STAGE = re.compile(r"\b(primary|primaries|general|runoff|run-off)\b", re.I)
#: The words looked for, their parts, and what sits next to them: letters and digits (no word
#: boundary), an underscore, accents, the characters that match a letter ignoring case.
_PIECES = st.sampled_from(
    [
        *US_STATES,
        *("New", "West", "North", "Virginia", "York", "Carolina", "District of", "Kansas"),
        *("primary", "PRIMARIES", "General", "gEnErAl", "run-off", "Runoff", "RUN-OFF", "run"),
        *("x", "_", "1", "é", "ſ", "K", "ı", "İ", "P", "g", "R", " ", "  ", ",", "-", ".", "\n"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=10).map("".join))
def test_find_state_finds_what_the_plain_alternation_finds(text: str) -> None:
    plain = _PLAIN_STATE.search(text)
    assert find_state(text) == (plain.group(1) if plain else None)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=10).map("".join))
def test_stage_words_are_those_the_plain_pattern_finds(text: str) -> None:
    plain = [(m.start(), m.end(), m.group(1).casefold()) for m in _PLAIN_STAGE.finditer(text)]
    assert stage_words(text) == plain


# -- the usual lines read at once, and the dates found from a place ---------------------------

_DATE_PIECES = st.sampled_from(
    [
        *("April", "May", "December", "Sept", "6", "18", "31", "2004", "1907", "11", "02"),
        *("Mayor", "June", "-11-02", "2004-11", "٣", "_"),
        *("st", "th", ",", " ", "   ", "-", "x", "é", "\u00a0", "\t", ". ", ";"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=12).map("".join))
def test_dates_are_those_the_pattern_finds_from_the_start(text: str) -> None:
    plain = [
        (found, match.span())
        for match in dates._DATE.finditer(text)
        if (found := dates._date_of(match)) is not None
    ]
    assert [(found, match.span()) for found, match in find_dates(text)] == plain
    # Asked twice, the second answer from what the first one read.
    assert parse_date(text) == parse_date(text) == (plain[0][0] if plain else None)


@settings(max_examples=400, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=14).map("".join))
def test_a_date_is_read_with_the_clause_the_clause_split_gives(text: str) -> None:
    plain = [
        (found, clause, match.span())
        for clause in article._CLAUSE.split(text)
        for found, match in find_dates(clause)
    ]
    read = []
    for found, match in find_dates(text):
        begin, end = article._clause(text, *match.span())
        read.append((found, text[begin:end], (match.start() - begin, match.end() - begin)))
    assert read == plain


_PROSE_PIECES = st.sampled_from(
    [
        *("May 5, 2004", "18 May 2004", "2004-11-02", "May18, 2008", "November 6", "2003"),
        *("the primary", "general", "runoff", " after the primaries", "held on ", "x", " "),
        *(". ", ";", ".", "é"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_PROSE_PIECES, max_size=10).map("".join), max_size=4),
    st.dictionaries(
        st.sampled_from(["primary", "general", "runoff"]),
        st.sets(st.sampled_from([2003, 2004, 2008]), max_size=2),
        min_size=1,
    ),
)
def test_the_prose_dates_stages_as_read_clause_by_clause(
    texts: list[str], wanted: dict[model.StageKind, set[int]]
) -> None:
    paragraphs = [model.Paragraph(text, (), line) for line, text in enumerate(texts, 1)]
    found: dict[str, list[tuple[dt.date, int | None]]] = {}
    missing = {kind: set(years) for kind, years in wanted.items()}
    for paragraph in paragraphs:
        for clause in article._CLAUSE.split(paragraph.text):
            for date, match in find_dates(clause):
                kind = dates.stage_kind_near(clause, match.start(), match.end())
                if missing and kind in missing:
                    found.setdefault(kind, []).append((date, paragraph.line))
                    missing[kind].discard(date.year)
                    if not missing[kind]:
                        del missing[kind]
    assert article._prose_dates(paragraphs, wanted) == found


_PLAIN_YEAR = re.compile(r"(?<![\d–-])(1[89]\d\d|2[01]\d\d)([–-]\d{2,4})?(?!\d)")
_YEAR_PIECES = st.sampled_from(
    ["1", "2", "8", "9", "0", "19", "20", "2003", "1899", "2199", "–", "-", "04", "x", " ", "٣"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_YEAR_PIECES, max_size=10).map("".join))
def test_a_captions_year_is_what_the_plain_year_pattern_finds(caption: str) -> None:
    plain = list(_PLAIN_YEAR.finditer(caption))
    assert [(m.span(), m.groups()) for m in article._YEAR.finditer(caption)] == [
        (m.span(), m.groups()) for m in plain
    ]
    years = {int(m[1]) for m in plain}
    expected = years.pop() if len(years) == 1 and not any(m[2] for m in plain) else None
    assert article._caption_year(caption) == expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["1", "12", "123", "1234", ",", "0", " ", "٣", "²"]), max_size=7))
def test_a_whole_number_is_read_as_its_pattern_reads_it(parts: list[str]) -> None:
    text = "".join(parts)
    match = article._NUMBER.fullmatch(text)
    assert article._number(text) == (int(match[1].replace(",", "")) if match else None)


_HEADING_PIECES = st.sampled_from(["=", "==", "===", " ", "\t", "Results", "a=b", "x", "\u2003"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_HEADING_PIECES, max_size=8).map("".join).map(str.strip))
def test_a_heading_is_read_as_the_heading_pattern_reads_it(line: str) -> None:
    match = article._HEADING.match(line)
    expected = (len(match["marks"]) - 1, match["title"]) if match else None
    assert article._heading(line) == expected


_LAZY_CAPTION = re.compile(r"^\s+-\s+(?P<caption>.*?)\*\*\s*$")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["  - ", " ", "*", "**", "a", "-", "\t", "x**y"]), max_size=8))
def test_a_caption_is_read_as_the_lazy_pattern_reads_it(parts: list[str]) -> None:
    line = "".join(parts)
    lazy, greedy = _LAZY_CAPTION.match(line), article._CAPTION.match(line)
    assert (lazy and lazy["caption"]) == (greedy and greedy["caption"])


_LABEL_PIECES = st.sampled_from(
    ["Total", "Registered voters", "Ballots-cast", ":", ": ", " ", "1", "12", ",345", "1,234"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_LABEL_PIECES, min_size=1, max_size=6).map("".join),
    st.sampled_from([" votes", " vote", "  votes", " Votes", "", " votes."]),
)
def test_a_usual_summary_line_is_read_as_the_general_way_reads_it(head: str, unit: str) -> None:
    line = head + unit
    fast = article._SUMMARY_COUNT(line)
    labelled = article._LABELLED.match(line)
    if fast is not None:
        assert labelled is not None and labelled["label"] == fast[1]
        assert article._count(labelled["value"]) == int(fast[2].replace(",", ""))


@pytest.mark.parametrize(
    "group",
    [
        "Democratic",
        " Green ",
        "incumbent",
        "Write-In",
        "write in",
        "Nonpartisan candidate",
        "NON-PARTISAN",
        "eliminated in round 2",
        "Elected",
        "Democratic Party (United States)",
    ],
)
def test_a_usual_row_in_a_table_is_read_as_the_general_way_reads_it(group: str) -> None:
    line = f"- Ann Lee (incumbent) ({group}): 1,234 votes"
    text = f"= X =\n\nInfobox\n- Type: mayoral\n\n  - Results**\n{line}\n{line}\n"
    match = article._ROW.fullmatch(line)
    assert match is not None
    expected = article._usual_row(match, 7)
    stage = parse_article(text).stages[0]
    if expected is None:  # a mark of a round table: the general way reads it
        assert all(row.name == "Ann Lee" for row in stage.results)
        return
    assert stage.results == (expected, expected)
    assert [row.line for row in stage.results] == [7, 8]


@pytest.mark.parametrize("kind", DATACLASSES, ids=lambda kind: kind.__name__)
def test_a_builder_makes_what_calling_the_class_makes(kind: type) -> None:
    make = model.builder(kind)
    fields = dataclasses.fields(kind)
    # Each field given a value of its own (a marker string), then each left to its default.
    values = [f"{item.name}!" for item in fields]
    if kind is model.Round:
        values = [1, ()]  # the other fields' defaults satisfy __post_init__
    built, called = make(*values), kind(*values)
    assert type(built) is kind and built == called and repr(built) == repr(called)
    assert hash(built) == hash(called) and pickle.loads(pickle.dumps(built)) == called
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, fields[0].name, None)
    required = [item for item in fields if item.default is dataclasses.MISSING]
    assert make(*values[: len(required)]) == kind(*values[: len(required)])
    assert make(**dict(zip([f.name for f in fields], values, strict=False))) == called


def test_a_builder_runs_post_init_and_leaves_other_classes_to_their_own_init() -> None:
    make = model.builder(model.Round)
    with pytest.raises(ValueError, match="sum to 2, not 1"):
        make(1, (), inactive=Decimal(1), inactive_by_reason=(("exhausted", Decimal(2)),))

    @dataclasses.dataclass(frozen=True)
    class NotSlotted:
        name: str

    assert model.builder(NotSlotted) is NotSlotted


def test_a_builder_calls_a_default_factory_as_the_dataclass_does() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Tagged:
        name: str
        tags: list[str] = dataclasses.field(default_factory=list)

    make = model.builder(Tagged)
    assert make is not Tagged
    first, second = make("a"), make("b")
    assert first == Tagged("a") and first.tags == []
    assert first.tags is not second.tags  # a new value each time, not one shared default
    given = ["x"]
    assert make("c", given).tags is given
    assert make("c", tags=given) == Tagged("c", given)


_TITLE_PIECES = st.sampled_from(["=", "==", " ", "\t", "\u2003", "2004 X", "a=b", "x", ""])


@settings(max_examples=600, deadline=None)
@given(st.lists(_TITLE_PIECES, max_size=8).map("".join).map(str.strip).filter(bool))
def test_a_title_line_is_read_as_the_title_and_heading_patterns_read_it(line: str) -> None:
    match = article._TITLE.match(line)
    expected = match["title"] if match and not article._HEADING.match(line) else None
    assert article._title(line) == expected


_PLACE_PIECES = st.sampled_from(
    [
        *("2004", "2003–04", "2003-2004", "199", "12", " ", "  ", "\t", "\u00a0", "–", "-"),
        *("mayoral", "Mayoral", "mayoralty", "Baltimore,", "Baltimore", " Maryland", "X"),
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_PLACE_PIECES, min_size=1, max_size=7).map("".join))
def test_a_titles_place_is_read_as_the_place_pattern_reads_it(title: str) -> None:
    match = article._PLACE.match(title)
    for _ in range(2):  # read, then from what the first reading kept
        place = article._place(title)
        assert (place[0] if place else None) == (match["place"] if match else None)
        if place is not None:
            assert place[1] == frozenset(article._PLACE_WORD.findall(place[0]))
            city, _, state = place[0].partition(",")
            paragraphs = [model.Paragraph("Elected in Ohio.")]
            expected = model.Jurisdiction(city.strip() or None, state.strip() or "Ohio")
            assert article._jurisdiction(place, paragraphs) == expected


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="TtOoAaLlJjDdSsKkXx -\t19ſ", min_size=1, max_size=12))
def test_a_name_passed_as_no_summary_label_by_its_letters_is_none(name: str) -> None:
    if name[0] in article._NO_SUMMARY_FIRST or name[-1] in article._NO_SUMMARY_LAST:
        assert article._fold_label(name) not in article._SUMMARY
    for label in article._SUMMARY:
        for spelled in (label, label.upper(), label.capitalize()):
            assert spelled[0] not in article._NO_SUMMARY_FIRST
            assert spelled[-1] not in article._NO_SUMMARY_LAST


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["Results", "Candidates", "", "A"]), max_size=3).map(tuple),
    st.sampled_from(["==Results==", "===Candidates===", "== A ==", "======X======", "=x", "= T ="]),
)
def test_a_heading_enters_the_section_it_enters_read_plainly(
    section: tuple[str, ...], line: str
) -> None:
    heading = article._heading(line)
    if heading is None:
        expected = article._NOT_HEADING
    else:
        level, title = heading
        within = (*section[: level - 1], title)
        within = (*within, *[""] * (level - len(within)))[:level]
        expected = (within, "candidate" in within[0].casefold())
    assert article._enter_section(section, line) == expected
    assert article._SECTIONS[section, line] == expected


#: The order in which the reader passes the fields of these classes, by position
#: (``formats/article.py``, ``_new_election`` and ``_new_stage``).
POSITIONAL = {
    model.Election: (
        "title jurisdiction office district date type term previous_election previous_year "
        "next_election next_year before_holder before_acting before_party after_holder "
        "after_party stated_turnout registered_voters nominees stages candidates paragraphs "
        "outline infobox rules unread source"
    ),
    model.Stage: (
        "kind party date caption section results stated_total result registered_voters "
        "ballots_cast status units unit_results rounds date_source caption_line total_line"
    ),
}


@pytest.mark.parametrize("kind", list(POSITIONAL), ids=lambda kind: kind.__name__)
def test_the_fields_the_reader_passes_by_position_are_in_that_order(kind: type) -> None:
    """A field added to or moved in the model fails here, pointing at the reader's calls."""
    assert [f.name for f in dataclasses.fields(kind)] == POSITIONAL[kind].split()
