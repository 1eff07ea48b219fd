"""Classification: an election type that contradicts the article (a mayoral election marked
"gubernatorial"); a nonpartisan election with party labels, a partisan one without.

"presidential", "parliamentary" and "legislative" are not judged: they are the values of the
encyclopedia infobox's ``type`` setting, which chooses its layout (candidate columns or party
rows), and mayoral articles carry them as a matter of course."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.evidence import party_name
from tallyroom.model import Election, Stage
from tallyroom.textscan import may_match

__all__ = ["CODES", "check_classification"]

TYPE_CONTRADICTS = CheckCode(
    "type-contradicts",
    "classification",
    "error",
    "The stated election type contradicts the office (a mayoral election marked gubernatorial)",
)
NONPARTISAN_WITH_PARTIES = CheckCode(
    "nonpartisan-with-parties",
    "classification",
    "warning",
    "Party labels on the rows of a nonpartisan election",
)
NONPARTISAN_HOLDER_PARTY = CheckCode(
    "nonpartisan-holder-party",
    "classification",
    "info",
    "A nonpartisan election's infobox gives the office holder's party",
)
PRIMARY_PARTY_MISMATCH = CheckCode(
    "primary-party-mismatch",
    "classification",
    "warning",
    "A row of one party's primary carries another party's label",
)
PARTISAN_WITHOUT_LABELS = CheckCode(
    "partisan-without-labels",
    "classification",
    "info",
    "A party's primary or a party result whose rows carry no party labels",
)

CODES = (
    TYPE_CONTRADICTS,
    NONPARTISAN_WITH_PARTIES,
    NONPARTISAN_HOLDER_PARTY,
    PRIMARY_PARTY_MISMATCH,
    PARTISAN_WITHOUT_LABELS,
)

#: The types an election for each office may carry, and the words of other offices' types.
_OFFICE_TYPES = {"mayor": frozenset({"mayoral", "mayor", "municipal", "local", "city"})}
_CANONICAL_TYPE = {"mayor": "mayoral"}
_OTHER_TYPES = frozenset(
    {
        "gubernatorial",
        "senate",
        "senatorial",
        "congressional",
        "house",
        "federal",
        "state",
        "referendum",
    }
)
_NONPARTISAN = re.compile(r"\bnon-?partisan\b", re.I)
_PARTISAN_DENIAL = re.compile(r"\bnot\s+non-?partisan\b", re.I)


def check_classification(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    yield from _type(context)
    if nonpartisan_election(election):
        yield from _nonpartisan(context)
    yield from _partisan(election)


def _office(election: Election) -> str | None:
    if election.office and "mayor" in election.office.casefold():
        return "mayor"
    if may_match(election.title, ("mayoral",)) and re.search(r"\bmayoral\b", election.title, re.I):
        return "mayor"
    return None


def _type(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    stated = election.type
    office = _office(election)
    if not stated or office is None:
        return
    words = set(re.findall(r"[a-z]+", stated.casefold()))
    if words & _OFFICE_TYPES[office] or not words & _OTHER_TYPES:
        return
    expected = _CANONICAL_TYPE[office]
    yield TYPE_CONTRADICTS.found(
        election,
        context.field_line("type"),
        "Type",
        f"the election is typed {stated!r}, but it elects a {office} (title {election.title!r})",
        {"stated_type": stated, "office": election.office or office, "title": election.title},
        fix=expected,
    )


def nonpartisan_election(election: Election) -> bool:
    """Whether the document says its election is nonpartisan (and has no party primary)."""
    if any(stage.partisan for stage in election.stages):
        return False
    texts = [p.text for p in election.paragraphs] + [s.caption or "" for s in election.stages]
    return any(
        may_match(t, ("partisan",)) and _NONPARTISAN.search(t) and not _PARTISAN_DENIAL.search(t)
        for t in texts
    )


def _nonpartisan(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage in election.stages:
        for row in stage.results:
            if row.party is None or row.write_in:
                continue
            yield NONPARTISAN_WITH_PARTIES.found(
                election,
                row.line,
                f"row {row.name}",
                f"{row.name} carries the party label {row.party!r} in a nonpartisan election",
                {"party": row.party, "stage": stage.label()},
                fix="Nonpartisan candidate",
                confidence="medium",
            )
    for key, value in (
        ("Before Party", election.before_party),
        ("After Party", election.after_party),
    ):
        if value is None:
            continue
        yield NONPARTISAN_HOLDER_PARTY.found(
            election,
            context.field_line(key),
            key,
            f"{key} gives {value!r} although the document says the election is nonpartisan; "
            "it can only be the holder's own affiliation",
            {"party": value},
        )


def _partisan(election: Election) -> Iterator[Finding]:
    for stage in election.stages:
        if stage.partisan:
            yield from _party_primary(election, stage)
        elif stage.result and stage.results and all(r.party is None for r in stage.results):
            yield PARTISAN_WITHOUT_LABELS.found(
                election,
                stage.caption_line,
                "Result",
                f"{stage.label()}: the result {stage.result!r} names a party but no row has a "
                "party label",
                {"result": stage.result},
            )


def _party_primary(election: Election, stage: Stage) -> Iterator[Finding]:
    assert stage.party is not None
    labelled = [r for r in stage.results if r.party is not None]
    if stage.results and not labelled:
        yield PARTISAN_WITHOUT_LABELS.found(
            election,
            stage.caption_line,
            "table",
            f"{stage.label()}: no row carries a party label",
            {"party": stage.party},
        )
    for row in labelled:
        short = party_name(row.party)
        if short is None or short.casefold() == stage.party.casefold() or row.write_in:
            continue
        yield PRIMARY_PARTY_MISMATCH.found(
            election,
            row.line,
            f"row {row.name}",
            f"{row.name} is labelled {row.party!r} in the {stage.label()}",
            {"row_party": row.party, "primary_party": stage.party},
            fix=stage.party,
            confidence="medium",
        )
