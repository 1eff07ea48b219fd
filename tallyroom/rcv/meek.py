"""Meek's method of STV, in fixed-point decimal arithmetic with nine places.

Meek's method (B. L. Meek, 1969; specified for computers by I. D. Hill, B. A. Wichmann and
D. R. Woodall, "Algorithm 123 — Single Transferable Vote by Meek's method", The Computer Journal
30(3), 1987; the counting rule of New Zealand's STV local elections, Local Electoral Regulations
2001, Schedule 1A) gives every candidate a *keep factor*: 1 for a hopeful candidate, 0 for an
excluded one, and for an elected one the share of each vote reaching them that they keep. Every
ballot is read from the top: each candidate keeps ``weight × keep factor`` of what arrives and
passes the rest on; what passes the last preference is non-transferable. The quota is
recomputed from the votes that are not non-transferable, ``(valid − non-transferable) /
(seats + 1)``, truncated to nine places, plus 10**-9. Each elected candidate's keep factor is
then scaled by ``quota / votes``, and the reading repeats until the elected candidates' surpluses
together are below 10**-5 (or the keep factors stop changing). A hopeful candidate whose votes
reach the quota is elected; when no one is, the hopeful candidate with the fewest votes is
excluded (keep factor 0) and the count converges again.

Precision: all figures are integers of 10**-9 votes. Nine places is what Algorithm 123 and the
New Zealand rule prescribe: with it, this count can be checked against their published
descriptions and their reference implementations figure by figure. As they do, the amount a
candidate keeps from a ballot is rounded *up* (so the rounding never moves votes to later
preferences), and new keep factors are rounded up; the quota is truncated. Every ballot's weight
is therefore split exactly: the candidates' votes and the non-transferable votes add up to the
valid papers with nothing lost to rounding.

Each stage is one convergence (stage 1 is the first preferences, before any keep factor falls
below 1); a stage that starts with an exclusion names the excluded candidate. A tie for fewest
votes is decided by the earliest stage at which the tied candidates had different votes (ahead at
first difference, as the New Zealand rule does), then by lot with ``random.Random(seed)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from tallyroom.errors import TieUnbrokenError
from tallyroom.rcv.scottish import Papers, valid_papers
from tallyroom.rcv.scottish_report import StvResult, StvStage, StvTieBreak
from tallyroom.rcv.types import BallotSet

__all__ = ["PLACES", "TOLERANCE", "count"]

#: Decimal places of every figure of the count.
PLACES = 9
_UNIT = 10**PLACES
#: Convergence: the elected candidates' surpluses together, at most this many votes.
TOLERANCE = Decimal("0.00001")
_TOLERANCE_UNITS = int(TOLERANCE.scaleb(PLACES))
_MAX_ITERATIONS = 10_000


def _dec(units: int) -> Decimal:
    return Decimal(units).scaleb(-PLACES)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass
class _Meek:
    names: tuple[str, ...]
    papers: Papers
    seats: int
    rng: random.Random | None
    status: list[Literal["hopeful", "elected", "excluded"]] = field(default_factory=list)
    keep: list[int] = field(default_factory=list)
    votes: list[int] = field(default_factory=list)
    exhausted: int = 0
    quota: int = 0
    elected: list[int] = field(default_factory=list)
    history: list[tuple[int, ...]] = field(default_factory=list)
    stages: list[StvStage] = field(default_factory=list)

    def distribute(self) -> None:
        """Read every ballot once with the current keep factors; recompute the quota."""
        votes = [0] * len(self.names)
        exhausted = 0
        for prefs, n in self.papers:
            weight = _UNIT
            for c in prefs:
                keep = self.keep[c]
                if keep == 0:
                    continue
                take = weight if keep == _UNIT else _ceil_div(weight * keep, _UNIT)
                votes[c] += n * take
                weight -= take
                if weight == 0:
                    break
            exhausted += n * weight
        self.votes = votes
        self.exhausted = exhausted
        valid = sum(n for _, n in self.papers) * _UNIT
        self.quota = (valid - exhausted) // (self.seats + 1) + 1

    def converge(self) -> int:
        """Adjust keep factors until the surpluses vanish; the number of readings."""
        self.distribute()
        iterations = 1
        while iterations < _MAX_ITERATIONS:
            surplus = sum(max(self.votes[c] - self.quota, 0) for c in self.elected)
            if surplus <= _TOLERANCE_UNITS:
                break
            changed = False
            for c in self.elected:
                new = min(_ceil_div(self.keep[c] * self.quota, self.votes[c]), _UNIT)
                changed = changed or new != self.keep[c]
                self.keep[c] = new
            if not changed:
                break
            self.distribute()
            iterations += 1
        return iterations

    def hopeful(self) -> list[int]:
        return [c for c, s in enumerate(self.status) if s == "hopeful"]

    def elect(self) -> list[int]:
        reached = [c for c in self.hopeful() if self.votes[c] >= self.quota]
        newly = sorted(reached, key=lambda c: -self.votes[c])[: self.seats - len(self.elected)]
        left = [c for c in self.hopeful() if c not in newly]
        if len(left) <= self.seats - len(self.elected) - len(newly):
            newly.extend(sorted(left, key=lambda c: -self.votes[c]))
        for c in newly:
            self.status[c] = "elected"
            self.elected.append(c)
        return newly

    def lowest(self, stage: int) -> tuple[int, StvTieBreak | None]:
        left = self.hopeful()
        fewest = min(self.votes[c] for c in left)
        tied = [c for c in left if self.votes[c] == fewest]
        if len(tied) == 1:
            return tied[0], None
        names = tuple(sorted(self.names[c] for c in tied))
        contention = tied
        for earlier, at in enumerate(self.history, start=1):
            least = min(at[c] for c in contention)
            contention = [c for c in contention if at[c] == least]
            if len(contention) == 1:
                chosen = contention[0]
                text = (
                    f"{', '.join(names)} were equal; {self.names[chosen]} had the fewest votes "
                    f"at stage {earlier}"
                )
                tie = StvTieBreak(
                    stage, "exclusion", names, self.names[chosen], "earlier-stage", text
                )
                return chosen, tie
        if self.rng is None:
            raise TieUnbrokenError(stage, tuple(sorted(self.names[c] for c in contention)), "lose")
        ordered = sorted(contention, key=lambda c: self.names[c])
        chosen = ordered[self.rng.randrange(len(ordered))]
        text = f"{', '.join(names)} were equal at every stage; {self.names[chosen]} drawn by lot"
        return chosen, StvTieBreak(stage, "exclusion", names, self.names[chosen], "lot", text)

    def stage(self, excluded: int | None, tie: StvTieBreak | None) -> bool:
        """Converge, elect and record one stage; whether anyone was elected."""
        before = self.history[-1] if self.history else (0,) * len(self.names)
        iterations = self.converge()
        newly = self.elect()
        self.history.append(tuple(self.votes))
        number = len(self.stages) + 1
        self.stages.append(
            StvStage(
                number=number,
                kind="first-preferences" if number == 1 else "iteration",
                source=None if excluded is None else self.names[excluded],
                tally=tuple((n, _dec(v)) for n, v in zip(self.names, self.votes, strict=True)),
                changes=tuple(
                    (n, _dec(v - b)) for n, v, b in zip(self.names, self.votes, before, strict=True)
                ),
                quota=_dec(self.quota),
                non_transferable=_dec(self.exhausted),
                rounding_loss=Decimal(0).scaleb(-PLACES),
                elected=tuple(self.names[c] for c in newly),
                excluded=() if excluded is None else (self.names[excluded],),
                keep_factors=tuple(
                    (self.names[c], _dec(self.keep[c]))
                    for c in range(len(self.names))
                    if self.status[c] != "excluded"
                ),
                iterations=iterations,
                tiebreaks=() if tie is None else (tie,),
            )
        )
        return bool(newly)

    def run(self) -> None:
        progressed = self.stage(None, None)
        while len(self.elected) < self.seats:
            if progressed:
                progressed = self.stage(None, None)
                continue
            number = len(self.stages) + 1
            loser, tie = self.lowest(number)
            self.status[loser] = "excluded"
            self.keep[loser] = 0
            progressed = self.stage(loser, tie)


def count(ballots: BallotSet, seats: int, *, seed: int | None = None) -> StvResult:
    """Count ``ballots`` for ``seats`` by Meek's method (see the module).

    Ballots are read as :func:`tallyroom.rcv.scottish.preference_lists` reads them. ``seed`` seeds
    the lot for exclusion ties that every stage leaves equal; without it such a tie raises
    :class:`~tallyroom.errors.TieUnbrokenError`.
    """
    papers, valid = valid_papers(ballots, seats)
    names = ballots.candidates
    state = _Meek(
        names=names,
        papers=papers,
        seats=min(seats, len(names)),
        rng=None if seed is None else random.Random(seed),
        status=["hopeful"] * len(names),
        keep=[_UNIT] * len(names),
    )
    state.run()
    return StvResult(
        method="meek",
        candidates=names,
        seats=seats,
        valid_papers=valid,
        quota=state.stages[0].quota,
        places=PLACES,
        winners=tuple(names[c] for c in state.elected),
        stages=tuple(state.stages),
    )
