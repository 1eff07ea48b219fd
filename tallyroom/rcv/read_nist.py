"""NIST SP 1500-103 cast-vote records (JSON and XML), streamed record by record.

CVR → CVRSnapshot (the current one) → CVRContest → CVRContestSelection → SelectionPosition
with ``Rank``. Candidate names come from the report's ``Election`` (ContestSelection →
CandidateIds → Candidate Name) and precincts from ``BallotStyleUnitId`` → ``GpUnit`` Name. JSON is
read twice with ijson (names first, then ballots), so a file is never held whole in memory;
XML is read once with ``iterparse``, clearing each record when done.
"""

from __future__ import annotations

import mmap
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson  # type: ignore[import-untyped]

from tallyroom.errors import ParseError, ValidationError
from tallyroom.limits import MAX_CVR_BYTES, MAX_DIGITS, check_file_size
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.types import ranking_of
from tallyroom.rcv.xml_tree import children, elements, local, text

__all__ = ["read_nist_json", "read_nist_xml"]


@dataclass(slots=True)
class _Names:
    selections: dict[str, str]
    write_ins: set[str]
    contests: dict[str, str]
    units: dict[str, str]


def _contest_matches(contest_id: str | None, found: str, names: Mapping[str, str]) -> bool:
    return contest_id is None or found == contest_id or names.get(found) == contest_id


_LONG_NUMBER = re.compile(rb"[:\[,]\s*-?\d{%d,}" % (MAX_DIGITS + 1))


def view_line(path: Path, position: int) -> int:
    """The 1-based line of byte ``position`` of the file at ``path``."""
    with path.open("rb") as handle:
        return handle.read(position).count(b"\n") + 1


def read_nist_json(path: Path, contest_id: str | None, builder: BallotBuilder) -> None:
    source = str(path)
    size = path.stat().st_size
    check_file_size(size, source, MAX_CVR_BYTES)
    if size:
        # The streaming parser's C backend cannot turn a number past Python's digit limit into
        # an int (and crashes): such a number is refused before it reads the file.
        with (
            path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view,
        ):
            long_number = _LONG_NUMBER.search(view)
        if long_number is not None:
            raise ParseError(
                f"a number longer than the limit of {MAX_DIGITS} digits",
                source=source,
                line=view_line(path, long_number.start()),
            )
    try:
        with path.open("rb") as elections, path.open("rb") as units:
            names = names_from_json(
                ijson.items(elections, "Election.item"), ijson.items(units, "GpUnit.item")
            )
        with path.open("rb") as handle:
            for number, record in enumerate(ijson.items(handle, "CVR.item"), start=1):
                _add_record(record, number, contest_id, names, builder, source)
    except ijson.JSONError as error:
        reason = str(error).splitlines()[0] if str(error).strip() else "truncated"
        raise ParseError(f"not valid JSON ({reason})", source=source) from error


def names_from_json(elections: Iterable[Any], units: Iterable[Any]) -> _Names:
    """Selection, contest and unit names from a JSON report's ``Election`` and ``GpUnit`` items."""
    names = _Names({}, set(), {}, {})
    candidates: dict[str, str] = {}
    for election in elections:
        for candidate in election.get("Candidate", []):
            candidates[str(candidate.get("@id"))] = str(candidate.get("Name", ""))
        for contest in election.get("Contest", []):
            names.contests[str(contest.get("@id"))] = str(contest.get("Name", ""))
            for selection in contest.get("ContestSelection", []):
                sid = str(selection.get("@id"))
                ids = selection.get("CandidateIds") or []
                if selection.get("IsWriteIn") in (True, "true"):
                    names.write_ins.add(sid)
                elif ids:
                    names.selections[sid] = candidates.get(str(ids[0]), str(ids[0]))
    for unit in units:
        names.units[str(unit.get("@id"))] = str(unit.get("Name", unit.get("@id")))
    return names


def _add_record(
    record: Mapping[str, Any],
    number: int,
    contest_id: str | None,
    names: _Names,
    builder: BallotBuilder,
    source: str,
    skip_without_contest: bool = False,
) -> None:
    current = record.get("CurrentSnapshotId")
    snapshots = record.get("CVRSnapshot") or []
    snapshot = next((s for s in snapshots if s.get("@id") == current), None)
    if snapshot is None:
        if not snapshots:
            raise ParseError(f"CVR {number} has no CVRSnapshot", source=source, line=number)
        snapshot = snapshots[0]
    unit = record.get("BallotStyleUnitId")
    precinct = names.units.get(str(unit), str(unit)) if unit is not None else None
    marks: list[tuple[int, int]] = []
    seen_contest = False
    for contest in snapshot.get("CVRContest") or []:
        if not _contest_matches(contest_id, str(contest.get("ContestId")), names.contests):
            continue
        seen_contest = True
        for selection in contest.get("CVRContestSelection") or []:
            if selection.get("Status") == "needs-adjudication":
                continue  # not yet decided, so not counted
            sid = str(selection.get("ContestSelectionId"))
            if selection.get("Rank") is not None:  # the rank may sit on the selection
                code = _selection_code(sid, names, builder, source, number)
                marks.append((int(selection["Rank"]), code))
                continue
            for position in selection.get("SelectionPosition") or []:
                if position.get("HasIndication", "yes") == "no":
                    continue
                if position.get("IsAllocable") == "no":
                    continue
                rank = position.get("Rank")
                if rank is None:
                    raise ValidationError(
                        "SelectionPosition has no Rank", source=source, line=number, key="Rank"
                    )
                if position.get("CVRWriteIn") is not None:
                    code = builder.write_in_code()
                else:
                    code = _selection_code(sid, names, builder, source, number)
                marks.append((int(rank), code))
    if not seen_contest and skip_without_contest:
        return  # the record holds no vote in this contest: no ballot of it
    builder.add(ranking_of(marks), precinct, 1, source, number)


def _selection_code(
    sid: str, names: _Names, builder: BallotBuilder, source: str, number: int
) -> int:
    if sid in names.write_ins:
        return builder.write_in_code()
    return builder.candidate(names.selections.get(sid, sid), source, number)


def read_nist_xml(path: Path, contest_id: str | None, builder: BallotBuilder) -> None:
    source = str(path)
    names = _Names({}, set(), {}, {})
    candidates: dict[str, str] = {}
    # Pass 1: names (Election and GpUnit may follow the records).
    for element in elements(path):
        tag = local(element.tag)
        if tag == "Candidate" and element.get("ObjectId"):
            candidates[element.get("ObjectId", "")] = text(element, "Name") or ""
        elif tag == "ContestSelection" and element.get("ObjectId"):
            sid = element.get("ObjectId", "")
            ids = [c.text or "" for c in children(element, "CandidateIds")]
            joined = " ".join(ids).split()
            # A write-in selection pools as an undeclared write-in, even when it names
            # a (nameless) write-in candidate.
            if (text(element, "IsWriteIn") or "").lower() == "true":
                names.write_ins.add(sid)
            elif joined:
                names.selections[sid] = joined[0]
        elif tag == "Contest" and element.get("ObjectId"):
            names.contests[element.get("ObjectId", "")] = text(element, "Name") or ""
        elif tag == "GpUnit" and element.get("ObjectId"):
            names.units[element.get("ObjectId", "")] = text(element, "Name") or ""
        elif tag == "CVR":
            element.clear()
    names.selections = {s: candidates.get(c, c) for s, c in names.selections.items()}
    # Pass 2: ballots.
    number = 0
    for element in elements(path):
        if local(element.tag) != "CVR":
            continue
        number += 1
        record = _xml_record(element)
        _add_record(record, number, contest_id, names, builder, source, True)
        element.clear()


def _xml_record(element: ET.Element) -> dict[str, Any]:
    snapshots = []
    for snapshot in children(element, "CVRSnapshot"):
        contests = []
        for contest in children(snapshot, "CVRContest"):
            selections = []
            for selection in children(contest, "CVRContestSelection"):
                positions = [
                    {
                        "HasIndication": text(p, "HasIndication") or "yes",
                        "IsAllocable": text(p, "IsAllocable"),
                        "Rank": text(p, "Rank"),
                        "CVRWriteIn": next(children(p, "CVRWriteIn"), None),
                    }
                    for p in children(selection, "SelectionPosition")
                ]
                selections.append(
                    {
                        "ContestSelectionId": text(selection, "ContestSelectionId"),
                        "Status": text(selection, "Status"),
                        "Rank": text(selection, "Rank"),
                        "SelectionPosition": positions,
                    }
                )
            contests.append(
                {"ContestId": text(contest, "ContestId"), "CVRContestSelection": selections}
            )
        snapshots.append({"@id": snapshot.get("ObjectId"), "CVRContest": contests})
    return {
        "CurrentSnapshotId": text(element, "CurrentSnapshotId"),
        "BallotStyleUnitId": text(element, "BallotStyleUnitId"),
        "CVRSnapshot": snapshots,
    }
