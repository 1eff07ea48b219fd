"""Ranked-choice data: ballots in, round records out.

A :class:`BallotSet` holds the distinct rankings of a contest with the number of ballots that cast
each (identical rankings are grouped, so tabulation costs in proportion to the distinct rankings).
A ranking is a tuple of ``(rank, candidates)`` pairs in rank order; ``candidates`` holds candidate
codes (indexes into :attr:`BallotSet.candidates`), several of them for an overvote, or
:data:`OVERVOTE` where the ballot file carries an explicit overvote label. Ranks with no mark are
simply absent, so a gap in the rank numbers is a skipped ranking. Readers also attach the same
rankings as one dense array (:class:`RankTable`), which is what the count works on.

A tabulation gives an :class:`RcvResult`: winners, and one :class:`RoundRecord` per round with
each candidate's tally, who was elected or eliminated and why, the transfers out of them, the
inactive ballots by reason, the threshold and the tie-breaks drawn. Votes are exact decimals
(whole ballots are integers; fractional surplus transfers use the contest's decimal places).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from tallyroom.model import InactiveReason, Round, Transfer

__all__ = [
    "EXHAUSTED",
    "NO_MARK",
    "OVERVOTE",
    "RESIDUAL_SURPLUS",
    "UNDECLARED_WRITE_INS",
    "BallotSet",
    "EliminationReason",
    "InactiveBallots",
    "RankTable",
    "Ranking",
    "RcvResult",
    "RoundRecord",
    "TieBreak",
    "Transfer",
    "ranking_of",
]

#: Candidate code of an explicit overvote label in a ballot file.
OVERVOTE = -1
#: The pseudo-candidate that pools undeclared write-ins (RCTab's spelling).
UNDECLARED_WRITE_INS = "Undeclared Write-ins"
#: Transfer targets that are not candidates (RCTab's spellings).
EXHAUSTED = "exhausted"
RESIDUAL_SURPLUS = "residual surplus"
#: A rank with no candidate in a :class:`RankTable`.
NO_MARK = -1

Ranking = tuple[tuple[int, tuple[int, ...]], ...]
EliminationReason = Literal["lowest", "batch", "below-minimum", "undeclared-write-ins"]


def ranking_of(marks: Iterable[tuple[int, int]]) -> Ranking:
    """A ballot's :data:`Ranking` from its marks, ``(rank, candidate code)`` as read: the ranks
    in order, each with its candidates in the order they were marked."""
    by_rank: dict[int, list[int]] = {}
    for rank, code in marks:
        by_rank.setdefault(rank, []).append(code)
    return tuple((rank, tuple(codes)) for rank, codes in sorted(by_rank.items()))


@dataclass(frozen=True, slots=True, eq=False)
class RankTable:
    """The rankings of a :class:`BallotSet` as dense arrays, one row per group (read-only).

    ``codes[i, r]`` is the candidate group ``i`` ranks ``r + 1``-th, or :data:`NO_MARK`. Rows
    that one code per rank cannot describe (a rank holding several candidates or the overvote
    label, or a rank beyond the table's width) are flagged in ``general``; their ``codes`` row is
    all :data:`NO_MARK` and the count reads them from :attr:`BallotSet.rankings`.
    """

    codes: npt.NDArray[np.int32]
    general: npt.NDArray[np.bool_]
    counts: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        rows = self.codes.shape[0]
        if self.codes.ndim != 2 or self.general.shape != (rows,) or self.counts.shape != (rows,):
            raise ValueError("rank table arrays differ in shape")
        for array in (self.codes, self.general, self.counts):
            array.flags.writeable = False


@dataclass(frozen=True, slots=True)
class BallotSet:
    """Distinct rankings of one contest, with ballot counts (and precincts when known)."""

    candidates: tuple[str, ...]
    """Candidate names; a ranking's codes index this tuple."""
    rankings: tuple[Ranking, ...]
    counts: tuple[int, ...]
    precincts: tuple[str | None, ...] = ()
    """Precinct of each group (empty when the ballots carry none)."""
    rows: tuple[int, ...] = field(default=(), compare=False)
    """Source line (or record number) of the first ballot of each group, for error messages."""
    source: str | None = field(default=None, compare=False)
    rank_columns: int | None = field(default=None, compare=False)
    """Number of rank columns of a tabular ballot file (how many rankings the ballot offered)."""
    table: RankTable | None = field(default=None, compare=False, repr=False)
    """The same rankings and counts as dense arrays (built by the readers; the count builds it
    itself when absent)."""
    ballots: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    """When the reader was asked to keep them: every ballot in the order read, as (index into
    :attr:`ballot_files`, group index)."""
    ballot_files: tuple[str, ...] = field(default=(), compare=False, repr=False)
    spellings: tuple[tuple[int, int, str], ...] = field(default=(), compare=False, repr=False)
    """With the ballots kept: (file, candidate code, name as that file spells it) where a file
    names a candidate by an alias."""

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.rankings):
            raise ValueError("counts and rankings differ in length")
        if self.table is not None and self.table.codes.shape[0] != len(self.rankings):
            raise ValueError("rank table and rankings differ in length")
        if self.precincts and len(self.precincts) != len(self.rankings):
            raise ValueError("precincts and rankings differ in length")

    @property
    def total(self) -> int:
        """Number of ballots cast (with weights applied)."""
        return sum(self.counts)

    @property
    def has_precincts(self) -> bool:
        return self.precincts.count(None) < len(self.precincts)

    def names(self, ranking: Ranking) -> tuple[tuple[str, ...], ...]:
        """A ranking spelt with candidate names (``"overvote"`` for the explicit label)."""
        return tuple(
            tuple("overvote" if c == OVERVOTE else self.candidates[c] for c in codes)
            for _, codes in ranking
        )


@dataclass(frozen=True, slots=True)
class InactiveBallots:
    """Ballots no longer counting for any candidate, by reason (fractional in STV)."""

    overvotes: Decimal = Decimal(0)
    skipped_rankings: Decimal = Decimal(0)
    repeated_rankings: Decimal = Decimal(0)
    exhausted_choices: Decimal = Decimal(0)
    exhausted_unused_rankings: Decimal = Decimal(0)
    """Ballots that ran out of rankings with more rankings unused than skips allowed. RCTab books
    them as undervotes and then reports them under no reason (its rounds stop adding up); they
    are published as exhausted (:attr:`exhausted`), and left out of the RCTab report only."""
    undervotes: Decimal = Decimal(0)
    """Blank ballots (no ranking at all)."""

    @property
    def exhausted(self) -> Decimal:
        """Ballots whose rankings ran out of continuing candidates."""
        return self.exhausted_choices + self.exhausted_unused_rankings

    @property
    def total(self) -> Decimal:
        """Inactive ballots of voters who ranked someone (every reason but blank ballots)."""
        return self.overvotes + self.skipped_rankings + self.repeated_rankings + self.exhausted

    def by_reason(self) -> tuple[tuple[InactiveReason, Decimal], ...]:
        """Every reason, blank ballots (``undervote``) included, in the model's spelling."""
        return (
            ("exhausted", self.exhausted),
            ("overvote", self.overvotes),
            ("skipped", self.skipped_rankings),
            ("repeated", self.repeated_rankings),
            ("undervote", self.undervotes),
        )


@dataclass(frozen=True, slots=True)
class TieBreak:
    """A tie decided during the count, recorded with how it was decided."""

    kind: Literal["winner", "loser"]
    tied: tuple[str, ...]
    selected: str
    method: str
    explanation: str


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """One round of the count."""

    number: int
    tally: tuple[tuple[str, Decimal], ...]
    """Votes of each continuing candidate (and of earlier winners, held at the threshold)."""
    threshold: Decimal
    elected: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    elimination_reason: EliminationReason | None = None
    transfers: tuple[Transfer, ...] = ()
    """Transfers out of this round's elected and eliminated candidates (made in the next round)."""
    inactive: InactiveBallots = InactiveBallots()
    tiebreaks: tuple[TieBreak, ...] = ()
    residual_surplus: Decimal = Decimal(0)
    """Surplus lost to rounding so far (multi-winner contests)."""
    pass_number: int = 1
    """Pass of a sequential (multi-pass) count; 1 otherwise."""
    precinct_tallies: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...] = ()
    """Each precinct's tally of continuing candidates, when the ballots carry precincts."""
    final_round_surplus: Decimal | None = None
    """In the round after the last seats are filled: the surplus of the winners who filled
    them, set aside rather than transferred (``None`` in every other round)."""

    def votes(self, candidate: str) -> Decimal | None:
        for name, votes in self.tally:
            if name == candidate:
                return votes
        return None


@dataclass(frozen=True, slots=True)
class RcvResult:
    """The outcome of a ranked-choice count."""

    winners: tuple[str, ...]
    rounds: tuple[RoundRecord, ...]
    candidates: tuple[str, ...]
    total_ballots: int
    undervotes: int
    """Ballots with no ranking at all."""
    seats: int
    decimal_places: int
    permutation: tuple[str, ...] = ()
    """The candidate order used to break ties, when the rules use one."""

    @property
    def threshold(self) -> Decimal | None:
        return self.rounds[-1].threshold if self.rounds else None

    def to_model_rounds(self) -> tuple[Round, ...]:
        """The rounds as the election model publishes them (numbered across passes).

        A round's ``inactive`` counts blank ballots too (reason ``undervote``), and the final
        round's surplus set aside (with the exhausted votes, as no candidate holds it), so that
        its continuing votes and inactive ballots add up to :attr:`total_ballots`.
        """
        return tuple(
            Round(
                number=index,
                tally=record.tally,
                elected=record.elected,
                eliminated=record.eliminated,
                inactive=record.inactive.total + record.inactive.undervotes + aside,
                inactive_by_reason=tuple(
                    (reason, votes + aside if reason == "exhausted" else votes)
                    for reason, votes in record.inactive.by_reason()
                ),
                threshold=record.threshold,
                transfers=record.transfers,
            )
            for index, record in enumerate(self.rounds, start=1)
            for aside in [record.final_round_surplus or Decimal(0)]
        )
