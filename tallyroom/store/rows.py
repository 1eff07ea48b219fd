"""An election as table rows, and back: the only mapping between the model and the schema.

:func:`election_rows` gives the rows of one version (every table below ``versions``);
:func:`load_election` reads them back into an equal :class:`~tallyroom.model.Election`,
line numbers included.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from tallyroom.model import (
    Candidate,
    CandidateResult,
    Election,
    InfoboxCandidate,
    InfoboxField,
    Jurisdiction,
    Paragraph,
    ReportingUnit,
    ResultsStatus,
    Round,
    Stage,
    StageKind,
    UnitKind,
    UnitResult,
)
from tallyroom.store import schema as t

__all__ = ["Rows", "election_key", "election_rows", "load_election", "version_columns"]

Row = dict[str, Any]
Rows = dict[sa.Table, list[Row]]


def election_key(title: str) -> str:
    """The identity of an election across versions: its title, case-folded, spaces collapsed."""
    return " ".join(title.split()).casefold()


@functools.lru_cache(maxsize=4096)
def _section(section: tuple[str, ...]) -> str:
    return json.dumps(list(section), ensure_ascii=False)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _deciding_index(election: Election) -> int | None:
    deciding = election.deciding_stage
    for index, stage in enumerate(election.stages):
        if stage is deciding:
            return index
    return None


def version_columns(election: Election, decided: Sequence[str] | None = None) -> Row:
    """The ``versions`` columns that describe the election (model fields and derived indexes).

    ``decided`` are the winners of the deciding stage as the rules derive them (``None`` when
    the rules were not applied): the winner is that one name, else the leader of the deciding
    stage's table. The margin is the winner's votes less the best other candidate's.
    """
    deciding_index = _deciding_index(election)
    winner: str | None = None
    margin: int | None = None
    counted: int | None = None
    if deciding_index is not None:
        stage = election.stages[deciding_index]
        ranked = stage.ranked()
        counted = stage.counted_total
        if decided is not None:
            winner = decided[0] if len(decided) == 1 else None
        elif len(ranked) == 1 or (len(ranked) >= 2 and ranked[0].votes != ranked[1].votes):
            winner = ranked[0].name
        leaders = [row for row in ranked if row.name == winner]
        others = [row for row in ranked if row.name != winner]
        if leaders and others and len(ranked) == len(stage.results):
            margin = (leaders[0].votes or 0) - (others[0].votes or 0)
            margin = margin if margin >= 0 else None
    people = {row.name.casefold() for stage in election.stages for row in stage.results}
    people |= {person.name.casefold() for person in election.candidates}
    people |= {nominee.name.casefold() for nominee in election.nominees}
    before = election.before_holder.casefold() if election.before_holder else None
    held = {
        row.name.casefold()
        for stage in election.stages
        for row in stage.results
        if row.incumbent or row.name.casefold() == before
    }
    won = winner is not None and winner.casefold() in held
    parties = sorted({p.casefold() for stage in election.stages for p in _parties(stage)})
    ballots = registered = None
    if deciding_index is not None:
        stage = election.stages[deciding_index]
        ballots = stage.ballots_cast
        registered = stage.registered_voters
    if registered is None:
        registered = election.registered_voters
    return {
        "title": election.title,
        "city": election.jurisdiction.city,
        "state": election.jurisdiction.state,
        "office": election.office,
        "date": election.date,
        "type": election.type,
        "term": election.term,
        "previous_election": election.previous_election,
        "previous_year": election.previous_year,
        "next_election": election.next_election,
        "next_year": election.next_year,
        "before_holder": election.before_holder,
        "before_acting": election.before_acting,
        "before_party": election.before_party,
        "after_holder": election.after_holder,
        "after_party": election.after_party,
        "stated_turnout": _decimal(election.stated_turnout),
        "registered_voters": election.registered_voters,
        "rules": election.rules,
        "year": election.year,
        "deciding_stage": deciding_index,
        "winner": winner,
        "margin_votes": margin,
        "counted_total": counted,
        "people": "\n".join(sorted(people)),
        "incumbents_ran": len(held),
        "incumbents_won": 1 if won else 0,
        "decided_in": election.stages[deciding_index].kind if deciding_index is not None else None,
        "parties": "\n" + "\n".join(parties) + "\n" if parties else "",
        "turnout_ballots": ballots,
        "turnout_registered": registered,
    }


def _parties(stage: Stage) -> set[str]:
    return {row.party for row in stage.results if row.party}


def party_names(election: Election) -> set[str]:
    return {row.party for stage in election.stages for row in stage.results if row.party}


def election_rows(election: Election, version_id: int, party_ids: Mapping[str, int]) -> Rows:
    """Rows of every table below ``versions`` for one version of ``election``."""
    rows: Rows = defaultdict(list)
    v = version_id
    for s, stage in enumerate(election.stages):
        rows[t.stages].append(
            {
                "version_id": v,
                "position": s,
                "kind": stage.kind,
                "party": stage.party,
                "date": stage.date,
                "caption": stage.caption,
                "section": _section(stage.section),
                "stated_total": stage.stated_total,
                "result": stage.result,
                "registered_voters": stage.registered_voters,
                "ballots_cast": stage.ballots_cast,
                "status": stage.status,
                "date_source": stage.date_source,
                "caption_line": stage.caption_line,
                "total_line": stage.total_line,
            }
        )
        for p, row in enumerate(stage.results):
            rows[t.stage_results].append(
                {
                    "version_id": v,
                    "stage": s,
                    "position": p,
                    "name": row.name,
                    "name_key": row.name.casefold(),
                    "votes": row.votes,
                    "party_id": party_ids[row.party] if row.party else None,
                    "incumbent": row.incumbent,
                    "write_in": row.write_in,
                    "line": row.line,
                }
            )
        for p, unit in enumerate(stage.units):
            rows[t.reporting_units].append(
                {
                    "version_id": v,
                    "stage": s,
                    "unit": unit.id,
                    "position": p,
                    "name": unit.name,
                    "kind": unit.kind,
                    "parent": unit.parent,
                }
            )
        for p, result in enumerate(stage.unit_results):
            rows[t.unit_results].append(
                {
                    "version_id": v,
                    "stage": s,
                    "unit": result.unit,
                    "candidate": result.candidate,
                    "vote_type": result.vote_type,
                    "position": p,
                    "votes": result.votes,
                }
            )
        for p, round_ in enumerate(stage.rounds):
            rows[t.rounds].append(
                {
                    "version_id": v,
                    "stage": s,
                    "number": round_.number,
                    "position": p,
                    "elected": json.dumps(list(round_.elected), ensure_ascii=False),
                    "eliminated": json.dumps(list(round_.eliminated), ensure_ascii=False),
                    "inactive": str(round_.inactive),
                }
            )
            for q, (name, votes) in enumerate(round_.tally):
                rows[t.round_tallies].append(
                    {
                        "version_id": v,
                        "stage": s,
                        "round": round_.number,
                        "position": q,
                        "candidate": name,
                        "votes": str(votes),
                    }
                )
    for p, person in enumerate(election.candidates):
        rows[t.candidates].append(
            {
                "version_id": v,
                "position": p,
                "name": person.name,
                "nickname": person.nickname,
                "description": person.description,
                "section": _section(person.section),
                "line": person.line,
            }
        )
    for p, nominee in enumerate(election.nominees):
        rows[t.nominees].append(
            {
                "version_id": v,
                "position": p,
                "name": nominee.name,
                "party": nominee.party,
                "votes": nominee.votes,
                "stated_percentage": _decimal(nominee.stated_percentage),
            }
        )
    for p, paragraph in enumerate(election.paragraphs):
        rows[t.paragraphs].append(
            {
                "version_id": v,
                "position": p,
                "text": paragraph.text,
                "section": _section(paragraph.section),
                "line": paragraph.line,
            }
        )
    for p, heading in enumerate(election.outline):
        rows[t.outline].append({"version_id": v, "position": p, "section": _section(heading)})
    for p, item in enumerate(election.infobox):
        rows[t.infobox_fields].append(
            {
                "version_id": v,
                "position": p,
                "key": item.key,
                "value": item.value,
                "line": item.line,
            }
        )
    return rows


def _select(conn: sa.Connection, table: sa.Table, version_id: int) -> list[sa.Row[Any]]:
    order = [c for c in ("stage", "position") if c in table.c]
    query = sa.select(table).where(table.c.version_id == version_id)
    return list(conn.execute(query.order_by(*(table.c[c] for c in order))))


def _by_stage(rows: list[sa.Row[Any]]) -> dict[int, list[sa.Row[Any]]]:
    grouped: dict[int, list[sa.Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.stage].append(row)
    return grouped


def _tuple_section(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _optional_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _date(value: dt.date | None) -> dt.date | None:
    # Some drivers give a datetime for a DATE column; the model holds dates.
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def load_election(conn: sa.Connection, version_id: int, source: str | None = None) -> Election:
    """The election stored as version ``version_id``."""
    head = conn.execute(sa.select(t.versions).where(t.versions.c.id == version_id)).one()
    party_names = dict(conn.execute(sa.select(t.parties.c.id, t.parties.c.name)).all())
    results = _by_stage(_select(conn, t.stage_results, version_id))
    units = _by_stage(_select(conn, t.reporting_units, version_id))
    unit_results = _by_stage(_select(conn, t.unit_results, version_id))
    rounds = _by_stage(_select(conn, t.rounds, version_id))
    tallies: dict[tuple[int, int], list[tuple[str, Decimal]]] = defaultdict(list)
    for row in _select(conn, t.round_tallies, version_id):
        tallies[row.stage, row.round].append((row.candidate, Decimal(row.votes)))
    stages = []
    for row in _select(conn, t.stages, version_id):
        s = row.position
        stages.append(
            Stage(
                kind=cast(StageKind, row.kind),
                party=row.party,
                date=_date(row.date),
                caption=row.caption,
                section=_tuple_section(row.section),
                results=tuple(
                    CandidateResult(
                        name=r.name,
                        votes=r.votes,
                        party=party_names[r.party_id] if r.party_id is not None else None,
                        incumbent=r.incumbent,
                        write_in=r.write_in,
                        line=r.line,
                    )
                    for r in results[s]
                ),
                stated_total=row.stated_total,
                result=row.result,
                registered_voters=row.registered_voters,
                ballots_cast=row.ballots_cast,
                status=cast(ResultsStatus | None, row.status),
                units=tuple(
                    ReportingUnit(
                        id=u.unit, name=u.name, kind=cast(UnitKind, u.kind), parent=u.parent
                    )
                    for u in sorted(units[s], key=lambda u: u.position)
                ),
                unit_results=tuple(
                    UnitResult(
                        unit=u.unit, candidate=u.candidate, votes=u.votes, vote_type=u.vote_type
                    )
                    for u in sorted(unit_results[s], key=lambda u: u.position)
                ),
                rounds=tuple(
                    Round(
                        number=r.number,
                        tally=tuple(tallies[s, r.number]),
                        elected=tuple(json.loads(r.elected)),
                        eliminated=tuple(json.loads(r.eliminated)),
                        inactive=Decimal(r.inactive),
                    )
                    for r in sorted(rounds[s], key=lambda r: r.position)
                ),
                date_source=row.date_source,
                caption_line=row.caption_line,
                total_line=row.total_line,
            )
        )
    return Election(
        title=head.title,
        jurisdiction=Jurisdiction(city=head.city, state=head.state),
        office=head.office,
        date=_date(head.date),
        type=head.type,
        term=head.term,
        previous_election=head.previous_election,
        previous_year=head.previous_year,
        next_election=head.next_election,
        next_year=head.next_year,
        before_holder=head.before_holder,
        before_acting=head.before_acting,
        before_party=head.before_party,
        after_holder=head.after_holder,
        after_party=head.after_party,
        stated_turnout=_optional_decimal(head.stated_turnout),
        registered_voters=head.registered_voters,
        nominees=tuple(
            InfoboxCandidate(
                name=r.name,
                party=r.party,
                votes=r.votes,
                stated_percentage=_optional_decimal(r.stated_percentage),
            )
            for r in _select(conn, t.nominees, version_id)
        ),
        stages=tuple(stages),
        candidates=tuple(
            Candidate(
                name=r.name,
                nickname=r.nickname,
                description=r.description,
                section=_tuple_section(r.section),
                line=r.line,
            )
            for r in _select(conn, t.candidates, version_id)
        ),
        paragraphs=tuple(
            Paragraph(text=r.text, section=_tuple_section(r.section), line=r.line)
            for r in _select(conn, t.paragraphs, version_id)
        ),
        outline=tuple(_tuple_section(r.section) for r in _select(conn, t.outline, version_id)),
        infobox=tuple(
            InfoboxField(key=r.key, value=r.value, line=r.line)
            for r in _select(conn, t.infobox_fields, version_id)
        ),
        rules=head.rules,
        source=source,
    )
