"""MediaWiki wikitext: an article skeleton an editor can paste, and a reader of its templates.

Written: ``{{Infobox election}}`` (title, date, turnout, registered voters, nominees with votes and
percentages, office holder before and after) and, per stage, a section with an election box:
``{{Election box begin no change}}``, one candidate row per result (with a party link when the
row has a party; `` (incumbent)`` and `` (write-in)`` after the name mark those rows),
``{{Election box total no change}}``, ``{{Election box registered electors}}``,
``{{Election box turnout no change}}`` (ballots cast), a hold/gain row when the stage states
one, ``{{Election box end}}``. Numbers carry thousands separators.

Read with mwparserfromhell. A template that is neither one of these nor a harmless reference
template is an error naming its line. Party names go through Wikipedia's article names
(``Democratic`` → ``Democratic Party (United States)``): a result row's party is read back as the
article name (as articles give it); the infobox's parties as the short name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from tallyroom.errors import ParseError
from tallyroom.figures import percent
from tallyroom.formats.conversion import Written
from tallyroom.limits import whole_count
from tallyroom.model import (
    CandidateResult,
    Election,
    InfoboxCandidate,
    Jurisdiction,
    Stage,
    StageKind,
)

__all__ = [
    "PARTY_ARTICLES",
    "looks_like_wikitext",
    "party_article",
    "read_wikitext",
    "write_wikitext",
]

PARTY_ARTICLES: dict[str, str] = {
    "Democratic": "Democratic Party (United States)",
    "Republican": "Republican Party (United States)",
    "Green": "Green Party of the United States",
    "Libertarian": "Libertarian Party (United States)",
    "Independent": "Independent politician",
    "Statehood Green": "D.C. Statehood Green Party",
    "Socialist": "Socialist Party USA",
    "Working Families": "Working Families Party",
}
_ABBREVIATIONS = {
    "DEM": "Democratic",
    "REP": "Republican",
    "GRN": "Green",
    "LIB": "Libertarian",
    "IND": "Independent",
    "SG": "Statehood Green",
    "STG": "Statehood Green",
}
_PARTY_OF_ARTICLE = {article: short for short, article in PARTY_ARTICLES.items()}
_HARMLESS = frozenset(
    {
        "reflist",
        "cite web",
        "cite news",
        "citation needed",
        "sfn",
        "efn",
        "notelist",
        "use mdy dates",
        "short description",
    }
)
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")
_HEADING = re.compile(r"^(.+?)(?:, (\w+ \d{1,2}, \d{4}))?$")


def party_article(party: str | None) -> str | None:
    """The Wikipedia article of a party: ``DEM`` or ``Democratic`` → the Democratic Party's."""
    if party is None:
        return None
    short = _ABBREVIATIONS.get(party, party)
    return PARTY_ARTICLES.get(short, short)


def _article(party: str) -> str:
    return party_article(party) or party


def _party(article: str) -> str:
    return _PARTY_OF_ARTICLE.get(article, article)


def _date_text(date: dt.date) -> str:
    return f"{date:%B} {date.day}, {date.year}"


def _percent(share: Fraction | None) -> str:
    # Election boxes show one decimal; the rounding is tallyroom's one rule.
    return percent(share, 1) or ""


def looks_like_wikitext(text: str) -> bool:
    return "{{Infobox election" in text or "{{Election box begin" in text


def write_wikitext(elections: Sequence[Election]) -> Written:
    """The wikitext skeleton of each election, separated by a blank line."""
    parts = []
    warnings: list[str] = []
    for election in elections:
        text, lost = _write_one(election)
        parts.append(text)
        warnings.extend(lost)
    return Written("\n\n".join(parts), tuple(warnings))


def _infobox(election: Election) -> list[str]:
    lines = [
        "{{Infobox election",
        f"| election_name = {election.title}",
        "| country = United States",
    ]
    if election.type:
        lines.append(f"| type = {election.type}")
    for key, value in (
        ("previous_election", election.previous_election),
        ("previous_year", election.previous_year),
        ("next_election", election.next_election),
        ("next_year", election.next_year),
    ):
        if value is not None:
            lines.append(f"| {key} = {value}")
    if election.date is not None:
        lines.append(f"| election_date = {_date_text(election.date)}")
    if election.registered_voters is not None:
        lines.append(f"| registered = {election.registered_voters:,}")
    if election.stated_turnout is not None:
        lines.append(f"| turnout = {election.stated_turnout}%")
    nominees = election.nominees
    if not nominees and election.deciding_stage is not None:
        stage = election.deciding_stage
        nominees = tuple(
            InfoboxCandidate(r.name, r.party, r.votes, None) for r in stage.ranked()[:2]
        )
    for n, nominee in enumerate(nominees, start=1):
        lines.append(f"| nominee{n} = {nominee.name}")
        if nominee.party:
            lines.append(f"| party{n} = {_article(nominee.party)}")
        if nominee.votes is not None:
            lines.append(f"| popular_vote{n} = {nominee.votes:,}")
        if nominee.stated_percentage is not None:
            lines.append(f"| percentage{n} = {nominee.stated_percentage}%")
    if election.office:
        lines.append(f"| title = {election.office}")
    for key, value in (
        ("before_election", election.before_holder),
        ("before_party", election.before_party),
        ("after_election", election.after_holder),
        ("after_party", election.after_party),
    ):
        if value:
            party_like = key.endswith("party")
            lines.append(f"| {key} = {_article(value) if party_like else value}")
    lines.append("}}")
    return lines


def _write_one(election: Election) -> tuple[str, list[str]]:
    warnings: list[str] = []
    lines = _infobox(election)
    if election.jurisdiction.city or election.jurisdiction.state:
        place = ", ".join(p for p in (election.jurisdiction.city, election.jurisdiction.state) if p)
        lines += ["", f"The '''{election.title}''' was held in {place}."]
    for stage in election.stages:
        where = f"{election.title}, {stage.label()}"
        if stage.unit_results:
            warnings.append(
                f"{where}: {len(stage.unit_results)} reporting-unit rows not written "
                "(an article's election box holds the totals)"
            )
        if stage.rounds:
            warnings.append(f"{where}: {len(stage.rounds)} ranked-choice rounds not written")
        heading = stage.label() + (f", {_date_text(stage.date)}" if stage.date else "")
        lines += [
            "",
            f"== {stage.label()} ==",
            f"{{{{Election box begin no change | title = {heading}}}}}",
        ]
        for row in stage.results:
            name = (
                row.name
                + (" (incumbent)" if row.incumbent else "")
                + (" (write-in)" if row.write_in else "")
            )
            votes = f"{row.votes:,}" if row.votes is not None else ""
            percentage = _percent(stage.share(row.votes))
            if row.party:
                lines.append(
                    "{{Election box candidate with party link no change"
                    f" | party = {_article(row.party)} | candidate = {name}"
                    f" | votes = {votes} | percentage = {percentage}}}}}"
                )
            else:
                lines.append(
                    "{{Election box candidate no party link no change"
                    f" | candidate = {name} | votes = {votes} | percentage = {percentage}}}}}"
                )
        total = stage.stated_total if stage.stated_total is not None else stage.computed_total
        if total is not None:
            lines.append(
                f"{{{{Election box total no change | votes = {total:,} | percentage = 100}}}}"
            )
        if stage.registered_voters is not None:
            lines.append(
                "{{Election box registered electors | reg. electors = "
                f"{stage.registered_voters:,}}}}}"
            )
        if stage.ballots_cast is not None:
            turnout = ""
            if stage.registered_voters:
                turnout = _percent(Fraction(stage.ballots_cast, stage.registered_voters))
            lines.append(
                f"{{{{Election box turnout no change | votes = {stage.ballots_cast:,}"
                f" | percentage = {turnout}}}}}"
            )
        if stage.result:
            row_text = _hold_or_gain(stage.result)
            if row_text is None:
                warnings.append(f"{where}: stated result {stage.result!r} not written")
            else:
                lines.append(row_text)
        lines.append("{{Election box end}}")
    return "\n".join(lines) + "\n", warnings


def _hold_or_gain(result: str) -> str | None:
    hold = re.fullmatch(r"(.+) [Hh]old", result)
    if hold:
        return f"{{{{Election box hold with party link no swing | winner = {hold.group(1)}}}}}"
    gain = re.fullmatch(r"(.+) [Gg]ain from (.+)", result)
    if gain:
        return (
            "{{Election box gain with party link no swing"
            f" | winner = {gain.group(1)} | loser = {gain.group(2)}}}}}"
        )
    return None


# -- reading ---------------------------------------------------------------------------------


def _number(text: str, source: str, line: int, name: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not _NUMBER.match(value):
        raise ParseError(f"{name}: expected a whole number", source=source, line=line, text=value)
    return whole_count(value, source, line, name)


def _date(text: str, source: str, line: int | None) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%B %d, %Y").date()
    except ValueError:
        raise ParseError(
            "expected a date like 'November 2, 2004'", source=source, line=line, text=text
        ) from None


def _stage_of_heading(
    heading: str, source: str, line: int
) -> tuple[StageKind, str | None, dt.date | None]:
    match = _HEADING.match(heading.strip())
    label, date_text = (match.group(1), match.group(2)) if match else (heading, None)
    date = _date(date_text, source, line) if date_text else None
    if label == "General election":
        return "general", None, date
    if label == "Runoff":
        return "runoff", None, date
    if label == "Nonpartisan primary":
        return "primary", None, date
    if label.endswith(" primary"):
        return "primary", label.removesuffix(" primary"), date
    raise ParseError(
        "election box title: expected 'General election', 'Runoff' or '<party> primary'",
        source=source,
        line=line,
        text=heading,
    )


def read_wikitext(text: str, source: str = "<wikitext>") -> Election:
    """The election of an article's infobox and election boxes."""
    import mwparserfromhell  # only when wikitext is read: detecting it needs no parser

    code = mwparserfromhell.parse(text)
    position = 0
    infobox: dict[str, str] = {}
    stages: list[Stage] = []
    current: dict[str, Any] | None = None
    for template in code.filter_templates(recursive=False):
        raw = str(template)
        found = text.find(raw, position)
        position = found if found >= 0 else position
        line = text.count("\n", 0, position) + 1
        name = " ".join(str(template.name).split()).strip()
        params = {str(p.name).strip(): str(p.value).strip() for p in template.params}
        lower = name.lower()
        if lower == "infobox election":
            infobox = params
        elif lower.startswith("election box begin"):
            kind, party, date = _stage_of_heading(params.get("title", ""), source, line)
            current = {
                "kind": kind,
                "party": party,
                "date": date,
                "rows": [],
                "caption": params.get("title"),
            }
        elif lower.startswith("election box") and current is None:
            raise ParseError(f"{{{{{name}}}}} outside an election box", source=source, line=line)
        elif lower.startswith("election box candidate"):
            assert current is not None
            candidate = params.get("candidate", "")
            incumbent = " (incumbent)" in candidate
            write_in = candidate.endswith(" (write-in)")
            candidate = candidate.replace(" (write-in)", "").replace(" (incumbent)", "")
            party = params.get("party") or None
            votes = _number(params.get("votes", ""), source, line, "votes")
            current["rows"].append(
                CandidateResult(candidate, votes, party, incumbent, write_in, line)
            )
        elif lower.startswith("election box total"):
            assert current is not None
            current["total"] = _number(params.get("votes", ""), source, line, "votes")
        elif lower.startswith("election box registered electors"):
            assert current is not None
            current["registered"] = _number(
                params.get("reg. electors", ""), source, line, "reg. electors"
            )
        elif lower.startswith("election box turnout"):
            assert current is not None
            current["ballots"] = _number(params.get("votes", ""), source, line, "votes")
        elif lower.startswith("election box hold"):
            assert current is not None
            current["result"] = f"{params.get('winner', '')} Hold"
        elif lower.startswith("election box gain"):
            assert current is not None
            current["result"] = f"{params.get('winner', '')} gain from {params.get('loser', '')}"
        elif lower == "election box end":
            if current is None:
                raise ParseError("{{Election box end}} without a begin", source=source, line=line)
            stages.append(
                Stage(
                    kind=current["kind"],
                    party=current["party"],
                    date=current["date"],
                    caption=current["caption"],
                    results=tuple(current["rows"]),
                    stated_total=current.get("total"),
                    result=current.get("result"),
                    registered_voters=current.get("registered"),
                    ballots_cast=current.get("ballots"),
                )
            )
            current = None
        elif lower not in _HARMLESS:
            raise ParseError(
                f"unknown template {{{{{name}}}}}; expected Infobox election or Election box "
                "templates",
                source=source,
                line=line,
            )
        position += len(raw)
    if current is not None:
        raise ParseError("election box not closed with {{Election box end}}", source=source)
    if not infobox and not stages:
        raise ParseError("expected an {{Infobox election}} or election boxes", source=source)
    return _election(infobox, tuple(stages), source)


def _election(box: dict[str, str], stages: tuple[Stage, ...], source: str) -> Election:
    def number(key: str) -> int | None:
        return _number(box.get(key, ""), source, 1, key)

    nominees = []
    n = 1
    while f"nominee{n}" in box:
        pct = box.get(f"percentage{n}", "").rstrip("%").strip()
        try:
            stated = Decimal(pct) if pct else None
        except InvalidOperation:
            raise ParseError(f"percentage{n}: expected a number", source=source, text=pct) from None
        party = box.get(f"party{n}")
        nominees.append(
            InfoboxCandidate(
                box[f"nominee{n}"],
                _party(party) if party else None,
                number(f"popular_vote{n}"),
                stated,
            )
        )
        n += 1
    turnout = box.get("turnout", "").rstrip("%").strip()
    date_text = box.get("election_date", "")
    election = Election(
        title=box.get("election_name") or (stages[0].caption if stages else "") or "Election",
        jurisdiction=Jurisdiction(),
        office=box.get("title") or None,
        date=_date(date_text, source, None) if date_text else None,
        type=box.get("type") or None,
        previous_election=box.get("previous_election") or None,
        previous_year=number("previous_year"),
        next_election=box.get("next_election") or None,
        next_year=number("next_year"),
        before_holder=box.get("before_election") or None,
        before_party=_party(box["before_party"]) if box.get("before_party") else None,
        after_holder=box.get("after_election") or None,
        after_party=_party(box["after_party"]) if box.get("after_party") else None,
        stated_turnout=Decimal(turnout) if turnout else None,
        registered_voters=number("registered"),
        nominees=tuple(nominees),
        stages=stages,
        source=source,
    )
    return election
