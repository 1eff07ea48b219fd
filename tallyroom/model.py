"""The election model: every domain type of tallyroom, in one place.

An :class:`Election` (one office, one jurisdiction) has :class:`Stage` s, each with its own date
and kind (a primary — nonpartisan or one per party —, the general election, a runoff). A stage's
:class:`CandidateResult` rows hold integer votes. Unknown figures are ``None``, never ``0``.

Percentages are never stored as truth: :meth:`Stage.share` derives them from the integers. The
percentages a source *states* (an infobox's "Percentage1", a turnout) are kept as claims, under
names that say so, so the checks can compare them with the derived ones.

Provenance: every figure read from a file keeps its line (``line`` fields) and the election keeps
its ``source``; these fields take no part in equality, so a document and its re-rendering compare
equal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import FunctionType
from typing import Any, Literal, TypeVar, cast, overload

__all__ = [
    "INACTIVE_REASONS",
    "STAGE_KINDS",
    "UNREAD_TEXT_LIMIT",
    "Candidate",
    "CandidateResult",
    "DecisionStatus",
    "Election",
    "InactiveReason",
    "InfoboxCandidate",
    "InfoboxField",
    "Jurisdiction",
    "Paragraph",
    "ReportingUnit",
    "ResultsStatus",
    "Round",
    "Section",
    "Stage",
    "StageDecision",
    "StageKind",
    "Status",
    "Transfer",
    "UnitKind",
    "UnitResult",
    "UnitResults",
    "UnitResultsBuilder",
    "UnitRows",
    "Unread",
    "Verdict",
    "builder",
    "fast_init",
    "unit_columns",
]

_T = TypeVar("_T")

StageKind = Literal["primary", "general", "runoff"]
STAGE_KINDS: tuple[StageKind, ...] = ("primary", "general", "runoff")

#: A candidate's status at the end of a stage. ``defeated`` is a loser of the deciding stage.
Status = Literal["advanced", "eliminated", "elected", "defeated"]
ResultsStatus = Literal["unofficial", "complete", "certified"]
UnitKind = Literal["city", "ward", "precinct", "district", "county", "other"]
#: How a stage came out under its rules: decided, tied (no tie-break recorded), or not decidable
#: from what the source gives.
DecisionStatus = Literal["decided", "tied", "cannot-tell"]
#: Whether what a document claims about a stage agrees with the rules' decision.
Verdict = Literal["agrees", "disagrees", "cannot-tell"]

#: A heading path in a document: ``("Primary election", "Results")``; ``()`` is the lead.
Section = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    city: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class CandidateResult:
    """One row of a stage's results table."""

    name: str
    votes: int | None
    party: str | None = None
    incumbent: bool = False
    write_in: bool = False
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ReportingUnit:
    """A place votes are counted for: the city, a ward, a precinct."""

    id: str
    name: str
    kind: UnitKind
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class UnitResult:
    """Votes for one candidate (or a pseudo-row such as "Ballots Cast") in one reporting unit."""

    unit: str
    candidate: str
    votes: int
    vote_type: str = "total"


class UnitResults(Sequence[UnitResult]):
    """A stage's unit figures held as columns: each distinct unit, candidate and vote type once,
    and per figure their codes and its votes in arrays of the narrowest fitting type (6 bytes a
    figure for a precinct file, where a tuple of :class:`UnitResult` objects takes about 80). A
    statewide precinct file has millions of figures.

    It is the sequence of its :class:`UnitResult` s, made as they are read, and compares equal
    to the tuple of them (and hashes as it does). Make one with :meth:`of`, :meth:`from_columns`
    or a :class:`UnitResultsBuilder`; :meth:`columns` gives the four columns without making the
    figures. Like the model's other types it cannot be changed (its arrays are its own: no code
    holds them but it)."""

    __slots__ = (
        "candidate_codes",
        "candidates",
        "type_codes",
        "unit_codes",
        "units",
        "vote_types",
        "votes",
    )

    units: tuple[str, ...]
    candidates: tuple[str, ...]
    vote_types: tuple[str, ...]
    unit_codes: Sequence[int]
    candidate_codes: Sequence[int]
    type_codes: Sequence[int]
    votes: Sequence[int]

    @classmethod
    def of(cls, rows: Iterable[UnitResult]) -> UnitResults:
        made = UnitResultsBuilder()
        for row in rows:
            made.add(row.unit, row.candidate, row.votes, row.vote_type)
        return made.build()

    @classmethod
    def from_columns(
        cls,
        units: Sequence[str],
        candidates: Sequence[str],
        votes: Sequence[int],
        vote_types: Sequence[str],
    ) -> UnitResults:
        """The figures of four columns of equal length (see :meth:`columns`), each column's
        distinct values numbered in the order they come, as :class:`UnitResultsBuilder` does."""
        if not len(units) == len(candidates) == len(votes) == len(vote_types):
            raise ValueError("unit result columns of different lengths")
        coded = [_coded(column) for column in (units, candidates, vote_types)]
        return _unit_results(
            *(distinct for distinct, _ in coded),
            *(codes for _, codes in coded),
            _votes_array(votes),
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"unit results cannot be changed (field {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"unit results cannot be changed (field {name!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return _unit_results, tuple(getattr(self, name) for name in _FIELDS)

    def __len__(self) -> int:
        return len(self.votes)

    def columns(
        self, start: int = 0, stop: int | None = None
    ) -> tuple[list[str], list[str], list[int], list[str]]:
        """Units, candidates, votes and vote types (the fields' order) of the figures
        ``start:stop``, as lists."""
        return (
            list(map(self.units.__getitem__, self.unit_codes[start:stop])),
            list(map(self.candidates.__getitem__, self.candidate_codes[start:stop])),
            list(self.votes[start:stop]),
            list(map(self.vote_types.__getitem__, self.type_codes[start:stop])),
        )

    def __iter__(self) -> Iterator[UnitResult]:
        make = _new_unit_result
        for start in range(0, len(self), _ITERATED):
            yield from map(make, *self.columns(start, start + _ITERATED))

    @overload
    def __getitem__(self, index: int) -> UnitResult: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[UnitResult, ...]: ...

    def __getitem__(self, index: int | slice) -> UnitResult | tuple[UnitResult, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return tuple(self)[index]
            return tuple(map(_new_unit_result, *self.columns(start, max(start, stop))))
        position = operator.index(index)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("unit result index out of range")
        return UnitResult(
            self.units[self.unit_codes[position]],
            self.candidates[self.candidate_codes[position]],
            self.votes[position],
            self.vote_types[self.type_codes[position]],
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UnitResults):
            if len(self) != len(other):
                return False
            if len(self) > _ITERATED:  # a precinct file's: by numpy, no figure made
                from tallyroom.unit_arrays import same_figures

                return same_figures(self, other)
            return self.columns() == other.columns()
        if isinstance(other, tuple):
            return len(self) == len(other) and tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"UnitResults({tuple(self)!r})"

    def __add__(self, other: object) -> tuple[UnitResult, ...]:
        if isinstance(other, UnitResults | tuple):
            return (*self, *other)
        return NotImplemented

    def __radd__(self, other: object) -> tuple[UnitResult, ...]:
        if isinstance(other, tuple):
            return (*other, *self)
        return NotImplemented


#: A stage's unit figures: a tuple, or (from a precinct file) the same figures as columns.
UnitRows = tuple[UnitResult, ...] | UnitResults
_UNIT_FIELDS = operator.attrgetter("unit", "candidate", "votes", "vote_type")


def unit_columns(
    rows: UnitRows, start: int = 0, stop: int | None = None
) -> tuple[list[str], list[str], list[int], list[str]]:
    """Units, candidates, votes and vote types of a stage's unit figures ``start:stop``, as
    four lists (see :meth:`UnitResults.columns`), whichever way the figures are held."""
    if isinstance(rows, UnitResults):
        return rows.columns(start, stop)
    rows = rows[start:stop]
    if not rows:
        return [], [], [], []
    units, candidates, votes, vote_types = zip(*map(_UNIT_FIELDS, rows), strict=True)
    return list(units), list(candidates), list(votes), list(vote_types)


#: :meth:`UnitResults.__iter__` makes this many figures at a time.
_ITERATED = 16384
#: Code arrays start at the narrowest unsigned type and widen when a value does not fit.
_WIDER = {"B": "H", "H": "I", "I": "Q", "Q": None}
#: Votes start as unsigned 16-bit (a precinct's count mostly fits); a count that does not fit
#: widens them to unsigned 32-bit, then signed 64-bit, then (beyond any real count) a list.
_WIDER_VOTES = {"H": "I", "I": "q", "q": None}


#: The order :func:`_unit_results` takes a :class:`UnitResults`'s fields in.
_FIELDS = (
    "units",
    "candidates",
    "vote_types",
    "unit_codes",
    "candidate_codes",
    "type_codes",
    "votes",
)


def _unit_results(*fields: Any) -> UnitResults:
    """A :class:`UnitResults` of the fields of :data:`_FIELDS`, in that order."""
    made = object.__new__(UnitResults)
    for name, value in zip(_FIELDS, fields, strict=True):
        object.__setattr__(made, name, value)
    return made


def _coded(column: Sequence[str]) -> tuple[tuple[str, ...], array[int]]:
    """A column's distinct values in the order they come, and each value's number among them
    in an array of the narrowest type that holds them."""
    distinct = tuple(dict.fromkeys(column))
    code = {value: number for number, value in enumerate(distinct)}
    typecode = next(c for c, top in _CODE_SIZES if len(distinct) <= top)
    return distinct, array(typecode, map(code.__getitem__, column))


#: The narrowest code type for a column of so many distinct values.
_CODE_SIZES = (("B", 1 << 8), ("H", 1 << 16), ("I", 1 << 32), ("Q", 1 << 64))


def _votes_array(votes: Sequence[int]) -> Any:
    """``votes`` in the narrowest array of :data:`_WIDER_VOTES` that holds them (a list when
    none does)."""
    typecode: str | None = "H"
    while typecode is not None:
        try:
            return array(typecode, votes)
        except (OverflowError, TypeError):
            typecode = _WIDER_VOTES[typecode]
    return list(votes)


class UnitResultsBuilder:
    """Builds a :class:`UnitResults` a figure at a time (see :meth:`add`)."""

    __slots__ = ("_candidates", "_codes", "_types", "_units", "_votes")

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self._units: dict[str, int] = {}
        self._candidates: dict[str, int] = {}
        self._types: dict[str, int] = {}
        self._codes: tuple[Any, Any, Any] = (array("H"), array("B"), array("B"))
        self._votes: Any = array("H")

    def __len__(self) -> int:
        return len(self._votes)

    def add(self, unit: str, candidate: str, votes: int, vote_type: str) -> None:
        units, candidates, types = self._units, self._candidates, self._types
        u = units.get(unit)
        if u is None:
            u = units[unit] = len(units)
        c = candidates.get(candidate)
        if c is None:
            c = candidates[candidate] = len(candidates)
        t = types.get(vote_type)
        if t is None:
            t = types[vote_type] = len(types)
        unit_codes, candidate_codes, type_codes = self._codes
        count = len(self._votes)
        try:
            unit_codes.append(u)
            candidate_codes.append(c)
            type_codes.append(t)
            self._votes.append(votes)
        except (OverflowError, TypeError):
            self._widened((u, c, t), votes, count)

    def _widened(self, codes: tuple[int, int, int], votes: int, count: int) -> None:
        """Append a figure that did not fit: each column cut back to ``count`` figures (a
        column may have taken its value already) and widened until its value fits."""
        columns = list(self._codes)
        for index, code in enumerate(codes):
            column = columns[index]
            del column[count:]
            while True:
                try:
                    column.append(code)
                    break
                except OverflowError:
                    column = array(_WIDER[column.typecode] or "Q", column)
            columns[index] = column
        self._codes = (columns[0], columns[1], columns[2])
        del self._votes[count:]
        while True:
            try:
                self._votes.append(votes)
                break
            except (OverflowError, TypeError):
                wider = _WIDER_VOTES.get(getattr(self._votes, "typecode", ""))
                self._votes = array(wider, self._votes) if wider else list(self._votes)

    def build(self) -> UnitResults:
        """The figures added so far. The builder hands its arrays over and starts empty again,
        so that nothing it does later changes them."""
        made = _unit_results(
            tuple(self._units),
            tuple(self._candidates),
            tuple(self._types),
            *self._codes,
            self._votes,
        )
        self._clear()
        return made


#: Why a ballot counts for no candidate in a round (the reasons RCTab reports). ``exhausted``: its
#: rankings ran out of continuing candidates; ``overvote``: it reached a rank marked for several
#: candidates; ``skipped``: it skipped more rankings in a row than allowed; ``repeated``: it ranked
#: a candidate twice (where that exhausts a ballot); ``undervote``: it is blank (ranks no one).
InactiveReason = Literal["exhausted", "overvote", "skipped", "repeated", "undervote"]
INACTIVE_REASONS: tuple[InactiveReason, ...] = (
    "exhausted",
    "overvote",
    "skipped",
    "repeated",
    "undervote",
)


@dataclass(frozen=True, slots=True)
class Transfer:
    """Votes moved out of a round's elected or eliminated candidate (counted in the next round).

    ``target`` is a candidate, ``"exhausted"`` (the ballots became inactive), or ``"residual
    surplus"`` (a multi-winner count's surplus lost to rounding).
    """

    source: str
    target: str
    votes: Decimal


@dataclass(frozen=True, slots=True)
class Round:
    """One round of a ranked-choice count, as published (the tabulator has richer records).

    ``tally`` holds the continuing candidates' votes (in a multi-winner count, also earlier
    winners' votes, held at the threshold). ``inactive`` is the total of cast ballots counting for
    no candidate in this round, **blank ballots included** (reason ``undervote``, inactive from
    round 1), so that ``continuing + inactive = Stage.ballots_cast`` (less any residual surplus
    of a multi-winner count). ``inactive_by_reason`` breaks that total down; it is empty when the
    source does not report reasons, and otherwise sums to ``inactive``. ``threshold`` is ``None``
    when the source does not report it. ``transfers`` are the votes moved out of this round's
    elected and eliminated candidates.
    """

    number: int
    tally: tuple[tuple[str, Decimal], ...]
    elected: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    inactive: Decimal = Decimal(0)
    inactive_by_reason: tuple[tuple[InactiveReason, Decimal], ...] = ()
    threshold: Decimal | None = None
    transfers: tuple[Transfer, ...] = ()

    def __post_init__(self) -> None:
        if self.inactive_by_reason:
            reasons = [reason for reason, _ in self.inactive_by_reason]
            if len(set(reasons)) != len(reasons):
                raise ValueError(f"round {self.number}: an inactive reason is listed twice")
            total = sum((votes for _, votes in self.inactive_by_reason), Decimal(0))
            if total != self.inactive:
                raise ValueError(
                    f"round {self.number}: inactive ballots by reason sum to {total}, "
                    f"not {self.inactive}"
                )

    @property
    def continuing(self) -> Decimal:
        """Votes counting for a candidate in this round (the sum of :attr:`tally`)."""
        return sum((votes for _, votes in self.tally), Decimal(0))

    def inactive_for(self, reason: InactiveReason) -> Decimal | None:
        """Inactive ballots for ``reason``; ``None`` when the round reports no reasons."""
        if not self.inactive_by_reason:
            return None
        return dict(self.inactive_by_reason).get(reason, Decimal(0))


@dataclass(frozen=True, slots=True)
class Stage:
    """One contest of an election: a primary (nonpartisan, or one party's), a general, a runoff."""

    kind: StageKind
    party: str | None = None
    """Short party name ("Democratic") for a partisan primary; ``None`` when nonpartisan."""
    date: dt.date | None = None
    caption: str | None = None
    section: Section = ()
    results: tuple[CandidateResult, ...] = ()
    stated_total: int | None = None
    """The total as the source states it (possibly damaged); compare :attr:`computed_total`."""
    result: str | None = None
    """A stated party result, e.g. "Democratic Party (United States) Hold"."""
    registered_voters: int | None = None
    ballots_cast: int | None = None
    status: ResultsStatus | None = None
    units: tuple[ReportingUnit, ...] = ()
    unit_results: UnitRows = ()
    rounds: tuple[Round, ...] = ()
    date_source: Literal["caption", "infobox", "prose"] | None = field(default=None, compare=False)
    caption_line: int | None = field(default=None, compare=False)
    total_line: int | None = field(default=None, compare=False)

    @property
    def partisan(self) -> bool:
        return self.kind == "primary" and self.party is not None

    @property
    def computed_total(self) -> int | None:
        """The sum of the rows; ``None`` when there are no rows or a row's votes are unknown."""
        if not self.results or any(r.votes is None for r in self.results):
            return None
        return sum(r.votes for r in self.results if r.votes is not None)

    @property
    def other_votes(self) -> int | None:
        """Votes in the stated total that no row accounts for (write-ins, scattering)."""
        computed = self.computed_total
        if computed is None or self.stated_total is None or self.stated_total <= computed:
            return None
        return self.stated_total - computed

    @property
    def counted_total(self) -> int | None:
        """The denominator of shares: the stated total when it covers the rows, else the rows'."""
        computed = self.computed_total
        if computed is None:
            return self.stated_total
        if self.stated_total is not None and self.stated_total > computed:
            return self.stated_total
        return computed

    def share(self, votes: int | None) -> Fraction | None:
        """Exact share of :attr:`counted_total`; ``None`` when either figure is unknown."""
        total = self.counted_total
        if votes is None or not total:
            return None
        return Fraction(votes, total)

    def ranked(self) -> tuple[CandidateResult, ...]:
        """Rows with known votes, most votes first (stable for equal votes)."""
        rows = [r for r in self.results if r.votes is not None]
        return tuple(sorted(rows, key=lambda r: -(r.votes or 0)))

    def label(self) -> str:
        match self.kind:
            case "primary":
                return f"{self.party} primary" if self.party else "Nonpartisan primary"
            case "general":
                return "General election"
            case "runoff":
                return "Runoff"


@dataclass(frozen=True, slots=True)
class StageDecision:
    """What the election's rules decide for one stage: made once (by ``tallyroom.rules``, when a
    source is read), stored with the version, and only read afterwards.

    ``winners`` win the stage (elected, or a party's nominee); ``advanced`` go on to a later
    stage; ``eliminated`` do not. ``tied`` names the candidates of a tie the rules could not break
    (``None`` when there is none): then nobody is elected. ``tie_break`` says how a tie was
    broken (or can be), in words. ``verdict`` judges what the document *claims* about the stage
    against the decision; a claim is never the answer.
    """

    status: DecisionStatus
    rule: str | None = None
    basis: str = "table"
    winners: tuple[str, ...] = ()
    advanced: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    tied: tuple[str, ...] | None = None
    further_stage: bool | None = None
    tie_break: str | None = None
    reasons: tuple[str, ...] = ()
    verdict: Verdict = "cannot-tell"
    verdict_reasons: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A person as a document's candidate list gives them."""

    name: str
    nickname: str | None = None
    description: str | None = None
    section: Section = ()
    line: int | None = field(default=None, compare=False)

    @property
    def display_name(self) -> str:
        if not self.nickname:
            return self.name
        first, _, rest = self.name.partition(" ")
        return f'{first} "{self.nickname}" {rest}'.strip()


@dataclass(frozen=True, slots=True)
class InfoboxField:
    """A raw ``- Key: Value`` line of an article's infobox, kept as written."""

    key: str
    value: str
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class InfoboxCandidate:
    """A candidate column of the infobox. ``stated_percentage`` is the source's claim."""

    name: str
    party: str | None = None
    votes: int | None = None
    stated_percentage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    section: Section = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Unread:
    """A part of the source the reader kept but did not understand: a line, a row or a column.

    Readers never abort on such a part and never guess at it: they keep it here, with its
    location, so ``parse`` shows it, ``check`` reports it as a warning and ``--json`` carries it.
    ``text`` is the part as written (cut to :data:`UNREAD_TEXT_LIMIT` characters); ``reason``
    says what the reader expected there."""

    text: str
    reason: str
    line: int | None = None

    @classmethod
    def of(cls, text: str, reason: str, line: int | None = None) -> Unread:
        """The note for ``text`` (stripped and cut to :data:`UNREAD_TEXT_LIMIT` characters)."""
        text = text.strip()
        if len(text) > UNREAD_TEXT_LIMIT:
            text = text[: UNREAD_TEXT_LIMIT - 1] + "…"
        return cls(text, reason, line)


#: The longest source text an :class:`Unread` keeps.
UNREAD_TEXT_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Election:
    title: str
    jurisdiction: Jurisdiction = Jurisdiction()
    office: str | None = None
    district: str | None = None
    """The office's district within the jurisdiction ("D3", "75"), when it has one: two
    districts' contests of one office are two elections."""
    date: dt.date | None = None
    """The election date the source states (for an article, its infobox)."""
    type: str | None = None
    """The election type as stated ("mayoral"); may be wrong, the checks compare it."""
    term: str | None = None
    previous_election: str | None = None
    previous_year: int | None = None
    next_election: str | None = None
    next_year: int | None = None
    before_holder: str | None = None
    before_acting: bool = False
    before_party: str | None = None
    after_holder: str | None = None
    after_party: str | None = None
    stated_turnout: Decimal | None = None
    """Turnout in percent as stated by the source."""
    registered_voters: int | None = None
    nominees: tuple[InfoboxCandidate, ...] = ()
    stages: tuple[Stage, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    outline: tuple[Section, ...] = ()
    """The document's headings, in order, each as its full path."""
    infobox: tuple[InfoboxField, ...] = ()
    rules: str | None = None
    """The name or path of the rules the election is decided by, when declared."""
    unread: tuple[Unread, ...] = field(default=(), compare=False)
    """What the reader kept but did not understand (provenance: takes no part in equality)."""
    source: str | None = field(default=None, compare=False)

    @property
    def deciding_stage(self) -> Stage | None:
        """The last runoff or general election; else the last stage."""
        for stage in reversed(self.stages):
            if stage.kind in ("general", "runoff"):
                return stage
        return self.stages[-1] if self.stages else None

    @property
    def year(self) -> int | None:
        stage = self.deciding_stage
        if stage is not None and stage.date is not None:
            return stage.date.year
        return self.date.year if self.date else None

    @property
    def party_result(self) -> str | None:
        for stage in reversed(self.stages):
            if stage.result:
                return stage.result
        return None

    def infobox_value(self, key: str) -> str | None:
        for item in self.infobox:
            if item.key == key:
                return item.value
        return None


def _buildable(cls: type) -> bool:
    """Whether :func:`fast_init` and :func:`builder` can build ``cls`` as its dataclass
    ``__init__`` does: a frozen, slotted dataclass whose fields are all plain ``__init__``
    parameters (none keyword-only)."""
    params = getattr(cls, "__dataclass_params__", None)
    return (
        params is not None
        and params.frozen
        and "__slots__" in cls.__dict__
        and not any(not f.init or f.kw_only for f in dataclasses.fields(cls))
    )


#: The default of a parameter whose field has a default factory: the factory is called when
#: the argument is not given (as the dataclass's own ``__init__`` does).
_FACTORY = object()


def _generated(cls: type, name: str, head: list[str], tail: list[str]) -> FunctionType:
    """A function ``name`` taking the parameters of the dataclass ``cls``'s ``__init__`` (with
    ``self`` first for ``__init__``), whose body is ``head``, a plain attribute store of each
    field on ``self``, then ``tail`` (then ``__post_init__``, and for a function other than
    ``__init__``, ``return self``). While the fields are stored, ``self`` must be an instance
    of ``_unfrozen``: a class with the very same slots as ``cls`` and no ``__setattr__``."""
    fields = dataclasses.fields(cls)
    namespace: dict[str, object] = {
        "_unfrozen": type(f"_Unfrozen{cls.__name__}", (), {"__slots__": cls.__dict__["__slots__"]}),
        "_frozen": cls,
        "_set": object.__setattr__,
        "_factory": _FACTORY,
    }
    parameters = ["self"] if name == "__init__" else []
    made = []
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:
            namespace[f"_make_{f.name}"] = f.default_factory
            parameters.append(f"{f.name}=_factory")
            made.append(f"if {f.name} is _factory: {f.name} = _make_{f.name}()")
        elif f.default is dataclasses.MISSING:
            parameters.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            parameters.append(f"{f.name}=_default_{f.name}")
    body = [*made, *head, *(f"self.{f.name} = {f.name}" for f in fields), *tail]
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    if name != "__init__":
        body.append("return self")
    # Built from the field names alone, as the dataclass builds its own.
    source = f"def {name}({', '.join(parameters)}):\n" + "".join(f"    {line}\n" for line in body)
    exec(source, namespace)
    function = namespace[name]
    assert isinstance(function, FunctionType)
    return function


def fast_init(cls: type) -> None:
    """Give the frozen, slotted dataclass ``cls`` a faster ``__init__`` of the same parameters.

    The ``__init__`` a frozen dataclass is given calls ``object.__setattr__`` once per field,
    which made building the model a large share of reading a file. This one makes the new
    instance, for the time of its construction, an instance of an unfrozen class with the very
    same slots (its fields are then set by plain attribute stores, the interpreter's fast path),
    then an instance of ``cls`` again, before ``__post_init__``. Equality, hashing, pickling,
    :func:`dataclasses.replace` and immutability stay the dataclass's own. A class this cannot
    build as the dataclass does (not frozen or not slotted; a field without an ``__init__``
    parameter, or keyword-only) keeps its generated ``__init__``. A field's default factory is
    called when its argument is not given, as the dataclass calls it."""
    if not _buildable(cls):
        return
    init = _generated(
        cls,
        "__init__",
        ["_set(self, '__class__', _unfrozen)"],
        ["self.__class__ = _frozen"],
    )
    generated = cls.__dict__["__init__"]
    assert isinstance(generated, FunctionType)
    init.__qualname__ = generated.__qualname__
    init.__annotations__ = generated.__annotations__
    init.__doc__ = generated.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 - a method assigned, which mypy refuses


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A function that makes an instance of the frozen, slotted dataclass ``cls`` from the
    arguments its ``__init__`` takes, as calling ``cls`` does, in about half the time: for
    readers that make many. The instance is made an instance of an unfrozen class with the
    very same slots, its fields set by plain attribute stores, then made an instance of
    ``cls`` (one change of class, where :func:`fast_init`'s ``__init__``, handed an instance
    of ``cls`` already, needs two); without the call of ``cls`` either. A class this cannot
    build so (see :func:`fast_init`) gets ``cls`` itself."""
    if not _buildable(cls):
        return cls
    make = _generated(
        cls, f"make_{cls.__name__}", ["self = _unfrozen()"], ["self.__class__ = _frozen"]
    )
    make.__qualname__ = f"builder.<{cls.__qualname__}>"
    return cast("Callable[..., _T]", make)


for _name in __all__:
    _kind = globals()[_name]
    if isinstance(_kind, type) and dataclasses.is_dataclass(_kind):
        fast_init(_kind)
del _name, _kind
#: Makes a UnitResult as calling the class does, in half the time.
_new_unit_result = builder(UnitResult)
