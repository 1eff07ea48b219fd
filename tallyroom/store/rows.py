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
from collections.abc import Collection, Sequence
from decimal import Decimal
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, cast

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.figures import ElectionFigures, person_key
from tallyroom.memo import ByIdentity
from tallyroom.model import (
    Candidate,
    CandidateResult,
    Election,
    InactiveReason,
    InfoboxCandidate,
    InfoboxField,
    Jurisdiction,
    Paragraph,
    ReportingUnit,
    ResultsStatus,
    Round,
    Stage,
    StageKind,
    Transfer,
    UnitResults,
)
from tallyroom.store import schema as t
from tallyroom.store.codec import UNITS_TEXT_KEPT, TextCache, json_string, json_text
from tallyroom.store.driver import read_rows

__all__ = [
    "ROW_KEYS",
    "SOMETIMES",
    "Values",
    "election_rows",
    "head_columns",
    "legacy_unit_results",
    "legacy_units",
    "load_election",
    "read_unit_list",
    "unit_list",
    "version_columns",
]

Row = dict[str, Any]


@functools.cache
def _unit_blocks() -> sa.Select[Any]:
    """A version's unit figures' rows (:mod:`tallyroom.store.unit_blocks`), in order."""
    u = t.unit_figures
    return (
        sa.select(u)
        .where(u.c.version_id == sa.bindparam("version_id"))
        .order_by(u.c.stage, u.c.block)
    )


def _unit_results(
    conn: sa.Connection, version_id: int, head: sa.Row[Any]
) -> dict[int, UnitResults]:
    """Each stage's unit figures, from its blocks' rows."""
    if not getattr(head, _has(t.unit_figures)):
        return {}
    from tallyroom.store.unit_blocks import read_blocks  # numpy: only for unit figures

    rows = read_rows(conn, _unit_blocks(), {"version_id": version_id})
    return {
        stage: read_blocks(list(blocks), f"version {version_id}, stage {stage + 1}'s unit figures")
        for stage, blocks in groupby(rows, key=attrgetter("stage"))
    }


def unit_list(units: tuple[ReportingUnit, ...]) -> str:
    """A stage's reporting units as the JSON of ``stage_units.units``: ``[id, name, kind,
    parent]`` each, in order (each distinct unit's made once: see :class:`TextCache`; each
    tuple of units, which stages share, once: see :mod:`tallyroom.memo`). A unit of a kind not
    known is refused, as the CHECK of the table of a row per unit refused it."""
    return _UNIT_LISTS(units)


def _unit_list(units: tuple[ReportingUnit, ...]) -> str:
    return f"[{', '.join(map(_UNIT_JSON.__getitem__, map(_UNIT_COLUMNS, units)))}]"


def _unit_json(values: tuple[Any, ...]) -> str:
    """``[id, name, kind, parent]`` as JSON: the text :func:`json_text` gives, put together
    from its strings' JSON when they are strings (the encoder's start is most of the cost of a
    short list, and a statewide file has 15,000 units)."""
    unit_id, name, kind, parent = values
    if kind not in _UNIT_KINDS:
        raise StorageError(f"reporting unit {unit_id!r}: expected a kind of {t.UNIT_KINDS}")
    strings = type(unit_id) is str and type(name) is str and type(kind) is str
    if strings and (parent is None or type(parent) is str):
        last = "null" if parent is None else json_string(parent)
        return f"[{json_string(unit_id)}, {json_string(name)}, {json_string(kind)}, {last}]"
    return json_text(list(values))


_UNIT_COLUMNS = attrgetter("id", "name", "kind", "parent")
_UNIT_JSON = TextCache(_unit_json)
_UNIT_LISTS: ByIdentity[tuple[ReportingUnit, ...], str] = ByIdentity(
    _unit_list, UNITS_TEXT_KEPT, lambda _, text: len(text)
)


def read_unit_list(text: str, where: str) -> tuple[ReportingUnit, ...]:
    """The reporting units of a ``stage_units.units`` JSON; a list that is not one of
    ``[id, name, kind, parent]`` with a known kind is refused as damaged."""
    try:
        listed = json.loads(text)
    except ValueError:
        listed = None
    if not isinstance(listed, list) or not all(map(_unit_entry, listed)):
        raise StorageError(f"{where}: expected reporting units of [id, name, kind, parent]")
    units = tuple(ReportingUnit(*unit) for unit in listed)
    if not {unit.kind for unit in units} <= _UNIT_KINDS:
        raise StorageError(f"{where}: a reporting unit of an unknown kind")
    return units


def _unit_entry(unit: Any) -> bool:
    """Whether ``unit`` is ``[id, name, kind, parent]``: texts, the parent text or null."""
    return (
        type(unit) is list
        and len(unit) == 4
        and all(type(value) is str for value in unit[:3])
        and (unit[3] is None or type(unit[3]) is str)
    )


_UNIT_KINDS = frozenset(t.UNIT_KINDS)
#: ``reporting_units`` as it was before migration 0017 made it ``stage_units``: a row per unit.
_LEGACY_REPORTING = sa.table(
    "reporting_units",
    *map(sa.column, ("version_id", "stage", "position", "unit", "name", "kind", "parent")),
)


def legacy_units(conn: sa.Connection, version_id: int) -> dict[int, tuple[ReportingUnit, ...]]:
    """Each stage's reporting units from ``reporting_units``, a row per unit, as a database
    before migration 0017 keeps them (see :func:`legacy_unit_results`)."""
    r = _LEGACY_REPORTING.c
    query = (
        sa.select(r.stage, r.unit, r.name, r.kind, r.parent)
        .where(r.version_id == version_id)
        .order_by(r.stage, r.position)
    )
    return {
        stage: tuple(
            ReportingUnit(unit, name, kind, parent) for _, unit, name, kind, parent in rows
        )
        for stage, rows in groupby(conn.execute(query).all(), key=itemgetter(0))
    }


#: ``unit_results`` as it was before migration 0016 made it ``unit_figures``: a row per figure.
_LEGACY_UNITS = sa.table(
    "unit_results",
    *map(sa.column, ("version_id", "stage", "position", "unit", "candidate", "votes", "vote_type")),
)


def legacy_unit_results(conn: sa.Connection, version_id: int) -> dict[int, UnitResults]:
    """Each stage's unit figures from ``unit_results``, a row per figure, as a database before
    migration 0016 keeps them: for the migrations that read such a database's elections
    (0005 as :func:`load_election` ``without=("unit_figures",)``, and 0016 itself)."""
    u = _LEGACY_UNITS.c
    query = (
        sa.select(u.stage, u.unit, u.candidate, u.votes, u.vote_type)
        .where(u.version_id == version_id)
        .order_by(u.stage, u.position)
    )
    found = {}
    for stage, of_stage in groupby(conn.execute(query).all(), key=itemgetter(0)):
        _, units, candidates, votes, vote_types = zip(*of_stage, strict=True)
        found[stage] = UnitResults.from_columns(units, candidates, votes, vote_types)
    return found


@functools.lru_cache(maxsize=4096)
def _section(section: tuple[str, ...]) -> str:
    return json_text(list(section))


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def version_columns(election: Election, figures: ElectionFigures) -> Row:
    """The ``versions`` columns of one version: the model's fields, and indexes for queries
    across elections copied from its ``figures`` (decided once, by the service)."""
    deciding = figures.deciding_stage
    winner = figures.winner
    winner_key = person_key(winner) if winner else None
    people = {person_key(row.name) for stage in election.stages for row in stage.results}
    people |= {person_key(person.name) for person in election.candidates}
    people |= {person_key(nominee.name) for nominee in election.nominees}
    before = person_key(election.before_holder) if election.before_holder else None
    held = {
        person_key(row.name)
        for stage in election.stages
        for row in stage.results
        if row.incumbent or person_key(row.name) == before
    }
    parties = sorted({p.casefold() for stage in election.stages for p in _parties(stage)})
    turnout = figures.turnout
    counted = figures.stages[deciding].total.counted if deciding is not None else None
    return {
        "title": election.title,
        "city": election.jurisdiction.city,
        "state": election.jurisdiction.state,
        "office": election.office,
        "district": election.district,
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
        "year": figures.year,
        "deciding_stage": deciding,
        "winner": winner,
        "winner_percent": figures.winner_percent,
        "outcome": figures.outcome,
        "margin_votes": figures.margin_votes,
        "counted_total": counted,
        "people": "\n".join(sorted(people)),
        "incumbents_ran": len(held),
        "incumbents_won": 1 if winner_key is not None and winner_key in held else 0,
        "decided_in": figures.decided_in,
        "parties": "\n" + "\n".join(parties) + "\n" if parties else "",
        "turnout_ballots": turnout.ballots_cast
        if turnout and turnout.basis == "computed"
        else None,
        "turnout_registered": turnout.registered_voters
        if turnout and turnout.basis == "computed"
        else None,
        "decided_on": figures.date,
    }


def _parties(stage: Stage) -> set[str]:
    return {row.party for row in stage.results if row.party}


def party_names(election: Election) -> set[str]:
    return {row.party for stage in election.stages for row in stage.results if row.party}


#: The tables below ``versions`` and the keys of their rows in :func:`election_rows` (each
#: row's ``version_id`` comes first in the table, and is added by the writer).
ROW_KEYS: dict[sa.Table, tuple[str, ...]] = {
    t.stages: (
        "position", "kind", "party", "date", "caption", "section", "stated_total", "result",
        "registered_voters", "ballots_cast", "status", "date_source", "caption_line",
        "total_line",
    ),
    t.stage_results: (
        "stage", "position", "name", "name_key", "votes", "party_id", "incumbent", "write_in",
        "line",
    ),
    t.stage_units: ("stage", "count", "units"),
    t.unit_figures: tuple(c.name for c in t.unit_figures.c if c.name != "version_id"),
    t.rounds: ("stage", "number", "position", "elected", "eliminated", "inactive", "threshold"),
    t.round_tallies: ("stage", "round", "position", "candidate", "votes"),
    t.round_inactive: ("stage", "round", "reason", "position", "votes"),
    t.round_transfers: ("stage", "round", "position", "source", "target", "votes"),
    t.candidates: ("position", "name", "nickname", "description", "section", "line"),
    t.nominees: ("position", "name", "party", "votes", "stated_percentage"),
    t.paragraphs: ("position", "text", "section", "line"),
    t.outline: ("position", "section"),
    t.infobox_fields: ("position", "key", "value", "line"),
}  # fmt: skip

Values = list[tuple[Any, ...]]


def election_rows(election: Election) -> dict[sa.Table, Values]:
    """Rows of every table below ``versions`` for one version of ``election``, as values in
    the order of :data:`ROW_KEYS`, without the version's id (which the writer puts first) and
    with each result's party by name in ``party_id`` (the writer has the parties' ids). Made
    as tuples, not dicts: an import makes them for every file, in a worker process, and sends
    them to the writer as they are."""
    rows: dict[sa.Table, Values] = defaultdict(list)
    stages, results = rows[t.stages], rows[t.stage_results]
    for s, stage in enumerate(election.stages):
        stages.append(
            (
                s,
                stage.kind,
                stage.party,
                stage.date,
                stage.caption,
                _section(stage.section),
                stage.stated_total,
                stage.result,
                stage.registered_voters,
                stage.ballots_cast,
                stage.status,
                stage.date_source,
                stage.caption_line,
                stage.total_line,
            )
        )
        results.extend(
            (
                s,
                p,
                row.name,
                person_key(row.name),
                row.votes,
                row.party or None,
                row.incumbent,
                row.write_in,
                row.line,
            )
            for p, row in enumerate(stage.results)
        )
        if stage.units:
            rows[t.stage_units].append((s, len(stage.units), unit_list(stage.units)))
        if stage.unit_results:
            from tallyroom.store.unit_blocks import block_rows  # numpy: only for unit figures

            rows[t.unit_figures].extend(block_rows(s, stage.unit_results))
        for p, round_ in enumerate(stage.rounds):
            number = round_.number
            rows[t.rounds].append(
                (
                    s,
                    number,
                    p,
                    json_text(list(round_.elected)),
                    json_text(list(round_.eliminated)),
                    str(round_.inactive),
                    None if round_.threshold is None else str(round_.threshold),
                )
            )
            rows[t.round_tallies].extend(
                (s, number, q, name, str(votes)) for q, (name, votes) in enumerate(round_.tally)
            )
            rows[t.round_inactive].extend(
                (s, number, reason, q, str(ballots))
                for q, (reason, ballots) in enumerate(round_.inactive_by_reason)
            )
            rows[t.round_transfers].extend(
                (s, number, q, moved.source, moved.target, str(moved.votes))
                for q, moved in enumerate(round_.transfers)
            )
    rows[t.candidates] = [
        (p, person.name, person.nickname, person.description, _section(person.section), person.line)
        for p, person in enumerate(election.candidates)
    ]
    rows[t.nominees] = [
        (p, nominee.name, nominee.party, nominee.votes, _decimal(nominee.stated_percentage))
        for p, nominee in enumerate(election.nominees)
    ]
    rows[t.paragraphs] = [
        (p, paragraph.text, _section(paragraph.section), paragraph.line)
        for p, paragraph in enumerate(election.paragraphs)
    ]
    rows[t.outline] = [(p, _section(heading)) for p, heading in enumerate(election.outline)]
    rows[t.infobox_fields] = [
        (p, item.key, item.value, item.line) for p, item in enumerate(election.infobox)
    ]
    return dict(rows)


@functools.cache
def _version_rows(table: sa.Table) -> sa.Select[Any]:
    """A version's rows of ``table`` in order (bound: ``version_id``). Made once: building a
    statement costs more than SQLite takes to run it."""
    order = [c for c in ("stage", "position") if c in table.c]
    query = sa.select(table).where(table.c.version_id == sa.bindparam("version_id"))
    return query.order_by(*(table.c[c] for c in order))


#: The tables of a version's rows that many versions have no rows in (most elections have no
#: precincts and no rounds): :func:`_head` says which have rows, and only those are read.
SOMETIMES = (
    t.stage_units,
    t.unit_figures,
    t.rounds,
    t.round_tallies,
    t.round_inactive,
    t.round_transfers,
    t.candidates,
    t.nominees,
    t.paragraphs,
    t.outline,
    t.infobox_fields,
)


def _has(table: sa.Table) -> str:
    return f"has_{table.name}"


def head_columns(without: frozenset[str] = frozenset()) -> list[sa.ColumnElement[Any]]:
    """What :func:`load_election` reads of a version besides its rows: the ``versions`` columns
    and one flag per table of :data:`SOMETIMES`, whether the version has rows there (an index
    probe each), but the columns and tables named in ``without``. A query that reads a
    version's row can read these with it and hand the row to :func:`load_election`
    (``head``), which then does not read it."""
    v = t.versions
    columns: list[sa.ColumnElement[Any]] = [c for c in v.c if c.name not in without]
    probes = [
        sa.exists().where(table.c.version_id == v.c.id).label(_has(table))
        for table in SOMETIMES
        if table.name not in without
    ]
    return columns + probes


@functools.cache
def _head(without: frozenset[str]) -> sa.Select[Any]:
    return sa.select(*head_columns(without)).where(t.versions.c.id == sa.bindparam("version_id"))


@functools.cache
def _results() -> sa.Select[Any]:
    """A version's candidates' results in order, each with its party's name (``party_name``)."""
    r, p = t.stage_results, t.parties
    return (
        sa.select(r, p.c.name.label("party_name"))
        .select_from(r.outerjoin(p, p.c.id == r.c.party_id))
        .where(r.c.version_id == sa.bindparam("version_id"))
        .order_by(r.c.stage, r.c.position)
    )


def _select(
    conn: sa.Connection, table: sa.Table, version_id: int, head: sa.Row[Any] | None = None
) -> Sequence[sa.Row[Any]]:
    """A version's rows of ``table``; none read when ``head`` (from :func:`_head`) says there
    are none."""
    if head is not None and not getattr(head, _has(table)):
        return []
    return read_rows(conn, _version_rows(table), {"version_id": version_id})


def _by_stage(rows: Sequence[sa.Row[Any]]) -> dict[int, list[sa.Row[Any]]]:
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


def load_election(
    conn: sa.Connection,
    version_id: int,
    source: str | None = None,
    *,
    without: Collection[str] = (),
    head: sa.Row[Any] | None = None,
) -> Election:
    """The election stored as version ``version_id``. ``without``: columns of ``versions`` a
    migration reads before a later one adds them (their fields are left unset), and
    ``"unit_figures"`` and ``"stage_units"`` before migrations 0016 and 0017 made those tables
    (the figures and units are read from the tables before them, see
    :func:`legacy_unit_results`). ``head``: the
    version's :func:`head_columns`, when read already."""
    if head is None:
        (head,) = read_rows(conn, _head(frozenset(without)), {"version_id": version_id})
    results = _by_stage(read_rows(conn, _results(), {"version_id": version_id}))
    if t.stage_units.name in without:
        units = legacy_units(conn, version_id)
    else:
        units = {
            row.stage: read_unit_list(row.units, f"version {version_id}, stage {row.stage + 1}")
            for row in _select(conn, t.stage_units, version_id, head)
        }
    if t.unit_figures.name in without:
        unit_results = legacy_unit_results(conn, version_id)
    else:
        unit_results = _unit_results(conn, version_id, head)
    rounds = _by_stage(_select(conn, t.rounds, version_id, head))
    tallies: dict[tuple[int, int], list[tuple[str, Decimal]]] = defaultdict(list)
    for row in _select(conn, t.round_tallies, version_id, head):
        tallies[row.stage, row.round].append((row.candidate, Decimal(row.votes)))
    reasons: dict[tuple[int, int], list[tuple[InactiveReason, Decimal]]] = defaultdict(list)
    for row in sorted(_select(conn, t.round_inactive, version_id, head), key=lambda r: r.position):
        reasons[row.stage, row.round].append((row.reason, Decimal(row.votes)))
    transfers: dict[tuple[int, int], list[Transfer]] = defaultdict(list)
    for row in _select(conn, t.round_transfers, version_id, head):
        transfers[row.stage, row.round].append(Transfer(row.source, row.target, Decimal(row.votes)))
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
                        party=r.party_name if r.party_id is not None else None,
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
                units=units.get(s, ()),
                unit_results=unit_results.get(s, ()),
                rounds=tuple(
                    Round(
                        number=r.number,
                        tally=tuple(tallies[s, r.number]),
                        elected=tuple(json.loads(r.elected)),
                        eliminated=tuple(json.loads(r.eliminated)),
                        inactive=Decimal(r.inactive),
                        inactive_by_reason=tuple(reasons[s, r.number]),
                        threshold=_optional_decimal(r.threshold),
                        transfers=tuple(transfers[s, r.number]),
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
        district=getattr(head, "district", None),
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
            for r in _select(conn, t.nominees, version_id, head)
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
            for r in _select(conn, t.candidates, version_id, head)
        ),
        paragraphs=tuple(
            Paragraph(text=r.text, section=_tuple_section(r.section), line=r.line)
            for r in _select(conn, t.paragraphs, version_id, head)
        ),
        outline=tuple(
            _tuple_section(r.section) for r in _select(conn, t.outline, version_id, head)
        ),
        infobox=tuple(
            InfoboxField(key=r.key, value=r.value, line=r.line)
            for r in _select(conn, t.infobox_fields, version_id, head)
        ),
        rules=head.rules,
        source=source,
    )
