"""Prose: the winner an article's text names ("Breed won", "Lightfoot was elected") against the
winner the rules derive from its tables.

A sentence is read as naming the winner when a candidate of the deciding stage (by full name or
last name) is its subject for "won", "was elected", "became mayor", "defeated" or "beat", and the
sentence is not about a primary, a nomination or a first round. The infobox's "After Election" is
compared by :mod:`tallyroom.checks.outcomes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.outcomes import derived_outcomes
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.evidence import person_key, same_person
from tallyroom.textscan import may_match

__all__ = ["CODES", "check_prose"]

PROSE_WINNER_MISMATCH = CheckCode(
    "prose-winner-mismatch",
    "outcomes",
    "warning",
    "The text names a winner other than the one the rules derive from the tables",
)

CODES = (PROSE_WINNER_MISMATCH,)

_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}"
_WON = re.compile(
    rf"(?P<name>{_NAME})(?:,[^,.;]{{1,80}},)? (?:(?:then|narrowly|easily|eventually) )?"
    r"(?P<verb>won|was elected|was re-elected|became mayor|defeated|beat)\b(?P<rest>[^.;]{0,60})"
)
_NOT_DECIDING = re.compile(
    r"\b(primary|primaries|nomination|first round|first count|first choices|plurality of|"
    r"ward|district|seat|council)\b",
    re.I,
)
_WORDS = ("won", "elected", "became mayor", "defeated", "beat")


def check_prose(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    stage = election.deciding_stage
    outcomes = derived_outcomes(context)
    if stage is None or outcomes is None:
        return
    outcome = outcomes[election.stages.index(stage)]
    if outcome.status != "decided" or not outcome.winners:
        return
    names = [row.name for row in stage.results]
    for paragraph in election.paragraphs:
        if not may_match(paragraph.text, _WORDS):
            continue
        for match in _WON.finditer(paragraph.text):
            if _NOT_DECIDING.search(match["rest"]) is not None:
                continue
            named = _candidate(match["name"], names)
            if named is None or any(same_person(named, w) for w in outcome.winners):
                continue
            yield PROSE_WINNER_MISMATCH.found(
                election,
                paragraph.line,
                "text",
                f"the text says {match['name']} {match['verb']}, but under the rules "
                f"({outcome.rule}) "
                f"the {stage.label().lower()} table gives {', '.join(outcome.winners)}",
                {
                    "stated": named,
                    "derived_winners": tuple(outcome.winners),
                    "rule": outcome.rule,
                },
                fix=", ".join(outcome.winners),
                confidence="medium",
            )
            break


def _candidate(said: str, names: list[str]) -> str | None:
    """The candidate ``said`` names: by full name, or by a last name only one candidate has."""
    for name in names:
        if same_person(said, name):
            return name
    words = person_key(said).split()
    while words:
        tail = " ".join(words)
        found = [n for n in names if person_key(n).endswith(" " + tail) or person_key(n) == tail]
        if len(found) == 1:
            return found[0]
        words = words[1:]
    return None
