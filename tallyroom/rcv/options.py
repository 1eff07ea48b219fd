"""The rules of a ranked-choice count, as jurisdictions configure them (RCTab's option set)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tallyroom.errors import ValidationError

__all__ = [
    "ASKING_MODES",
    "OVERVOTE_RULES",
    "TIEBREAK_MODES",
    "WINNER_MODES",
    "OvervoteRule",
    "Quota",
    "RcvOptions",
    "TieDecision",
    "TieRole",
    "TiebreakMode",
    "WinnerMode",
]

WinnerMode = Literal[
    "single-winner",
    "multi-winner",
    "multi-winner-one-per-round",
    "bottoms-up",
    "bottoms-up-threshold",
    "multi-pass-irv",
]
WINNER_MODES: tuple[WinnerMode, ...] = (
    "single-winner",
    "multi-winner",
    "multi-winner-one-per-round",
    "bottoms-up",
    "bottoms-up-threshold",
    "multi-pass-irv",
)
OvervoteRule = Literal["exhaust-immediately", "skip-to-next-rank", "exhaust-if-multiple-continuing"]
OVERVOTE_RULES: tuple[OvervoteRule, ...] = (
    "exhaust-immediately",
    "skip-to-next-rank",
    "exhaust-if-multiple-continuing",
)
TiebreakMode = Literal[
    "random",
    "stop-and-ask",
    "previous-round-then-random",
    "previous-round-then-ask",
    "candidate-order",
    "generate-permutation",
]
TIEBREAK_MODES: tuple[TiebreakMode, ...] = (
    "random",
    "stop-and-ask",
    "previous-round-then-random",
    "previous-round-then-ask",
    "candidate-order",
    "generate-permutation",
)
Quota = Literal["droop", "hare"]
#: The tie-break modes that leave a tie to the count's operator (RCTab's stopCountingAndAsk and
#: previousRoundCountsThenAsk): those that take :class:`TieDecision` answers.
ASKING_MODES: tuple[TiebreakMode, ...] = ("stop-and-ask", "previous-round-then-ask")
TieRole = Literal["win", "lose"]


@dataclass(frozen=True, slots=True)
class TieDecision:
    """The operator's answer to a tie the rules leave to a decision: in round ``round``,
    ``selected`` is the tied candidate to ``role`` ("win" a tie for election, "lose" a tie for
    last place). A round has at most one such tie."""

    round: int
    role: TieRole
    selected: str


@dataclass(frozen=True, slots=True)
class RcvOptions:
    """Counting rules. The defaults are RCTab's suggested values for a single-winner contest."""

    seats: int = 1
    winner_mode: WinnerMode = "single-winner"
    overvote_rule: OvervoteRule = "exhaust-immediately"
    max_skipped_ranks: int | None = 1
    """Consecutive skipped rankings allowed before a ballot exhausts; ``None`` is unlimited."""
    max_rankings: int | None = None
    """Most rankings a ballot may carry; ``None`` means the number of declared candidates."""
    count_past_max_rankings: bool = False
    """Count a ballot's rankings past :attr:`max_rankings` rather than refuse the ballots: as
    RCTab does for the records of its Dominion and Hart readers, where the contest's own number
    of ranks stands (the maximum still decides which ballots ran out of rankings unused)."""
    exhaust_on_duplicate: bool = False
    """A candidate ranked twice exhausts the ballot (otherwise the repeat is skipped)."""
    batch_elimination: bool = False
    continue_until_two: bool = False
    first_round_determines_threshold: bool = False
    stop_after_round: int | None = None
    quota: Quota = "droop"
    non_integer_threshold: bool = False
    decimal_places: int = 4
    minimum_vote_threshold: Decimal = Decimal(0)
    bottoms_up_percentage: Decimal | None = None
    """Percentage (e.g. ``Decimal(15)``) for the bottoms-up-threshold mode."""
    tiebreak: TiebreakMode = "stop-and-ask"
    seed: int | None = None
    candidate_order: tuple[str, ...] = ()
    """Tie-break permutation for ``candidate-order`` (first listed wins a tie, last loses one);
    empty means the declared order."""
    excluded: tuple[str, ...] = ()
    cutoff_elimination: bool = False
    """Bottoms-up-threshold mode: eliminate every candidate under the threshold at once."""
    tie_decisions: tuple[TieDecision, ...] = ()
    """The operator's answers to ties in the modes that ask; each must decide a tie of the
    count (one that reaches the operator), or the count is refused."""

    @property
    def needs_seed(self) -> bool:
        return self.tiebreak in ("random", "previous-round-then-random", "generate-permutation")

    def check(self, source: str | None = None) -> None:
        """Raise :class:`ValidationError` on values out of range or contradicting each other."""

        def fail(key: str, message: str) -> None:
            raise ValidationError(message, source=source, key=key)

        if self.winner_mode == "bottoms-up-threshold":
            if self.bottoms_up_percentage is None:
                fail("bottoms_up_percentage", "required by the bottoms-up-threshold mode")
            elif not Decimal(1) <= self.bottoms_up_percentage <= Decimal(100):
                fail("bottoms_up_percentage", "must be from 1 to 100")
        elif self.seats < 1:
            fail("seats", "must be at least 1")
        if self.winner_mode == "single-winner" and self.seats != 1:
            fail("seats", f"single-winner mode elects 1 candidate, not {self.seats}")
        if self.winner_mode not in ("single-winner", "bottoms-up-threshold") and self.seats < 2:
            fail("seats", f"{self.winner_mode} mode needs at least 2 seats")
        if self.winner_mode != "single-winner" and self.continue_until_two:
            fail("continue_until_two", "only applies to single-winner contests")
        if (
            self.winner_mode not in ("single-winner", "bottoms-up-threshold")
            and self.first_round_determines_threshold
        ):
            fail(
                "first_round_determines_threshold",
                "only applies to single-winner contests (and the bottoms-up-threshold mode)",
            )
        if self.cutoff_elimination and self.winner_mode != "bottoms-up-threshold":
            fail("cutoff_elimination", "only applies to the bottoms-up-threshold mode")
        if self.max_skipped_ranks is not None and self.max_skipped_ranks < 0:
            fail("max_skipped_ranks", "must be 0 or more, or unlimited")
        if self.max_rankings is not None and self.max_rankings < 1:
            fail("max_rankings", "must be at least 1")
        if not 1 <= self.decimal_places <= 20:
            fail("decimal_places", "must be from 1 to 20")
        if self.minimum_vote_threshold < 0:
            fail("minimum_vote_threshold", "must not be negative")
        if self.stop_after_round is not None and self.stop_after_round < 1:
            fail("stop_after_round", "must be at least 1")
        if self.needs_seed and self.seed is None:
            fail("seed", f"tie-break mode {self.tiebreak!r} needs a random seed")
        if self.quota == "hare" and self.winner_mode == "single-winner":
            fail("quota", "the Hare quota applies to multi-winner contests only")
        if self.batch_elimination and self.winner_mode not in ("single-winner", "multi-pass-irv"):
            fail("batch_elimination", "applies to single-winner contests only")
        if self.tie_decisions:
            self._check_tie_decisions(fail)

    def _check_tie_decisions(self, fail: Callable[[str, str], None]) -> None:
        key = "tie_decisions"
        if self.tiebreak not in ASKING_MODES:
            fail(
                key,
                f"tie-break mode {self.tiebreak!r} never asks; decisions are for "
                "stop-and-ask and previous-round-then-ask",
            )
        if self.winner_mode == "multi-pass-irv":
            fail(key, "not supported in multi-pass-irv mode (each pass numbers its rounds anew)")
        seen: set[int] = set()
        for decision in self.tie_decisions:
            if decision.round < 1:
                fail(key, f"round must be at least 1, not {decision.round}")
            if decision.role not in ("win", "lose"):
                fail(key, f"round {decision.round}: role must be 'win' or 'lose'")
            if decision.round in seen:
                fail(key, f"round {decision.round} is decided twice (a round has one tie)")
            seen.add(decision.round)
