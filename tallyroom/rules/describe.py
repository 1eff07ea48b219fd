"""Rules in plain words, for ``tallyroom rules show`` and the web app."""

from __future__ import annotations

from typing import assert_never

from tallyroom.model import STAGE_KINDS, StageKind
from tallyroom.rules.types import RulesSpec, StageRule
from tallyroom.rules.wording import names_text, threshold_text

__all__ = ["describe_rule", "describe_rules"]

_STAGE_NAMES: dict[StageKind, str] = {
    "primary": "Primary",
    "general": "General election",
    "runoff": "Runoff",
}


def _count(n: int, one: str, many: str) -> str:
    return f"the {one}" if n == 1 else f"the {n} {many}"


def describe_rule(rule: StageRule) -> str:
    """One sentence saying how a stage is decided under ``rule``."""
    match rule.kind:
        case "plurality":
            return (
                f"{_count(rule.seats, 'candidate', 'candidates').capitalize()} with the most "
                f"votes {'wins' if rule.seats == 1 else 'win'} (plurality)."
            )
        case "top-two":
            return (
                f"{_count(rule.advance, 'leading candidate', 'leading candidates').capitalize()} "
                "advance to the next stage, whatever their share (nonpartisan top-N primary)."
            )
        case "majority-runoff":
            more = "at least" if rule.threshold_inclusive else "more than"
            return (
                f"A candidate with {more} {threshold_text(rule.threshold)} of the votes counted "
                f"for the office wins outright; otherwise "
                f"{_count(rule.advance, 'leader', 'leaders')} advance to the next stage."
            )
        case "partisan-primary":
            return (
                f"Each party's primary: {_count(rule.seats, 'candidate', 'candidates')} with the "
                "most votes, write-ins included, become the party's nominee(s)."
            )
        case "ranked-choice":
            seats = "one seat" if rule.seats == 1 else f"{rule.seats} seats"
            return (
                f"Ranked-choice count for {seats}: counted by the ranked-choice tabulator from "
                "the ballots, or read from the published rounds."
            )
        case unreachable:
            assert_never(unreachable)


def describe_rules(rules: RulesSpec) -> tuple[str, ...]:
    """Lines describing ``rules``: title, law, each stage's rule, the tie-break."""
    lines = [f"{rules.name}: {rules.title}", f"Law: {rules.law}"]
    if rules.description:
        lines.append(rules.description)
    for kind in STAGE_KINDS:
        rule = (
            rules.primary
            if kind == "primary"
            else rules.general
            if kind == "general"
            else rules.runoff
        )
        if rule is not None:
            lines.append(f"{_STAGE_NAMES[kind]}: {describe_rule(rule)}")
    tie = rules.tie_break
    match tie.method:
        case "none":
            lines.append("Ties: not broken; an outcome-changing tie is reported as tied.")
        case "lot":
            lines.append(f"Ties: broken by the lot drawn, in this order: {names_text(tie.order)}.")
        case "random":
            lines.append(f"Ties: broken by a random draw with seed {tie.seed}, recorded.")
        case unreachable:
            assert_never(unreachable)
    if rules.source:
        lines.append(f"Source: {rules.source}")
    return tuple(lines)
