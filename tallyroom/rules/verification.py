"""``verify(election, rules)``: what the rules derive from the tables, against what a document
claims — the candidates listed as advanced or eliminated, who appears in the next stage, the
infobox's "After Election" and "After Party", a stated party result ("Democratic Hold").

Each stage gets a verdict: ``agrees``, ``disagrees`` or ``cannot-tell``, with the reasons.
The claims themselves are read by :mod:`tallyroom.claims`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tallyroom.claims import stage_participants, stated_statuses
from tallyroom.model import CandidateResult, Election, Stage, Status
from tallyroom.names import name_key, party_short
from tallyroom.rules.deciding import decide, rule_for_stage
from tallyroom.rules.types import (
    ElectionVerdict,
    Outcome,
    Reason,
    RulesChoice,
    RulesOrigin,
    RulesSpec,
    StageVerdict,
    Verdict,
)
from tallyroom.rules.wording import names_text, votes_text

__all__ = ["derive_outcomes", "verify", "verify_choice"]

_NO_MAJORITY = re.compile(
    r"\bno candidate (received|won|got|obtained) (an? )?(absolute )?majority", re.I
)
_PARTY_RESULT = re.compile(r"^(?P<party>.+?)\s+(?P<word>hold|gain)\b", re.I)


def verify(election: Election, rules: RulesSpec) -> ElectionVerdict:
    """Decide every stage of ``election`` under ``rules`` and judge the document's claims."""
    return verify_choice(election, RulesChoice(rules, RulesOrigin("named", ())))


class _Keys(dict[str, str]):
    """:func:`name_key` of each name met while verifying one election, each worked out once."""

    def __missing__(self, name: str) -> str:
        key = self[name] = name_key(name)
        return key


def derive_outcomes(election: Election, rules: RulesSpec) -> tuple[Outcome, ...]:
    """Each stage's outcome under ``rules``, as :func:`verify` derives it, without judging the
    document's claims (for callers that compare the claims themselves)."""
    deciding = election.deciding_stage
    return tuple(_derive(election, stage, rules, stage is deciding) for stage in election.stages)


def _derive(election: Election, stage: Stage, rules: RulesSpec, is_deciding: bool) -> Outcome:
    """The stage decided from its table, or, for a deciding stage whose table lost its rows,
    from the infobox's figures when that is sound."""
    outcome = decide(stage, rules)
    if outcome.basis == "none" and is_deciding:
        outcome = _from_infobox(election, stage, rules, outcome)
    return outcome


def verify_choice(election: Election, choice: RulesChoice) -> ElectionVerdict:
    keys = _Keys()
    deciding = election.deciding_stage
    stages = tuple(
        _verify_stage(election, index, choice.rules, keys, deciding)
        for index in range(len(election.stages))
    )
    return ElectionVerdict(election.title, election.source, choice, stages)


def _verify_stage(
    election: Election, index: int, rules: RulesSpec, keys: _Keys, deciding: Stage | None
) -> StageVerdict:
    stage = election.stages[index]
    is_deciding = stage is deciding
    outcome = _derive(election, stage, rules, is_deciding)
    claimed = {
        name: status
        for name, status in stated_statuses(election, index).items()
        if status is not None
    }
    claims = _claim_texts(election, index, claimed, is_deciding)
    if outcome.status == "cannot-tell":
        unchecked = [Reason("unchecked", f"cannot check: {text}") for text in claims]
        reasons = (*outcome.reasons[-1:], *unchecked)
        return StageVerdict(outcome, "cannot-tell", reasons, claims)
    if outcome.status == "tied":
        why = Reason(
            "tied",
            f"the count is tied between {names_text(outcome.tied or ())} and the rules record no "
            "tie-break, so the document's claims cannot be checked",
        )
        return StageVerdict(outcome, "cannot-tell", (why,), claims)
    findings = [
        *_compare_statuses(stage, outcome, claimed, keys, deciding=is_deciding),
        *_compare_no_majority(election, index, outcome),
    ]
    if is_deciding:
        findings.extend(_compare_after(election, index, outcome, keys))
    if stage.result:
        findings.extend(_compare_party_result(election, stage, outcome, keys))
    if not findings:
        why = Reason("no-claims", "the document claims nothing about this stage's outcome")
        return StageVerdict(outcome, "cannot-tell", (why,), claims)
    verdict: Verdict = "disagrees" if any(not ok for ok, _ in findings) else "agrees"
    ordered = [reason for ok, reason in findings if not ok] + [r for ok, r in findings if ok]
    return StageVerdict(outcome, verdict, tuple(ordered), claims)


def _from_infobox(election: Election, stage: Stage, rules: RulesSpec, lost: Outcome) -> Outcome:
    """A deciding stage whose table lost its rows, decided from the infobox's figures when that
    is sound: plurality, every listed candidate's votes known, and the leader's stated share more
    than half (so no candidate the infobox leaves out can have more votes)."""
    nominees = election.nominees
    if (
        rule_for_stage(stage, rules).kind != "plurality"
        or not nominees
        or any(n.votes is None for n in nominees)
    ):
        return lost
    rows = tuple(CandidateResult(n.name, n.votes, n.party) for n in nominees)
    leader = max(nominees, key=lambda n: n.votes or 0)
    listed = "; ".join(f"{n.name} {votes_text(n.votes or 0)}" for n in nominees)
    if leader.stated_percentage is None or leader.stated_percentage <= 50:
        why = Reason(
            "infobox-incomplete",
            f"the infobox gives {listed}, but not a stated share over half for the leader, so "
            "a candidate it leaves out might have more",
        )
        return replace(lost, reasons=(*lost.reasons, why))
    outcome = decide(replace(stage, results=rows, stated_total=None), rules, basis="infobox")
    why = Reason(
        "infobox-figures",
        f"decided from the infobox's figures ({listed}); {leader.name}'s stated share "
        f"({leader.stated_percentage}%) is over half, so no candidate it leaves out has more",
    )
    return replace(outcome, reasons=(*lost.reasons, why, *outcome.reasons))


def _derived_statuses(outcome: Outcome, keys: _Keys, *, deciding: bool) -> dict[str, Status]:
    """The status the rules give each candidate they place, by name key (the first of winners,
    advanced and eliminated to name a key decides it)."""
    derived: dict[str, Status] = {}
    won: Status = "advanced" if outcome.kind == "primary" and outcome.further_stage else "elected"
    lost: Status = "defeated" if deciding or outcome.further_stage is False else "eliminated"
    for names, status in (
        (outcome.winners, won),
        (outcome.advanced, "advanced"),
        (outcome.eliminated, lost),
    ):
        for name in names:
            derived.setdefault(keys[name], status)
    return derived


def _compare_statuses(
    stage: Stage, outcome: Outcome, claimed: dict[str, Status], keys: _Keys, *, deciding: bool
) -> list[tuple[bool, Reason]]:
    if not claimed:
        return []
    by_key = _derived_statuses(outcome, keys, deciding=deciding)
    wrong = []
    for name, said in claimed.items():
        derived = by_key.get(keys[name])
        if derived is None:
            continue
        if derived != said and not {derived, said} <= {"eliminated", "defeated"}:
            wrong.append(f"{name}: {said} by the document, {derived} by the rules")
    if wrong:
        return [(False, Reason("status-differs", text)) for text in wrong]
    going = [n for n, s in claimed.items() if s in ("advanced", "elected")]
    if not going:
        return [(True, Reason("statuses-agree", "the document's losers are the rules' losers"))]
    if stage.kind == "primary" and outcome.further_stage:
        claim = f"{names_text(going)} going on to the next stage"
    else:
        claim = f"{names_text(going)} as the winner" + ("s" if len(going) > 1 else "")
    return [(True, Reason("statuses-agree", f"the document has {claim}, as the rules derive"))]


def _compare_no_majority(
    election: Election, index: int, outcome: Outcome
) -> list[tuple[bool, Reason]]:
    if outcome.rule != "majority-runoff" or outcome.kind != "primary":
        return []
    for paragraph in election.paragraphs:
        if _NO_MAJORITY.search(paragraph.text):
            where = f"line {paragraph.line}" if paragraph.line is not None else "the text"
            ok = not outcome.winners and outcome.further_stage is True
            text = f"the text ({where}) says no candidate had a majority" + (
                ", as the rules derive" if ok else f", but {names_text(outcome.winners)} has one"
            )
            return [(ok, Reason("no-majority-claim", text))]
    return []


def _compare_after(
    election: Election, index: int, outcome: Outcome, keys: _Keys
) -> list[tuple[bool, Reason]]:
    found: list[tuple[bool, Reason]] = []
    stage = election.stages[index]
    holder = election.after_holder
    names = {keys[name] for name, _ in stage_participants(election, index)}
    if holder and keys[holder] not in names:
        found.append(
            (
                False,
                Reason(
                    "after-not-candidate",
                    f"the infobox's After Election names {holder}, who is not a candidate "
                    f"of the {stage.label().lower()}",
                ),
            )
        )
    if election.after_party and outcome.winners:
        party = _party_of(stage, outcome.winners[0], election, keys)
        stated = party_short(election.after_party)
        if party is not None:
            ok = party == stated
            found.append(
                (
                    ok,
                    Reason(
                        "after-party",
                        f"After Party is {stated}; {outcome.winners[0]}'s party is {party}",
                    ),
                )
            )
    return found


def _party_of(stage: Stage, name: str, election: Election, keys: _Keys) -> str | None:
    key = keys[name]
    for row in stage.results:
        if row.party and keys[row.name] == key:
            return party_short(row.party)
    for nominee in election.nominees:
        if nominee.party and keys[nominee.name] == key:
            return party_short(nominee.party)
    return None


def _compare_party_result(
    election: Election, stage: Stage, outcome: Outcome, keys: _Keys
) -> list[tuple[bool, Reason]]:
    match = _PARTY_RESULT.match(stage.result or "")
    if match is None or not outcome.winners:
        return []
    stated_party = party_short(match["party"])
    word = match["word"].capitalize()
    party = _party_of(stage, outcome.winners[0], election, keys)
    before = party_short(election.before_party)
    if party is None or before is None:
        return []
    expected = "Hold" if party == before else "Gain"
    ok = party == stated_party and word == expected
    text = (
        f"Result: {stage.result}; the rules' winner {outcome.winners[0]} is {party} and the office "
        f"was {before}: {party} {expected}"
    )
    return [(ok, Reason("party-result", text))]


def _claim_texts(
    election: Election, index: int, claimed: dict[str, Status], deciding: bool
) -> tuple[str, ...]:
    stage = election.stages[index]
    texts = []
    for status in ("elected", "advanced", "defeated", "eliminated"):
        names = [name for name, s in claimed.items() if s == status]
        if names:
            texts.append(f"{status}: {names_text(names)}")
    if deciding and election.after_holder:
        texts.append(f"infobox After Election: {election.after_holder}")
    if deciding and election.after_party:
        texts.append(f"infobox After Party: {party_short(election.after_party)}")
    if stage.result:
        texts.append(f"Result: {stage.result}")
    return tuple(texts)
