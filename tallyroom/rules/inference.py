"""Which rules a document's election follows, told from the document itself.

The evidence, strongest first: published ranked-choice rounds, or ranked-choice wording in force
in the election's year; party primaries; a preset for the election's city and year (a preset
says where and when it applies in its ``[applies]`` table); a runoff stage; a statement that the
winner needs only a plurality ("with no primary and no runoff", "elected by plurality"); majority
or runoff wording ("if no candidate receives a majority"); a statement that elections are
nonpartisan or a list of candidates who "advanced"; otherwise plain plurality.

Prose is read clause by clause: a clause that denies or repeals something ("no runoff",
"abolished runoff elections", "repealed instant-runoff voting") is not evidence for it, and a
clause about another time (a later year, "the following year") is not evidence about this
election. Whatever is chosen, the :class:`~tallyroom.rules.types.RulesOrigin` lists what it was
based on (with line numbers).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from tallyroom.model import Election, Paragraph
from tallyroom.rules.loading import load_rules, preset_for
from tallyroom.rules.types import RulesChoice, RulesOrigin
from tallyroom.textscan import may_match

__all__ = ["choose_rules", "infer_rules"]

_RANKED = re.compile(r"\b(ranked[- ]choice|instant[- ]runoff|single transferable vote)\b", re.I)
_PLURALITY = re.compile(
    r"\b(plurality|no run-?offs?\b|without a run-?off|abolish\w* (?:the )?run-?offs?"
    r"|most votes (?:is |was |were )?(?:elected|wins|won))",
    re.I,
)
_MAJORITY = re.compile(
    r"\b(absolute majority|majority of the vote|(?:if )?no candidate (?:receives|received|wins|"
    r"won|gets|got|has|had|reaches|reached) (?:a|an absolute|a clear) majority|(?:needs?|needed|"
    r"requires?|required) (?:a|an absolute) majority|(?<!instant[- ])(?<!no )run-?offs?\b)",
    re.I,
)
_NONPARTISAN = re.compile(r"\bnon-?partisan\b", re.I)
#: Words by which a clause denies or ends what it names.
_DENIAL = re.compile(
    r"\b(no|not|never|without|abolish\w*|repeal\w*|eliminat\w*|end(?:ed|s)?|scrapp\w*|"
    r"replac\w*|no longer|dropp\w*)\b",
    re.I,
)
#: Words by which a clause speaks of another time than the election's.
_OTHER_TIME = re.compile(
    r"\b(following year|next year|later|afterwards|since then|brought \w+ back|restored|"
    r"reinstat\w*|will|would|future)\b",
    re.I,
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_SINCE = re.compile(
    r"\b(?:since|from|starting (?:in|with)|beginning (?:in|with))\s+(\d{4})\b", re.I
)
_CLAUSES = re.compile(r"(?<=[.;:!?])\s+|,\s+(?:so|but|and|while|although|though)\s+")
#: Words each pattern's matches contain (see :func:`may_match`).
_WORDS: dict[re.Pattern[str], tuple[str, ...]] = {
    _RANKED: ("ranked", "instant", "single transferable vote"),
    _PLURALITY: ("plurality", "runoff", "run-off", "most votes"),
    _MAJORITY: ("majority", "runoff", "run-off"),
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
    """Rules inferred from ``election``'s stages, headings and prose, saying what they rest on:
    the preset for its city and year when there is one, else the generic rules its text
    points to."""
    name, based_on = _from_document(election)
    place = election.jurisdiction
    year = election.year
    preset = preset_for(place.city, place.state, year)
    if preset is not None:
        rules = load_rules(preset)
        published = name == "ranked-choice" and any(stage.rounds for stage in election.stages)
        ranked = any(
            rule is not None and rule.kind == "ranked-choice"
            for rule in (rules.primary, rules.general, rules.runoff)
        )
        if ranked or not published:
            where = ", ".join(part for part in (place.city, place.state) if part)
            basis = f"the preset for {where} in {year}" if year else f"the preset for {where}"
            return RulesChoice(rules, RulesOrigin("inferred", (basis, *based_on)))
    return _inferred(name, based_on)


def _from_document(election: Election) -> tuple[str, list[str]]:
    """The generic rules ``election``'s stages, headings and prose point to, and why."""
    year = election.year
    prose = _Prose.of(election.paragraphs)
    ranked = _quotes(prose, _RANKED, year)
    with_rounds = [stage.label() for stage in election.stages if stage.rounds]
    if with_rounds or ranked:
        based = [f"published ranked-choice rounds: {', '.join(with_rounds)}"] if with_rounds else []
        return "ranked-choice", [*based, *ranked]
    parties = [stage.party for stage in election.stages if stage.partisan and stage.party]
    if parties:
        listed = ", ".join(dict.fromkeys(parties))
        return "partisan-primary", [f"the document has party primaries: {listed}"]
    nonpartisan = _quotes(prose, _NONPARTISAN, year)
    runoffs = [stage.label() for stage in election.stages if stage.kind == "runoff"]
    if runoffs:
        majority = _quotes(prose, _MAJORITY, year)
        return "majority-runoff", ["the document has a runoff stage", *majority, *nonpartisan]
    has_primary = any(stage.kind == "primary" for stage in election.stages)
    plurality = _quotes(prose, _PLURALITY, year, denials=False)
    if plurality and not has_primary:
        return "plurality", plurality
    majority = _quotes(prose, _MAJORITY, year)
    if majority:
        return "majority-runoff", [*majority, *nonpartisan]
    advanced = [
        " > ".join(heading)
        for heading in dict.fromkeys(candidate.section for candidate in election.candidates)
        if any(word in " ".join(heading).casefold() for word in ("advanced", "advancing"))
    ]
    if has_primary and (nonpartisan or advanced):
        headings = [f"the heading {heading!r}" for heading in advanced]
        return "top-two", [*nonpartisan, *headings]
    if has_primary:
        return "top-two", ["a primary without party and no statement of the rules: assumed top two"]
    if plurality:
        return "plurality", plurality
    return "plurality", ["no statement of the rules found: assumed plurality"]


def _inferred(preset: str, based_on: list[str]) -> RulesChoice:
    return RulesChoice(load_rules(preset), RulesOrigin("inferred", tuple(based_on)))


def _applies(clause: str, start: int, end: int, year: int | None, denials: bool) -> bool:
    """Whether what ``clause[start:end]`` names holds for an election of ``year``: the clause
    does not deny it (when ``denials``), speak of another time, or date it after ``year``."""
    if denials and _DENIAL.search(clause[:start]) is not None:
        return False
    if _OTHER_TIME.search(clause) is not None:
        return False
    if year is not None:
        since = _SINCE.search(clause)
        if since is not None and int(since[1]) > year:
            return False
        if since is None and any(int(found) > year for found in _YEAR.findall(clause)):
            return False
    return True


class _Prose(NamedTuple):
    """An election's paragraphs, and their text joined by line breaks in lower case when all of
    it is ASCII (else ``None``): a pattern none of whose words (see :data:`_WORDS`, none with a
    line break) that text holds matches no paragraph, which need not be looked at one by one."""

    paragraphs: tuple[Paragraph, ...]
    lowered: str | None

    @classmethod
    def of(cls, paragraphs: tuple[Paragraph, ...]) -> _Prose:
        joined = "\n".join(paragraph.text for paragraph in paragraphs)
        return cls(paragraphs, joined.lower() if joined.isascii() else None)


def _quotes(
    prose: _Prose,
    pattern: re.Pattern[str],
    year: int | None = None,
    *,
    denials: bool = True,
) -> list[str]:
    """Where ``pattern`` occurs in a clause that holds for the election's ``year``:
    'line 31: "…no candidate received an absolute majority…"'."""
    found: list[str] = []
    words = _WORDS[pattern]
    if prose.lowered is not None and not any(word in prose.lowered for word in words):
        return found
    for paragraph in prose.paragraphs:
        if not may_match(paragraph.text, words):
            continue
        text = paragraph.text
        match = None
        for clause in _CLAUSES.split(text):
            for candidate in pattern.finditer(clause):
                if _applies(clause, candidate.start(), candidate.end(), year, denials):
                    offset = text.find(clause)
                    match = (offset + candidate.start(), offset + candidate.end())
                    break
            if match is not None:
                break
        if match is None:
            continue
        start = max(0, match[0] - 30)
        if start:  # begin and end at word boundaries
            start = text.find(" ", start, match[0]) + 1 or start
        end = min(len(text), match[1] + 30)
        if end < len(text):
            end = text.rfind(" ", match[1], end) if " " in text[match[1] : end] else end
        excerpt = text[start:end].strip()
        excerpt = ("…" if start else "") + excerpt + ("…" if end < len(text) else "")
        where = f"line {paragraph.line}" if paragraph.line is not None else "the text"
        found.append(f'{where}: "{excerpt}"')
    return found
