"""Writing OpenElections precinct CSV so that reading the file back gives the same elections.

Each reporting unit is written in the ``county``, ``ward`` and ``precinct`` cells of its place in
the tree (a county's own total with an empty precinct); office and district are split from the
election's title, and a municipal contest's place goes to a ``city`` column. A unit's summary
rows (registered voters, ballots cast) are written once, as rows of their own. Vote types become
columns (``election_day``, ``early_voting``...) next to the ``votes`` total; the election date
goes to a ``date`` column, so the file does not depend on its name. Nothing is dropped
without a warning: ranked-choice rounds and units the three levels cannot place are reported.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from tallyroom.errors import ConversionError
from tallyroom.formats.conversion import UNIT_ROWS, Written, split_round_vote_type
from tallyroom.formats.rollup import leaf_units
from tallyroom.model import Election, ReportingUnit, Stage

__all__ = ["write_openelections"]

#: The model's vote type → the column it is written in.
COLUMN_OF_TYPE: dict[str, str] = {
    "election-day": "election_day",
    "early": "early_voting",
    "absentee": "absentee",
    "absentee-mail": "mail",
    "absentee-in-person": "absentee_in_person",
    "provisional": "provisional",
}
_SLOTS = {"county": 0, "ward": 1}


def _split_title(election: Election) -> tuple[str, str, str]:
    """Office, district and place cells of ``election``."""
    title = election.title
    place = election.jurisdiction.city or ""
    if place and title.endswith(f" ({place})"):
        title = title[: -len(place) - 3]
    else:
        place = ""
    office = election.office or title
    if election.district is not None:
        return office, election.district, place
    if title == office:
        return office, "", place
    if title.upper().startswith(office.upper() + " "):
        return title[: len(office)], title[len(office) + 1 :], place
    return title, "", place


class _Cells:
    """The county, ward and precinct cells of each unit of a stage (``None``: cannot be placed)."""

    def __init__(self, stage: Stage) -> None:
        self.units = {u.id: u for u in stage.units}
        self.leaves = leaf_units(stage)
        self.found: dict[str, tuple[str, str, str] | None] = {}

    def of(self, unit_id: str) -> tuple[str, str, str] | None:
        if unit_id not in self.found:
            self.found[unit_id] = self._place(unit_id)
        return self.found[unit_id]

    def _place(self, unit_id: str) -> tuple[str, str, str] | None:
        chain: list[ReportingUnit] = []
        current = self.units.get(unit_id)
        while current is not None and current.parent is not None and len(chain) < 64:
            chain.append(current)
            current = self.units.get(current.parent)
        if current is None:  # a unit outside the stage's tree
            unit = self.units.get(unit_id, ReportingUnit(unit_id, unit_id, "precinct"))
            return ("", "", unit.name) if unit_id in self.leaves else None
        cells = ["", "", ""]
        slot = -1
        county = ""
        for unit in reversed(chain):
            at = _SLOTS.get(unit.kind, 2)
            if at <= slot:
                return ("", "", unit.name) if unit_id in self.leaves and unit is chain[0] else None
            slot = at
            if unit.kind == "county":
                county = unit.name
                cells[0] = unit.name
            else:
                prefix = f"{unit.kind}-{county}-" if county else f"{unit.kind}-"
                raw = unit.id[len(prefix) :] if unit.id.startswith(prefix) else None
                if raw is None:
                    raw = unit.name.removeprefix("Ward ") if unit.kind == "ward" else unit.name
                cells[at] = raw
        return cells[0], cells[1], cells[2]


def write_openelections(elections: Sequence[Election]) -> Written:
    """The OpenElections CSV of ``elections`` (one election date)."""
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
    (date,) = dates
    warnings: list[str] = []
    records: list[dict[str, str]] = []
    types: set[str] = set()
    levels = [False, False, False]
    with_place = False
    summary_written: set[tuple[str, str, tuple[tuple[str, int], ...]]] = set()
    for election in elections:
        office, district, place = _split_title(election)
        with_place = with_place or bool(place)
        for stage in election.stages:
            where = f"{election.title}, {stage.label()}"
            if not stage.unit_results:
                warnings.append(f"{where}: no reporting-unit rows; stage not written")
                continue
            if stage.rounds or any(
                split_round_vote_type(r.vote_type)[0] is not None for r in stage.unit_results
            ):
                warnings.append(f"{where}: ranked-choice rounds not written")
            cells = _Cells(stage)
            party_of = {r.name: r.party for r in stage.results}
            incumbent = {r.name for r in stage.results if r.incumbent}
            grouped: dict[tuple[str, str], dict[str, int]] = {}
            for row in stage.unit_results:
                if split_round_vote_type(row.vote_type)[0] is None:
                    grouped.setdefault((row.unit, row.candidate), {})[row.vote_type] = row.votes
            for (unit_id, candidate), by_type in grouped.items():
                placed = cells.of(unit_id)
                if placed is None:
                    warnings.append(
                        f"{where}: {candidate} row of {unit_id} not written (the file places "
                        "units by county, ward and precinct only)"
                    )
                    continue
                record = {
                    "date": date.isoformat() if date else "",
                    "county": placed[0],
                    "ward": placed[1],
                    "precinct": placed[2],
                    "city": place,
                    "office": office,
                    "district": district,
                    "party": stage.party or party_of.get(candidate) or "",
                    "candidate": candidate,
                    "votes": str(by_type["total"]) if "total" in by_type else "",
                }
                if candidate in incumbent:
                    if record["party"]:
                        warnings.append(f"{where}: {candidate} as incumbent not written")
                    else:
                        record["party"] = "I"
                if candidate in UNIT_ROWS:
                    key = (unit_id, candidate, tuple(sorted(by_type.items())))
                    if key in summary_written:
                        continue
                    summary_written.add(key)
                    record.update(office=candidate, candidate="", party="", district="", city="")
                for level, cell in enumerate(placed):
                    levels[level] = levels[level] or bool(cell)
                for vote_type, votes in by_type.items():
                    if vote_type != "total":
                        column = (
                            COLUMN_OF_TYPE.get(vote_type) or re.sub(r"\W+", "_", vote_type).lower()
                        )
                        types.add(column)
                        record[column] = str(votes)
                records.append(record)
    order = {c: i for i, c in enumerate(COLUMN_OF_TYPE.values())}
    columns = [
        *(["date"] if date else []),
        *(name for name, used in zip(("county", "ward", "precinct"), levels, strict=True) if used),
        *(["city"] if with_place else []),
        "office",
        "district",
        "party",
        "candidate",
        "votes",
        *sorted(types, key=lambda c: (order.get(c, len(order)), c)),
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return Written(out.getvalue(), tuple(warnings))
