"""What the interchange readers and writers return, and the reserved pseudo-row names.

A reader returns :class:`Loaded`: the elections plus a warning for everything in the file that
the model cannot hold (a ballot-measure contest, a count type it does not know). A writer returns
:class:`Written`: the text plus a warning for every figure of the election that the target format
cannot hold. Nothing is dropped without a warning.

Pseudo-rows: per-unit figures that are not votes for a candidate are kept as
:class:`~tallyroom.model.UnitResult` rows whose ``candidate`` is one of :data:`PSEUDO_ROWS`.
The stage-wide figures live in :attr:`Stage.registered_voters` and :attr:`Stage.ballots_cast`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tallyroom.model import Election

__all__ = [
    "BALLOTS_CAST",
    "BLANK_BALLOTS",
    "OVER_VOTES",
    "PSEUDO_ROWS",
    "REGISTERED_VOTERS",
    "REJECTED_WRITE_INS",
    "UNDER_VOTES",
    "UNIT_ROWS",
    "WRITE_INS",
    "Loaded",
    "Written",
    "is_pseudo_row",
    "round_vote_type",
    "split_round_vote_type",
]

REGISTERED_VOTERS = "Registered Voters"
BALLOTS_CAST = "Ballots Cast"
OVER_VOTES = "Over Votes"
UNDER_VOTES = "Under Votes"
WRITE_INS = "Write-ins"
"""Write-in votes reported only as a number, not as a candidate row."""
BLANK_BALLOTS = "Blank Ballots"
"""Ballots cast with no vote in any contest (a unit's figure, like :data:`BALLOTS_CAST`)."""
REJECTED_WRITE_INS = "Rejected Write-ins"
"""Write-in votes for no eligible candidate, which count for nobody."""

PSEUDO_ROWS: tuple[str, ...] = (
    REGISTERED_VOTERS,
    BALLOTS_CAST,
    BLANK_BALLOTS,
    OVER_VOTES,
    UNDER_VOTES,
    WRITE_INS,
    REJECTED_WRITE_INS,
)
#: The pseudo-rows that are a reporting unit's figures, shared by every contest held there.
UNIT_ROWS: tuple[str, ...] = (REGISTERED_VOTERS, BALLOTS_CAST, BLANK_BALLOTS)


def is_pseudo_row(candidate: str) -> bool:
    return candidate in PSEUDO_ROWS


def round_vote_type(number: int, vote_type: str) -> str:
    """The ``vote_type`` of a reporting unit's count in round ``number`` of a ranked count."""
    return f"round {number} {vote_type}"


def split_round_vote_type(vote_type: str) -> tuple[int | None, str]:
    """``("round 2 total")`` → ``(2, "total")``; a plain vote type → ``(None, vote_type)``."""
    parts = vote_type.split(" ", 2)
    if len(parts) == 3 and parts[0] == "round" and parts[1].lstrip("-").isdigit():
        return int(parts[1]), parts[2]
    return None, vote_type


@dataclass(frozen=True, slots=True)
class Loaded:
    """Elections read from a file, and what in the file the model could not hold."""

    elections: tuple[Election, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Written:
    """A rendered file, and what of the elections the format could not hold."""

    text: str
    warnings: tuple[str, ...] = ()
