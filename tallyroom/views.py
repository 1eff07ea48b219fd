"""What each page of the website shows, as typed records made only from stored read records.

Every builder here takes what :class:`~tallyroom.store.Store` returns (an
:class:`~tallyroom.store.ElectionRecord`, :class:`~tallyroom.store.ElectionSummary` rows, the
facets) and arranges it for a page: links, labels, markers for figures that need a word of
explanation. Nothing is decided or counted again: winners, ties, statuses, shares and totals are
the stored :class:`~tallyroom.figures.ElectionFigures`, and an election page carries them whole
under ``figures``. A page's JSON twin is its view serialised by
:func:`tallyroom.store.codec.to_json`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tallyroom.figures import ElectionFigures, RowFigures, StageFigures, TurnoutFigures, person_key
from tallyroom.model import StageDecision
from tallyroom.round_figures import RoundFigures
from tallyroom.store import ElectionRecord, ElectionSummary
from tallyroom.store.read import CityPlace

__all__ = [
    "FINDINGS_NOTE",
    "INFOBOX_MARKER",
    "INFOBOX_NOTE",
    "TOTAL_MARKER",
    "CandidateRun",
    "CandidateStage",
    "CandidateView",
    "CityFacet",
    "CityRow",
    "CityView",
    "ClaimView",
    "ElectionView",
    "Facets",
    "FindingView",
    "IndexFilters",
    "IndexView",
    "ListedElection",
    "OutcomeView",
    "RowView",
    "StageView",
    "TotalView",
    "candidate_slug",
    "candidate_url",
    "candidate_view",
    "city_slug",
    "city_url",
    "city_view",
    "election_url",
    "election_view",
    "facets_view",
    "index_view",
    "listed",
    "slug",
]

#: Beside a vote figure taken from the infobox because the table lost its row.
INFOBOX_MARKER = "†"
INFOBOX_NOTE = "from the infobox; the table lost this row"
#: Beside a total the source states damaged.
TOTAL_MARKER = "‡"
FINDINGS_NOTE = "as found when imported"


# -- addresses ---------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A URL and file-name safe form: "São Paulo, SP" -> "sao-paulo-sp"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "unnamed"


def city_slug(city: str, state: str | None) -> str:
    return slug(f"{city} {state}" if state else city)


@functools.lru_cache(maxsize=65536)
def candidate_slug(name: str) -> str:
    """The slug of a person's page: spellings of one name (and accents) give the same slug."""
    return slug(person_key(name))


def election_url(election_id: int) -> str:
    return f"/elections/{election_id}"


def candidate_url(name: str) -> str:
    return f"/candidates/{candidate_slug(name)}"


def city_url(city: str, state: str | None) -> str:
    return f"/cities/{city_slug(city, state)}"


def _votes(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _names(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# -- the election page -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowView:
    """One candidate's row: the stored figures, with a link and the text of the vote cell."""

    name: str
    url: str
    party: str | None
    votes: int | None
    votes_text: str
    """``"86,493"``; an infobox figure carries :data:`INFOBOX_MARKER`."""
    basis: str | None
    note: str | None
    percent: str | None
    status: str | None
    """The rules' decision (``tied`` while a tie stands)."""
    stated_status: str | None
    """What the document says of the candidate: a claim, not the outcome."""
    incumbent: bool
    write_in: bool


@dataclass(frozen=True, slots=True)
class TotalView:
    """A stage's total: the counted figure, or for a damaged one the stated figure and how."""

    counted: int | None
    text: str
    """``"160,854"``, or ``"161 (cut; 161,xxx)"`` for a damaged total."""
    damaged: bool
    stated: int | None
    stated_text: str | None
    """The total as the document states it, with its line (shown on demand)."""
    computed: int | None
    other_votes: int | None


@dataclass(frozen=True, slots=True)
class StageView:
    index: int
    kind: str
    label: str
    party: str | None
    date: dt.date | None
    caption: str | None
    status: str | None
    deciding: bool
    rows: tuple[RowView, ...]
    total: TotalView
    infobox_rows: bool
    decision: StageDecision | None
    rounds: tuple[RoundFigures, ...]
    chart_url: str
    rounds_chart_url: str | None
    has_votes: bool


@dataclass(frozen=True, slots=True)
class OutcomeView:
    """The winner box: who the rules elect, or the tie that stands, or why it is not known."""

    outcome: str
    winner: str | None
    winner_url: str | None
    winner_percent: str | None
    winners: tuple[str, ...]
    tied: tuple[str, ...] | None
    tied_votes: int | None
    tie_break: str | None
    text: str
    """``"Tom Barrett (53.77%)"``, ``"Tied: A and B (1,204 each)"`` or why it is not known."""


@dataclass(frozen=True, slots=True)
class ClaimView:
    """Who the document names as the winner, and how that claim compares with the decision."""

    after_holder: str | None
    after_party: str | None
    verdict: str | None
    verdict_text: str | None
    """The verdict in words: "the count agrees", "the count disagrees", ..."""
    verdict_reasons: tuple[str, ...]


VERDICT_WORDS = {
    "agrees": "the count agrees",
    "disagrees": "the count disagrees",
    "cannot-tell": "the count cannot confirm it",
}


@dataclass(frozen=True, slots=True)
class FindingView:
    code: str
    severity: str
    line: int | None
    message: str
    fix: str | None


@dataclass(frozen=True, slots=True)
class ElectionView:
    id: int
    version: int
    current: int
    versions: int
    url: str
    title: str
    office: str | None
    city: str | None
    state: str | None
    city_url: str | None
    date: dt.date | None
    type: str | None
    term: str | None
    outcome: OutcomeView
    before_holder: str | None
    before_party: str | None
    claim: ClaimView
    party_result: str | None
    turnout: TurnoutFigures | None
    registered_voters: int | None
    stages: tuple[StageView, ...]
    rules: Mapping[str, Any] | None
    rules_note: str | None
    findings: tuple[FindingView, ...]
    findings_note: str
    source: str
    source_sha256: str
    imported_at: dt.datetime
    imported_by: str
    figures: ElectionFigures
    """The stored figures, whole: what every other field of the page is arranged from."""


def _row(row: RowFigures) -> RowView:
    infobox = row.basis == "infobox"
    text = _votes(row.votes) + (f" {INFOBOX_MARKER}" if infobox else "")
    return RowView(
        name=row.name,
        url=candidate_url(row.name),
        party=row.party,
        votes=row.votes,
        votes_text=text,
        basis=row.basis,
        note=INFOBOX_NOTE if infobox else None,
        percent=row.percent,
        status=row.status,
        stated_status=row.stated_status,
        incumbent=row.incumbent,
        write_in=row.write_in,
    )


def _total(stage: StageFigures, line: int | None) -> TotalView:
    total = stage.total
    stated_text = None
    if total.stated is not None:
        stated_text = f"Total: {total.stated:,} votes" + (f" (line {line})" if line else "")
    if total.damaged and total.stated is not None:
        text = f"{total.stated:,} ({total.note})" if total.note else f"{total.stated:,}"
    else:
        text = _votes(total.counted)
    return TotalView(
        counted=total.counted,
        text=text,
        damaged=total.damaged,
        stated=total.stated,
        stated_text=stated_text,
        computed=total.computed,
        other_votes=total.other_votes,
    )


def _stage(election_id: int, stage: StageFigures, line: int | None) -> StageView:
    base = f"{election_url(election_id)}/stages/{stage.index}"
    rows = tuple(_row(row) for row in stage.rows)
    return StageView(
        index=stage.index,
        kind=stage.kind,
        label=stage.label,
        party=stage.party,
        date=stage.date,
        caption=stage.caption,
        status=stage.status,
        deciding=stage.deciding,
        rows=rows,
        total=_total(stage, line),
        infobox_rows=any(row.basis == "infobox" for row in rows),
        decision=stage.decision,
        rounds=stage.rounds,
        chart_url=f"{base}.svg",
        rounds_chart_url=f"{base}/rounds.svg" if stage.rounds else None,
        has_votes=any(row.votes is not None for row in rows),
    )


def _deciding(figures: ElectionFigures) -> StageFigures | None:
    if figures.deciding_stage is None:
        return None
    return figures.stages[figures.deciding_stage]


def _outcome(figures: ElectionFigures) -> OutcomeView:
    deciding = _deciding(figures)
    decision = deciding.decision if deciding is not None else None
    tied_votes = None
    if figures.tied and deciding is not None:
        keys = {person_key(name) for name in figures.tied}
        counts = {row.votes for row in deciding.rows if row.key in keys}
        tied_votes = counts.pop() if len(counts) == 1 else None
    match figures.outcome:
        case "tied":
            names = _names(figures.tied or ())
            each = f" ({tied_votes:,} each)" if tied_votes is not None else ""
            text = f"Tied: {names}{each}"
        case "decided" if figures.winner is not None:
            share = f" ({figures.winner_percent}%)" if figures.winner_percent else ""
            text = f"{figures.winner}{share}"
        case "decided":
            text = _names(figures.winners) if figures.winners else "not known"
        case "cannot-tell":
            text = "not known: the figures do not decide it"
        case "no-rules":
            text = "not known: no rules could be applied"
    return OutcomeView(
        outcome=figures.outcome,
        winner=figures.winner,
        winner_url=candidate_url(figures.winner) if figures.winner else None,
        winner_percent=figures.winner_percent,
        winners=figures.winners,
        tied=figures.tied,
        tied_votes=tied_votes,
        tie_break=decision.tie_break if decision is not None and figures.tied else None,
        text=text,
    )


def election_view(record: ElectionRecord) -> ElectionView:
    """The election page of one stored version."""
    election, figures = record.election, record.figures
    city, state = election.jurisdiction.city, election.jurisdiction.state
    lines = [stage.total_line for stage in election.stages]
    deciding = _deciding(figures)
    decision = deciding.decision if deciding is not None else None
    return ElectionView(
        id=record.id,
        version=record.version,
        current=record.current,
        versions=record.versions,
        url=election_url(record.id),
        title=record.title,
        office=election.office,
        city=city,
        state=state,
        city_url=city_url(city, state) if city else None,
        date=figures.date,
        type=election.type,
        term=election.term,
        outcome=_outcome(figures),
        before_holder=election.before_holder,
        before_party=election.before_party,
        claim=ClaimView(
            after_holder=election.after_holder,
            after_party=election.after_party,
            verdict=decision.verdict if decision is not None else None,
            verdict_text=VERDICT_WORDS[decision.verdict] if decision is not None else None,
            verdict_reasons=decision.verdict_reasons if decision is not None else (),
        ),
        party_result=election.party_result,
        turnout=figures.turnout,
        registered_voters=election.registered_voters,
        stages=tuple(
            _stage(record.id, stage, lines[stage.index] if stage.index < len(lines) else None)
            for stage in figures.stages
        ),
        rules=record.rules,
        rules_note=record.rules_note,
        findings=tuple(
            FindingView(f.code, f.severity, f.line, f.message, f.fix) for f in record.findings
        ),
        findings_note=FINDINGS_NOTE,
        source=record.source_name,
        source_sha256=record.source_sha256,
        imported_at=record.imported_at,
        imported_by=record.imported_by,
        figures=figures,
    )


# -- lists of elections ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedElection:
    """One election in a list; ``winner_text`` is the winner, ``tied`` or ``—``."""

    id: int
    url: str
    title: str
    city: str | None
    state: str | None
    city_url: str | None
    office: str | None
    year: int | None
    date: dt.date | None
    outcome: str | None
    winner: str | None
    winner_url: str | None
    winner_percent: str | None
    winner_text: str
    margin_votes: int | None
    counted_total: int | None


def listed(row: ElectionSummary) -> ListedElection:
    text = row.winner or ("tied" if row.outcome == "tied" else "—")
    return ListedElection(
        id=row.id,
        url=election_url(row.id),
        title=row.title,
        city=row.city,
        state=row.state,
        city_url=city_url(row.city, row.state) if row.city else None,
        office=row.office,
        year=row.year,
        date=row.date,
        outcome=row.outcome,
        winner=row.winner,
        winner_url=candidate_url(row.winner) if row.winner else None,
        winner_percent=row.winner_percent,
        winner_text=text,
        margin_votes=row.margin_votes,
        counted_total=row.counted_total,
    )


@dataclass(frozen=True, slots=True)
class IndexFilters:
    """The index's filters as given (``None`` fields do not filter)."""

    city: str | None = None
    year: int | None = None
    office: str | None = None
    candidate: str | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class CityFacet:
    city: str
    state: str | None
    slug: str
    url: str
    elections: int


@dataclass(frozen=True, slots=True)
class Facets:
    cities: tuple[CityFacet, ...] = ()
    years: tuple[tuple[int, int], ...] = ()
    """(year, elections), newest first."""
    offices: tuple[tuple[str, int], ...] = ()


def facets_view(
    found: tuple[tuple[CityPlace, ...], tuple[tuple[int, int], ...], tuple[tuple[str, int], ...]],
) -> Facets:
    places, years, offices = found
    return Facets(
        cities=tuple(
            CityFacet(
                p.city, p.state, city_slug(p.city, p.state), city_url(p.city, p.state), p.elections
            )
            for p in places
        ),
        years=years,
        offices=offices,
    )


@dataclass(frozen=True, slots=True)
class IndexView:
    """The index (filtered, a page at a time) or a year's page (all of it, no filters)."""

    heading: str
    url: str
    searchable: bool
    filters: IndexFilters
    page: int
    pages: int
    per_page: int | None
    total: int
    previous_url: str | None
    next_url: str | None
    elections: tuple[ListedElection, ...]
    facets: Facets


def index_view(
    rows: Iterable[ElectionSummary],
    total: int,
    *,
    heading: str,
    url: str = "/",
    searchable: bool = True,
    filters: IndexFilters | None = None,
    page: int = 1,
    per_page: int | None = None,
    page_url: Callable[[int], str] | None = None,
    facets: Facets | None = None,
) -> IndexView:
    """A list of elections; ``page_url(n)`` gives the address of page ``n`` when paged."""
    pages = max(1, -(-total // per_page)) if per_page else 1
    return IndexView(
        heading=heading,
        url=url,
        searchable=searchable,
        filters=filters or IndexFilters(),
        page=page,
        pages=pages,
        per_page=per_page,
        total=total,
        previous_url=page_url(page - 1) if page_url and page > 1 else None,
        next_url=page_url(page + 1) if page_url and page < pages else None,
        elections=tuple(listed(row) for row in rows),
        facets=facets or Facets(),
    )


# -- a person's page ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CandidateStage:
    index: int
    label: str
    date: dt.date | None
    name: str
    party: str | None
    votes: int | None
    votes_text: str
    percent: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class CandidateRun:
    id: int
    url: str
    title: str
    year: int | None
    date: dt.date | None
    office: str | None
    city: str | None
    winner: str | None
    outcome: str
    won: bool
    stages: tuple[CandidateStage, ...]


@dataclass(frozen=True, slots=True)
class CandidateView:
    slug: str
    url: str
    name: str
    names: tuple[str, ...]
    elections: tuple[CandidateRun, ...]


def candidate_view(wanted: str, records: Iterable[ElectionRecord]) -> CandidateView | None:
    """Every stage, of every election, that a person whose name slugs to ``wanted`` ran in;
    ``None`` when there is none."""
    names: list[str] = []
    runs: list[CandidateRun] = []
    for record in records:
        figures = record.figures
        stages = []
        for stage in figures.stages:
            for row in stage.rows:
                if candidate_slug(row.name) != wanted:
                    continue
                if row.name not in names:
                    names.append(row.name)
                stages.append(
                    CandidateStage(
                        index=stage.index,
                        label=stage.label,
                        date=stage.date,
                        name=row.name,
                        party=row.party,
                        votes=row.votes,
                        votes_text=_row(row).votes_text,
                        percent=row.percent,
                        status=row.status,
                    )
                )
        if stages:
            runs.append(
                CandidateRun(
                    id=record.id,
                    url=election_url(record.id),
                    title=record.title,
                    year=figures.year,
                    date=figures.date,
                    office=record.election.office,
                    city=record.election.jurisdiction.city,
                    winner=figures.winner,
                    outcome=figures.outcome,
                    won=any(candidate_slug(name) == wanted for name in figures.winners),
                    stages=tuple(stages),
                )
            )
    if not runs:
        return None
    runs.sort(key=lambda run: (run.date.isoformat() if run.date else "", run.title))
    return CandidateView(
        slug=wanted,
        url=f"/candidates/{wanted}",
        name=names[0],
        names=tuple(names),
        elections=tuple(runs),
    )


# -- a city's page -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CityRow:
    id: int
    url: str
    title: str
    office: str | None
    year: int | None
    date: dt.date | None
    outcome: str
    winner: str | None
    winner_url: str | None
    winner_text: str
    winner_percent: str | None
    turnout_percent: str | None
    turnout_basis: Literal["computed", "stated"] | None


@dataclass(frozen=True, slots=True)
class CityView:
    city: str
    state: str | None
    name: str
    slug: str
    url: str
    chart_url: str
    elections: tuple[CityRow, ...]


def city_view(city: str, state: str | None, records: Iterable[ElectionRecord]) -> CityView:
    """A city's elections over time (in the order given: oldest first), with winners' shares
    and turnout."""
    rows = []
    for record in records:
        figures = record.figures
        tied = figures.outcome == "tied"
        rows.append(
            CityRow(
                id=record.id,
                url=election_url(record.id),
                title=record.title,
                office=record.election.office,
                year=figures.year,
                date=figures.date,
                outcome=figures.outcome,
                winner=figures.winner,
                winner_url=candidate_url(figures.winner) if figures.winner else None,
                winner_text=figures.winner or ("tied" if tied else "—"),
                winner_percent=figures.winner_percent,
                turnout_percent=figures.turnout.percent if figures.turnout else None,
                turnout_basis=figures.turnout.basis if figures.turnout else None,
            )
        )
    return CityView(
        city=city,
        state=state,
        name=f"{city}, {state}" if state else city,
        slug=city_slug(city, state),
        url=city_url(city, state),
        chart_url=f"{city_url(city, state)}/chart.svg",
        elections=tuple(rows),
    )
