"""Meek's method of STV in fixed-point decimals: New Zealand's rule (nine places) and OpenSTV's.

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

``rule="openstv"`` counts as OpenSTV 1.7's "Meek STV" does (J. O'Neill, ``openstv/STV.py``,
class ``RecursiveSTV``, and ``MethodPlugins/MeekSTV.py``), the program behind published counts
of organisations' elections (Stack Exchange moderator elections, a W3C community group's):

* six decimal places (integers of 10**-6 votes);
* each *round* is one reading of the ballots: a surplus round first scales every candidate above
  the threshold by ``keep factor × threshold / votes`` (rounded up), using the previous round's
  figures, then reads the ballots once; the count does not iterate to convergence within a round;
* ballots are grouped by their path through elected candidates (up to the first hopeful one), and
  each group's share is truncated once for the whole group: a candidate receives
  ``remainder × keep factor × papers // 10**6`` and passes on ``remainder × (1 − keep factor)``,
  truncated; what is lost to truncation is counted as exhausted, as OpenSTV counts it;
* the threshold is ``(valid − exhausted) // (seats + 1)`` plus 10**-6, recomputed every round;
  a hopeful candidate at or above it is elected;
* surpluses are transferred while they total at least 10**-6, no candidate is a sure loser and
  the keep factors still change; otherwise every sure loser is eliminated at once (candidates
  whose votes together, with the surplus, stay below the next candidate's), or else the candidate
  with the fewest votes, ties decided by the latest earlier round at which the tied candidates
  differed, then by lot.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from tallyroom.errors import TieUnbrokenError
from tallyroom.rcv.scottish import Papers, valid_papers
from tallyroom.rcv.scottish_report import StageKind, StvResult, StvStage, StvTieBreak
from tallyroom.rcv.types import BallotSet

__all__ = ["OPENSTV_PLACES", "PLACES", "RULES", "TOLERANCE", "MeekRule", "count"]

#: Counting rules: ``nz`` (Algorithm 123 and New Zealand), ``openstv`` (OpenSTV 1.7).
MeekRule = Literal["nz", "openstv"]
RULES: tuple[MeekRule, ...] = ("nz", "openstv")
#: Decimal places of every figure of the count.
PLACES = 9
#: Decimal places of OpenSTV's count.
OPENSTV_PLACES = 6
_UNIT = 10**PLACES
#: Convergence: the elected candidates' surpluses together, at most this many votes.
TOLERANCE = Decimal("0.00001")
_TOLERANCE_UNITS = int(TOLERANCE.scaleb(PLACES))
_MAX_ITERATIONS = 10_000


def _dec(units: int) -> Decimal:
    return Decimal(units).scaleb(-PLACES)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _fewest_before(
    tied: list[int],
    names: Sequence[str],
    earlier: Iterable[tuple[int, Sequence[int]]],
    rng: random.Random | None,
    stage: int,
    word: str = "stage",
    reason: str = "",
) -> tuple[int, StvTieBreak]:
    """Of ``tied`` candidates (equal now), the one to exclude: the one with the fewest votes at
    the first of the ``earlier`` (number, votes) that separates them, else one drawn by lot with
    ``rng`` (without it :class:`~tallyroom.errors.TieUnbrokenError`). ``word`` names a step of
    the count ("stage", "round") and ``reason`` says how they were equal."""
    shown = tuple(sorted(names[c] for c in tied))
    equal = f"{', '.join(shown)} were equal{f' {reason}' if reason else ''}"
    contention = tied
    for number, at in earlier:
        least = min(at[c] for c in contention)
        contention = [c for c in contention if at[c] == least]
        if len(contention) == 1:
            chosen = names[contention[0]]
            text = f"{equal}; {chosen} had the fewest votes at {word} {number}"
            return contention[0], StvTieBreak(
                stage, "exclusion", shown, chosen, "earlier-stage", text
            )
    if rng is None:
        raise TieUnbrokenError(stage, tuple(sorted(names[c] for c in contention)), "lose")
    ordered = sorted(contention, key=lambda c: names[c])
    drawn = ordered[rng.randrange(len(ordered))]
    text = f"{', '.join(shown)} were equal at every {word}; {names[drawn]} drawn by lot"
    return drawn, StvTieBreak(stage, "exclusion", shown, names[drawn], "lot", text)


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
        return _fewest_before(tied, self.names, enumerate(self.history, start=1), self.rng, stage)

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


_OPENSTV_UNIT = 10**OPENSTV_PLACES
#: A ballot group: papers, then the groups that go on past an elected candidate.
_Node = dict[int, tuple[list[int], "_Node"]]


def _open_dec(units: int) -> Decimal:
    return Decimal(units).scaleb(-OPENSTV_PLACES)


@dataclass
class _OpenStv:
    """OpenSTV 1.7's Meek STV: one reading of the ballots per round (see the module)."""

    names: tuple[str, ...]
    papers: Papers
    seats: int
    valid: int
    rng: random.Random | None
    status: list[Literal["hopeful", "elected", "excluded"]] = field(default_factory=list)
    elected: list[int] = field(default_factory=list)
    counts: list[list[int]] = field(default_factory=list)
    keeps: list[list[int]] = field(default_factory=list)
    thresholds: list[int] = field(default_factory=list)
    surpluses: list[int] = field(default_factory=list)
    first_elimination: bool = True
    stages: list[StvStage] = field(default_factory=list)

    def groups(self) -> _Node:
        """The ballots grouped by their path through elected candidates (OpenSTV's tree)."""
        root: _Node = {}
        for prefs, n in self.papers:
            node = root
            for c in prefs:
                state = self.status[c]
                if state == "excluded":
                    continue
                if c not in node:
                    node[c] = ([0], {})
                weight, below = node[c]
                weight[0] += n
                if state == "hopeful":
                    break
                node = below
        return root

    def read(self, keep: list[int]) -> list[int]:
        """Every candidate's votes with keep factors ``keep``, truncated group by group."""
        votes = [0] * len(self.names)
        pending: list[tuple[_Node, int]] = [(self.groups(), _OPENSTV_UNIT)]
        while pending:
            node, remainder = pending.pop()
            for c, (weight, below) in node.items():
                votes[c] += remainder * keep[c] * weight[0] // _OPENSTV_UNIT
                rest = remainder * (_OPENSTV_UNIT - keep[c]) // _OPENSTV_UNIT
                if rest > 0 and below:
                    pending.append((below, rest))
        return votes

    def continuing(self) -> list[int]:
        return [c for c, s in enumerate(self.status) if s == "hopeful"]

    def over(self) -> bool:
        return len(self.elected) >= self.seats or (
            len(self.continuing()) + len(self.elected) <= self.seats
        )

    def sure_losers(self) -> list[int]:
        """Candidates who cannot win even with the whole surplus (OpenSTV's getSureLosers)."""
        count, surplus = self.counts[-1], self.surpluses[-1]
        continuing = self.continuing()
        most = len(continuing) + len(self.elected) - self.seats
        if sum(count[c] for c in continuing) == 0 and surplus == 0:
            return continuing
        clusters: list[list[int]] = []
        for c in sorted(continuing, key=lambda c: count[c]):
            if clusters and count[clusters[-1][0]] == count[c]:
                clusters[-1].append(c)
            else:
                clusters.append([c])
        losers: list[int] = []
        total, potential = surplus, []
        for cluster, following in pairwise(clusters):
            total += len(cluster) * count[cluster[0]]
            potential += cluster
            if total < count[following[0]] and len(potential) <= most:
                losers = list(potential)
        return losers

    def stuck(self) -> bool:
        return len(self.keeps) >= 2 and self.keeps[-1] == self.keeps[-2]

    def fewest(self, among: list[int], stage: int, reason: str) -> tuple[int, StvTieBreak | None]:
        """The candidate with the fewest votes; ties by the latest round that separates them."""
        last = self.counts[-1]
        low = min(last[c] for c in among)
        tied = sorted(c for c in among if last[c] == low)
        if len(tied) == 1:
            return tied[0], None
        latest_first = ((n + 1, self.counts[n]) for n in range(len(self.counts) - 2, -1, -1))
        return _fewest_before(tied, self.names, latest_first, self.rng, stage, "round", reason)

    def eliminate(self, stage: int) -> tuple[list[int], list[StvTieBreak]]:
        """The candidates eliminated this round (OpenSTV's selectCandidatesToEliminate)."""
        ties: list[StvTieBreak] = []
        if self.stuck():
            loser, tie = self.fewest(self.continuing(), stage, "within the precision")
            self.first_elimination = False
            return [loser], [] if tie is None else [tie]
        losers: list[int] = []
        if self.first_elimination:
            losers = self.sure_losers()
            rest = [c for c in self.continuing() if c not in losers]
            if (
                self.surpluses[-1] == 0
                and len(rest) + len(self.elected) > self.seats
                and sum(self.counts[-1][c] for c in losers) == 0
            ):
                loser, tie = self.fewest(rest, stage, "for exclusion")
                losers.append(loser)
                ties += [] if tie is None else [tie]
        if not self.first_elimination or not losers:
            losers = self.sure_losers()
            if not losers:
                loser, tie = self.fewest(self.continuing(), stage, "for exclusion")
                losers = [loser]
                ties += [] if tie is None else [tie]
        self.first_elimination = False
        return sorted(losers), ties

    def new_keep_factors(self) -> list[int]:
        """Keep factors scaled to the threshold, from the previous round (rounded up)."""
        count, threshold = self.counts[-1], self.thresholds[-1]
        keep = list(self.keeps[-1])
        for c, state in enumerate(self.status):
            if state != "excluded" and count[c] > threshold:
                keep[c] = _ceil_div(keep[c] * threshold, count[c])
        return keep

    def round(self, keep: list[int], excluded: list[int], ties: list[StvTieBreak]) -> None:
        """Read the ballots, elect who reached the threshold, and record the round."""
        votes = self.read(keep)
        exhausted = self.valid * _OPENSTV_UNIT - sum(votes)
        threshold = (self.valid * _OPENSTV_UNIT - exhausted) // (self.seats + 1) + 1
        surplus = sum(
            v - threshold
            for c, v in enumerate(votes)
            if self.status[c] != "excluded" and v > threshold
        )
        newly = [c for c in self.continuing() if votes[c] >= threshold]
        for c in newly:
            self.status[c] = "elected"
            self.elected.append(c)
        before = self.counts[-1] if self.counts else [0] * len(self.names)
        self.counts.append(votes)
        self.keeps.append(keep)
        self.thresholds.append(threshold)
        self.surpluses.append(surplus)
        number = len(self.stages) + 1
        kind: StageKind = "first-preferences" if number == 1 else "iteration"
        if excluded:
            kind = "exclusion"
        self.stages.append(
            StvStage(
                number=number,
                kind=kind,
                source=", ".join(self.names[c] for c in excluded) or None,
                tally=tuple((n, _open_dec(v)) for n, v in zip(self.names, votes, strict=True)),
                changes=tuple(
                    (n, _open_dec(v - b)) for n, v, b in zip(self.names, votes, before, strict=True)
                ),
                quota=_open_dec(threshold),
                non_transferable=_open_dec(exhausted),
                rounding_loss=Decimal(0).scaleb(-OPENSTV_PLACES),
                elected=tuple(self.names[c] for c in newly),
                excluded=tuple(self.names[c] for c in excluded),
                keep_factors=tuple(
                    (self.names[c], _open_dec(keep[c]))
                    for c in range(len(self.names))
                    if self.status[c] != "excluded"
                ),
                iterations=1,
                tiebreaks=tuple(ties),
            )
        )

    def run(self) -> None:
        self.round([_OPENSTV_UNIT] * len(self.names), [], [])
        while not self.over():
            transfer = self.surpluses[-1] >= 1 and not self.sure_losers() and not self.stuck()
            if transfer:
                self.round(self.new_keep_factors(), [], [])
                continue
            losers, ties = self.eliminate(len(self.stages) + 1)
            for c in losers:
                self.status[c] = "excluded"
            keep = [0 if self.status[c] == "excluded" else k for c, k in enumerate(self.keeps[-1])]
            self.round(keep, losers, ties)
        self.finish()

    def finish(self) -> None:
        """Seats left when the count stops go to the candidates still in it (not with 0 votes)."""
        if len(self.elected) >= self.seats:
            return
        last = self.stages[-1]
        rest = [c for c in self.continuing() if self.counts[-1][c] > 0]
        rest.sort()
        for c in rest:
            self.status[c] = "elected"
            self.elected.append(c)
        if rest:
            elected = last.elected + tuple(self.names[c] for c in rest)
            self.stages[-1] = replace(last, elected=elected)


def count(
    ballots: BallotSet, seats: int, *, seed: int | None = None, rule: MeekRule = "nz"
) -> StvResult:
    """Count ``ballots`` for ``seats`` by Meek's method (see the module).

    Ballots are read as :func:`tallyroom.rcv.scottish.preference_lists` reads them. ``seed`` seeds
    the lot for exclusion ties that every stage leaves equal; without it such a tie raises
    :class:`~tallyroom.errors.TieUnbrokenError`. ``rule`` is ``"nz"`` (the default: nine places,
    each stage converged) or ``"openstv"`` (OpenSTV 1.7: six places, one reading per round).
    """
    papers, valid = valid_papers(ballots, seats)
    names = ballots.candidates
    rng = None if seed is None else random.Random(seed)
    seats_open = min(seats, len(names))
    status: list[Literal["hopeful", "elected", "excluded"]] = ["hopeful"] * len(names)
    state: _OpenStv | _Meek
    if rule == "openstv":
        state = _OpenStv(
            names=names, papers=papers, seats=seats_open, valid=valid, rng=rng, status=status
        )
    else:
        keep = [_UNIT] * len(names)
        state = _Meek(
            names=names, papers=papers, seats=seats_open, rng=rng, status=status, keep=keep
        )
    state.run()
    return StvResult(
        method="meek",
        candidates=names,
        seats=seats,
        valid_papers=valid,
        quota=state.stages[0].quota,
        places=OPENSTV_PLACES if rule == "openstv" else PLACES,
        winners=tuple(names[c] for c in state.elected),
        stages=tuple(state.stages),
    )
