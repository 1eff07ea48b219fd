"""The election page: its infobox, stages, outcome, claims and findings, from one stored
version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tallyroom.figures import ElectionFigures, RowFigures, StageFigures, TurnoutFigures, person_key
from tallyroom.model import StageDecision
from tallyroom.round_figures import RoundFigures
from tallyroom.store import ElectionRecord
from tallyroom.views.colours import party_colour
from tallyroom.views.links import (
    FINDINGS_NOTE,
    INFOBOX_MARKER,
    INFOBOX_NOTE,
    candidate_url,
    city_url,
    election_url,
    names_text,
    source_url,
    votes_text,
)
from tallyroom.views.wording import (
    VERDICT_SENTENCES,
    date_text,
    outcome_sentence,
    party_result_text,
    party_text,
    percent_text,
    stage_sentence,
)

__all__ = [
    "ORDERS",
    "VERDICT_WORDS",
    "ClaimView",
    "CompareLink",
    "ElectionView",
    "FindingView",
    "Order",
    "OutcomeView",
    "RowView",
    "StageView",
    "TotalView",
    "election_view",
    "row_view",
    "sorted_rows",
]

#: How an election's result rows are ordered: most votes first, or as the source lists them.
Order = Literal["votes", "source"]
ORDERS: tuple[Order, ...] = ("votes", "source")

# -- the election page -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowView:
    """One candidate's row: the stored figures, with a link and the text of the vote cell."""

    name: str
    url: str
    party: str | None
    """The party's short name ("Democratic")."""
    colour: str
    """The party's colour (:mod:`tallyroom.views.colours`)."""
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
    line: int | None
    """The row's line in the source."""
    source_url: str | None
    """The row's line on the election's source page."""


@dataclass(frozen=True, slots=True)
class TotalView:
    """A stage's total: the counted figure, or for a damaged one the stated figure and how."""

    counted: int | None
    text: str
    """``"160,854"``, or ``"161 (cut; 161,791–161,812)"`` for a damaged total."""
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
    date_text: str | None
    caption: str | None
    status: str | None
    deciding: bool
    sentence: str
    """What the stage decided, in words ("No majority: A and B go to the runoff.")."""
    verdict_sentence: str | None
    rows: tuple[RowView, ...]
    """Most votes first, or in the source's order (the election's ``order``)."""
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
    sentence: str
    """The outcome in words: ``"Tom Barrett won with 53.77 %."``."""


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
    source_url: str | None
    """The finding's line on the election's source page."""


@dataclass(frozen=True, slots=True)
class CompareLink:
    """Another election to compare this one with, and the comparison's address."""

    id: int
    title: str
    url: str
    first: int
    second: int
    """The two elections compared, older first."""


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
    date_text: str | None
    type: str | None
    term: str | None
    outcome: OutcomeView
    before_holder: str | None
    before_party: str | None
    """The party's short name."""
    claim: ClaimView
    party_result: str | None
    """In words: "Democratic hold: the party kept the office"."""
    turnout: TurnoutFigures | None
    registered_voters: int | None
    stages: tuple[StageView, ...]
    rules: Mapping[str, Any] | None
    rules_note: str | None
    findings: tuple[FindingView, ...]
    findings_note: str
    source: str
    """The file name of the source."""
    source_label: str
    """What to call the source: its own title when it has one, else its file name."""
    source_url: str
    source_sha256: str
    imported_at: dt.datetime
    imported_by: str
    order: Order
    order_url: str
    """The same page with its rows in the other order."""
    compare: tuple[CompareLink, ...]
    """Elections of the same city and office to compare with: the one before and after."""
    figures: ElectionFigures
    """The stored figures, whole: what every other field of the page is arranged from."""


def row_view(row: RowFigures, election_id: int | None = None) -> RowView:
    infobox = row.basis == "infobox"
    text = votes_text(row.votes) + (f" {INFOBOX_MARKER}" if infobox else "")
    party = party_text(row.party_label) if row.party_label is not None else row.party
    return RowView(
        name=row.name,
        url=candidate_url(row.name),
        party=party,
        colour=party_colour(party),
        votes=row.votes,
        votes_text=text,
        basis=row.basis,
        note=INFOBOX_NOTE if infobox else None,
        percent=row.percent,
        status=row.status,
        stated_status=row.stated_status,
        incumbent=row.incumbent,
        write_in=row.write_in,
        line=row.line,
        source_url=(
            f"{source_url(election_id)}#L{row.line}"
            if election_id is not None and row.line
            else None
        ),
    )


def sorted_rows(rows: Sequence[RowFigures], order: Order = "votes") -> list[RowFigures]:
    """``rows`` most votes first (unknown votes last; equal votes keep the source's order), or
    as given for ``order="source"``."""
    if order == "source":
        return list(rows)
    return sorted(rows, key=lambda row: (row.votes is None, -(row.votes or 0)))


def _total(stage: StageFigures, line: int | None) -> TotalView:
    total = stage.total
    stated_text = None
    if total.stated is not None:
        stated_text = f"Total: {total.stated:,} votes" + (f" (line {line})" if line else "")
    if total.damaged and total.stated is not None:
        text = f"{total.stated:,} ({total.note})" if total.note else f"{total.stated:,}"
    else:
        text = votes_text(total.counted)
    return TotalView(
        counted=total.counted,
        text=text,
        damaged=total.damaged,
        stated=total.stated,
        stated_text=stated_text,
        computed=total.computed,
        other_votes=total.other_votes,
    )


def _stage(
    election_id: int,
    figures: ElectionFigures,
    stage: StageFigures,
    line: int | None,
    order: Order,
) -> StageView:
    base = f"{election_url(election_id)}/stages/{stage.index}"
    rows = tuple(row_view(row, election_id) for row in sorted_rows(stage.rows, order))
    following = figures.stages[stage.index + 1] if stage.index + 1 < len(figures.stages) else None
    decision = stage.decision
    return StageView(
        index=stage.index,
        kind=stage.kind,
        label=stage.label,
        party=stage.party,
        date=stage.date,
        date_text=date_text(stage.date),
        caption=stage.caption,
        status=stage.status,
        deciding=stage.deciding,
        sentence=stage_sentence(stage, figures, following.label if following else None),
        verdict_sentence=VERDICT_SENTENCES[decision.verdict] if decision is not None else None,
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
            names = names_text(figures.tied or ())
            each = f" ({tied_votes:,} each)" if tied_votes is not None else ""
            text = f"Tied: {names}{each}"
        case "decided" if figures.winner is not None:
            share = f" ({percent_text(figures.winner_percent)})" if figures.winner_percent else ""
            text = f"{figures.winner}{share}"
        case "decided":
            text = names_text(figures.winners) if figures.winners else "not known"
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
        sentence=outcome_sentence(figures),
    )


def election_view(
    record: ElectionRecord,
    *,
    order: Order = "votes",
    source_label: str | None = None,
    compare: Sequence[CompareLink] = (),
) -> ElectionView:
    """The election page of one stored version: rows ``order``-ed, the source called
    ``source_label`` (default: its file name), links to ``compare`` with."""
    election, figures = record.election, record.figures
    city, state = election.jurisdiction.city, election.jurisdiction.state
    lines = [stage.total_line for stage in election.stages]
    deciding = _deciding(figures)
    decision = deciding.decision if deciding is not None else None
    url = election_url(record.id)
    source = source_url(record.id)
    return ElectionView(
        id=record.id,
        version=record.version,
        current=record.current,
        versions=record.versions,
        url=url,
        title=record.title,
        office=election.office,
        city=city,
        state=state,
        city_url=city_url(city, state) if city else None,
        date=figures.date,
        date_text=date_text(figures.date),
        type=election.type,
        term=election.term,
        outcome=_outcome(figures),
        before_holder=election.before_holder,
        before_party=party_text(election.before_party),
        claim=ClaimView(
            after_holder=election.after_holder,
            after_party=party_text(election.after_party),
            verdict=decision.verdict if decision is not None else None,
            verdict_text=VERDICT_WORDS[decision.verdict] if decision is not None else None,
            verdict_reasons=decision.verdict_reasons if decision is not None else (),
        ),
        party_result=party_result_text(election.party_result),
        turnout=figures.turnout,
        registered_voters=election.registered_voters,
        stages=tuple(
            _stage(
                record.id,
                figures,
                stage,
                lines[stage.index] if stage.index < len(lines) else None,
                order,
            )
            for stage in figures.stages
        ),
        rules=record.rules,
        rules_note=record.rules_note,
        findings=tuple(
            FindingView(
                f.code,
                f.severity,
                f.line,
                f.message,
                f.fix,
                f"{source}#L{f.line}" if f.line else None,
            )
            for f in record.findings
        ),
        findings_note=FINDINGS_NOTE,
        source=record.source_name,
        source_label=source_label or record.source_name,
        source_url=source,
        source_sha256=record.source_sha256,
        imported_at=record.imported_at,
        imported_by=record.imported_by,
        order=order,
        order_url=url if order == "source" else f"{url}?order=source",
        compare=tuple(compare),
        figures=figures,
    )


# -- lists of elections ------------------------------------------------------------------------
