"""Elections from a NIST ERR v2 report already parsed into JSON form (from JSON or from XML).

Each contest name becomes one election; its candidate contests become the stages (a contest
with ``PrimaryPartyIds`` is that party's primary). Counts at the contest's district are the
stage's results; counts at other units are unit rows; round counts at the district are the
stage's rounds. When the district has no count of its own, the result is the sum over the
top-most units that have one (a unit is skipped when a unit composing it also has a count).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal
from typing import Any

from tallyroom.errors import ValidationError
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    OVER_VOTES,
    REGISTERED_VOTERS,
    UNDER_VOTES,
    WRITE_INS,
    Loaded,
    round_vote_type,
)
from tallyroom.limits import MAX_VOTES
from tallyroom.model import (
    CandidateResult,
    Election,
    Jurisdiction,
    ReportingUnit,
    ResultsStatus,
    Round,
    Stage,
    StageKind,
    UnitKind,
    UnitResult,
)

__all__ = ["elections_from_report"]

Json = dict[str, Any]

_KINDS: dict[str, UnitKind] = {
    "city": "city",
    "town": "city",
    "municipality": "city",
    "village": "city",
    "ward": "ward",
    "precinct": "precinct",
    "split-precinct": "precinct",
    "combined-precinct": "precinct",
    "county": "county",
}

_STAGE_KINDS: dict[str, StageKind] = {
    "general": "general",
    "runoff": "runoff",
    "primary": "primary",
    "partisan-primary-closed": "primary",
    "partisan-primary-open": "primary",
}

_STATUSES: dict[str, ResultsStatus] = {
    "unofficial-partial": "unofficial",
    "unofficial-complete": "complete",
    "certified": "certified",
    "correction": "certified",
    "recount": "certified",
}


def _text(value: object) -> str:
    """The first string of an InternationalizedText (or a plain string)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        for item in value.get("Text", []):
            if isinstance(item, dict) and isinstance(item.get("Content"), str):
                return str(item["Content"]).strip()
    return ""


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def _integer(value: object, source: str, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValidationError(f"expected a count, found {value!r}", source=source, key=path)
    if not (isinstance(value, int) or _finite(value)):
        raise ValidationError(f"expected a count, found {value!r}", source=source, key=path)
    if value != int(value) or value < 0:
        raise ValidationError(
            f"expected a whole non-negative count, found {value!r}", source=source, key=path
        )
    if value > MAX_VOTES:
        raise ValidationError(
            f"a count of {value} is more than the limit of {MAX_VOTES:,}", source=source, key=path
        )
    return int(value)


class _Report:
    def __init__(self, report: Json, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []
        self.units: dict[str, Json] = {u["@id"]: u for u in report.get("GpUnit", [])}
        self.composed_by: dict[str, list[str]] = defaultdict(list)
        for unit_id, unit in self.units.items():
            for child in unit.get("ComposingGpUnitIds", []):
                self.composed_by[child].append(unit_id)
        self.parties = {
            p["@id"]: _text(p.get("Name")) or p.get("Abbreviation", p["@id"])
            for p in report.get("Party", [])
        }
        self.offices = {o["@id"]: _text(o.get("Name")) for o in report.get("Office", [])}
        self.status = _STATUSES.get(str(report.get("Status")))

    def ancestors(self, unit: str) -> list[str]:
        """Units that compose ``unit`` (transitively), nearest first."""
        seen: list[str] = []
        frontier = list(self.composed_by.get(unit, []))
        while frontier:
            nxt: list[str] = []
            for parent in frontier:
                if parent not in seen and parent != unit:
                    seen.append(parent)
                    nxt.extend(self.composed_by.get(parent, []))
            frontier = nxt
        return seen

    def reporting_unit(self, unit_id: str, parent: str | None) -> ReportingUnit:
        body = self.units.get(unit_id)
        if body is None:
            raise ValidationError(f"unknown GpUnit {unit_id!r}", source=self.source, key="GpUnitId")
        name = _text(body.get("Name")) or unit_id
        return ReportingUnit(unit_id, name, _KINDS.get(str(body.get("Type")), "other"), parent)


def _normalise_ids(value: Any, changed: list[str]) -> Any:
    """``value`` with every object id and id reference stripped of surrounding spaces."""
    if isinstance(value, list):
        return [_normalise_ids(item, changed) for item in value]
    if not isinstance(value, dict):
        return value
    out: Json = {}
    for key, item in value.items():
        if (key == "@id" or key.endswith("Id")) and isinstance(item, str):
            if item != item.strip():
                changed.append(item)
            out[key] = item.strip()
        elif key.endswith("Ids") and isinstance(item, list):
            stripped = [i.strip() if isinstance(i, str) else i for i in item]
            if stripped != item:
                changed.extend(str(i) for i in item)
            out[key] = stripped
        else:
            out[key] = _normalise_ids(item, changed)
    return out


def elections_from_report(report: Json, source: str) -> Loaded:
    """The elections of a schema-valid report, and what of it the model cannot hold.

    Object ids and references with spaces around them (``"can-1 "``) are read without them."""
    changed: list[str] = []
    report = _normalise_ids(report, changed)
    state = _Report(report, source)
    if changed:
        shown = ", ".join(repr(c) for c in changed[:3])
        state.warnings.append(
            f"{len(changed)} object ids or references with spaces around them read without "
            f"them ({shown}{', ...' if len(changed) > 3 else ''})"
        )
    grouped: dict[tuple[str, str], list[Stage]] = {}
    offices: dict[tuple[str, str], str | None] = {}
    for e_index, nist_el in enumerate(report.get("Election", [])):
        path = f"$.Election[{e_index}]"
        kind = _STAGE_KINDS.get(str(nist_el.get("Type")))
        if kind is None:
            state.warnings.append(
                f"{path}: election type {nist_el.get('Type')!r} read as a general election"
            )
            kind = "general"
        date = _date(nist_el.get("StartDate"), source, f"{path}.StartDate")
        candidates = {c["@id"]: c for c in nist_el.get("Candidate", [])}
        ballots: dict[tuple[str, str], int] = {}
        for b_index, count in enumerate(nist_el.get("BallotCounts", [])):
            if "BallotsCast" in count:
                where = f"{path}.BallotCounts[{b_index}].BallotsCast"
                vote_type = _vote_type(count)
                ballots[(count["GpUnitId"], vote_type)] = _integer(
                    count["BallotsCast"], source, where
                )
        for c_index, contest in enumerate(nist_el.get("Contest", [])):
            where = f"{path}.Contest[{c_index}]"
            if contest.get("@type") != "ElectionResults.CandidateContest":
                n = sum(len(s.get("VoteCounts", [])) for s in contest.get("ContestSelection", []))
                state.warnings.append(
                    f"{where}: {contest.get('@type', 'contest').split('.')[-1]} "
                    f"{contest.get('Name')!r} not read ({n} vote counts): the model holds "
                    "candidate contests only"
                )
                continue
            key = (str(contest["Name"]).strip(), str(contest["ElectionDistrictId"]))
            stage = _stage(state, contest, kind, date, candidates, ballots, where)
            grouped.setdefault(key, []).append(stage)
            office_ids = contest.get("OfficeIds", [])
            offices.setdefault(key, state.offices.get(office_ids[0]) if office_ids else None)
    names = [name for name, _ in grouped]
    elections = []
    for key, stages in grouped.items():
        name, district = key
        scope = state.units.get(district, {})
        title = (
            name if names.count(name) == 1 else f"{name} ({_text(scope.get('Name')) or district})"
        )

        city = (
            _text(scope.get("Name"))
            if scope.get("Type") in ("city", "town", "municipality")
            else None
        )
        elections.append(
            Election(
                title=title,
                jurisdiction=Jurisdiction(city=city),
                office=offices[key],
                stages=tuple(stages),
                source=source,
            )
        )
    return Loaded(tuple(elections), tuple(state.warnings))


def _date(value: object, source: str, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(
            f"expected a date, found {value!r}", source=source, key=path
        ) from None


def _vote_type(count: Json) -> str:
    kind = str(count.get("Type", "total"))
    if kind == "other" and count.get("OtherType"):
        return str(count["OtherType"])
    return kind


def _stage(
    state: _Report,
    contest: Json,
    kind: StageKind,
    date: dt.date,
    candidates: dict[str, Json],
    ballots: dict[tuple[str, str], int],
    where: str,
) -> Stage:
    source = state.source
    scope = str(contest["ElectionDistrictId"])
    party = None
    party_ids = contest.get("PrimaryPartyIds", [])
    if party_ids:
        party = state.parties.get(party_ids[0], party_ids[0])
        if len(party_ids) > 1:
            state.warnings.append(f"{where}: several primary parties; read as {party}'s primary")
    if contest.get("NumberElected", 1) not in (1, None) or contest.get("VotesAllowed", 1) != 1:
        state.warnings.append(
            f"{where}: {contest['Name']!r} elects or allows more than one; read as single-winner"
        )
    if kind == "primary" and party is None:
        party = _common_party(contest, candidates, state.parties)
    totals: dict[str, int] = {}
    unit_counts: dict[tuple[str, str, str], int] = {}
    scope_rounds: dict[int, dict[str, Decimal]] = defaultdict(dict)
    unit_rounds: dict[tuple[int, str, str, str], Decimal] = {}
    rows: list[CandidateResult] = []
    written: dict[str, bool] = {}
    used_units: set[str] = {scope}
    for s_index, selection in enumerate(contest.get("ContestSelection", [])):
        s_path = f"{where}.ContestSelection[{s_index}]"
        if selection.get("@type") != "ElectionResults.CandidateSelection":
            state.warnings.append(f"{s_path}: {selection.get('@type')} not read")
            continue
        name, cand_party, incumbent = _selection_name(selection, candidates, state.parties)
        write_in = bool(selection.get("IsWriteIn", False))
        if name in written:  # two selections of one name (write-in slots): told apart by id
            name = f"{name} ({selection['@id']})"
        device_classes = False
        for v_index, count in enumerate(selection.get("VoteCounts", [])):
            v_path = f"{s_path}.VoteCounts[{v_index}].Count"
            unit = str(count["GpUnitId"])
            used_units.add(unit)
            vote_type = _vote_type(count)
            device_classes = device_classes or "DeviceClass" in count
            if "Round" in count:
                value = Decimal(str(count["Count"]))
                if value < 0:
                    raise ValidationError(
                        "expected a non-negative count", source=source, key=v_path
                    )
                number = int(count["Round"])
                if unit == scope and vote_type == "total":
                    tally = scope_rounds[number]
                    tally[name] = tally.get(name, Decimal(0)) + value
                else:
                    key = (number, unit, vote_type, name)
                    unit_rounds[key] = unit_rounds.get(key, Decimal(0)) + value
                continue
            votes = _integer(count["Count"], source, v_path)
            if unit == scope and vote_type == "total":
                totals[name] = totals.get(name, 0) + votes
            else:
                unit_counts[(unit, name, vote_type)] = (
                    unit_counts.get((unit, name, vote_type), 0) + votes
                )
        if device_classes:
            state.warnings.append(
                f"{s_path}: counts by device class read as their sums per unit and count type"
            )
        written[name] = write_in
        rows.append(CandidateResult(name, None, cand_party, incumbent, write_in))
    # results: the district's own counts, else the top-most units' totals
    unit_totals: dict[str, dict[str, int]] = defaultdict(dict)
    for (unit, name, vote_type), votes in unit_counts.items():
        if vote_type == "total":
            unit_totals[name][unit] = votes
    results = []
    for row in rows:
        total: int | None = totals.get(row.name)
        if total is None and unit_totals.get(row.name):
            counted = unit_totals[row.name]
            total = sum(v for u, v in counted.items() if not set(state.ancestors(u)) & set(counted))
        results.append(CandidateResult(row.name, total, row.party, row.incumbent, row.write_in))
    unit_rows = [UnitResult(u, n, v, t) for (u, n, t), v in unit_counts.items()]
    rounds = _rounds(state, scope_rounds, unit_rounds, unit_rows, [r.name for r in rows])
    # pseudo rows
    for o_index, other in enumerate(contest.get("OtherCounts", [])):
        unit = str(other["GpUnitId"])
        used_units.add(unit)
        for field, pseudo in (
            ("Overvotes", OVER_VOTES),
            ("Undervotes", UNDER_VOTES),
            ("WriteIns", WRITE_INS),
        ):
            if field in other:
                figure = _integer(other[field], source, f"{where}.OtherCounts[{o_index}].{field}")
                unit_rows.append(UnitResult(unit, pseudo, figure))
    ballots_cast = None
    for (unit, vote_type), cast in ballots.items():
        if unit == scope and vote_type == "total":
            ballots_cast = cast
        elif unit in used_units:
            unit_rows.append(UnitResult(unit, BALLOTS_CAST, cast, vote_type))
    registered = None
    for unit in sorted(used_units):
        stated = state.units.get(unit, {}).get("VotersRegistered")
        if stated is None:
            continue
        voters = _integer(stated, source, f"GpUnit {unit}.VotersRegistered")
        if unit == scope:
            registered = voters
        else:
            unit_rows.append(UnitResult(unit, REGISTERED_VOTERS, voters))
    units = _units(state, scope, used_units)
    return Stage(
        kind=kind,
        party=party,
        date=date,
        results=tuple(results),
        registered_voters=registered,
        ballots_cast=ballots_cast,
        status=state.status,
        units=units,
        unit_results=tuple(unit_rows),
        rounds=rounds,
    )


def _selection_name(
    selection: Json, candidates: dict[str, Json], parties: dict[str, str]
) -> tuple[str, str | None, bool]:
    ids = selection.get("CandidateIds", [])
    if not ids:
        return ("Write-in" if selection.get("IsWriteIn") else str(selection["@id"])), None, False
    names = []
    party = None
    incumbent = False
    for cid in ids:
        body = candidates.get(cid, {})
        names.append(_text(body.get("BallotName")) or cid)
        if party is None and body.get("PartyId"):
            party = parties.get(body["PartyId"], body["PartyId"])
        incumbent = incumbent or bool(body.get("IsIncumbent"))
    return " and ".join(names), party, incumbent


def _rounds(
    state: _Report,
    scope_rounds: dict[int, dict[str, Decimal]],
    unit_rounds: dict[tuple[int, str, str, str], Decimal],
    unit_rows: list[UnitResult],
    names: list[str],
) -> tuple[Round, ...]:
    by_round: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    first = min((*scope_rounds, *(key[0] for key in unit_rounds)), default=1)
    shift = 1 - first if first < 1 else 0
    if shift:
        state.warnings.append(f"rounds are numbered from {first}; read as rounds numbered from 1")
        scope_rounds = {number + shift: tally for number, tally in scope_rounds.items()}
        unit_rounds = {(k[0] + shift, *k[1:]): v for k, v in unit_rounds.items()}
    for (number, unit, vote_type, name), value in unit_rounds.items():
        if value != value.to_integral_value():
            state.warnings.append(
                f"round {number} count {value} of {name} in {unit} is fractional; rounded down"
            )
        unit_rows.append(UnitResult(unit, name, int(value), round_vote_type(number, vote_type)))
        if vote_type == "total":
            by_round[number][name][unit] = value
    numbers = sorted(set(scope_rounds) | set(by_round))
    rounds = []
    for number in numbers:
        tally = scope_rounds.get(number)
        if tally is None:
            tally = {}
            for name, counted in by_round[number].items():
                tally[name] = sum(
                    (v for u, v in counted.items() if not set(state.ancestors(u)) & set(counted)),
                    Decimal(0),
                )
        ordered = tuple((n, tally[n]) for n in names if n in tally)
        rounds.append(Round(number, ordered))
    return tuple(rounds)


def _units(state: _Report, scope: str, used: set[str]) -> tuple[ReportingUnit, ...]:
    units = [state.reporting_unit(scope, None)]
    for unit in sorted(used - {scope}):
        parent = next((a for a in state.ancestors(unit) if a in used), None)
        units.append(state.reporting_unit(unit, parent))
    return tuple(units)


def _common_party(
    contest: Json, candidates: dict[str, Json], parties: dict[str, str]
) -> str | None:
    """The party of every named candidate of a primary contest that states none of its own."""
    found = set()
    for selection in contest.get("ContestSelection", []):
        for cid in selection.get("CandidateIds", []):
            found.add(candidates.get(cid, {}).get("PartyId"))
    if len(found) == 1:
        only = found.pop()
        return parties.get(only, only) if only else None
    return None
