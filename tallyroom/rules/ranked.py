"""The ranked-choice rule kind: decided from published rounds, first choices, or ballots.

A stage that carries its published rounds (:attr:`tallyroom.model.Stage.rounds`) is decided from
them: the candidates the rounds elect, or the last round's leader when they hold more than half
of the continuing votes. A stage with only first-choice counts is decided only when a candidate
has more than half of them (no transfer can then change the result); otherwise it cannot be told
without the ballots. Ballots are counted by :func:`tallyroom.rcv.tabulate`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, assert_never

from tallyroom.errors import TieUnbrokenError, ValidationError
from tallyroom.model import Stage, StageKind
from tallyroom.rules.types import (
    Basis,
    Outcome,
    Reason,
    RulesSpec,
    StageRule,
    TieBreakRecord,
)
from tallyroom.rules.wording import names_text, share_text, votes_text

if TYPE_CHECKING:
    from tallyroom.rcv import BallotSet
    from tallyroom.rcv.options import RcvOptions, TiebreakMode

__all__ = ["decide_ballots", "decide_ranked", "rcv_options"]

_HALF = Fraction(1, 2)
_STAGE_LABELS: dict[StageKind, str] = {
    "primary": "Nonpartisan primary",
    "general": "General election",
    "runoff": "Runoff",
}


def decide_ranked(stage: Stage, rule: StageRule, basis: Basis) -> Outcome:
    base = Outcome(
        stage=stage.label(),
        kind=stage.kind,
        party=stage.party,
        rule="ranked-choice",
        status="cannot-tell",
        basis=basis,
        date=stage.date,
    )
    if stage.rounds:
        return _from_rounds(stage, rule, base)
    return _from_first_choices(stage, rule, base)


def _decimal_text(value: Decimal) -> str:
    return votes_text(int(value)) if value == value.to_integral_value() else f"{value:,}"


def _from_rounds(stage: Stage, rule: StageRule, base: Outcome) -> Outcome:
    rounds = sorted(stage.rounds, key=lambda r: r.number)
    elected: list[str] = []
    eliminated: list[str] = []
    for record in rounds:
        elected.extend(name for name in record.elected if name not in elected)
        eliminated.extend(name for name in record.eliminated if name not in eliminated)
    last = rounds[-1]
    reasons = [Reason("rounds", f"decided from the {len(rounds)} published rounds")]
    if len(elected) < rule.seats and rule.seats == 1 and last.tally:
        continuing = sum((votes for _, votes in last.tally), Decimal(0))
        top = max(votes for _, votes in last.tally)
        leaders = sorted(name for name, votes in last.tally if votes == top)
        if continuing > 0:
            share = Fraction(top) / Fraction(continuing)
            measure = (
                f"in round {last.number}, {names_text(leaders)} "
                f"{'has' if len(leaders) == 1 else 'each have'} {_decimal_text(top)} of "
                f"{_decimal_text(continuing)} continuing votes ({share_text(share, _HALF)})"
            )
            if share > _HALF and len(leaders) == 1:
                elected.append(leaders[0])
                reasons.append(Reason("majority", f"{measure}, more than half"))
            elif len(leaders) > 1:
                reasons.append(Reason("tie", f"{measure}: tied"))
                return replace(
                    base, status="tied", tied=tuple(leaders), reasons=tuple(reasons), basis="rounds"
                )
            else:
                reasons.append(Reason("no-majority", f"{measure}, not more than half"))
    if len(elected) < rule.seats:
        reasons.append(
            Reason(
                "rounds-incomplete",
                f"the rounds elect {len(elected)} of {rule.seats} "
                f"{'seat' if rule.seats == 1 else 'seats'}",
            )
        )
        return replace(base, winners=tuple(elected), reasons=tuple(reasons), basis="rounds")
    winners = tuple(elected[: rule.seats])
    everyone = [name for record in rounds for name, _ in record.tally]
    losers = tuple(dict.fromkeys(n for n in [*eliminated, *everyone] if n not in winners))
    reasons.append(Reason("winners", f"{names_text(winners)} elected"))
    return replace(
        base,
        status="decided",
        winners=winners,
        eliminated=losers,
        further_stage=False,
        reasons=tuple(reasons),
        basis="rounds",
    )


def _from_first_choices(stage: Stage, rule: StageRule, base: Outcome) -> Outcome:
    where = stage.label().lower()
    rows = [(row.name, row.votes) for row in stage.results if row.votes is not None]
    if not rows or len(rows) != len(stage.results):
        why = "has no rows" if not stage.results else "does not give every candidate's votes"
        return replace(base, reasons=(Reason("no-rows", f"the {where} table {why}"),), basis="none")
    total = stage.counted_total
    top = max(votes for _, votes in rows)
    leaders = sorted(name for name, votes in rows if votes == top)
    if rule.seats == 1 and total and len(leaders) == 1 and Fraction(top, total) > _HALF:
        share = Fraction(top, total)
        reasons = (
            Reason(
                "majority",
                f"{leaders[0]} has {votes_text(top)} of {votes_text(total)} first choices "
                f"({share_text(share, _HALF)}), more than half: no transfer can change that",
            ),
            Reason("winners", f"{leaders[0]} elected"),
        )
        losers = tuple(
            name for name, votes in sorted(rows, key=lambda r: (-r[1], r[0])) if name != leaders[0]
        )
        return replace(
            base,
            status="decided",
            winners=(leaders[0],),
            eliminated=losers,
            further_stage=False,
            reasons=reasons,
        )
    needs = Reason(
        "needs-ballots",
        f"the {where} gives first choices only and no one has more than half of them; "
        "a ranked-choice count needs the ballots or the published rounds",
    )
    return replace(base, reasons=(needs,))


def decide_ballots(ballots: BallotSet, rules: RulesSpec, kind: StageKind = "general") -> Outcome:
    """Count ranked ``ballots`` for a stage of ``kind`` with :func:`tallyroom.rcv.tabulate`.

    The rules' tie-break is passed on: none -> the count stops at a tie (reported as tied), a lot
    -> the candidate order, a seeded draw -> a seeded random tie-break.
    """
    from tallyroom.rcv import tabulate

    options = rcv_options(rules, kind)
    tie = rules.tie_break
    base = Outcome(
        stage=_STAGE_LABELS[kind],
        kind=kind,
        party=None,
        rule="ranked-choice",
        status="cannot-tell",
        basis="ballots",
    )
    try:
        result = tabulate(ballots, options)
    except TieUnbrokenError as error:
        names = tuple(sorted(error.tied))
        why = Reason(
            "tie-unbroken",
            f"in round {error.round}, {names_text(names)} are tied and the rules give no "
            "tie-break: tied",
        )
        return replace(base, status="tied", tied=names, reasons=(why,))
    winners = result.winners
    losers = tuple(name for name in result.candidates if name not in winners)
    record = None
    for round_record in result.rounds:
        for broken in round_record.tiebreaks:
            method: Literal["lot", "random"] = "random" if tie.method == "random" else "lot"
            record = TieBreakRecord(
                method, broken.tied, (broken.selected,), seed=tie.seed, order=tie.order
            )
    reasons = (
        Reason(
            "ballots",
            f"counted {votes_text(result.total_ballots)} ballots in {len(result.rounds)} "
            + ("round" if len(result.rounds) == 1 else "rounds"),
        ),
        Reason("winners", f"{names_text(winners)} elected"),
    )
    return replace(
        base,
        status="decided",
        winners=winners,
        eliminated=losers,
        further_stage=False,
        tie_break=record,
        reasons=reasons,
    )


def rcv_options(rules: RulesSpec, kind: StageKind = "general") -> RcvOptions:
    """The count options of the rules' ranked-choice rule for a stage of ``kind``.

    The rules' tie-break is passed on: none -> the count stops at a tie, a lot -> the candidate
    order, a seeded draw -> a seeded random tie-break.
    """
    from tallyroom.rcv import RcvOptions

    rule = rules.rule_for(kind)
    if rule is None or rule.kind != "ranked-choice":
        found = "none" if rule is None else repr(rule.kind)
        raise ValidationError(
            f"ballots need a 'ranked-choice' rule, found {found}",
            source=rules.source,
            key=f"{kind}.kind",
        )
    tie = rules.tie_break
    mode: TiebreakMode
    match tie.method:
        case "none":
            mode = "stop-and-ask"
        case "lot":
            mode = "candidate-order"
        case "random":
            mode = "random"
        case unreachable:
            assert_never(unreachable)
    return RcvOptions(
        seats=rule.seats,
        winner_mode="single-winner" if rule.seats == 1 else "multi-winner",
        tiebreak=mode,
        seed=tie.seed,
        candidate_order=tie.order,
    )
