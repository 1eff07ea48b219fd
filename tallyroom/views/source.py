"""The source page of an election and the comparison of two elections."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tallyroom.store import ElectionRecord
from tallyroom.views.election import RowView, row_view, sorted_rows
from tallyroom.views.links import (
    candidate_url,
    city_url,
    compare_url,
    election_url,
    source_url,
    votes_text,
)
from tallyroom.views.wording import date_text, outcome_sentence, source_label

__all__ = [
    "CompareView",
    "ComparedElection",
    "SourceLine",
    "SourceView",
    "compare_view",
    "source_view",
]


@dataclass(frozen=True, slots=True)
class SourceLine:
    number: int
    anchor: str
    """``"L123"``: the line's address on the page (``/elections/3/source#L123``)."""
    text: str
    findings: tuple[str, ...]
    """Codes of the checks' findings at this line."""


@dataclass(frozen=True, slots=True)
class SourceView:
    """The stored text of the source an election's current version was read from."""

    id: int
    url: str
    election_url: str
    title: str
    name: str
    label: str
    sha256: str
    imported_at: dt.datetime
    lines: tuple[SourceLine, ...]


def source_view(record: ElectionRecord, name: str, text: str) -> SourceView:
    """The source page: ``text`` (stored as imported) line by line, numbered from 1."""
    marks: dict[int, list[str]] = {}
    for finding in record.findings:
        if finding.line:
            marks.setdefault(finding.line, []).append(finding.code)
    return SourceView(
        id=record.id,
        url=source_url(record.id),
        election_url=election_url(record.id),
        title=record.title,
        name=name,
        label=source_label(name, text),
        sha256=record.source_sha256,
        imported_at=record.imported_at,
        lines=tuple(
            SourceLine(number, f"L{number}", line, tuple(marks.get(number, ())))
            for number, line in enumerate(text.splitlines(), start=1)
        ),
    )


@dataclass(frozen=True, slots=True)
class ComparedElection:
    """One side of a comparison: the stored outcome and the deciding stage's rows."""

    id: int
    url: str
    title: str
    city: str | None
    city_url: str | None
    office: str | None
    date: dt.date | None
    date_text: str | None
    sentence: str
    winner: str | None
    winner_url: str | None
    winner_percent: str | None
    margin_votes: int | None
    margin_percent: str | None
    turnout_percent: str | None
    counted_total: int | None
    counted_text: str
    stage_label: str | None
    rows: tuple[RowView, ...]


@dataclass(frozen=True, slots=True)
class CompareView:
    url: str
    first: ComparedElection
    second: ComparedElection
    in_both: tuple[str, ...]
    """People who ran in both elections' deciding stages (as the first names them)."""


def _side(record: ElectionRecord) -> ComparedElection:
    figures = record.figures
    place = record.election.jurisdiction
    deciding = (
        figures.stages[figures.deciding_stage] if figures.deciding_stage is not None else None
    )
    if deciding is None and figures.stages:
        deciding = figures.stages[-1]
    counted = deciding.total.counted if deciding is not None else None
    return ComparedElection(
        id=record.id,
        url=election_url(record.id),
        title=record.title,
        city=place.city,
        city_url=city_url(place.city, place.state) if place.city else None,
        office=record.election.office,
        date=figures.date,
        date_text=date_text(figures.date),
        sentence=outcome_sentence(figures),
        winner=figures.winner,
        winner_url=candidate_url(figures.winner) if figures.winner else None,
        winner_percent=figures.winner_percent,
        margin_votes=figures.margin_votes,
        margin_percent=figures.margin_percent,
        turnout_percent=figures.turnout.percent if figures.turnout else None,
        counted_total=counted,
        counted_text=votes_text(counted),
        stage_label=deciding.label if deciding is not None else None,
        rows=tuple(row_view(row, record.id) for row in sorted_rows(deciding.rows))
        if deciding is not None
        else (),
    )


def compare_view(first: ElectionRecord, second: ElectionRecord) -> CompareView:
    """Two elections side by side, from their stored figures."""
    one, two = _side(first), _side(second)
    keys = {row.key for stage in second.figures.stages if stage.deciding for row in stage.rows}
    both = tuple(
        row.name
        for stage in first.figures.stages
        if stage.deciding
        for row in stage.rows
        if row.key in keys
    )
    return CompareView(url=compare_url(first.id, second.id), first=one, second=two, in_both=both)
