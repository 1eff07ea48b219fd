"""Which rules a document's election follows, told from the document itself.

The evidence, strongest first: published ranked-choice rounds or ranked-choice wording; party
primaries; a runoff stage or majority/runoff wording; a statement that elections are nonpartisan
or a list of candidates who "advanced"; otherwise plain plurality. Whatever is chosen, the
:class:`~tallyroom.rules.types.RulesOrigin` lists what it was based on (with line numbers).
"""

from __future__ import annotations

import re
from pathlib import Path

from tallyroom.model import Election, Paragraph
from tallyroom.rules.loading import load_rules
from tallyroom.rules.types import RulesChoice, RulesOrigin
from tallyroom.textscan import may_match

__all__ = ["choose_rules", "infer_rules"]

_RANKED = re.compile(r"\b(ranked[- ]choice|instant[- ]runoff|single transferable vote)\b", re.I)
_MAJORITY = re.compile(
    r"\b(absolute majority|majority of the vote|no candidate received|runoff)\b", re.I
)
_NONPARTISAN = re.compile(r"\bnon-?partisan\b", re.I)
#: Words each pattern's matches contain (see :func:`may_match`).
_WORDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _RANKED: ("ranked", "instant", "single transferable vote"),
    _MAJORITY: ("majority", "no candidate received", "runoff"),
    _NONPARTISAN: ("partisan",),
}


def choose_rules(election: Election, named: str | Path | None = None) -> RulesChoice:
    """The rules for ``election``: those ``named`` by the user, else those the document declares
    (:attr:`Election.rules`), else inferred from the document."""
    if named is not None:
        return RulesChoice(load_rules(named), RulesOrigin("named", (f"given as {named}",)))
    if election.rules:
        rules = load_rules(election.rules)
        return RulesChoice(
            rules, RulesOrigin("declared", (f"the document names {election.rules}",))
        )
    return infer_rules(election)


def infer_rules(election: Election) -> RulesChoice:
    """Rules inferred from ``election``'s stages, headings and prose, saying what they rest on."""
    ranked = _quotes(election.paragraphs, _RANKED)
    with_rounds = [stage.label() for stage in election.stages if stage.rounds]
    if with_rounds or ranked:
        based = [f"published ranked-choice rounds: {', '.join(with_rounds)}"] if with_rounds else []
        return _inferred("ranked-choice", [*based, *ranked])
    parties = [stage.party for stage in election.stages if stage.partisan and stage.party]
    if parties:
        listed = ", ".join(dict.fromkeys(parties))
        return _inferred("partisan-primary", [f"the document has party primaries: {listed}"])
    nonpartisan = _quotes(election.paragraphs, _NONPARTISAN)
    majority = _quotes(election.paragraphs, _MAJORITY)
    runoffs = [stage.label() for stage in election.stages if stage.kind == "runoff"]
    if runoffs or majority:
        based = ["the document has a runoff stage"] if runoffs else []
        return _inferred("majority-runoff", [*based, *majority, *nonpartisan])
    advanced = [
        " > ".join(heading)
        for heading in dict.fromkeys(candidate.section for candidate in election.candidates)
        if any(word in " ".join(heading).casefold() for word in ("advanced", "advancing"))
    ]
    has_primary = any(stage.kind == "primary" for stage in election.stages)
    if has_primary and (nonpartisan or advanced):
        headings = [f"the heading {heading!r}" for heading in advanced]
        return _inferred("top-two", [*nonpartisan, *headings])
    if has_primary:
        return _inferred(
            "top-two",
            ["a primary without party and no statement of the rules: assumed top two"],
        )
    return _inferred("plurality", ["no statement of the rules found: assumed plurality"])


def _inferred(preset: str, based_on: list[str]) -> RulesChoice:
    return RulesChoice(load_rules(preset), RulesOrigin("inferred", tuple(based_on)))


def _quotes(paragraphs: tuple[Paragraph, ...], pattern: re.Pattern[str]) -> list[str]:
    """Where ``pattern`` occurs: 'line 31: "…no candidate received an absolute majority…"'."""
    found = []
    words = _WORDS[pattern]
    for paragraph in paragraphs:
        if not may_match(paragraph.text, words):
            continue
        match = pattern.search(paragraph.text)
        if match is None:
            continue
        text = paragraph.text
        start = max(0, match.start() - 30)
        if start:  # begin and end at word boundaries
            start = text.find(" ", start, match.start()) + 1 or start
        end = min(len(text), match.end() + 30)
        if end < len(text):
            end = text.rfind(" ", match.end(), end) if " " in text[match.end() : end] else end
        excerpt = paragraph.text[start:end].strip()
        excerpt = ("…" if start else "") + excerpt + ("…" if end < len(paragraph.text) else "")
        where = f"line {paragraph.line}" if paragraph.line is not None else "the text"
        found.append(f'{where}: "{excerpt}"')
    return found
