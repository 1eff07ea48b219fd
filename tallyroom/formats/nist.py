"""NIST SP 1500-100 Election Results Reporting, version 2, JSON form.

Writing: every election becomes one ``CandidateContest`` per stage (a party primary is its own
contest, with ``PrimaryPartyIds``); stages on the same date and of the same kind share one NIST
``Election``. Reporting units become ``GpUnit`` s (``ComposingGpUnitIds`` from their parents);
unit rows become ``VoteCounts`` by count type; the pseudo-rows become ``OtherCounts``
(over/under votes, write-ins), ``BallotCounts`` (ballots cast) and ``VotersRegistered``;
ranked-choice rounds become ``VoteCounts`` with ``Round``. Every export is checked against the
official JSON Schema before it is returned.

Reading: the file is validated against the schema first (each problem reported with its JSON
path); each contest name becomes one election whose stages are its contests. What the model
cannot hold (ballot-measure contests, device classes) is reported in the warnings.

Mapping of count types: a model ``vote_type`` that is a NIST ``CountItemType`` is written as
that type; any other as ``Type: other`` with ``OtherType``. Round counts of a unit use the
``vote_type`` ``"round N <type>"`` (see :func:`~tallyroom.formats.conversion.round_vote_type`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from tallyroom.errors import ConversionError, ValidationError
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    OVER_VOTES,
    REGISTERED_VOTERS,
    UNDER_VOTES,
    WRITE_INS,
    Loaded,
    Written,
    is_pseudo_row,
    split_round_vote_type,
)
from tallyroom.formats.nist_read import elections_from_report
from tallyroom.model import Election, ReportingUnit, ResultsStatus, Stage, UnitKind, UnitResult

__all__ = [
    "COUNT_ITEM_TYPES",
    "nist_report",
    "read_nist_json",
    "validate_nist",
    "write_nist_json",
]

COUNT_ITEM_TYPES: frozenset[str] = frozenset(
    {
        "absentee",
        "absentee-fwab",
        "absentee-in-person",
        "absentee-mail",
        "early",
        "election-day",
        "other",
        "provisional",
        "seats",
        "total",
        "uocava",
        "write-in",
    }
)

_UNIT_TYPES: dict[UnitKind, str] = {
    "city": "city",
    "ward": "ward",
    "precinct": "precinct",
    "district": "other",
    "county": "county",
    "other": "other",
}

Json = dict[str, Any]


@cache
def _schema() -> Json:
    path = (
        resources.files("tallyroom") / "data" / "nist" / "NIST_V2_election_results_reporting.json"
    )
    loaded: Json = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Any:
    from jsonschema import Draft4Validator

    return Draft4Validator(_schema())


@cache
def _fast_validator() -> Any:
    import fastjsonschema

    return fastjsonschema.compile(_schema())


def validate_nist(report: object, source: str = "<nist>") -> None:
    """Raise :class:`ValidationError` naming the JSON path of every schema problem.

    A report is first checked by the schema compiled to Python (fastjsonschema: tens of times
    faster); only one it does not pass is judged, and its problems listed, by jsonschema, whose
    verdict stands."""
    import fastjsonschema

    try:
        _fast_validator()(report)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator().iter_errors(report), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    shown = [f"{error.json_path}: {_short(error.message)}" for error in errors[:20]]
    more = f"; and {len(errors) - 20} more" if len(errors) > 20 else ""
    raise ValidationError(
        f"not a valid NIST ERR v2 report ({len(errors)} problems): {'; '.join(shown)}{more}",
        source=source,
    )


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."


def read_nist_json(text: str, source: str = "<nist>") -> Loaded:
    """Elections of a NIST ERR v2 JSON report; raises ParseError/ValidationError on bad input."""
    from tallyroom.limits import load_json

    report = load_json(text, source)
    validate_nist(report, source)
    return elections_from_report(report, source)


def write_nist_json(
    elections: Sequence[Election], *, generated: dt.datetime | None = None
) -> Written:
    """A NIST ERR v2 JSON report of ``elections``, validated against the official schema."""
    report, warnings = nist_report(elections, generated=generated)
    validate_nist(report, "<export>")
    return Written(json.dumps(report, indent=2, ensure_ascii=False) + "\n", warnings)


def nist_report(
    elections: Sequence[Election], *, generated: dt.datetime | None = None
) -> tuple[Json, tuple[str, ...]]:
    """The report as a JSON-ready dict, and what the format could not hold."""
    builder = _ReportBuilder()
    for election in elections:
        builder.add_election(election)
    when = generated or dt.datetime.now(dt.UTC)
    return builder.report(when), tuple(builder.warnings)


def _itext(text: str) -> Json:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{"@type": "ElectionResults.LanguageString", "Content": text, "Language": "en"}],
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _count(value: int | Decimal, where: str, warnings: list[str]) -> int | float:
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        warnings.append(f"{where}: {value} written as the nearest JSON number {as_float!r}")
    return as_float


class _ReportBuilder:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.used_ids: set[str] = set()
        self.gpunits: dict[str, Json] = {}
        self.unit_parents: dict[str, str] = {}
        self.parties: dict[str, Json] = {}
        self.offices: dict[str, Json] = {}
        self.elections: dict[tuple[dt.date, str], Json] = {}
        self.candidates: dict[tuple[int, str, str | None], str] = {}
        self.ballot_counts: dict[tuple[int, str, str], int] = {}
        self.statuses: list[ResultsStatus | None] = []
        self.any_units = False

    def new_id(self, prefix: str, text: str) -> str:
        base = f"{prefix}-{_slug(text)}"
        candidate, n = base, 1
        while candidate in self.used_ids:
            n += 1
            candidate = f"{base}-{n}"
        self.used_ids.add(candidate)
        return candidate

    # -- reference objects -------------------------------------------------------------------
    def unit_id(self, unit: ReportingUnit) -> str:
        existing = self.gpunits.get(unit.id)
        if existing is None:
            if unit.id in self.used_ids:
                raise ConversionError(f"reporting unit id {unit.id!r} clashes with another id")
            self.used_ids.add(unit.id)
            body: Json = {
                "@type": "ElectionResults.ReportingUnit",
                "@id": unit.id,
                "Name": _itext(unit.name),
                "Type": _UNIT_TYPES[unit.kind],
            }
            if unit.kind == "district":
                body["OtherType"] = "district"
            self.gpunits[unit.id] = body
        if unit.parent is not None:
            self.unit_parents.setdefault(unit.id, unit.parent)
        return unit.id

    def jurisdiction_unit(self, election: Election) -> str:
        name = election.jurisdiction.city or election.title
        kind: UnitKind = "city" if election.jurisdiction.city else "other"
        unit_id = f"ru-{_slug(name)}"
        if unit_id not in self.gpunits:
            self.unit_id(ReportingUnit(unit_id, name, kind))
        return unit_id

    def party_id(self, name: str) -> str:
        if name not in self.parties:
            pid = self.new_id("par", name)
            self.parties[name] = {
                "@type": "ElectionResults.Party",
                "@id": pid,
                "Name": _itext(name),
            }
        party_id: str = self.parties[name]["@id"]
        return party_id

    def office_id(self, name: str) -> str:
        if name not in self.offices:
            oid = self.new_id("off", name)
            self.offices[name] = {
                "@type": "ElectionResults.Office",
                "@id": oid,
                "Name": _itext(name),
            }
        office_id: str = self.offices[name]["@id"]
        return office_id

    def nist_election(self, election: Election, stage: Stage, scope: str) -> Json:
        date = stage.date or election.date
        if date is None:
            raise ConversionError(
                f"{election.title}: the {stage.label().lower()} has no date; NIST results need one"
            )
        kind = stage.kind
        key = (date, kind)
        if key not in self.elections:
            label = {"primary": "Primary election", "general": "General election"}.get(
                kind, "Runoff election"
            )
            self.elections[key] = {
                "@type": "ElectionResults.Election",
                "Name": _itext(f"{label}, {date.isoformat()}"),
                "Type": kind,
                "StartDate": date.isoformat(),
                "EndDate": date.isoformat(),
                "ElectionScopeId": scope,
                "Candidate": [],
                "Contest": [],
                "BallotCounts": [],
            }
        return self.elections[key]

    def candidate_id(self, nist_el: Json, name: str, party: str | None, incumbent: bool) -> str:
        key = (id(nist_el), name, party)
        if key not in self.candidates:
            cid = self.new_id("can", name)
            body: Json = {
                "@type": "ElectionResults.Candidate",
                "@id": cid,
                "BallotName": _itext(name),
            }
            if party:
                body["PartyId"] = self.party_id(party)
            if incumbent:
                body["IsIncumbent"] = True
            nist_el["Candidate"].append(body)
            self.candidates[key] = cid
        return self.candidates[key]

    # -- elections ---------------------------------------------------------------------------
    def add_election(self, election: Election) -> None:
        if election.stated_turnout is not None:
            self.warnings.append(
                f"{election.title}: stated turnout {election.stated_turnout}% not written "
                "(NIST derives turnout from ballots cast and registered voters)"
            )
        for nominee in election.nominees:
            if nominee.stated_percentage is not None:
                self.warnings.append(
                    f"{election.title}: infobox percentage {nominee.stated_percentage}% of "
                    f"{nominee.name} not written (NIST holds counts, not percentages)"
                )
        if not election.stages:
            self.warnings.append(f"{election.title}: no stages, nothing written")
        for stage in election.stages:
            self.add_stage(election, stage)
        if election.registered_voters is not None and not any(
            s.registered_voters is not None for s in election.stages
        ):
            scope = self.scope_for(election, election.stages[0] if election.stages else None)
            self.set_registered(scope, election.registered_voters, election.title)

    def scope_for(self, election: Election, stage: Stage | None) -> str:
        if stage is not None:
            for unit in stage.units:
                if unit.parent is None:
                    return self.unit_id(unit)
        return self.jurisdiction_unit(election)

    def set_registered(self, unit: str, count: int, where: str) -> None:
        body = self.gpunits[unit]
        previous = body.get("VotersRegistered")
        if previous is not None and previous != count:
            self.warnings.append(
                f"{where}: registered voters of {unit} given as {previous} and {count}; "
                f"NIST holds one figure per unit, kept {previous}"
            )
            return
        body["VotersRegistered"] = count

    def set_ballots(self, nist_el: Json, unit: str, vote_type: str, count: int, where: str) -> None:
        key = (id(nist_el), unit, vote_type)
        previous = self.ballot_counts.get(key)
        if previous is not None:
            if previous != count:
                self.warnings.append(
                    f"{where}: ballots cast in {unit} given as {previous} and {count}; NIST holds "
                    f"one figure per unit and election, kept {previous}"
                )
            return
        self.ballot_counts[key] = count
        body: Json = {
            "@type": "ElectionResults.BallotCounts",
            "GpUnitId": unit,
            "BallotsCast": count,
        }
        body.update(_count_type(vote_type))
        nist_el["BallotCounts"].append(body)

    def add_stage(self, election: Election, stage: Stage) -> None:
        where = f"{election.title}, {stage.label()}"
        for unit in stage.units:
            self.unit_id(unit)
        scope = self.scope_for(election, stage)
        nist_el = self.nist_election(election, stage, scope)
        self.statuses.append(stage.status)
        self.any_units = self.any_units or bool(stage.unit_results)
        if stage.stated_total is not None and stage.stated_total != stage.computed_total:
            self.warnings.append(
                f"{where}: stated total {stage.stated_total:,} not written (NIST holds the "
                f"candidates' counts, which sum to {stage.computed_total})"
            )
        if stage.result:
            self.warnings.append(f"{where}: stated result {stage.result!r} not written")
        contest: Json = {
            "@type": "ElectionResults.CandidateContest",
            "@id": self.new_id("cc", f"{election.title}-{stage.label()}"),
            "Name": election.title,
            "ElectionDistrictId": scope,
            "VotesAllowed": 1,
            "ContestSelection": [],
        }
        if election.office:
            contest["OfficeIds"] = [self.office_id(election.office)]
        if stage.party:
            contest["PrimaryPartyIds"] = [self.party_id(stage.party)]
        if stage.rounds:
            contest["VoteVariation"] = "rcv"
            if any(r.elected or r.eliminated or r.inactive for r in stage.rounds):
                self.warnings.append(
                    f"{where}: the rounds' elected/eliminated lists and inactive ballots are "
                    "not written (NIST rounds hold the candidates' tallies only)"
                )
        if stage.registered_voters is not None:
            self.set_registered(scope, stage.registered_voters, where)
        if stage.ballots_cast is not None:
            self.set_ballots(nist_el, scope, "total", stage.ballots_cast, where)
        self.add_selections(nist_el, contest, stage, scope, where)
        self.add_other_counts(nist_el, contest, stage, scope, where)
        nist_el["Contest"].append(contest)

    def add_selections(
        self, nist_el: Json, contest: Json, stage: Stage, scope: str, where: str
    ) -> None:
        rows = {r.name: r for r in stage.results}
        names = dict.fromkeys(rows)
        by_name: dict[str, list[UnitResult]] = {}
        for unit_row in stage.unit_results:
            by_name.setdefault(unit_row.candidate, []).append(unit_row)
            if not is_pseudo_row(unit_row.candidate):
                names.setdefault(unit_row.candidate)
        for rnd in stage.rounds:
            for name, _ in rnd.tally:
                names.setdefault(name)
        for name in names:
            row = rows.get(name)
            party = row.party if row else None
            cand = self.candidate_id(nist_el, name, party, bool(row and row.incumbent))
            counts: list[Json] = []
            if row is not None and row.votes is not None:
                counts.append(_vote_count(scope, "total", row.votes))
            for unit_row in by_name.get(name, ()):
                number, vote_type = split_round_vote_type(unit_row.vote_type)
                if unit_row.unit == scope and number is None and vote_type == "total":
                    if row is None or row.votes != unit_row.votes:
                        self.warnings.append(
                            f"{where}: {name}'s row for {scope} ({unit_row.votes}) differs from "
                            f"the stage total; kept the stage total"
                        )
                    continue
                count = _vote_count(unit_row.unit, vote_type, unit_row.votes)
                if number is not None:
                    count["Round"] = number
                counts.append(count)
            for rnd in stage.rounds:
                for tally_name, tally in rnd.tally:
                    if tally_name == name:
                        value = _count(tally, f"{where}, round {rnd.number}, {name}", self.warnings)
                        count = _vote_count(scope, "total", value)
                        count["Round"] = rnd.number
                        counts.append(count)
            selection: Json = {
                "@type": "ElectionResults.CandidateSelection",
                "@id": self.new_id("cs", f"{contest['@id']}-{name}"),
                "CandidateIds": [cand],
                "VoteCounts": counts,
            }
            if row is not None and row.write_in:
                selection["IsWriteIn"] = True
            contest["ContestSelection"].append(selection)

    def add_other_counts(
        self, nist_el: Json, contest: Json, stage: Stage, scope: str, where: str
    ) -> None:
        other: dict[str, Json] = {}
        field_of = {OVER_VOTES: "Overvotes", UNDER_VOTES: "Undervotes", WRITE_INS: "WriteIns"}
        for row in stage.unit_results:
            if row.candidate == BALLOTS_CAST:
                self.set_ballots(nist_el, row.unit, row.vote_type, row.votes, where)
            elif row.candidate == REGISTERED_VOTERS:
                if row.vote_type != "total":
                    self.warnings.append(
                        f"{where}: registered voters of {row.unit} by {row.vote_type!r} not written"
                    )
                else:
                    self.set_registered(row.unit, row.votes, where)
            elif row.candidate not in field_of:
                if is_pseudo_row(row.candidate):
                    self.warnings.append(
                        f"{where}: {row.candidate} of {row.unit} not written (NIST has no "
                        "count for it)"
                    )
            else:
                if row.vote_type != "total":
                    self.warnings.append(
                        f"{where}: {row.candidate} of {row.unit} by {row.vote_type!r} not written "
                        "(NIST other counts have no count type)"
                    )
                    continue
                body = other.setdefault(
                    row.unit, {"@type": "ElectionResults.OtherCounts", "GpUnitId": row.unit}
                )
                body[field_of[row.candidate]] = body.get(field_of[row.candidate], 0) + row.votes
        if other:
            contest["OtherCounts"] = list(other.values())
        del scope

    def report(self, generated: dt.datetime) -> Json:
        for child, parent in self.unit_parents.items():
            if parent not in self.gpunits:
                raise ConversionError(f"reporting unit {child!r} names unknown parent {parent!r}")
            composing = self.gpunits[parent].setdefault("ComposingGpUnitIds", [])
            if child not in composing:
                composing.append(child)
        statuses = self.statuses
        if statuses and all(s == "certified" for s in statuses):
            status = "certified"
        elif statuses and all(s in ("certified", "complete") for s in statuses):
            status = "unofficial-complete"
        elif any(s == "unofficial" for s in statuses):
            status = "unofficial-partial"
        else:
            status = "unofficial-complete"
            self.warnings.append("results status not stated; written as unofficial-complete")
        report: Json = {
            "@type": "ElectionResults.ElectionReport",
            "Format": "precinct-level" if self.any_units else "summary-contest",
            "GeneratedDate": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Issuer": "tallyroom",
            "IssuerAbbreviation": "tallyroom",
            "SequenceStart": 1,
            "SequenceEnd": 1,
            "Status": status,
            "VendorApplicationId": "tallyroom",
            "GpUnit": list(self.gpunits.values()),
            "Election": [_drop_empty(e) for e in self.elections.values()],
        }
        if self.parties:
            report["Party"] = list(self.parties.values())
        if self.offices:
            report["Office"] = list(self.offices.values())
        return report


def _drop_empty(body: Json) -> Json:
    return {k: v for k, v in body.items() if v != []}


def _count_type(vote_type: str) -> Json:
    if vote_type in COUNT_ITEM_TYPES:
        return {"Type": vote_type}
    return {"Type": "other", "OtherType": vote_type}


def _vote_count(unit: str, vote_type: str, count: int | float) -> Json:
    body: Json = {"@type": "ElectionResults.VoteCounts", "GpUnitId": unit, "Count": count}
    body.update(_count_type(vote_type))
    return body
