"""Outcomes: the winner and the advancing candidates a document states against what the rules
derive (:mod:`tallyroom.rules`), and a stated "Result: X Hold/Gain" against the parties before
and after the election."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.claims import stated_statuses
from tallyroom.errors import TallyroomError
from tallyroom.evidence import party_name, person_key, same_person
from tallyroom.model import Election, Stage

if TYPE_CHECKING:
    from tallyroom.rules.types import Outcome

__all__ = ["CODES", "check_outcomes", "derived_outcomes"]

WINNER_MISMATCH = CheckCode(
    "winner-mismatch",
    "outcomes",
    "error",
    "The stated winner is not the one the rules derive from the counts",
)
ADVANCING_MISMATCH = CheckCode(
    "advancing-mismatch",
    "outcomes",
    "error",
    "A candidate stated to advance (or to be eliminated) whom the rules eliminate (or advance)",
)
WINNER_NOT_CANDIDATE = CheckCode(
    "winner-not-candidate",
    "outcomes",
    "error",
    "The stated winner is not a candidate of the deciding stage",
)
AFTER_PARTY_MISMATCH = CheckCode(
    "after-party-mismatch",
    "outcomes",
    "error",
    '"After Party" is not the party of the winner the rules derive',
)
PARTY_RESULT_MISMATCH = CheckCode(
    "party-result-mismatch",
    "outcomes",
    "error",
    '"Result: X Hold/Gain" contradicts the parties before and after the election',
)
OUTCOME_UNCHECKED = CheckCode(
    "outcome-unchecked",
    "outcomes",
    "info",
    "The stated outcome could not be checked (a tie the rules do not break, rules that do not fit)",
)

CODES = (
    WINNER_MISMATCH,
    ADVANCING_MISMATCH,
    WINNER_NOT_CANDIDATE,
    AFTER_PARTY_MISMATCH,
    PARTY_RESULT_MISMATCH,
    OUTCOME_UNCHECKED,
)

_PARTY_RESULT = re.compile(
    r"^(?P<party>.+?)\s+(?P<word>hold|gain)\b(?:\s+from\s+(?P<from>.+?))?\s*$", re.I
)


def check_outcomes(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    outcomes = _outcomes(context)
    if isinstance(outcomes, Finding):
        yield outcomes
        outcomes = None
    for index, stage in enumerate(election.stages):
        outcome = outcomes[index] if outcomes is not None else None
        if outcome is not None:
            yield from _statuses(context, index, outcome)
        if stage.result:
            yield from _party_result(context, stage, outcome)
    if outcomes is not None:
        yield from _after(context, outcomes)


def derived_outcomes(context: CheckContext) -> tuple[Outcome, ...] | None:
    """Each stage's outcome under the rules (None when they cannot be derived)."""
    outcomes = _outcomes(context)
    return None if isinstance(outcomes, Finding) else outcomes


def _outcomes(context: CheckContext) -> tuple[Outcome, ...] | Finding | None:
    """Each stage's outcome under the rules given, else those the document declares or implies
    (as :func:`tallyroom.rules.verify` derives them; the claims are compared here). Derived
    once per context: the prose check reads them too."""
    if "outcomes" not in context.memo:
        context.memo["outcomes"] = _derive(context)
    return cast("tuple[Outcome, ...] | Finding | None", context.memo["outcomes"])


def _derive(context: CheckContext) -> tuple[Outcome, ...] | Finding | None:
    election = context.election
    if not election.stages:
        return None
    from tallyroom.rules import choose_rules, derive_outcomes

    try:
        rules = context.rules if context.rules is not None else choose_rules(election).rules
        return derive_outcomes(election, rules)
    except TallyroomError as error:
        return OUTCOME_UNCHECKED.found(
            election,
            None,
            "rules",
            f"the outcome was not checked: {error}",
            {"reason": str(error)},
        )


def _claim_line(context: CheckContext, stage: Stage, name: str) -> int | None:
    election = context.election
    if stage is election.deciding_stage and election.after_holder:
        line = context.field_line("after election")
        if line is not None:
            return line
    for candidate in election.candidates:
        if same_person(candidate.name, name) and candidate.line is not None:
            return candidate.line
    for row in stage.results:
        if same_person(row.name, name):
            return row.line
    return stage.caption_line


def _statuses(context: CheckContext, index: int, outcome: Outcome) -> Iterator[Finding]:
    election = context.election
    stage = election.stages[index]
    if outcome.status == "tied":
        yield OUTCOME_UNCHECKED.found(
            election,
            stage.caption_line,
            "outcome",
            f"{stage.label()}: the count is tied between {', '.join(outcome.tied or ())} and the "
            "rules record no tie-break, so the stated outcome cannot be checked",
            {"tied": tuple(outcome.tied or ())},
        )
        return
    if outcome.status != "decided":
        return
    stated = [(name, said) for name, said in stated_statuses(election, index).items() if said]
    if not stated:
        return  # the document says nothing about this stage's outcome
    going = {person_key(n) for n in (*outcome.winners, *outcome.advanced)}
    staying = {person_key(n) for n in outcome.eliminated}
    deciding = stage is election.deciding_stage
    onward = _onward(election, index)
    listed_out = _listed_as_out(election)
    for name, said in stated:
        if (
            said == "eliminated"
            and not any(same_person(out, name) for out in listed_out)
            and any(same_person(name, n) for n in onward)
        ):
            said = "advanced"  # the next table has them under another spelling
        key = person_key(name)
        says_going = said in ("advanced", "elected")
        if (says_going and key in going) or (not says_going and key in staying):
            continue
        if key not in going and key not in staying:
            continue
        derived = ", ".join(outcome.winners or outcome.advanced)
        code = WINNER_MISMATCH if deciding else ADVANCING_MISMATCH
        if deciding and not says_going:
            continue  # the stated winner's finding says it; one per stage
        yield code.found(
            election,
            _claim_line(context, stage, name),
            "After Election" if deciding else "status",
            f"{stage.label()}: the document has {name} {said}, but under the rules "
            f"({outcome.rule}) the counts give {derived or 'no one'}",
            {
                "stated": name,
                "stated_status": said,
                "derived_winners": tuple(outcome.winners),
                "derived_advanced": tuple(outcome.advanced),
                "rule": outcome.rule,
                "basis": outcome.basis,
            },
            fix=derived or None,
            confidence="high" if outcome.basis == "table" else "medium",
        )


def _listed_as_out(election: Election) -> list[str]:
    """The candidates the document's list places under an "eliminated" or "defeated" heading."""
    listed = []
    for candidate in election.candidates:
        heading = " ".join(candidate.section).casefold()
        if "eliminated" in heading or "defeated" in heading:
            listed.append(candidate.name)
    return listed


def _onward(election: Election, index: int) -> tuple[str, ...]:
    """The names in the first later non-primary table (write-ins aside) after a primary."""
    if election.stages[index].kind != "primary":
        return ()
    for later in election.stages[index + 1 :]:
        if later.kind != "primary":
            return tuple(r.name for r in later.results if not r.write_in)
    return ()


def _after(context: CheckContext, outcomes: tuple[Outcome, ...]) -> Iterator[Finding]:
    election = context.election
    stage = election.deciding_stage
    if stage is None:
        return
    outcome = outcomes[election.stages.index(stage)]
    holder = election.after_holder
    names = [row.name for row in stage.results] + [c.name for c in context.columns]
    if holder and names and not any(same_person(holder, n) for n in names):
        yield WINNER_NOT_CANDIDATE.found(
            election,
            context.field_line("after election"),
            "After Election",
            f"After Election names {holder}, who is not a candidate of the {stage.label().lower()}",
            {"after_holder": holder, "candidates": tuple(names)},
            fix=outcome.winners[0] if outcome.status == "decided" and outcome.winners else None,
            confidence="medium",
        )
    if election.after_party and outcome.status == "decided" and outcome.winners:
        party = _party_of(context, stage, outcome.winners[0])
        stated = party_name(election.after_party)
        if party is not None and stated is not None and party.casefold() != stated.casefold():
            yield AFTER_PARTY_MISMATCH.found(
                election,
                context.field_line("after party"),
                "After Party",
                f"After Party is {stated}, but the winner {outcome.winners[0]} is {party}",
                {"after_party": stated, "winner": outcome.winners[0], "winner_party": party},
                fix=party,
                confidence="medium",
            )


def _party_of(context: CheckContext, stage: Stage, name: str) -> str | None:
    for row in stage.results:
        if same_person(row.name, name) and row.party:
            return party_name(row.party)
    for column in context.columns:
        if same_person(column.name, name) and column.party:
            return party_name(column.party)
    return None


def _party_result(
    context: CheckContext, stage: Stage, outcome: Outcome | None
) -> Iterator[Finding]:
    election = context.election
    match = _PARTY_RESULT.match(stage.result or "")
    if match is None:
        return
    party = party_name(match["party"]) or ""
    word = match["word"].casefold()
    before = party_name(election.before_party)
    after = party_name(election.after_party)
    if outcome is not None and outcome.status == "decided" and outcome.winners:
        # The party of the winner the counts give, when known, over the stated After Party.
        after = _party_of(context, stage, outcome.winners[0]) or after
    if before is None or after is None:
        return
    expected = "hold" if before.casefold() == after.casefold() else "gain"
    wrong_party = party.casefold() != after.casefold()
    wrong_from = (
        match["from"] is not None
        and (party_name(match["from"]) or "").casefold() != before.casefold()
    )
    if word == expected and not wrong_party and not wrong_from:
        return
    fix = f"{after} hold" if expected == "hold" else f"{after} gain from {before}"
    yield PARTY_RESULT_MISMATCH.found(
        election,
        stage.caption_line,
        "Result",
        f"Result: {stage.result!r}, but the office went from {before} to {after}: "
        f"{fix.replace(' hold', ' Hold').replace(' gain', ' Gain')}",
        {"stated_result": stage.result, "before_party": before, "after_party": after},
        fix=fix.replace(" hold", " Hold").replace(" gain", " gain"),
        confidence="high",
    )
