"""The election page: its infobox, stages, outcome, claims and findings, from one stored
version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tallyroom.figures import ElectionFigures, RowFigures, StageFigures, TurnoutFigures, person_key
from tallyroom.model import StageDecision
from tallyroom.round_figures import RoundFigures
from tallyroom.store import ElectionRecord
from tallyroom.views.links import (
    FINDINGS_NOTE,
    INFOBOX_MARKER,
    INFOBOX_NOTE,
    candidate_url,
    city_url,
    election_url,
    names_text,
    votes_text,
)

__all__ = [
    "VERDICT_WORDS",
    "ClaimView",
    "ElectionView",
    "FindingView",
    "OutcomeView",
    "RowView",
    "StageView",
    "TotalView",
    "election_view",
    "row_view",
]

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


def row_view(row: RowFigures) -> RowView:
    infobox = row.basis == "infobox"
    text = votes_text(row.votes) + (f" {INFOBOX_MARKER}" if infobox else "")
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


def _stage(election_id: int, stage: StageFigures, line: int | None) -> StageView:
    base = f"{election_url(election_id)}/stages/{stage.index}"
    rows = tuple(row_view(row) for row in stage.rows)
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
            names = names_text(figures.tied or ())
            each = f" ({tied_votes:,} each)" if tied_votes is not None else ""
            text = f"Tied: {names}{each}"
        case "decided" if figures.winner is not None:
            share = f" ({figures.winner_percent}%)" if figures.winner_percent else ""
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
