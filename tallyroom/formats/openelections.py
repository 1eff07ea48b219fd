"""OpenElections precinct CSV: one row per reporting unit, office, district, party and candidate.

Reading is tolerant of what real files do: columns missing or in another order, upper-case
headers, thousands separators (``"1,142"``), old Mac (CR-only) line endings, optional vote-type
columns (``early_voting``, ``election_day``, ``provisional``, ``mail``, ``absentee`` and the
Georgia names). Pseudo-rows become the reserved rows of
:mod:`tallyroom.formats.conversion`: an office ``Registered Voters`` or ``Ballots Cast`` applies
to every contest of its unit; a candidate ``Over Votes``/``Under Votes`` to its contest. A
candidate named like a write-in (``Write In``, ``WRITE-IN``, ``Write In, if any``) is a result
row with ``write_in=True``.

Each office (and district) becomes one election; in a primary file each party is a stage.
Rows are kept at the level the file gives (precinct, or ward); units are grouped under wards
(from a ``ward`` column or a precinct-to-ward map) and the city, and the stage's results are
the roll-up of the rows. :func:`merge_elections` joins the files of one office (a primary and a
general) into one election, matching candidate names whose case differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from tallyroom.errors import ConversionError, ParseError
from tallyroom.formats.conversion import (
    BALLOTS_CAST,
    OVER_VOTES,
    REGISTERED_VOTERS,
    UNDER_VOTES,
    WRITE_INS,
    Loaded,
    Written,
    split_round_vote_type,
)
from tallyroom.formats.rollup import leaf_units, unit_totals
from tallyroom.limits import csv_rows, whole_count
from tallyroom.model import (
    CandidateResult,
    Election,
    Jurisdiction,
    ReportingUnit,
    Stage,
    StageKind,
    UnitResult,
)

__all__ = [
    "looks_like_openelections",
    "merge_elections",
    "read_openelections",
    "read_precinct_map",
    "write_openelections",
]

_VOTE_TYPE_COLUMNS: dict[str, str] = {
    "early_voting": "early",
    "election_day": "election-day",
    "provisional": "provisional",
    "mail": "absentee-mail",
    "absentee": "absentee",
    "advance_voting_votes": "early",
    "absentee_by_mail_votes": "absentee-mail",
    "provisional_votes": "provisional",
    "election_day_votes": "election-day",
}
_COLUMN_OF_TYPE: dict[str, str] = {
    "early": "early_voting",
    "election-day": "election_day",
    "provisional": "provisional",
    "absentee-mail": "mail",
    "absentee": "absentee",
}
_UNIT_OFFICES = {"registered voters": REGISTERED_VOTERS, "ballots cast": BALLOTS_CAST}
_PSEUDO_CANDIDATES = {
    "over votes": OVER_VOTES,
    "overvotes": OVER_VOTES,
    "under votes": UNDER_VOTES,
    "undervotes": UNDER_VOTES,
    "write-ins": WRITE_INS,
}
_WRITE_IN = re.compile(r"^write[- ]?ins?\b", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")
_FILE_NAME = re.compile(r"(\d{8})__([a-z]{2})__(?:.*__)?(primary|general|runoff|special)__")
CITY_UNIT = "city"


def looks_like_openelections(text: str) -> bool:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    header = {h.strip().lower() for h in first.split(",")}
    return {"office", "candidate", "votes"} <= header and bool(
        header & {"precinct", "ward", "county"}
    )


def read_precinct_map(text: str, era: str = "2002-2011", source: str = "<map>") -> dict[str, str]:
    """Precinct → ward from a map whose first line names eras (``2002-2011``) over column pairs."""
    rows = [row for _, row in csv_rows(csv.reader(io.StringIO(_lines(text))), source)]
    if not rows or era not in rows[0]:
        raise ParseError(f"expected an era {era!r} in the first line", source=source, line=1)
    column = rows[0].index(era)
    found: dict[str, str] = {}
    for row in rows[2:]:
        if len(row) > column + 1 and row[column].strip() and row[column + 1].strip():
            found[row[column].strip()] = row[column + 1].strip()
    return found


def _lines(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _votes(text: str, source: str, line: int) -> int | None:
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        return None
    if not _NUMBER.match(cleaned):
        raise ParseError(
            "expected a whole number of votes", source=source, line=line, text=text or "(empty)"
        )
    return whole_count(cleaned, source, line)


class _Contest:
    def __init__(self, office: str, district: str) -> None:
        self.office = office
        self.district = district
        self.stages: dict[str | None, list[UnitResult]] = {}
        self.parties: dict[tuple[str | None, str], str | None] = {}
        self.write_ins: set[str] = set()
        self.order: list[str] = []


def read_openelections(
    text: str,
    source: str = "<openelections>",
    *,
    precinct_wards: Mapping[str, str] | None = None,
    date: dt.date | None = None,
    kind: StageKind | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> Loaded:
    """Elections (one per office and district) of an OpenElections CSV file.

    ``date``, ``kind`` and the state are taken from the file name when it follows the
    convention (``20060912__dc__primary__precinct.csv``) and not given.
    """
    named = _FILE_NAME.search(source.rsplit("/", 1)[-1])
    if named:
        try:
            date = date or dt.datetime.strptime(named.group(1), "%Y%m%d").date()
        except ValueError:
            raise ParseError(
                "the file name's date is not a date", source=source, text=named.group(1)
            ) from None
        kind = kind or ("general" if named.group(3) == "special" else named.group(3))  # type: ignore[assignment]
        jurisdiction = jurisdiction or Jurisdiction(state=named.group(2).upper())
    kind = kind or "general"
    jurisdiction = jurisdiction or Jurisdiction()
    reader = csv_rows(csv.reader(io.StringIO(_lines(text))), source)
    try:
        header = [h.strip().lower() for h in next(reader)[1]]
    except StopIteration:
        raise ParseError("expected a header line, found an empty file", source=source) from None
    missing = [c for c in ("office", "candidate", "votes") if c not in header]
    level = next((c for c in ("precinct", "ward", "county") if c in header), None)
    if missing or level is None:
        need = ", ".join(missing or ["precinct, ward or county"])
        raise ParseError(f"expected columns {need} in the header", source=source, line=1)
    type_columns = [c for c in header if c in _VOTE_TYPE_COLUMNS]
    warnings: list[str] = []
    contests: dict[tuple[str, str], _Contest] = {}
    unit_rows: list[UnitResult] = []
    wards: dict[str, str] = dict(precinct_wards or {})
    seen_units: list[str] = []
    for line, values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise ParseError(
                f"expected {len(header)} columns, found {len(values)}",
                source=source,
                line=line,
                text=",".join(values),
            )
        row = {h: v.strip() for h, v in zip(header, values, strict=True)}
        unit_name = row[level]
        if not unit_name:
            raise ParseError(f"expected a {level}", source=source, line=line)
        unit = f"{level}-{unit_name}"
        if unit not in seen_units:
            seen_units.append(unit)
        if level == "precinct" and row.get("ward"):
            wards.setdefault(unit_name, row["ward"])
        counts: list[tuple[str, int]] = []
        votes = _votes(row["votes"], source, line)
        if votes is not None:
            counts.append(("total", votes))
        for column in type_columns:
            value = _votes(row[column], source, line)
            if value is not None:
                counts.append((_VOTE_TYPE_COLUMNS[column], value))
        if not counts:
            warnings.append(f"{source}:{line}: no votes given; row not read")
            continue
        office = row["office"]
        if office.lower() in _UNIT_OFFICES:
            unit_rows.extend(
                UnitResult(unit, _UNIT_OFFICES[office.lower()], v, t) for t, v in counts
            )
            continue
        contest = contests.setdefault(
            (office.upper(), row.get("district", "")), _Contest(office, row.get("district", ""))
        )
        party = row.get("party") or None
        stage_party = party if kind == "primary" else None
        candidate = row["candidate"]
        pseudo = _PSEUDO_CANDIDATES.get(candidate.lower())
        if pseudo is None:
            if not candidate:
                raise ParseError("expected a candidate", source=source, line=line)
            if _WRITE_IN.match(candidate):
                contest.write_ins.add(candidate)
            if candidate not in contest.order:
                contest.order.append(candidate)
            contest.parties.setdefault((stage_party, candidate), party)
        rows = contest.stages.setdefault(stage_party, [])
        rows.extend(UnitResult(unit, pseudo or candidate, v, t) for t, v in counts)
    units = _units(seen_units, level, wards, jurisdiction)
    elections = []
    for contest in contests.values():
        stages = []
        for party, rows in contest.stages.items():
            present = {r.unit for r in rows}
            shared = tuple(r for r in unit_rows if r.unit in present)
            stages.append(_stage(kind, party, date, contest, tuple(rows) + shared, units))
        title = f"{contest.office} {contest.district}".strip()
        elections.append(
            Election(
                title=title,
                jurisdiction=jurisdiction,
                office=contest.office,
                date=date,
                stages=tuple(stages),
                source=source,
            )
        )
    return Loaded(tuple(elections), tuple(warnings))


def _units(
    seen: list[str], level: str, wards: Mapping[str, str], jurisdiction: Jurisdiction
) -> tuple[ReportingUnit, ...]:
    city = ReportingUnit(CITY_UNIT, jurisdiction.city or jurisdiction.state or "All", "city")
    units: list[ReportingUnit] = [city]
    ward_units: dict[str, ReportingUnit] = {}
    for unit in seen:
        name = unit.split("-", 1)[1]
        if level == "precinct":
            ward = wards.get(name)
            parent = CITY_UNIT
            if ward is not None:
                parent = f"ward-{ward}"
                ward_units.setdefault(
                    parent, ReportingUnit(parent, f"Ward {ward}", "ward", CITY_UNIT)
                )
            units.append(ReportingUnit(unit, f"Precinct {name}", "precinct", parent))
        elif level == "ward":
            units.append(ReportingUnit(unit, f"Ward {name}", "ward", CITY_UNIT))
        else:
            units.append(ReportingUnit(unit, name, "county", CITY_UNIT))
    return (city, *sorted(ward_units.values(), key=lambda u: u.id), *units[1:])


def _stage(
    kind: StageKind,
    party: str | None,
    date: dt.date | None,
    contest: _Contest,
    rows: tuple[UnitResult, ...],
    units: tuple[ReportingUnit, ...],
) -> Stage:
    draft = Stage(kind=kind, party=party, date=date, units=units, unit_results=rows)
    rolled = unit_totals(draft).get(CITY_UNIT, {})
    results = tuple(
        CandidateResult(
            name,
            rolled.get(name),
            contest.parties.get((party, name)),
            write_in=name in contest.write_ins,
        )
        for name in contest.order
        if (party, name) in contest.parties
    )
    return replace(
        draft,
        results=results,
        registered_voters=rolled.get(REGISTERED_VOTERS),
        ballots_cast=rolled.get(BALLOTS_CAST),
    )


def merge_elections(elections: Iterable[Election]) -> Loaded:
    """Join elections of the same office into one, stages in date order.

    A candidate whose name differs only in case from a name of an earlier stage takes the earlier
    spelling (``ADRIAN FENTY`` → ``Adrian Fenty``); each such change is reported.
    """
    groups: dict[str, list[Election]] = {}
    for election in elections:
        groups.setdefault(" ".join(election.title.upper().split()), []).append(election)
    merged = []
    warnings: list[str] = []
    for group in groups.values():
        stages = sorted(
            (s for e in group for s in e.stages),
            key=lambda s: (s.date or dt.date.min, s.kind != "primary", s.party or ""),
        )
        spelling: dict[str, str] = {}
        renamed = []
        for stage in stages:
            names = {r.name for r in stage.results} | {r.candidate for r in stage.unit_results}
            mapping = {}
            for name in sorted(names):
                key = " ".join(name.upper().split())
                first = spelling.setdefault(key, name)
                if first != name:
                    mapping[name] = first
                    warnings.append(f"{group[0].title}: {name!r} read as {first!r}")
            renamed.append(_rename(stage, mapping) if mapping else stage)
        first_election = group[0]
        merged.append(replace(first_election, stages=tuple(renamed), date=None))
    return Loaded(tuple(merged), tuple(warnings))


def _rename(stage: Stage, mapping: Mapping[str, str]) -> Stage:
    return replace(
        stage,
        results=tuple(replace(r, name=mapping.get(r.name, r.name)) for r in stage.results),
        unit_results=tuple(
            replace(r, candidate=mapping.get(r.candidate, r.candidate)) for r in stage.unit_results
        ),
    )


def write_openelections(elections: Sequence[Election]) -> Written:
    """The OpenElections CSV of ``elections`` (one election date; rows at the units' level)."""
    dates = {s.date for e in elections for s in e.stages if s.unit_results}
    if not dates:
        raise ConversionError(
            "OpenElections CSV needs reporting-unit rows; these elections have none"
        )
    if len(dates) > 1:
        shown = ", ".join(sorted(str(d) for d in dates))
        raise ConversionError(
            f"an OpenElections file holds one election date; these elections have {shown}"
        )
    warnings: list[str] = []
    records: list[dict[str, str]] = []
    type_columns: list[str] = []
    with_wards = False
    unit_written: set[tuple[str, str, str]] = set()
    for election in elections:
        for stage in election.stages:
            where = f"{election.title}, {stage.label()}"
            if not stage.unit_results:
                warnings.append(f"{where}: no reporting-unit rows; stage not written")
                continue
            if stage.rounds:
                warnings.append(f"{where}: ranked-choice rounds not written")
            units = {u.id: u for u in stage.units}
            leaves = leaf_units(stage)
            party_of = {r.name: r.party for r in stage.results}
            grouped: dict[tuple[str, str], dict[str, int]] = {}
            for row in stage.unit_results:
                number, _ = split_round_vote_type(row.vote_type)
                if number is not None:
                    continue
                if row.unit not in leaves:
                    warnings.append(
                        f"{where}: {row.candidate} row of {row.unit} not written "
                        "(the file holds one reporting level)"
                    )
                    continue
                grouped.setdefault((row.unit, row.candidate), {})[row.vote_type] = row.votes
            for (unit_id, candidate), by_type in grouped.items():
                unit = units.get(unit_id, ReportingUnit(unit_id, unit_id, "precinct"))
                parent = units.get(unit.parent) if unit.parent else None
                ward = parent.name.removeprefix("Ward ") if parent and parent.kind == "ward" else ""
                with_wards = with_wards or bool(ward)
                record = {
                    "ward": ward,
                    "precinct": unit.name.removeprefix("Precinct "),
                    "office": election.office or election.title,
                    "district": "",
                    "party": stage.party or party_of.get(candidate) or "",
                    "candidate": candidate,
                    "votes": str(by_type["total"]) if "total" in by_type else "",
                }
                if candidate in (REGISTERED_VOTERS, BALLOTS_CAST):
                    key = (unit_id, candidate, repr(sorted(by_type.items())))
                    if key in unit_written:
                        continue
                    unit_written.add(key)
                    record.update(office=candidate, candidate="", party="")
                for vote_type, votes in by_type.items():
                    if vote_type == "total":
                        continue
                    column = _COLUMN_OF_TYPE.get(vote_type, re.sub(r"\W+", "_", vote_type).lower())
                    if column not in type_columns:
                        type_columns.append(column)
                    record[column] = str(votes)
                records.append(record)
    columns = (["ward"] if with_wards else []) + [
        "precinct",
        "office",
        "district",
        "party",
        "candidate",
        "votes",
        *type_columns,
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return Written(out.getvalue(), tuple(warnings))
