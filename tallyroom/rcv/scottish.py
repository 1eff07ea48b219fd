"""The count of the Scottish Local Government Elections Order 2007 (SSI 2007/42, Schedule 1).

The rules of the Order's counting part, as this module applies them:

* rule 45, first stage: every valid ballot paper is credited to its first preference;
* rule 46, the quota: the valid papers divided by one more than the vacancies, any fraction
  ignored, plus one (``floor(valid / (seats + 1)) + 1``);
* rule 47: a candidate whose votes at the end of a stage equal or exceed the quota is deemed
  elected;
* rule 48, transfer of a surplus (the weighted inclusive Gregory method): *all* the papers the
  elected candidate holds go on to their next available preference for a continuing candidate,
  each at the transfer value ``surplus × value of the paper / votes of the candidate``, computed
  to five decimal places with any remainder ignored (so papers received at different values
  carry on at different transfer values); papers with no next preference are non-transferable;
* rule 49: when several candidates have surpluses, the largest is transferred first; equal
  surpluses are ordered by the candidates' votes at the most recent preceding stage at which
  they were unequal, and by lot when they were equal at every stage;
* rule 50: when no surplus remains and vacancies remain, the continuing candidate with the
  fewest votes is excluded and all their papers pass on, each at the value at which it was
  received, in one stage; a tie for fewest is decided as for equal surpluses (fewest at the most
  recent preceding stage at which they were unequal, then lot);
* filling the last vacancies: when the continuing candidates are as many as the vacancies
  left, they are all deemed elected and no further transfer is made.

Each surplus transfer and each exclusion is one stage, as the councils' declaration sheets
number them; stage 1 is the first preferences. A lot is drawn with ``random.Random(seed)``
over the tied names in sorted order (the draw is recorded in the stage); without a seed a tie
that needs a lot stops the count with :class:`~tallyroom.errors.TieUnbrokenError`.

Arithmetic is in integers of 10**-5 votes, so every figure is exact to the Order's five places.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from tallyroom.errors import TabulationError, TieUnbrokenError
from tallyroom.rcv.scottish_report import StageKind, StvResult, StvStage, StvTieBreak
from tallyroom.rcv.types import OVERVOTE, BallotSet

__all__ = ["PLACES", "count", "droop_quota", "preference_lists", "valid_papers"]

#: Decimal places of the Order's transfer values.
PLACES = 5
_UNIT = 10**PLACES

Papers = tuple[tuple[tuple[int, ...], int], ...]


def droop_quota(valid: int, seats: int) -> int:
    """Rule 46: ``valid / (seats + 1)``, any fraction ignored, plus one."""
    return valid // (seats + 1) + 1


def preference_lists(ballots: BallotSet) -> Papers:
    """Each distinct sequence of usable preferences, with its number of ballot papers.

    A paper's preferences are read in rank order and stop at the first rank that is missing (a
    gap in the numbering), or that holds more than one candidate (or an explicit overvote); a
    candidate ranked again is passed over. Papers with no usable first preference are not
    valid and are left out.
    """
    grouped: dict[tuple[int, ...], int] = defaultdict(int)
    for ranking, n in zip(ballots.rankings, ballots.counts, strict=True):
        prefs: list[int] = []
        expected = 1
        for rank, codes in ranking:
            if rank != expected or len(codes) != 1 or codes[0] == OVERVOTE:
                break
            expected += 1
            if codes[0] not in prefs:
                prefs.append(codes[0])
        if prefs and n > 0:
            grouped[tuple(prefs)] += n
    return tuple(grouped.items())


def _dec(units: int, places: int = PLACES) -> Decimal:
    return Decimal(units).scaleb(-places)


@dataclass
class _Count:
    names: tuple[str, ...]
    papers: Papers
    seats: int
    quota: int
    rng: random.Random | None
    status: list[Literal["continuing", "elected", "excluded"]] = field(default_factory=list)
    votes: list[int] = field(default_factory=list)
    parcels: list[dict[tuple[int, int, int], int]] = field(default_factory=list)
    history: list[tuple[int, ...]] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    elected: list[int] = field(default_factory=list)
    non_transferable: int = 0
    loss: int = 0
    stages: list[StvStage] = field(default_factory=list)

    def continuing(self) -> list[int]:
        return [c for c, s in enumerate(self.status) if s == "continuing"]

    def next_preference(self, group: int, position: int) -> int | None:
        prefs = self.papers[group][0]
        for j in range(position + 1, len(prefs)):
            if self.status[prefs[j]] == "continuing":
                return j
        return None

    def pass_on(self, group: int, position: int, value: int, n: int) -> None:
        """Move ``n`` papers of ``group`` held at ``position`` on, at ``value`` each."""
        j = self.next_preference(group, position)
        if j is None:
            self.non_transferable += n * value
            return
        target = self.papers[group][0][j]
        self.votes[target] += n * value
        if value:
            self.parcels[target][(group, j, value)] += n

    def break_tie(
        self,
        tied: list[int],
        kind: Literal["surplus-order", "exclusion"],
        stage: int,
    ) -> tuple[int, StvTieBreak]:
        """Rules 49 and 50: the most recent preceding stage at which the tied were unequal."""
        pick: Callable[[Sequence[int]], int] = max if kind == "surplus-order" else min
        contention = list(tied)
        names = tuple(sorted(self.names[c] for c in tied))
        for earlier in range(len(self.history) - 1, 0, -1):
            at = self.history[earlier - 1]
            best = pick([at[c] for c in contention])
            contention = [c for c in contention if at[c] == best]
            if len(contention) == 1:
                most = "most" if kind == "surplus-order" else "fewest"
                chosen = contention[0]
                text = (
                    f"{', '.join(names)} were equal; {self.names[chosen]} had the {most} votes "
                    f"at stage {earlier}"
                )
                return chosen, StvTieBreak(
                    stage, kind, names, self.names[chosen], "earlier-stage", text
                )
        if self.rng is None:
            still = tuple(sorted(self.names[c] for c in contention))
            raise TieUnbrokenError(stage, still, "win" if kind == "surplus-order" else "lose")
        ordered = sorted(contention, key=lambda c: self.names[c])
        chosen = ordered[self.rng.randrange(len(ordered))]
        text = f"{', '.join(names)} were equal at every stage; {self.names[chosen]} drawn by lot"
        return chosen, StvTieBreak(stage, kind, names, self.names[chosen], "lot", text)

    def record(
        self,
        kind: StageKind,
        source: int | None,
        before: Sequence[int],
        transfer_values: Sequence[int] = (),
        tiebreaks: Sequence[StvTieBreak] = (),
    ) -> None:
        number = len(self.stages) + 1
        newly = self.elect(number)
        self.history.append(tuple(self.votes))
        self.stages.append(
            StvStage(
                number=number,
                kind=kind,
                source=None if source is None else self.names[source],
                tally=tuple((n, _dec(v)) for n, v in zip(self.names, self.votes, strict=True)),
                changes=tuple(
                    (n, _dec(v - b)) for n, v, b in zip(self.names, self.votes, before, strict=True)
                ),
                quota=_dec(self.quota),
                non_transferable=_dec(self.non_transferable),
                rounding_loss=_dec(self.loss),
                elected=tuple(self.names[c] for c in newly),
                excluded=(self.names[source],)
                if kind == "exclusion" and source is not None
                else (),
                transfer_values=tuple(_dec(v) for v in transfer_values),
                tiebreaks=tuple(tiebreaks),
            )
        )

    def elect(self, stage: int) -> list[int]:
        """Rule 47, and the filling of the last vacancies."""
        reached = [c for c in self.continuing() if self.votes[c] >= self.quota]
        newly = sorted(reached, key=lambda c: -self.votes[c])[: self.seats - len(self.elected)]
        for c in newly:
            self.status[c] = "elected"
            self.elected.append(c)
            if self.votes[c] > self.quota:
                self.pending.append(c)
        left = self.continuing()
        if left and len(left) <= self.seats - len(self.elected):
            rest = sorted(left, key=lambda c: -self.votes[c])
            for c in rest:
                self.status[c] = "elected"
                self.elected.append(c)
            newly.extend(rest)
        return newly

    def transfer_surplus(self) -> None:
        stage = len(self.stages) + 1
        surpluses = {c: self.votes[c] - self.quota for c in self.pending}
        largest = max(surpluses.values())
        tied = [c for c in self.pending if surpluses[c] == largest]
        ties: list[StvTieBreak] = []
        source = tied[0]
        if len(tied) > 1:
            source, tie = self.break_tie(tied, "surplus-order", stage)
            ties.append(tie)
        self.pending.remove(source)
        before = list(self.votes)
        total = self.votes[source]
        surplus = total - self.quota
        values: set[int] = set()
        moved = 0
        for (group, position, value), n in sorted(self.parcels[source].items()):
            transfer_value = surplus * value // total
            values.add(transfer_value)
            moved += n * transfer_value
            self.pass_on(group, position, transfer_value, n)
        self.loss += surplus - moved
        self.parcels[source].clear()
        self.votes[source] = self.quota
        self.record("surplus", source, before, sorted(values, reverse=True), ties)

    def exclude_lowest(self) -> None:
        stage = len(self.stages) + 1
        left = self.continuing()
        fewest = min(self.votes[c] for c in left)
        tied = [c for c in left if self.votes[c] == fewest]
        ties: list[StvTieBreak] = []
        source = tied[0]
        if len(tied) > 1:
            source, tie = self.break_tie(tied, "exclusion", stage)
            ties.append(tie)
        self.status[source] = "excluded"
        before = list(self.votes)
        for (group, position, value), n in sorted(self.parcels[source].items()):
            self.pass_on(group, position, value, n)
        self.parcels[source].clear()
        self.votes[source] = 0
        self.record("exclusion", source, before, (), ties)

    def run(self) -> None:
        before = list(self.votes)
        for group, (prefs, n) in enumerate(self.papers):
            first = prefs[0]
            self.votes[first] += n * _UNIT
            self.parcels[first][(group, 0, _UNIT)] += n
        self.record("first-preferences", None, before)
        while len(self.elected) < self.seats:
            if self.pending:
                self.transfer_surplus()
            else:
                self.exclude_lowest()


def valid_papers(ballots: BallotSet, seats: int) -> tuple[Papers, int]:
    """The ballot papers of a count for ``seats`` and how many are valid; a
    :class:`~tallyroom.errors.TabulationError` when there are no seats or no valid paper."""
    if seats < 1:
        raise TabulationError(f"the number of seats must be at least 1, not {seats}")
    papers = preference_lists(ballots)
    valid = sum(n for _, n in papers)
    if valid == 0:
        raise TabulationError("no valid ballot paper: none gives a first preference")
    return papers, valid


def count(ballots: BallotSet, seats: int, *, seed: int | None = None) -> StvResult:
    """Count ``ballots`` for ``seats`` vacancies under the Scottish Order (see the module).

    ``seed`` seeds the lot for ties that every earlier stage leaves equal; without it such a tie
    raises :class:`~tallyroom.errors.TieUnbrokenError`.
    """
    papers, valid = valid_papers(ballots, seats)
    names = ballots.candidates
    state = _Count(
        names=names,
        papers=papers,
        seats=min(seats, len(names)),
        quota=droop_quota(valid, seats) * _UNIT,
        rng=None if seed is None else random.Random(seed),
        status=["continuing"] * len(names),
        votes=[0] * len(names),
        parcels=[defaultdict(int) for _ in names],
    )
    state.run()
    return StvResult(
        method="scottish-stv",
        candidates=names,
        seats=seats,
        valid_papers=valid,
        quota=_dec(state.quota),
        places=PLACES,
        winners=tuple(names[c] for c in state.elected),
        stages=tuple(state.stages),
    )
