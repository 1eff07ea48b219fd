"""The types of the rules package: rules as data, outcomes and verdicts as records.

A :class:`RulesSpec` says, for each kind of stage (primary, general, runoff), which
:class:`StageRule` decides it, and how ties are broken (:class:`TieBreak`). Deciding a stage
gives an :class:`Outcome`; comparing outcomes with what a document claims gives a
:class:`StageVerdict` per stage and an :class:`ElectionVerdict` for the election.

Shares and thresholds are :class:`fractions.Fraction`; votes are ``int``. Nothing here is
rendered as text except the :class:`Reason` messages, which are data too (a code and a sentence).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from tallyroom.model import DecisionStatus, StageKind, Verdict, fast_init

__all__ = [
    "RULE_KINDS",
    "TIE_BREAK_METHODS",
    "VERDICTS",
    "Basis",
    "ElectionVerdict",
    "Outcome",
    "OutcomeStatus",
    "Reason",
    "RuleKind",
    "RulesChoice",
    "RulesOrigin",
    "RulesSpec",
    "StageRule",
    "StageVerdict",
    "TieBreak",
    "TieBreakMethod",
    "TieBreakRecord",
    "Verdict",
]

RuleKind = Literal["plurality", "top-two", "majority-runoff", "partisan-primary", "ranked-choice"]
RULE_KINDS: tuple[RuleKind, ...] = (
    "plurality",
    "top-two",
    "majority-runoff",
    "partisan-primary",
    "ranked-choice",
)

TieBreakMethod = Literal["none", "lot", "random"]
TIE_BREAK_METHODS: tuple[TieBreakMethod, ...] = ("none", "lot", "random")

OutcomeStatus = DecisionStatus
VERDICTS: tuple[Verdict, ...] = ("agrees", "disagrees", "cannot-tell")

#: What an outcome was computed from: the stage's table rows, its published ranked-choice rounds,
#: ranked ballots, or (when a table lost its rows) the figures of the document's infobox.
Basis = Literal["table", "rounds", "ballots", "infobox", "none"]


@dataclass(frozen=True, slots=True)
class StageRule:
    """How one kind of stage is decided.

    ``seats``: how many win (plurality, ranked-choice) or are nominated (partisan primary).
    ``advance``: how many go on to the next stage (top-two; majority-runoff without a majority).
    ``threshold``: the share of the votes counted that a candidate must pass to win outright
    (majority-runoff); passing means *more than* it unless ``threshold_inclusive``.
    """

    kind: RuleKind
    seats: int = 1
    advance: int = 2
    threshold: Fraction = Fraction(1, 2)
    threshold_inclusive: bool = False


@dataclass(frozen=True, slots=True)
class TieBreak:
    """How a tie that changes the outcome is broken.

    ``none``: it is not; the outcome is "tied". ``lot``: by the lot the clerk drew, ``order``
    listing names from first drawn (preferred) to last. ``random``: by a draw from
    ``random.Random(seed)``, the seed recorded in the outcome.
    """

    method: TieBreakMethod = "none"
    order: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class RulesSpec:
    """The rules an election is decided by. ``source`` is the file (or preset) it came from."""

    name: str
    title: str
    law: str
    description: str = ""
    primary: StageRule | None = None
    general: StageRule | None = None
    runoff: StageRule | None = None
    tie_break: TieBreak = TieBreak()
    source: str | None = None

    def rule_for(self, kind: StageKind) -> StageRule | None:
        match kind:
            case "primary":
                return self.primary
            case "general":
                return self.general
            case "runoff":
                return self.runoff if self.runoff is not None else self.general


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of a decision, as data: a stable ``code`` and a sentence for people."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class TieBreakRecord:
    """A tie that was broken: among whom, how, with what seed or lot, and who was chosen."""

    method: Literal["lot", "random"]
    among: tuple[str, ...]
    chosen: tuple[str, ...]
    seed: int | None = None
    order: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rules derive for one stage.

    ``winners``: who wins this stage (elected, or a party's nominee). ``advanced``: who goes on to
    a later stage. ``eliminated``: who does not. ``tied``: the candidates of an unbroken tie that
    changes the outcome (``None`` when there is none). ``further_stage``: whether another stage
    is needed (``None`` when that cannot be told).
    """

    stage: str
    kind: StageKind
    party: str | None
    rule: RuleKind | None
    status: OutcomeStatus
    winners: tuple[str, ...] = ()
    advanced: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    tied: tuple[str, ...] | None = None
    further_stage: bool | None = None
    tie_break: TieBreakRecord | None = None
    reasons: tuple[Reason, ...] = ()
    basis: Basis = "table"
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class RulesOrigin:
    """Where the rules in use came from, and for inferred rules what the inference rests on."""

    how: Literal["named", "declared", "inferred"]
    based_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RulesChoice:
    """The rules an election is decided by, and where they came from."""

    rules: RulesSpec
    origin: RulesOrigin


@dataclass(frozen=True, slots=True)
class StageVerdict:
    """The outcome of one stage and whether the document's claims about it agree."""

    outcome: Outcome
    verdict: Verdict
    reasons: tuple[Reason, ...]
    claims: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ElectionVerdict:
    title: str
    source: str | None
    choice: RulesChoice
    stages: tuple[StageVerdict, ...]

    @property
    def verdict(self) -> Verdict:
        """``disagrees`` if any stage does; else ``agrees`` if any does; else ``cannot-tell``."""
        found = {stage.verdict for stage in self.stages}
        if "disagrees" in found:
            return "disagrees"
        if "agrees" in found:
            return "agrees"
        return "cannot-tell"


# Made for every stage of every election decided: the model's faster construction.
for _kind in (Reason, TieBreakRecord, Outcome, StageVerdict, ElectionVerdict):
    fast_init(_kind)
del _kind
