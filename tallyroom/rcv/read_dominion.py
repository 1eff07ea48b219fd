"""Dominion (Democracy Suite) cast-vote-record exports: a folder of JSON files, read as RCTab does.

The folder holds the ballots, ``CvrExport.json`` or else every ``CvrExport_<n>.json`` (read in
the order of their names, as RCTab sorts them), and the manifests that name the export's
numbers: ``ContestManifest.json``, ``CandidateManifest.json`` and
``PrecinctPortionManifest.json`` (required), ``PrecinctManifest.json`` (needed only when a record
names a ``PrecinctId``); other manifests are not read. One contest is read, named by its Dominion
contest ``Id``.

Each session of an export is read as RCTab 2.0's ``DominionCvrReader`` reads it:

* the ``Original`` record when its ``IsCurrent`` is true, else the adjudicated ``Modified`` one
  (an original that is not current and has no modified record is refused here, where RCTab
  leaves the ballot out with a warning);
* every card of the record (``Cards``; a record without cards, the older layout, is one card):
  each card's contest with the chosen ``Id`` is one ballot, except a contest that Dominion
  flags invalid (outstack condition 7, ``InvalidContest``), which RCTab leaves out too;
* every mark that is not ``IsAmbiguous`` is a ranking (``Rank``, ``CandidateId``), whatever its
  ``IsVote`` (Dominion's own verdict, which RCTab does not read either): two candidates at one
  rank are an overvote, and a candidate ranked twice or a skipped rank is left to the rules;
  a rank below 1 or above the contest's ``NumOfRanks`` is refused;
* a candidate is named by its Dominion ``Id`` as text (the code RCTab configurations name
  candidates by); with no declared candidates, by the manifest's ``Description``, write-in
  slots (``Type`` ``WriteIn``) pooled as undeclared write-ins. The code given as the
  undeclared write-in label (RCTab's ``undeclaredWriteInLabel``) is an undeclared write-in.
  A mark for a candidate the manifest does not list for the contest is refused;
* the precinct is the precinct portion's ``Description``; the ballot id is
  ``TabulatorId-BatchId-RecordId``, as RCTab forms it.

Files are decoded with msgspec into the few fields read (a contest's marks only for the chosen
contest); a file larger than :data:`~tallyroom.limits.MAX_FILE_BYTES` is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec

from tallyroom.errors import ParseError, ValidationError
from tallyroom.limits import MAX_RANKINGS, read_limited
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.types import UNDECLARED_WRITE_INS, ranking_of

__all__ = [
    "DominionBallot",
    "DominionContest",
    "dominion_ballots",
    "dominion_contest",
    "export_files",
    "is_dominion_export",
    "read_dominion",
]

CONTEST_MANIFEST = "ContestManifest.json"
CANDIDATE_MANIFEST = "CandidateManifest.json"
PRECINCT_PORTION_MANIFEST = "PrecinctPortionManifest.json"
PRECINCT_MANIFEST = "PrecinctManifest.json"
SINGLE_EXPORT = "CvrExport.json"
_NUMBERED_EXPORT = re.compile(r"CvrExport_\d+\.json")
#: Dominion's outstack condition "InvalidContest": the contest does not count on this card.
INVALID_CONTEST = 7
_BYTE = re.compile(r"\(byte (\d+)\)")
#: A JSON value nested deeper than the decoder follows (far deeper than any Dominion file).
_TOO_DEEP = "not valid JSON (nested too deeply to be a Dominion file)"

Code = int | str


class _Listed(msgspec.Struct, gc=False):
    Id: Code
    Description: str | None = None


class _ListedContest(msgspec.Struct, gc=False):
    Id: Code
    Description: str | None = None
    NumOfRanks: int = 0


class _ListedCandidate(msgspec.Struct, gc=False):
    Id: Code
    ContestId: Code
    Description: str | None = None
    Type: str | None = None


class _Manifest(msgspec.Struct, gc=False):
    List: list[_Listed]


class _ContestManifest(msgspec.Struct, gc=False):
    List: list[_ListedContest]


class _CandidateManifest(msgspec.Struct, gc=False):
    List: list[_ListedCandidate]


class _Mark(msgspec.Struct, gc=False):
    CandidateId: Code
    Rank: int
    IsAmbiguous: bool


class _Contest(msgspec.Struct, gc=False):
    Id: Code
    Marks: msgspec.Raw
    OutstackConditionIds: list[int] = []


class _Card(msgspec.Struct, gc=False):
    Contests: list[_Contest]


class _Record(msgspec.Struct, gc=False):
    IsCurrent: bool | None = None
    PrecinctPortionId: Code | None = None
    PrecinctId: Code | None = None
    Cards: list[_Card] | None = None
    Contests: list[_Contest] | None = None


class _Session(msgspec.Struct, gc=False):
    TabulatorId: Code
    BatchId: Code
    RecordId: Code
    Original: _Record
    Modified: _Record | None = None


class _Export(msgspec.Struct, gc=False):
    Sessions: list[_Session]


_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class DominionContest:
    """One contest of an export, as its manifests describe it."""

    contest_id: str
    name: str
    ranks: int
    """``NumOfRanks``: how many rankings the ballot offers."""
    candidates: tuple[tuple[str, str], ...]
    """Each candidate's code (Dominion ``Id`` as text) and name (``Description``)."""
    write_ins: frozenset[str]
    """Codes of the contest's write-in slots (manifest ``Type`` ``WriteIn``)."""
    precinct_portions: tuple[tuple[str, str | None], ...]
    precincts: tuple[tuple[str, str | None], ...] | None
    """``None`` when the folder has no precinct manifest."""


@dataclass(frozen=True, slots=True)
class DominionBallot:
    """One ballot of the contest: a card's contest in a session of an export file."""

    ballot_id: str
    """``TabulatorId-BatchId-RecordId``, as RCTab forms it."""
    precinct: str | None
    """The precinct portion's ``Description``."""
    rankings: tuple[tuple[int, str], ...]
    """``(rank, candidate code)`` of each mark read, in the order of the marks."""
    source: str
    """The export file."""
    session: int
    """1-based position of the session in its file."""

    @property
    def where(self) -> str:
        """The ballot as an error names it."""
        return _where(self.ballot_id, self.session)


def _where(ballot_id: str, session: int) -> str:
    return f"ballot {ballot_id} (session {session})"


def is_dominion_export(path: Path) -> bool:
    """Whether ``path`` is a folder holding a Dominion export (``CvrExport*.json``)."""
    if not path.is_dir():
        return False
    if (path / SINGLE_EXPORT).is_file():
        return True
    return any(_NUMBERED_EXPORT.fullmatch(p.name) for p in path.iterdir() if p.is_file())


def export_files(folder: Path) -> list[Path]:
    """The export files RCTab reads: ``CvrExport.json``, else each ``CvrExport_<n>.json`` in
    the order of their names (``CvrExport_10.json`` before ``CvrExport_2.json``)."""
    single = folder / SINGLE_EXPORT
    if single.is_file():
        return [single]
    found = sorted(
        (p for p in folder.iterdir() if _NUMBERED_EXPORT.fullmatch(p.name) and p.is_file()),
        key=lambda p: p.name,
    )
    if not found:
        raise ParseError(
            f"no {SINGLE_EXPORT} or CvrExport_<n>.json file (expected a Dominion CVR export "
            "folder)",
            source=str(folder),
        )
    return found


def _decode(path: Path, kind: type[_T], what: str) -> _T:
    source = str(path)
    if not path.is_file():
        raise ParseError(
            f"no such file (a Dominion CVR export folder holds {CONTEST_MANIFEST}, "
            f"{CANDIDATE_MANIFEST} and {PRECINCT_PORTION_MANIFEST} beside its CvrExport files)",
            source=source,
        )
    data = read_limited(path).removeprefix(b"\xef\xbb\xbf")
    try:
        return msgspec.json.decode(data, type=kind)
    except msgspec.ValidationError as error:
        raise ParseError(f"expected {what}: {error}", source=source) from None
    except msgspec.DecodeError as error:
        found = _BYTE.search(str(error))
        line = data.count(b"\n", 0, int(found.group(1))) + 1 if found else None
        raise ParseError(f"not valid JSON ({error})", source=source, line=line) from None
    except RecursionError:
        raise ParseError(_TOO_DEEP, source=source) from None


def _descriptions(path: Path) -> dict[str, str | None]:
    manifest = _decode(path, _Manifest, 'a Dominion manifest ({"List": [{"Id": …}, …]})')
    return {str(item.Id): item.Description for item in manifest.List}


def dominion_contest(folder: Path, contest_id: str | None) -> DominionContest:
    """The contest ``contest_id`` (a Dominion contest ``Id``) of the export in ``folder``; with
    no id, the export's only ranked contest."""
    if not folder.is_dir():
        raise ParseError(
            "not a folder (a Dominion CVR export is a folder of CvrExport*.json files and "
            "manifests)",
            source=str(folder),
        )
    contests_path = folder / CONTEST_MANIFEST
    contests = _decode(contests_path, _ContestManifest, "a Dominion contest manifest").List
    by_id = {str(item.Id): item for item in contests}
    wanted = contest_id.strip() if contest_id is not None else None
    if wanted is None:
        ranked = [item for item in contests if item.NumOfRanks > 0]
        if len(ranked) != 1:
            listed = "; ".join(f"{item.Id} {item.Description or ''}".strip() for item in ranked)
            raise ParseError(
                f"the export holds {len(ranked)} ranked contests; name one by its Id "
                f"(--contest-id){': ' + listed[:300] if listed else ''}",
                source=str(contests_path),
            )
        wanted = str(ranked[0].Id)
    chosen = by_id.get(wanted)
    if chosen is None:
        raise ParseError(
            f"no contest with Id {wanted!r} (the manifest lists {len(by_id)} contests)",
            source=str(contests_path),
        )
    if chosen.NumOfRanks < 1:
        raise ParseError(
            f"contest {wanted} ({chosen.Description}) is not a ranked contest "
            f"(NumOfRanks {chosen.NumOfRanks})",
            source=str(contests_path),
        )
    if chosen.NumOfRanks > MAX_RANKINGS:
        raise ParseError(
            f"contest {wanted} allows {chosen.NumOfRanks:,} rankings, more than the limit of "
            f"{MAX_RANKINGS:,}",
            source=str(contests_path),
        )
    listed_candidates = _decode(
        folder / CANDIDATE_MANIFEST, _CandidateManifest, "a Dominion candidate manifest"
    ).List
    candidates = [c for c in listed_candidates if str(c.ContestId) == wanted]
    precinct_path = folder / PRECINCT_MANIFEST
    precincts = _descriptions(precinct_path) if precinct_path.exists() else None
    portions = _descriptions(folder / PRECINCT_PORTION_MANIFEST)
    return DominionContest(
        contest_id=wanted,
        name=chosen.Description or wanted,
        ranks=chosen.NumOfRanks,
        candidates=tuple((str(c.Id), c.Description or str(c.Id)) for c in candidates),
        write_ins=frozenset(str(c.Id) for c in candidates if c.Type == "WriteIn"),
        precinct_portions=tuple(portions.items()),
        precincts=tuple(precincts.items()) if precincts is not None else None,
    )


def dominion_ballots(folder: Path, contest: DominionContest) -> Iterator[DominionBallot]:
    """Every ballot of ``contest`` in the export in ``folder``, in the order RCTab reads them."""
    portions = dict(contest.precinct_portions)
    precincts = dict(contest.precincts) if contest.precincts is not None else None
    for path in export_files(folder):
        source = str(path)
        export = _decode(path, _Export, 'a Dominion CVR export ({"Sessions": […]})')
        for number, session in enumerate(export.Sessions, start=1):
            ballot_id = f"{session.TabulatorId}-{session.BatchId}-{session.RecordId}"
            record = session.Original
            if record.IsCurrent is None:
                raise ParseError(
                    f"{_where(ballot_id, number)}: the Original record has no IsCurrent",
                    source=source,
                )
            if not record.IsCurrent:
                if session.Modified is None:
                    raise ParseError(
                        f"{_where(ballot_id, number)}: the Original record is not current and "
                        "there is no Modified record",
                        source=source,
                    )
                record = session.Modified
            if record.PrecinctId is not None and (
                precincts is None or str(record.PrecinctId) not in precincts
            ):
                raise ParseError(
                    f"{_where(ballot_id, number)}: PrecinctId {record.PrecinctId} is not in "
                    f"{PRECINCT_MANIFEST}",
                    source=source,
                )
            precinct = None
            if record.PrecinctPortionId is not None:
                key = str(record.PrecinctPortionId)
                if key not in portions:
                    raise ParseError(
                        f"{_where(ballot_id, number)}: PrecinctPortionId {key} is not in "
                        f"{PRECINCT_PORTION_MANIFEST}",
                        source=source,
                    )
                precinct = portions[key]
            if record.Cards is not None:
                cards = [card.Contests for card in record.Cards]
            elif record.Contests is not None:
                cards = [record.Contests]
            else:
                raise ParseError(
                    f"{_where(ballot_id, number)}: the record has neither Cards nor Contests",
                    source=source,
                )
            for contests in cards:
                for found in contests:
                    if str(found.Id) != contest.contest_id:
                        continue
                    if INVALID_CONTEST in found.OutstackConditionIds:
                        continue
                    marks = _marks(found, ballot_id, number, source)
                    yield DominionBallot(ballot_id, precinct, marks, source, number)


def _marks(
    contest: _Contest, ballot_id: str, number: int, source: str
) -> tuple[tuple[int, str], ...]:
    try:
        marks = msgspec.json.decode(contest.Marks, type=list[_Mark])
    except msgspec.DecodeError as error:
        raise ParseError(
            f"{_where(ballot_id, number)}: expected the contest's Marks as a list of marks: "
            f"{error}",
            source=source,
        ) from None
    except RecursionError:
        raise ParseError(f"{_where(ballot_id, number)}: {_TOO_DEEP}", source=source) from None
    return tuple((mark.Rank, str(mark.CandidateId)) for mark in marks if not mark.IsAmbiguous)


def read_dominion(
    folder: Path, contest_id: str | None, write_in_label: str | None, builder: BallotBuilder
) -> None:
    """Add every ballot of the contest in the Dominion export ``folder`` to ``builder``."""
    contest = dominion_contest(folder, contest_id)
    names = dict(contest.candidates)
    label = write_in_label.strip() if write_in_label else None
    by_name = not builder.declared
    spelt = _unique_names(contest) if by_name else {}
    builder.rank_columns = max(builder.rank_columns or 0, contest.ranks)
    read = 0
    for ballot in dominion_ballots(folder, contest):
        marks: list[tuple[int, int]] = []
        for rank, code in ballot.rankings:
            if code not in names and code != label:
                raise ParseError(
                    f"{ballot.where}: a mark for candidate {code}, which {CANDIDATE_MANIFEST} "
                    f"does not list for contest {contest.contest_id}",
                    source=ballot.source,
                )
            if not 1 <= rank <= contest.ranks:
                raise ParseError(
                    f"{ballot.where}: a mark at rank {rank}; contest {contest.contest_id} allows "
                    f"ranks 1 to {contest.ranks}",
                    source=ballot.source,
                )
            if code == label or (by_name and code in contest.write_ins):
                candidate = builder.write_in_code()
            else:
                try:
                    candidate = builder.candidate(spelt.get(code, code), ballot.source, None)
                except ValidationError as error:
                    raise ValidationError(
                        f"{ballot.where}: {error.message}", source=ballot.source
                    ) from None
            marks.append((rank, candidate))
        builder.add(ranking_of(marks), ballot.precinct, 1, ballot.source, ballot.session)
        read += 1
    if not read:
        raise ParseError(
            f"no ballot holds contest {contest.contest_id} ({contest.name})", source=str(folder)
        )


def _unique_names(contest: DominionContest) -> dict[str, str]:
    """Each candidate's name when none are declared: the manifest's description, with its code
    added where two candidates of the contest share one (or one is named as the write-ins)."""
    seen: dict[str, int] = {}
    for code, name in contest.candidates:
        if code not in contest.write_ins:
            seen[name] = seen.get(name, 0) + 1
    return {
        code: name if seen.get(name) == 1 and name != UNDECLARED_WRITE_INS else f"{name} ({code})"
        for code, name in contest.candidates
        if code not in contest.write_ins
    }
