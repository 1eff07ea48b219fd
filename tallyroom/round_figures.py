"""The figures of a ranked-choice stage's rounds, computed once from the stored rounds.

Every percentage here is a share of the round's *continuing* votes (the sum of its tally),
rounded by :func:`tallyroom.figures.percent`. A round balances when its continuing votes, its
inactive ballots (blank ballots included) and the surplus a multi-winner count lost to rounding
add up to the stage's ballots cast; :attr:`RoundFigures.balanced` says whether it does (``None``
when the ballots cast are unknown).

Pure functions over :class:`tallyroom.model.Stage`; the web pages, exports and the command line
read these records instead of summing tallies themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tallyroom.model import INACTIVE_REASONS, InactiveReason, Round, Stage, Transfer

__all__ = [
    "INACTIVE_LABELS",
    "RESIDUAL_SURPLUS",
    "CandidateRound",
    "InactiveFigure",
    "RoundFigures",
    "final_round_share",
    "round_figures",
]

#: Transfer target of a multi-winner count's surplus lost to rounding (RCTab's spelling).
RESIDUAL_SURPLUS = "residual surplus"

INACTIVE_LABELS: dict[InactiveReason, str] = {
    "exhausted": "Exhausted (no continuing choice)",
    "overvote": "Overvote",
    "skipped": "Skipped rankings",
    "repeated": "Repeated ranking",
    "undervote": "Blank ballot (undervote)",
}


@dataclass(frozen=True, slots=True)
class CandidateRound:
    """One candidate in one round: votes and share of the round's continuing votes."""

    name: str
    votes: Decimal
    percent: str | None
    elected: bool
    eliminated: bool


@dataclass(frozen=True, slots=True)
class InactiveFigure:
    """Inactive ballots of one reason in one round."""

    reason: InactiveReason
    label: str
    ballots: Decimal


@dataclass(frozen=True, slots=True)
class RoundFigures:
    """Everything shown about one round.

    ``candidates`` are ordered by votes (most first, then by name). ``inactive`` is the total of
    inactive ballots, blank ballots included; ``inactive_by_reason`` lists every reason (zeros
    too) when the source reports reasons, and is empty when it does not. ``residual_surplus`` is
    the surplus lost to rounding before this round (multi-winner counts; else 0).
    """

    number: int
    threshold: Decimal | None
    continuing: Decimal
    candidates: tuple[CandidateRound, ...]
    elected: tuple[str, ...]
    eliminated: tuple[str, ...]
    inactive: Decimal
    inactive_by_reason: tuple[InactiveFigure, ...]
    transfers: tuple[Transfer, ...]
    ballots_cast: int | None
    residual_surplus: Decimal
    balanced: bool | None


def _share(votes: Decimal, whole: Decimal) -> Fraction | None:
    if whole <= 0:
        return None
    return Fraction(votes) / Fraction(whole)


def _one(item: Round, ballots_cast: int | None, residual: Decimal) -> RoundFigures:
    # Imported here: tallyroom.figures imports this module for its stage figures.
    from tallyroom.figures import percent

    continuing = item.continuing
    ordered = sorted(item.tally, key=lambda entry: (-entry[1], entry[0]))
    candidates = tuple(
        CandidateRound(
            name=name,
            votes=votes,
            percent=percent(_share(votes, continuing)),
            elected=name in item.elected,
            eliminated=name in item.eliminated,
        )
        for name, votes in ordered
    )
    by_reason: tuple[InactiveFigure, ...] = ()
    if item.inactive_by_reason:
        reported = dict(item.inactive_by_reason)
        by_reason = tuple(
            InactiveFigure(reason, INACTIVE_LABELS[reason], reported.get(reason, Decimal(0)))
            for reason in INACTIVE_REASONS
        )
    balanced = None
    if ballots_cast is not None:
        balanced = continuing + item.inactive + residual == ballots_cast
    return RoundFigures(
        number=item.number,
        threshold=item.threshold,
        continuing=continuing,
        candidates=candidates,
        elected=item.elected,
        eliminated=item.eliminated,
        inactive=item.inactive,
        inactive_by_reason=by_reason,
        transfers=item.transfers,
        ballots_cast=ballots_cast,
        residual_surplus=residual,
        balanced=balanced,
    )


def round_figures(stage: Stage) -> tuple[RoundFigures, ...]:
    """The figures of every round of ``stage``, in round order (``()`` without rounds)."""
    figures = []
    residual = Decimal(0)
    for item in sorted(stage.rounds, key=lambda r: r.number):
        figures.append(_one(item, stage.ballots_cast, residual))
        residual += sum(
            (t.votes for t in item.transfers if t.target == RESIDUAL_SURPLUS), Decimal(0)
        )
    return tuple(figures)


def final_round_share(stage: Stage, name: str) -> Fraction | None:
    """``name``'s share of the continuing votes in the last round that counts them.

    For a winner of an instant runoff that is the final round; for a candidate eliminated
    earlier, the round they were eliminated in. ``None`` when no round counts ``name`` or that
    round has no continuing votes.
    """
    for item in sorted(stage.rounds, key=lambda r: r.number, reverse=True):
        votes = dict(item.tally).get(name)
        if votes is not None:
            return _share(votes, item.continuing)
    return None
