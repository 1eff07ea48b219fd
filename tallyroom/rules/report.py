"""JSON-ready dicts of rules, outcomes and verdicts (used by the CLI, the store and the web app).

Votes stay integers; shares are not included (they are derived, and the reasons state them).
"""

from __future__ import annotations

from typing import Any

from tallyroom.model import StageDecision, builder
from tallyroom.rules.types import ElectionVerdict, Outcome, RulesChoice, StageRule, StageVerdict
from tallyroom.rules.wording import names_text, threshold_text

__all__ = [
    "outcome_json",
    "rules_json",
    "stage_decision",
    "stage_decisions",
    "stage_verdict_json",
    "tie_break_text",
    "verdict_json",
]

#: Makes a :class:`StageDecision` without calling the class (one per stage decided).
_new_decision = builder(StageDecision)


def tie_break_text(outcome: Outcome) -> str | None:
    """How the stage's tie was broken, or how it can be, in words; ``None`` without a tie."""
    record = outcome.tie_break
    if record is not None:
        chosen = names_text(record.chosen)
        among = names_text(record.among)
        match record.method:
            case "lot":
                return f"tie between {among} broken by the recorded lot: {chosen} chosen"
            case "random":
                return (
                    f"tie between {among} broken by a reproducible draw (seed {record.seed}): "
                    f"{chosen} chosen"
                )
    if outcome.tied:
        return (
            f"{names_text(outcome.tied)} are tied and the rules record no tie-break; the tie "
            "stands until it is broken as the law provides (usually by lot) and the lot is "
            "recorded in the rules"
        )
    return None


def stage_decision(stage: StageVerdict) -> StageDecision:
    """The stored record of one stage's decision (see :class:`~tallyroom.model.StageDecision`)."""
    outcome = stage.outcome
    return _new_decision(
        status=outcome.status,
        rule=outcome.rule,
        basis=outcome.basis,
        winners=outcome.winners,
        advanced=outcome.advanced,
        eliminated=outcome.eliminated,
        tied=outcome.tied,
        further_stage=outcome.further_stage,
        tie_break=tie_break_text(outcome),
        reasons=tuple(reason.text for reason in outcome.reasons),
        verdict=stage.verdict,
        verdict_reasons=tuple(reason.text for reason in stage.reasons),
        claims=stage.claims,
    )


def stage_decisions(verdict: ElectionVerdict) -> tuple[StageDecision, ...]:
    """:func:`stage_decision` of every stage, in the election's order."""
    return tuple(stage_decision(stage) for stage in verdict.stages)


def _rule_json(rule: StageRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    data: dict[str, Any] = {"kind": rule.kind}
    match rule.kind:
        case "plurality" | "partisan-primary" | "ranked-choice":
            data["seats"] = rule.seats
        case "top-two":
            data["advance"] = rule.advance
        case "majority-runoff":
            data["threshold"] = threshold_text(rule.threshold)
            data["threshold_inclusive"] = rule.threshold_inclusive
            data["advance"] = rule.advance
    return data


def rules_json(choice: RulesChoice) -> dict[str, Any]:
    rules = choice.rules
    tie = rules.tie_break
    return {
        "name": rules.name,
        "title": rules.title,
        "law": rules.law,
        "source": rules.source,
        "how": choice.origin.how,
        "based_on": list(choice.origin.based_on),
        "primary": _rule_json(rules.primary),
        "general": _rule_json(rules.general),
        "runoff": _rule_json(rules.runoff),
        "tie_break": {"method": tie.method, "order": list(tie.order), "seed": tie.seed},
    }


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    record = outcome.tie_break
    return {
        "stage": outcome.stage,
        "kind": outcome.kind,
        "party": outcome.party,
        "date": outcome.date.isoformat() if outcome.date else None,
        "rule": outcome.rule,
        "status": outcome.status,
        "basis": outcome.basis,
        "winners": list(outcome.winners),
        "advanced": list(outcome.advanced),
        "eliminated": list(outcome.eliminated),
        "tied": list(outcome.tied) if outcome.tied is not None else None,
        "further_stage": outcome.further_stage,
        "tie_break": None
        if record is None
        else {
            "method": record.method,
            "among": list(record.among),
            "chosen": list(record.chosen),
            "seed": record.seed,
            "order": list(record.order),
        },
        "reasons": [reason.text for reason in outcome.reasons],
        "reason_codes": [reason.code for reason in outcome.reasons],
    }


def stage_verdict_json(stage: StageVerdict) -> dict[str, Any]:
    return {
        **outcome_json(stage.outcome),
        "verdict": stage.verdict,
        "verdict_reasons": [reason.text for reason in stage.reasons],
        "claims": list(stage.claims),
    }


def verdict_json(verdict: ElectionVerdict) -> dict[str, Any]:
    """The whole verdict on one election: ``rules`` at the top, then each stage."""
    return {
        "title": verdict.title,
        "source": verdict.source,
        "rules": rules_json(verdict.choice),
        "verdict": verdict.verdict,
        "stages": [stage_verdict_json(stage) for stage in verdict.stages],
    }
