"""Instant runoff and single transferable vote, round by round, as RCTab counts them.

:func:`tabulate` is a pure function of a :class:`BallotSet` and :class:`RcvOptions`. It follows
RCTab's ``Tabulator`` rule for rule: the winning threshold (Droop or Hare, whole or to the
configured decimal places), elimination of undeclared write-ins, of candidates under a minimum
threshold, batch elimination, last-place elimination with tie-breaks, fractional surplus transfer
with every multiplication and division rounded down to the configured decimal places, residual
surplus, "continue until two candidates remain", bottoms-up modes and multi-pass IRV.

Arithmetic is in integer vote units of ``10 ** -decimal_places``; ballot groups are processed with
numpy, so a round costs in proportion to the number of distinct rankings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from tallyroom.errors import TabulationError, ValidationError
from tallyroom.rcv.javarandom import JavaRandom, java_shuffle, java_string_key
from tallyroom.rcv.options import RcvOptions
from tallyroom.rcv.steps import (
    OFFSET,
    SKIP,
    T_EXHAUSTED,
    T_OVERVOTE,
    T_REPEATED,
    T_SKIPPED,
    T_UNDERVOTE,
    T_UNUSED,
    CompiledBallots,
    compile_ballots,
    first_counting_step,
)
from tallyroom.rcv.tiebreak import break_tie
from tallyroom.rcv.types import (
    EXHAUSTED,
    RESIDUAL_SURPLUS,
    UNDECLARED_WRITE_INS,
    BallotSet,
    EliminationReason,
    InactiveBallots,
    RcvResult,
    RoundRecord,
    TieBreak,
    Transfer,
)

__all__ = ["Allocation", "tabulate", "tabulate_slices", "tabulate_traced"]

#: Each ballot group's votes by candidate code in one round (vote units of
#: ``10 ** -decimal_places``; a ballot split by a surplus transfer holds several pieces).
Allocation = list[dict[int, int]]

Units = int | Fraction


def tabulate(ballots: BallotSet, options: RcvOptions) -> RcvResult:
    """Count ``ballots`` under ``options``; raises :class:`TabulationError` when it cannot."""
    options.check(ballots.source)
    names = ballots.candidates
    index = {name: i for i, name in enumerate(names)}
    for key, listed in (
        ("excluded", options.excluded),
        ("candidate_order", options.candidate_order),
        ("tie_decisions", tuple(d.selected for d in options.tie_decisions)),
    ):
        for name in listed:
            if name not in index:
                raise ValidationError(f"unknown candidate {name!r}", source=ballots.source, key=key)
    declared = [n for n in names if n != UNDECLARED_WRITE_INS]
    compiled = compile_ballots(ballots, options, len(declared))
    excluded = frozenset(index[n] for n in options.excluded)
    base_permutation = list(options.candidate_order) or declared

    if options.winner_mode != "multi-pass-irv":
        count = _Count(ballots, compiled, options, excluded, options.seats, base_permutation, 1)
        record = count.run()
        count.check_decisions_used()
        return _result(ballots, compiled, options, record, count.winner_names(), count.permutation)

    winners: list[str] = []
    rounds: list[RoundRecord] = []
    permutation: tuple[str, ...] = ()
    for pass_number in range(1, options.seats + 1):
        pass_excluded = excluded | {index[w] for w in winners}
        if len([c for c in range(len(names)) if c not in pass_excluded]) == 0:
            raise TabulationError(f"pass {pass_number}: no candidates left to elect")
        count = _Count(ballots, compiled, options, pass_excluded, 1, base_permutation, pass_number)
        rounds.extend(count.run())
        winners.extend(count.winner_names())
        permutation = count.permutation
    return _result(ballots, compiled, options, tuple(rounds), tuple(winners), permutation)


def _one_pass(
    ballots: BallotSet, options: RcvOptions, plan: _Plan | None = None
) -> tuple[CompiledBallots, _Count]:
    """The compiled ballots and the (not yet run) count of one pass over all seats."""
    declared = [n for n in ballots.candidates if n != UNDECLARED_WRITE_INS]
    index = {name: i for i, name in enumerate(ballots.candidates)}
    excluded = frozenset(index[n] for n in options.excluded if n in index)
    order = list(options.candidate_order) or declared
    compiled = compile_ballots(ballots, options, len(declared))
    return compiled, _Count(ballots, compiled, options, excluded, options.seats, order, 1, plan)


def tabulate_traced(ballots: BallotSet, options: RcvOptions) -> tuple[RcvResult, list[Allocation]]:
    """The count of ``ballots``, with where each ballot group's vote stood in every round
    (what RCTab's cast-vote-record export shows ballot by ballot). One pass only."""
    if options.winner_mode == "multi-pass-irv":
        raise ValidationError(
            "the ballot-by-ballot trace of a multi-pass count is not supported",
            source=ballots.source,
        )
    options.check(ballots.source)
    compiled, count = _one_pass(ballots, options)
    count.trace = []
    records = count.run()
    count.check_decisions_used()
    result = _result(ballots, compiled, options, records, count.winner_names(), count.permutation)
    return result, count.trace


def tabulate_slices(
    ballots: BallotSet, options: RcvOptions, slices: Mapping[str, BallotSet]
) -> tuple[RcvResult, dict[str, RcvResult]]:
    """The count of ``ballots``, and each slice (a precinct's or a batch's ballots) counted
    with the whole count's decisions: the same eliminations, winners, thresholds and surplus
    fractions, applied to the slice's ballots only (RCTab's per-precinct and per-batch reports).
    Every slice must name the candidates as ``ballots`` does."""
    if options.winner_mode == "multi-pass-irv":
        raise ValidationError(
            "slices of a multi-pass count are not supported", source=ballots.source
        )
    options.check(ballots.source)
    compiled, whole = _one_pass(ballots, options)
    index = {name: i for i, name in enumerate(ballots.candidates)}
    records = whole.run()
    whole.check_decisions_used()
    result = _result(ballots, compiled, options, records, whole.winner_names(), whole.permutation)
    plan = _Plan(
        tuple(
            (
                [index[n] for n in r.elected],
                [index[n] for n in r.eliminated],
                r.elimination_reason,
                threshold,
            )
            for r, threshold in zip(records, whole.thresholds, strict=True)
        ),
        dict(whole.fractions),
    )
    counted: dict[str, RcvResult] = {}
    for name, part in slices.items():
        if part.candidates != ballots.candidates:
            raise ValidationError(
                f"slice {name!r} names other candidates than the contest", source=part.source
            )
        part_compiled, count = _one_pass(part, options, plan)
        part_records = count.run()
        counted[name] = _result(
            part, part_compiled, options, part_records, result.winners, whole.permutation
        )
    return result, counted


class _Plan:
    """The decisions of a whole count, replayed on a slice of its ballots."""

    __slots__ = ("fractions", "rounds")

    def __init__(
        self,
        rounds: tuple[tuple[list[int], list[int], EliminationReason | None, Units], ...],
        fractions: dict[int, int],
    ) -> None:
        self.rounds = rounds
        self.fractions = fractions


def _result(
    ballots: BallotSet,
    compiled: CompiledBallots,
    options: RcvOptions,
    rounds: tuple[RoundRecord, ...],
    winners: tuple[str, ...],
    permutation: tuple[str, ...],
) -> RcvResult:
    uses_order = options.tiebreak in ("candidate-order", "generate-permutation")
    return RcvResult(
        winners=winners,
        rounds=rounds,
        candidates=ballots.candidates,
        total_ballots=ballots.total,
        undervotes=compiled.undervotes,
        seats=options.seats,
        decimal_places=options.decimal_places,
        permutation=permutation if uses_order else (),
    )


def _sum_by(
    keys: npt.NDArray[np.int64], weights: npt.NDArray[Any], size: int, bound: int | None = None
) -> list[int]:
    """Exact integer sums of ``weights`` by ``keys``.

    ``np.bincount`` adds in float64, which is exact while every partial sum stays below 2**53
    (checked on the total of the absolute weights, or on ``bound`` when the caller knows that
    total cannot exceed it); larger sums are added as integers.
    """
    if (
        weights.dtype != object
        and (bound if bound is not None else int(np.abs(weights).sum())) < 2**53
    ):
        sums = np.bincount(keys, weights=weights, minlength=size)
        return sums.astype(np.int64).tolist()  # type: ignore[no-any-return]
    out = np.zeros(size, dtype=weights.dtype)
    np.add.at(out, keys, weights)
    return [int(v) for v in out]


class _Count:
    """The mutable state of one count (one pass); used only inside :func:`tabulate`."""

    def __init__(
        self,
        ballots: BallotSet,
        compiled: CompiledBallots,
        options: RcvOptions,
        excluded: frozenset[int],
        seats: int,
        permutation: list[str],
        pass_number: int,
        plan: _Plan | None = None,
    ) -> None:
        self.plan = plan
        self.trace: list[Allocation] | None = None
        self.pieces: dict[int, dict[int, int]] = {}
        """Per group: what each winner whose surplus was transferred kept of its vote."""
        self.final_kept: dict[int, int] = {}
        """Per group: what the last winners keep once their surplus is set aside."""
        self.fractions: dict[int, int] = {}
        """Surplus fraction (in vote units) of each winner whose surplus was transferred."""
        self.ballots = ballots
        self.compiled = compiled
        self.options = options
        self.excluded = excluded
        self.pass_number = pass_number
        self.names = ballots.candidates
        self.ncand = len(self.names)
        self.uwi = (
            self.names.index(UNDECLARED_WRITE_INS) if UNDECLARED_WRITE_INS in self.names else None
        )
        self.num_declared = self.ncand - (1 if self.uwi is not None else 0)
        mode = options.winner_mode
        self.bottoms_up_threshold = mode == "bottoms-up-threshold"
        self.bottoms_up = mode == "bottoms-up"
        self.one_per_round = mode == "multi-winner-one-per-round"
        self.seats = 0 if self.bottoms_up_threshold else seats
        self.unit = 10**options.decimal_places
        self.min_threshold = Fraction(options.minimum_vote_threshold) * self.unit
        groups = len(compiled.counts)
        wide = int(compiled.counts.sum()) * self.unit >= 2**62
        dtype: type = object if wide else np.int64
        self.counts: npt.NDArray[Any] = compiled.counts.astype(dtype)
        self.bound = int(compiled.counts.sum()) * self.unit
        """No sum of votes exceeds this (a ballot's transfer value never exceeds one)."""
        self.ftv: npt.NDArray[Any] = np.full(groups, self.unit, dtype=dtype)
        self.weights: npt.NDArray[Any] | None = None
        """``counts * ftv`` (votes of each group now), kept until a surplus transfer."""
        self.slot_sums: list[int] | None = None
        """Votes by recipient candidate, then by inactive reason (kept up to date while
        :attr:`weights` stands)."""
        self.recipient = np.full(groups, -1, dtype=np.int64)
        self.status = np.zeros(groups, dtype=np.int8)
        self.precinct_names: list[str] = []
        self.precinct_index: npt.NDArray[np.int64] | None = None
        if ballots.has_precincts:
            self.precinct_names = sorted({p for p in ballots.precincts if p is not None})
            where = {p: i for i, p in enumerate(self.precinct_names)}
            self.precinct_index = np.array(
                [where[p] if p is not None else -1 for p in ballots.precincts], dtype=np.int64
            )
        self.rng: JavaRandom | None = None
        ordered = list(permutation)
        if options.needs_seed:
            assert options.seed is not None
            self.rng = JavaRandom(options.seed)
            if options.tiebreak == "generate-permutation":
                ordered.sort(key=java_string_key)
                java_shuffle(ordered, self.rng)
        self.permutation = tuple(ordered)
        self.eliminated: dict[int, int] = {}
        self.winners: dict[int, int] = {}
        self.winner_alloc: dict[int, int] = {}
        self.held: dict[int, Units] = {}
        self.tallies: list[dict[int, int]] = []
        self.thresholds: list[Units] = []
        self.transfers: dict[int, dict[tuple[int, int], Units]] = {}
        self.residual: Units = 0
        self.round = 0
        self.two_left = False
        self.out_of_candidates = False
        self.final_moved: dict[int, int] = {}
        """Surplus of the winners that filled the last seats, by winner: RCTab reports it as
        the final round's surplus and moves no ballot."""
        self.last_inactive = InactiveBallots()
        self.last_precinct: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...] = ()
        self.decisions = {d.round: d for d in options.tie_decisions}
        self.decided_rounds: set[int] = set()
        """Rounds whose tie the operator's decision (of :attr:`decisions`) decided."""

    # -- helpers -------------------------------------------------------------------------------

    def winner_names(self) -> tuple[str, ...]:
        return tuple(self.names[c] for c in self.winners)

    def continuing(self, c: int) -> bool:
        if c in self.excluded or c in self.eliminated:
            return False
        return c not in self.winners or self.options.continue_until_two

    def dec(self, units: Units) -> Decimal:
        if isinstance(units, Fraction):
            if units.denominator == 1:
                units = units.numerator
            else:
                return (Decimal(units.numerator) / Decimal(units.denominator)).scaleb(
                    -self.options.decimal_places
                )
        if units % self.unit == 0:
            return Decimal(units // self.unit)
        return Decimal(units).scaleb(-self.options.decimal_places)

    def ascending(self, tally: dict[int, int]) -> list[tuple[int, list[int]]]:
        groups: dict[int, list[int]] = {}
        for c, votes in tally.items():
            groups.setdefault(votes, []).append(c)
        return sorted(groups.items())

    # -- the count -----------------------------------------------------------------------------

    def run(self) -> tuple[RoundRecord, ...]:
        records: list[dict[str, object]] = []
        while self.should_continue():
            self.round += 1
            info = self.play_round()
            records.append(info)
            if self.round > 10 * (self.ncand + 2):
                raise TabulationError("the count does not converge")  # pragma: no cover
        return tuple(self.build_record(i, info) for i, info in enumerate(records, start=1))

    def should_continue(self) -> bool:
        if self.plan is not None:
            return self.round < len(self.plan.rounds)
        stop = self.options.stop_after_round
        if stop is not None and self.round >= stop:
            return False
        if self.options.continue_until_two:
            return not self.two_left
        if self.bottoms_up_threshold:
            return len(self.winners) == 0
        if self.out_of_candidates:
            return False
        return len(self.winners) < self.seats or (
            self.seats > 1 and self.round in self.winners.values() and not self.bottoms_up
        )

    def play_round(self) -> dict[str, object]:
        if self.final_moved:
            return self.final_round()
        r = self.round
        tally, active_total, inactive, precinct = self.compute_tallies()
        self.last_inactive, self.last_precinct = inactive, precinct
        if self.trace is not None:
            self.trace.append(self.allocation())
        self.tallies.append(tally)
        threshold = self.threshold(active_total, r)
        self.thresholds.append(threshold)
        tiebreaks: list[TieBreak] = []
        # Continuing until two remain, the round that starts with two is the last one.
        self.two_left = len(tally) <= 2
        elected = self.identify_winners(tally, threshold, tiebreaks)
        eliminated: list[int] = []
        reason: EliminationReason | None = None
        extra: dict[str, object] = {}
        if elected:
            for c in elected:
                self.winners[c] = r
            if len(elected) == len(tally) and len(self.winners) < self.seats:
                # More seats than candidates: every one is elected and the count ends here.
                self.out_of_candidates = True
                extra["final_surplus"] = 0
            elif self.seats > 1 and not self.bottoms_up:
                for c in elected:
                    self.transfer_surplus(c, tally[c], threshold)
        elif (
            self.plan is not None
            or len(self.winners) < self.seats
            or (self.options.continue_until_two and len(tally) > 2)
            or self.bottoms_up_threshold
        ):
            eliminated, reason = self.choose_eliminations(tally, tiebreaks, threshold)
            for c in eliminated:
                self.eliminated[c] = r
        if self.seats > 1:
            self.update_winner_tallies(threshold)
        shown: dict[int, Units] = dict(tally)
        shown.update({w: v for w, v in self.held.items() if w not in tally})
        return {
            "tally": shown,
            "threshold": threshold,
            "elected": elected,
            "eliminated": eliminated,
            "reason": reason,
            "tiebreaks": tuple(tiebreaks),
            "inactive": inactive,
            "residual": self.residual,
            "precinct": precinct,
            **extra,
        }

    def final_round(self) -> dict[str, object]:
        """The round after the last seats are filled: winners held at the threshold, the
        surplus set aside, every other figure as in the round before."""
        threshold = self.thresholds[-1]
        self.thresholds.append(threshold)
        self.update_winner_tallies(threshold)
        previous = self.tallies[-1]
        tally: dict[int, Units] = {c: v for c, v in previous.items() if c not in self.winners}
        tally.update(self.held)
        moves: dict[tuple[int, int], Units] = {
            (w, self.ncand): v for w, v in self.final_moved.items()
        }
        moves.update((k, v) for k, v in self.transfers.get(self.round, {}).items() if k[1] == -1)
        self.transfers[self.round] = moves
        surplus = sum(self.final_moved.values())
        self.final_moved = {}
        if self.trace is not None:
            self.trace.append(self.allocation(final=True))
        return {
            "tally": tally,
            "threshold": threshold,
            "elected": [],
            "eliminated": [],
            "reason": None,
            "tiebreaks": (),
            "inactive": self.last_inactive,
            "residual": self.residual,
            "precinct": self.last_precinct,
            "final_surplus": surplus,
        }

    def allocation(self, final: bool = False) -> Allocation:
        rows: Allocation = []
        for group in range(len(self.recipient)):
            held = dict(self.pieces.get(group, {}))
            to = int(self.recipient[group])
            if self.status[group] == 0 and to >= 0:
                value = int(self.ftv[group])
                if final and group in self.final_kept:
                    value = self.final_kept[group]
                held[to] = held.get(to, 0) + value
            rows.append(held)
        return rows

    def compute_tallies(
        self,
    ) -> tuple[
        dict[int, int],
        int,
        InactiveBallots,
        tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...],
    ]:
        cont = np.array([self.continuing(c) for c in range(self.ncand)], dtype=bool)
        rec = self.recipient
        still = np.append(cont, False)[rec]  # a recipient of -1 (none yet) is not continuing
        need = np.flatnonzero((self.status == 0) & ~still)
        moves: dict[tuple[int, int], Units] = {}
        if self.weights is None:
            self.weights = self.counts * self.ftv
            self.slot_sums = None
        weights = self.weights
        slots = self.ncand + OFFSET
        if need.size:
            sets = self.compiled.overvote_sets
            table = np.empty(OFFSET + self.ncand + len(sets), dtype=np.int32)
            table[:OFFSET] = np.arange(-OFFSET, 0, dtype=np.int32)
            table[OFFSET : OFFSET + self.ncand] = np.where(cont, np.arange(self.ncand), SKIP)
            for i, members in enumerate(sets):
                live = [m for m in members if cont[m]]
                resolved = T_OVERVOTE if len(live) > 1 else (live[0] if live else SKIP)
                table[OFFSET + self.ncand + i] = resolved
            outcome = first_counting_step(self.compiled.steps, need, table)
            old = rec[need]
            moved = old >= 0
            if moved.any():
                moving = weights[need][moved]
                targets = np.where(outcome >= 0, outcome, self.ncand)[moved]
                keys = old[moved] * (self.ncand + 1) + targets
                sums = _sum_by(keys, moving, self.ncand * (self.ncand + 1), self.bound)
                for key, amount in enumerate(sums):
                    if amount:
                        moves[divmod(key, self.ncand + 1)] = amount
            if self.slot_sums is not None and bool((old < 0).any()):
                self.slot_sums = None
            if self.slot_sums is not None:  # every group in ``need`` leaves a candidate
                new_slot = np.where(outcome >= 0, outcome, self.ncand + OFFSET + outcome)
                gained = _sum_by(new_slot, weights[need], slots, self.bound)
                lost = _sum_by(old, weights[need], slots, self.bound)
                self.slot_sums = [
                    total + plus - minus
                    for total, plus, minus in zip(self.slot_sums, gained, lost, strict=True)
                ]
            to_candidate = outcome >= 0
            rec[need[to_candidate]] = outcome[to_candidate]
            ended = need[~to_candidate]
            self.status[ended] = outcome[~to_candidate].astype(np.int8)
            rec[ended] = -1
        self.transfers[self.round] = moves
        reasons = (T_UNUSED, T_UNDERVOTE, T_REPEATED, T_SKIPPED, T_OVERVOTE, T_EXHAUSTED)
        if self.slot_sums is None:
            status = self.status.astype(np.int64)
            keys = np.where(status == 0, rec, self.ncand + OFFSET + status)
            self.slot_sums = _sum_by(keys, weights, slots, self.bound)
        sums = self.slot_sums
        tally = {c: sums[c] for c in range(self.ncand) if cont[c]}
        active_total = sum(sums[: self.ncand])
        by_reason = {code: self.dec(sums[self.ncand + OFFSET + code]) for code in reasons}
        inactive = InactiveBallots(
            overvotes=by_reason[T_OVERVOTE],
            skipped_rankings=by_reason[T_SKIPPED],
            repeated_rankings=by_reason[T_REPEATED],
            exhausted_choices=by_reason[T_EXHAUSTED],
            exhausted_unused_rankings=by_reason[T_UNUSED],
            undervotes=by_reason[T_UNDERVOTE],
        )
        precinct: tuple[tuple[str, tuple[tuple[str, Decimal], ...]], ...] = ()
        if self.precinct_index is not None:
            keep = (self.status == 0) & (self.precinct_index >= 0)
            keys = self.precinct_index[keep] * self.ncand + rec[keep]
            cells = _sum_by(keys, weights[keep], len(self.precinct_names) * self.ncand, self.bound)
            precinct = tuple(
                (
                    name,
                    tuple(
                        (self.names[c], self.dec(cells[p * self.ncand + c]))
                        for c in range(self.ncand)
                        if cont[c]
                    ),
                )
                for p, name in enumerate(self.precinct_names)
            )
        return tally, active_total, inactive, precinct

    def threshold(self, active_total: int, r: int) -> Units:
        if self.plan is not None:
            return self.plan.rounds[r - 1][3]
        if self.seats > 1:
            recompute = r == 1
        else:
            # Once the winner is known (counting on until two remain), the threshold stays.
            recompute = r == 1 or not (
                self.options.first_round_determines_threshold or self.winners
            )
        if not recompute:
            return self.thresholds[-1]
        options = self.options
        if self.bottoms_up_threshold:
            assert options.bottoms_up_percentage is not None
            value: Units = Fraction(active_total) * Fraction(options.bottoms_up_percentage) / 100
        else:
            divisor = self.seats if options.quota == "hare" else self.seats + 1
            decimals = options.decimal_places if options.non_integer_threshold else 0
            step = 10 ** (options.decimal_places - decimals)
            if options.quota == "hare":
                value = -(-active_total // (divisor * step)) * step
            else:
                value = (active_total // (divisor * step) + 1) * step
        if self.min_threshold > 0 and self.min_threshold > value:
            value = self.min_threshold
        return value

    def identify_winners(
        self, tally: dict[int, int], threshold: Units, tiebreaks: list[TieBreak]
    ) -> list[int]:
        if self.plan is not None:
            return self.plan.rounds[self.round - 1][0]
        if self.uwi is not None and tally.get(self.uwi, 0) != 0:
            return []
        selected: list[int] = []
        if self.bottoms_up_threshold:
            if all(v > threshold for v in tally.values()):
                selected = list(tally)
        else:
            unfilled = self.seats - len(self.winners)
            options = self.options
            if unfilled > 0:
                if len(tally) <= unfilled:
                    selected = list(tally)
                elif options.first_round_determines_threshold and len(tally) - 1 == self.seats:
                    selected = self.ascending(tally)[-1][1]
                elif not self.bottoms_up:
                    selected = [
                        c
                        for votes, group in self.ascending(tally)
                        if votes >= threshold
                        for c in group
                        if c != self.uwi
                    ]
            multiple = len(selected) > 1 and (
                self.one_per_round or options.first_round_determines_threshold
            )
            none = (
                self.seats == 1
                and not selected
                and len(tally) == 2
                and unfilled == 1
                and all(v >= self.min_threshold for v in tally.values())
            )
            if multiple or none:
                selected = list(self.ascending(tally)[-1][1])
                if len(selected) > 1:
                    decided = self.tiebreak("winner", selected)
                    tiebreaks.append(decided)
                    selected = [self.names.index(decided.selected)]
        order = {c: i for i, c in enumerate(range(self.ncand))}
        return sorted(selected, key=lambda c: (-tally[c], order[c]))

    def tiebreak(self, kind: str, tied: Sequence[int]) -> TieBreak:
        assert kind in ("winner", "loser")
        previous = [{self.names[c]: v for c, v in t.items()} for t in self.tallies[:-1]]
        decision = self.decisions.get(self.round)
        decided = break_tie(
            "winner" if kind == "winner" else "loser",
            [self.names[c] for c in tied],
            self.options.tiebreak,
            self.round,
            previous,
            self.permutation,
            self.rng,
            decision,
        )
        if decision is not None:  # break_tie used it (it raises on one it cannot use)
            self.decided_rounds.add(self.round)
        return decided

    def check_decisions_used(self) -> None:
        """After the count: refuse operator decisions that decided no tie (a decision for a
        round without a tie, or past the last round, is a mistake, never passed over)."""
        unused = [d for r, d in sorted(self.decisions.items()) if r not in self.decided_rounds]
        if unused:
            listed = "; ".join(f"round {d.round}: {d.selected!r} to {d.role}" for d in unused)
            raise TabulationError(
                f"{'a tie decision was' if len(unused) == 1 else 'tie decisions were'} not used "
                f"({listed}): the count ({self.round} rounds) had no tie for the operator to "
                "decide there"
            )

    def choose_eliminations(
        self, tally: dict[int, int], tiebreaks: list[TieBreak], threshold: Units = 0
    ) -> tuple[list[int], EliminationReason]:
        if self.plan is not None:
            _, eliminated, reason, _ = self.plan.rounds[self.round - 1]
            return eliminated, reason or "lowest"
        if not tally:
            raise TabulationError(f"round {self.round}: no continuing candidates")
        if self.uwi is not None and tally.get(self.uwi, 0) > 0:
            return [self.uwi], "undeclared-write-ins"
        ascending = self.ascending(tally)
        if self.min_threshold > 0 and ascending[0][0] < self.min_threshold:
            below = [c for votes, group in ascending if votes < self.min_threshold for c in group]
            if len(below) == self.num_declared:
                raise TabulationError(
                    "every declared candidate is below the minimum vote threshold; "
                    "the count cannot proceed"
                )
            return below, "below-minimum"
        if self.options.cutoff_elimination and self.bottoms_up_threshold:
            below = [c for votes, group in ascending if votes < threshold for c in group]
            if below:
                return below, "batch"
        if self.options.batch_elimination:
            batch = self.batch(ascending)
            if len(batch) > 1:
                return batch, "batch"
        lowest = ascending[0][1]
        if len(lowest) > 1:
            decided = self.tiebreak("loser", lowest)
            tiebreaks.append(decided)
            return [self.names.index(decided.selected)], "lowest"
        return [lowest[0]], "lowest"

    def batch(self, ascending: list[tuple[int, list[int]]]) -> list[int]:
        running = 0
        seen: list[int] = []
        done: set[int] = set()
        chosen: list[int] = []
        previous: list[int] = []
        for votes, group in ascending:
            grown = list(chosen)
            if running < votes:
                for c in seen:
                    if c not in done:
                        done.add(c)
                        grown.append(c)
            running += votes * len(group)
            seen.extend(group)
            if len(grown) > len(chosen):
                previous, chosen = chosen, grown
        if self.options.continue_until_two and len(chosen) + len(self.eliminated) == self.ncand - 1:
            chosen = previous
        return chosen

    def transfer_surplus(self, winner: int, votes: int, threshold: Units) -> None:
        if self.plan is not None:
            fraction = self.plan.fractions.get(winner, 0)
        else:
            extra = votes - threshold
            fraction = int((extra * self.unit) // votes if extra > 0 else 0)
            self.fractions[winner] = fraction
        mask = (self.recipient == winner) & (self.status == 0)
        ftv = self.ftv[mask]
        moved = (ftv * fraction) // self.unit
        kept = ftv - moved
        self.winner_alloc[winner] = int((self.counts[mask] * kept).sum())
        if self.trace is not None:
            final = len(self.winners) >= self.seats
            for group, value in zip(np.flatnonzero(mask).tolist(), kept.tolist(), strict=True):
                if final:
                    self.final_kept[group] = int(value)
                else:
                    self.pieces.setdefault(group, {})[winner] = int(value)
        if len(self.winners) >= self.seats:
            self.final_moved[winner] = int((self.counts[mask] * moved).sum())
            return
        self.ftv[mask] = moved
        self.weights = None

    def update_winner_tallies(self, threshold: Units) -> None:
        for winner, won in self.winners.items():
            if won != self.round - 1:
                continue
            value: Units = self.winner_alloc.get(winner, 0)
            residual = value - threshold
            if residual > 0 and self.plan is None:
                self.residual = self.residual + residual
                value = threshold
                moves = self.transfers.setdefault(self.round, {})
                moves[(winner, -1)] = residual
            self.held[winner] = value

    def build_record(self, r: int, info: dict[str, object]) -> RoundRecord:
        tally = info["tally"]
        assert isinstance(tally, dict)
        elected = info["elected"]
        eliminated = info["eliminated"]
        assert isinstance(elected, list) and isinstance(eliminated, list)
        sources = elected + eliminated
        moves = self.transfers.get(r + 1, {})
        transfers: list[Transfer] = []
        for source in sources:
            for target in [*range(self.ncand), self.ncand, -1]:
                amount = moves.get((source, target))
                if not amount:
                    continue
                if target == self.ncand:
                    target_name = EXHAUSTED
                elif target == -1:
                    target_name = RESIDUAL_SURPLUS
                else:
                    target_name = self.names[target]
                transfers.append(Transfer(self.names[source], target_name, self.dec(amount)))
        threshold = info["threshold"]
        residual = info["residual"]
        assert isinstance(threshold, int | Fraction) and isinstance(residual, int | Fraction)
        inactive = info["inactive"]
        assert isinstance(inactive, InactiveBallots)
        reason = info["reason"]
        tiebreaks = info["tiebreaks"]
        precinct = info["precinct"]
        return RoundRecord(
            number=r,
            tally=tuple(
                (self.names[c], self.dec(tally[c])) for c in range(self.ncand) if c in tally
            ),
            threshold=self.threshold_decimal(threshold),
            elected=tuple(self.names[c] for c in elected),
            eliminated=tuple(self.names[c] for c in eliminated),
            elimination_reason=reason,  # type: ignore[arg-type]
            transfers=tuple(transfers),
            inactive=inactive,
            tiebreaks=tiebreaks,  # type: ignore[arg-type]
            residual_surplus=self.dec(residual),
            pass_number=self.pass_number,
            precinct_tallies=precinct,  # type: ignore[arg-type]
            final_round_surplus=(
                self.dec(info["final_surplus"])  # type: ignore[arg-type]
                if "final_surplus" in info
                else None
            ),
        )

    def threshold_decimal(self, threshold: Units) -> Decimal:
        if self.options.non_integer_threshold and not self.bottoms_up_threshold:
            units = int(threshold)
            return Decimal(units).scaleb(-self.options.decimal_places)
        return self.dec(threshold)
