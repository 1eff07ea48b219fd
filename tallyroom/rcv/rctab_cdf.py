"""Cast-vote records as NIST SP 1500-103 JSON, ballot by ballot and round by round.

RCTab's ``generateCdfJson`` export: every ballot with its rankings as cast (snapshot
"original") and one "interpreted" snapshot per round, in which the selection the ballot counts
for is allocable (a ballot split by a surplus transfer counts in fractions for several).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from tallyroom.errors import ValidationError
from tallyroom.rcv.javarandom import java_string_key
from tallyroom.rcv.tally import Allocation
from tallyroom.rcv.types import OVERVOTE, BallotSet, RcvResult

__all__ = ["ballot_label", "to_cdf_json"]

_CONTEST = "contest-001"
_ELECTION = "election-001"
_SCOPE = "gpu-election"
_DEVICE = "rd-001"


def _sanitized(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_\-.]", "_", text)


def _selection_id(name: str) -> str:
    return f"cs-{_sanitized(name).lower()}"


def _candidate_id(name: str) -> str:
    return f"c-{_sanitized(name).lower()}"


def _position(rank: int, allocable: str, share: Decimal | None) -> dict[str, Any]:
    position: dict[str, Any] = {
        "@type": "CVR.SelectionPosition",
        "HasIndication": "yes",
        "IsAllocable": allocable,
        "NumberVotes": 1,
        "Rank": rank,
    }
    if share is not None and share != 1:
        position["NumberVotes"] = 0
        text = format(share.normalize(), "f")
        position["FractionalVotes"] = text[1:] if text.startswith("0.") else text
    return position


def to_cdf_json(
    ballots: BallotSet,
    result: RcvResult,
    allocations: list[Allocation],
    *,
    contest: str,
    jurisdiction: str | None,
    spreadsheet: tuple[bool, ...] = (),
    extra_candidates: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The export of a count made by :func:`tabulate_traced` of ``ballots`` (read with
    ``keep_ballots``); with no ``allocations``, the ballots as cast only (RCTab's conversion).
    ``spreadsheet[i]`` tells that file ``i`` is a spreadsheet export (its ballots are numbered
    ``file-n`` rather than ``file(n)``); ``extra_candidates`` are listed after the declared ones
    (RCTab lists the overvote label as a candidate)."""
    if not ballots.ballots and ballots.total:
        raise ValidationError(
            "the ballots were read without keeping each one; the export needs them",
            source=ballots.source,
        )
    names = ballots.candidates
    unit = Decimal(10) ** -result.decimal_places
    index_in_file: dict[int, int] = {}
    # A selection is named as the ballot's own file spells the candidate (perhaps an alias).
    spelt = {(where, code): name for where, code, name in ballots.spellings}
    records = []
    for where, group in ballots.ballots:
        index_in_file[where] = index_in_file.get(where, 0) + 1
        ballot_id = _sanitized(ballot_label(ballots, where, index_in_file[where], spreadsheet))
        ranks: dict[int, list[int]] = {}
        for rank, codes in ballots.rankings[group]:
            for code in codes:
                if code != OVERVOTE:
                    ranks.setdefault(code, []).append(rank)
        spelling = {c: spelt.get((where, c), names[c]) for c in ranks}
        chosen = sorted(ranks, key=lambda c: (min(ranks[c]), java_string_key(spelling[c])))
        snapshots = [_snapshot(f"ballot-{ballot_id}", "original", chosen, ranks, spelling, None)]
        for number, allocation in enumerate(allocations, start=1):
            # RCTab marks a selection allocable only where the file spells the candidate by
            # the declared name; a ballot counting for a candidate it names by an alias shows
            # no allocable selection. The export reproduces that.
            held = {
                c: Decimal(v) * unit
                for c, v in allocation[group].items()
                if v and spelling.get(c) == names[c]
            }
            snapshots.append(
                _snapshot(
                    f"ballot-{ballot_id}-round-{number}",
                    "interpreted",
                    chosen,
                    ranks,
                    spelling,
                    held,
                )
            )
        records.append(
            {
                "@type": "CVR",
                "BallotPrePrintedId": ballot_id,
                "CVRSnapshot": snapshots,
                "CurrentSnapshotId": snapshots[-1]["@id"],
                "ElectionId": _ELECTION,
            }
        )
    declared = [
        *sorted(names, key=lambda n: java_string_key(_candidate_id(n))),
        *extra_candidates,
    ]
    return {
        "@type": "CVR.CastVoteRecordReport",
        "CVR": records,
        "Election": [
            {
                "@id": _ELECTION,
                "@type": "Election",
                "Candidate": [{"@id": _candidate_id(n), "Name": n} for n in declared],
                "Contest": [
                    {
                        "@id": _CONTEST,
                        "@type": "CandidateContest",
                        "ContestSelection": [
                            {
                                "@id": _selection_id(n),
                                "@type": "ContestSelection",
                                "CandidateIds": [_candidate_id(n)],
                            }
                            for n in declared
                        ],
                        "Name": contest,
                    }
                ],
                "ElectionScopeId": _SCOPE,
            }
        ],
        "GpUnit": [
            {
                "@id": _SCOPE,
                "@type": "GpUnit",
                "Name": jurisdiction or "",
                "OtherType": "Election Scope Jurisdiction",
                "Type": "other",
            }
        ],
        "ReportGeneratingDeviceIds": [_DEVICE],
        "ReportingDevice": [
            {"@id": _DEVICE, "@type": "CVR.ReportingDevice", "Application": "tallyroom"}
        ],
        "Version": "1.0.0",
    }


def ballot_label(
    ballots: BallotSet, where: int, number: int, spreadsheet: tuple[bool, ...] = ()
) -> str:
    """RCTab's id of the ``number``-th ballot of file ``where``."""
    file_name = Path(ballots.ballot_files[where]).name
    if where < len(spreadsheet) and spreadsheet[where]:
        return f"{file_name}-{number}"
    return f"{file_name}({number})"


def _snapshot(
    snapshot_id: str,
    kind: str,
    chosen: list[int],
    ranks: dict[int, list[int]],
    names: dict[int, str],
    held: dict[int, Decimal] | None,
) -> dict[str, Any]:
    selections = []
    for code in chosen:
        positions = []
        for place, rank in enumerate(ranks[code]):
            if held is None:
                positions.append(_position(rank, "unknown", None))
            elif code in held and place == 0:  # a repeated ranking counts at its first rank
                positions.append(_position(rank, "yes", held[code]))
            else:
                positions.append(_position(rank, "no", None))
        selections.append(
            {
                "@type": "CVR.CVRContestSelection",
                "ContestSelectionId": _selection_id(names[code]),
                "SelectionPosition": positions,
            }
        )
    return {
        "@id": snapshot_id,
        "@type": "CVR.CVRSnapshot",
        "CVRContest": [
            {
                "@type": "CVR.CVRContest",
                "CVRContestSelection": selections,
                "ContestId": _CONTEST,
            }
        ],
        "Type": kind,
    }
