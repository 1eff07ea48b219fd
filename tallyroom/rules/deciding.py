"""``decide(stage, rules) -> Outcome``: who wins, who advances and why, for one stage.

A pure function over immutable inputs. Shares are exact fractions of the votes counted for the
office (:attr:`tallyroom.model.Stage.counted_total`: the stated total when it covers the rows,
else the rows' sum). A stage without usable counts gives a "cannot-tell" outcome, never an
exception; a rule that does not fit the stage (partisan rules on a nonpartisan stage, no rule for
the stage's kind) is a :class:`~tallyroom.errors.ValidationError` naming the rules file and key.
"""

from __future__ import annotations

from typing import NamedTuple, assert_never

from tallyroom.errors import ValidationError
from tallyroom.model import Stage, builder
from tallyroom.rules.loading import STAGE_RULE_KINDS
from tallyroom.rules.ranked import decide_ranked
from tallyroom.rules.selection import Selection, select_leaders
from tallyroom.rules.types import (
    Basis,
    Outcome,
    OutcomeStatus,
    Reason,
    RuleKind,
    RulesSpec,
    StageRule,
    TieBreakRecord,
)
from tallyroom.rules.wording import (
    names_text,
    ratio_percent_text,
    ratio_share_text,
    threshold_text,
    votes_text,
)

__all__ = ["check_rule_fits", "decide", "rule_for_stage"]

#: Makes an :class:`Outcome` without calling the class (several per election decided).
_new_outcome = builder(Outcome)


def rule_for_stage(stage: Stage, rules: RulesSpec) -> StageRule:
    """The rule deciding ``stage``; a ValidationError when there is none or it does not fit."""
    rule = rules.rule_for(stage.kind)
    if rule is None:
        raise ValidationError(
            f"the rules {rules.name!r} have no rule for a {stage.kind} stage "
            f"({stage.label()}); add a [{stage.kind}] table with one of: "
            f"{', '.join(STAGE_RULE_KINDS[stage.kind])}",
            source=rules.source,
            key=stage.kind,
        )
    check_rule_fits(stage, rule, rules)
    return rule


def check_rule_fits(stage: Stage, rule: StageRule, rules: RulesSpec) -> None:
    if rule.kind == "partisan-primary" and not stage.partisan:
        allowed = [kind for kind in STAGE_RULE_KINDS[stage.kind] if kind != "partisan-primary"]
        raise ValidationError(
            f"'partisan-primary' needs a party's primary, but the {stage.label().lower()} "
            f"has no party; allowed for it: {', '.join(allowed)}",
            source=rules.source,
            key=f"{stage.kind}.kind",
        )


def decide(stage: Stage, rules: RulesSpec, *, basis: Basis = "table") -> Outcome:
    """Decide ``stage`` under ``rules``. ``basis`` records where the stage's figures came from."""
    rule = rule_for_stage(stage, rules)
    if rule.kind == "ranked-choice":
        return decide_ranked(stage, rule, basis)
    counts, unusable = _counts(stage)
    if unusable is not None:
        return Outcome(
            stage=stage.label(),
            kind=stage.kind,
            party=stage.party,
            rule=rule.kind,
            status="cannot-tell",
            reasons=(unusable,),
            basis="none",
            date=stage.date,
        )
    # Every row's votes are known here: the rows' sum is Stage.computed_total, and the total
    # shares are of is Stage.counted_total (the stated total when it covers the rows).
    computed = sum(votes for _, votes in counts)
    stated = stage.stated_total
    counted = stated if stated is not None and stated > computed else computed
    base = _Base(stage.label(), rule.kind, basis, _total_notes(computed, stated), counted)
    # Each rule's outcome is made from ``base``; its notes (on the stated total) come first.
    match rule.kind:
        case "plurality" | "partisan-primary":
            return _plurality(stage, rule, rules, counts, base)
        case "top-two":
            return _top_two(stage, rule, rules, counts, base)
        case "majority-runoff":
            return _majority_runoff(stage, rule, rules, counts, base)
        case "ranked-choice":  # pragma: no cover - handled above
            raise AssertionError("ranked-choice is decided by decide_ranked")
        case unreachable:
            assert_never(unreachable)


def _counts(stage: Stage) -> tuple[list[tuple[str, int]], Reason | None]:
    where = stage.label().lower()
    if not stage.results:
        total = (
            f" (only a stated total of {votes_text(stage.stated_total)})"
            if stage.stated_total is not None
            else ""
        )
        return [], Reason("no-rows", f"the {where} table has no rows{total}")
    unknown = [row.name for row in stage.results if row.votes is None]
    if unknown:
        return [], Reason(
            "unknown-votes", f"the {where} does not give {names_text(unknown)}'s votes"
        )
    names = [row.name for row in stage.results]
    twice = (
        sorted({name for name in names if names.count(name) > 1})
        if len(set(names)) < len(names)
        else []
    )
    if twice:
        return [], Reason("duplicate-candidate", f"{names_text(twice)} appear twice in the {where}")
    if any(row.votes is not None and row.votes < 0 for row in stage.results):
        return [], Reason("negative-votes", f"the {where} has negative votes")
    return [(row.name, row.votes) for row in stage.results if row.votes is not None], None


def _total_notes(computed: int, stated: int | None) -> tuple[Reason, ...]:
    if stated is not None and stated < computed:
        return (
            Reason(
                "stated-total-damaged",
                f"the stated total ({votes_text(stated)}) is less than the rows' sum "
                f"({votes_text(computed)}); shares are of the rows' sum",
            ),
        )
    return ()


class _Base(NamedTuple):
    """What every outcome of a stage with usable counts shares (an Outcome is made once, at the
    end, from this and the rule's findings)."""

    label: str
    rule: RuleKind
    basis: Basis
    notes: tuple[Reason, ...]
    total: int
    """The votes counted: shares are of this (:attr:`tallyroom.model.Stage.counted_total`)."""


def _outcome(
    stage: Stage,
    base: _Base,
    *,
    status: OutcomeStatus,
    reasons: tuple[Reason, ...],
    winners: tuple[str, ...] = (),
    advanced: tuple[str, ...] = (),
    eliminated: tuple[str, ...] = (),
    tied: tuple[str, ...] | None = None,
    further_stage: bool | None = None,
    tie_break: TieBreakRecord | None = None,
) -> Outcome:
    return _new_outcome(
        stage=base.label,
        kind=stage.kind,
        party=stage.party,
        rule=base.rule,
        status=status,
        winners=winners,
        advanced=advanced,
        eliminated=eliminated,
        tied=tied,
        further_stage=further_stage,
        tie_break=tie_break,
        reasons=(*base.notes, *reasons),
        basis=base.basis,
        date=stage.date,
    )


def _described(names: tuple[str, ...], counts: dict[str, int], base: _Base) -> str:
    """ "Potter (56,530 of 133,259 votes, 42.4%)" for each name, joined by "; "; no share from
    an infobox's partial figures."""
    total = base.total
    described = []
    for name in names:
        votes = counts[name]
        if not total or base.basis == "infobox":
            described.append(f"{name} ({votes_text(votes)} votes)")
        else:
            share = ratio_percent_text(votes, total)  # as share_text(Fraction(votes, total))
            described.append(f"{name} ({votes_text(votes)} of {votes_text(total)} votes, {share})")
    return "; ".join(described)


def _with_tie(
    stage: Stage,
    base: _Base,
    picked: Selection,
    *,
    winners: tuple[str, ...] = (),
    advanced: tuple[str, ...] = (),
    further_stage: bool,
    reasons: list[Reason],
) -> Outcome:
    """The outcome of a selection: decided, or tied when a tie was left unbroken."""
    return _outcome(
        stage,
        base,
        status="tied" if picked.tied is not None else "decided",
        reasons=tuple(reasons),
        winners=winners,
        advanced=advanced,
        eliminated=picked.rest,
        tied=picked.tied,
        further_stage=further_stage,
        tie_break=picked.record,
    )


def _plurality(
    stage: Stage, rule: StageRule, rules: RulesSpec, counts: list[tuple[str, int]], base: _Base
) -> Outcome:
    table = dict(counts)
    picked = select_leaders(counts, rule.seats, rules.tie_break)
    reasons = list(picked.reasons)
    if picked.chosen:
        most = "the most votes" if len(picked.chosen) == 1 else "the highest votes"
        described = _described(picked.chosen, table, base)
        reasons.insert(0, Reason("most-votes", f"{described}: {most}"))
    primary = stage.kind == "primary"
    if picked.tied is None:
        if primary and rule.kind == "partisan-primary":
            outcome_text = f"{names_text(picked.chosen)} wins the {stage.party} nomination"
        elif primary:
            verbs = (
                "wins the primary and advances"
                if len(picked.chosen) == 1
                else ("win the primary and advance")
            )
            outcome_text = f"{names_text(picked.chosen)} {verbs}"
        else:
            outcome_text = f"{names_text(picked.chosen)} elected"
        reasons.append(Reason("winners", outcome_text))
    return _with_tie(
        stage,
        base,
        picked,
        winners=picked.chosen,
        advanced=picked.chosen if primary else (),
        further_stage=primary,
        reasons=reasons,
    )


def _top_two(
    stage: Stage, rule: StageRule, rules: RulesSpec, counts: list[tuple[str, int]], base: _Base
) -> Outcome:
    table = dict(counts)
    picked = select_leaders(counts, rule.advance, rules.tie_break)
    described = _described(picked.chosen, table, base)
    if len(counts) == 1:
        leaders = "the only candidate"
    else:
        leaders = "the leader" if len(picked.chosen) == 1 else f"the {len(picked.chosen)} leaders"
    reasons = [Reason("leaders", f"{described}: {leaders}")] if picked.chosen else []
    reasons.extend(picked.reasons)
    if picked.tied is None:
        verb = "advances" if len(picked.chosen) == 1 else "advance"
        reasons.append(
            Reason("advance", f"{names_text(picked.chosen)} {verb}, whatever their share")
        )
    return _with_tie(
        stage,
        base,
        picked,
        advanced=picked.chosen,
        further_stage=True,
        reasons=reasons,
    )


def _majority_runoff(
    stage: Stage, rule: StageRule, rules: RulesSpec, counts: list[tuple[str, int]], base: _Base
) -> Outcome:
    total = base.total
    if not total:
        why = Reason("no-votes", f"no votes are counted in the {stage.label().lower()}")
        return _outcome(stage, base, status="cannot-tell", reasons=(why,))
    table = dict(counts)
    top = max(votes for _, votes in counts)
    leaders = sorted(name for name, votes in counts if votes == top)
    # The leaders' share (top / total) against the threshold, compared as integers (``total``
    # is positive here).
    threshold = rule.threshold
    scaled_top, scaled_threshold = top * threshold.denominator, threshold.numerator * total
    passes = (
        scaled_top >= scaled_threshold
        if rule.threshold_inclusive
        else scaled_top > scaled_threshold
    )
    needed = ("at least " if rule.threshold_inclusive else "more than ") + threshold_text(
        rule.threshold
    )
    named = names_text(leaders)
    has = "has" if len(leaders) == 1 else "each have"
    measure = (
        f"{named} {has} {votes_text(top)} of {votes_text(total)} votes "
        f"({ratio_share_text(top, total, threshold)})"
    )
    if passes:
        picked = select_leaders(counts, 1, rules.tie_break)
        reasons = [Reason("majority", f"{measure}, {needed}"), *picked.reasons]
        if picked.tied is None:
            reasons.append(Reason("winners", f"{names_text(picked.chosen)} elected outright"))
        return _with_tie(
            stage,
            base,
            picked,
            winners=picked.chosen,
            further_stage=False,
            reasons=reasons,
        )
    picked = select_leaders(counts, rule.advance, rules.tie_break)
    next_stage = "a runoff" if stage.kind == "general" else "the next stage"
    reasons = [
        Reason("no-majority", f"{measure}, not {needed}: no majority"),
        *picked.reasons,
    ]
    if picked.tied is None:
        described = _described(picked.chosen, table, base)
        reasons.append(
            Reason("advance", f"{described}: {names_text(picked.chosen)} advance to {next_stage}")
        )
    return _with_tie(
        stage,
        base,
        picked,
        advanced=picked.chosen,
        further_stage=True,
        reasons=reasons,
    )
