"""The pages' words: outcomes in plain sentences, party names, dates, source names.

Every sentence is made from the stored figures and decisions, and every share in it is the
stored percentage text (``"Tom Potter won with 61.59 %"``); nothing is counted or decided here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from tallyroom.figures import ElectionFigures, StageFigures
from tallyroom.formats.dates import MONTHS
from tallyroom.names import party_short
from tallyroom.views.links import names_text

__all__ = [
    "VERDICT_SENTENCES",
    "date_text",
    "outcome_sentence",
    "party_result_text",
    "party_text",
    "percent_text",
    "source_label",
    "stage_sentence",
]

#: A narrow no-break space keeps "61.59 %" on one line.
NNBSP = "\u202f"

#: What the count says of the document's claim about a stage, in words.
VERDICT_SENTENCES = {
    "agrees": "The source says the same.",
    "disagrees": "The source says otherwise; the count above is what the figures decide.",
    "cannot-tell": "What the source claims cannot be checked against these figures.",
}

_RESULT = re.compile(r"^(?P<party>.*?)\s+(?P<how>hold|gain)(?:\s+from\s+(?P<from>.+))?$", re.I)
_HEADING = re.compile(r"^=+\s*(?P<title>[^=].*?)\s*=+$")


def date_text(day: dt.date | None) -> str | None:
    """A date in words: ``"November 2, 2004"``."""
    if day is None:
        return None
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def percent_text(share: str | None) -> str | None:
    """A stored percentage with its sign: ``"61.59"`` -> ``"61.59 %"`` (never re-rounded)."""
    return None if share is None else f"{share}{NNBSP}%"


def party_text(label: str | None) -> str | None:
    """A party's short name: "Democratic Party (United States)" -> "Democratic". A result such
    as "Democratic Hold" is not a party: ``None``."""
    if label is None or _RESULT.match(label.strip()):
        return None
    return party_short(label)


def party_result_text(result: str | None) -> str | None:
    """ "Democratic Party (United States) Hold" -> "Democratic hold: the party kept the office";
    "Independent gain from Democratic Party (United States)" -> "Independent gain from
    Democratic"."""
    if result is None:
        return None
    match = _RESULT.match(result.strip())
    if match is None:
        return result
    party = party_short(match["party"])
    if match["how"].casefold() == "hold":
        return f"{party} hold: the party kept the office"
    if match["from"]:
        return f"{party} gain from {party_short(match['from'])}"
    return f"{party} gain"


def source_label(name: str, text: str | None) -> str:
    """What a reader calls a source: the document's own title when its first line is a heading
    (``= 2004 Portland, Oregon mayoral election =``), else its file name."""
    if text:
        for line in text.splitlines()[:5]:
            match = _HEADING.match(line.strip())
            if match:
                return match["title"]
            if line.strip():
                break
    return name


def _share(stage: StageFigures, name: str) -> str | None:
    return next((row.percent for row in stage.rows if row.name == name), None)


def _over_half(share: str | None) -> bool:
    return share is not None and Decimal(share) > 50


def stage_sentence(
    stage: StageFigures, figures: ElectionFigures, next_label: str | None = None
) -> str:
    """What one stage decided, in a sentence."""
    decision = stage.decision
    if decision is None:
        return "No rules could be applied to this stage, so it shows figures only."
    if decision.tied:
        return _tie_sentence(decision.tied, stage)
    if decision.status != "decided":
        return "The figures do not show who won this stage."
    winners, advanced = decision.winners, decision.advanced
    if stage.kind == "primary" and stage.party and winners:
        share = percent_text(_share(stage, winners[0]))
        tail = f" with {share}" if share and len(winners) == 1 else ""
        return f"{names_text(winners)} won the {stage.party} nomination{tail}."
    if advanced and not winners:
        where = f"the {next_label[0].lower()}{next_label[1:]}" if next_label else "the next round"
        leader = max(
            (row for row in stage.rows if row.percent is not None),
            key=lambda row: Decimal(row.percent or "0"),
            default=None,
        )
        top = leader.percent if leader is not None else None
        prefix = "No majority: " if top is not None and not _over_half(top) else ""
        verb = "goes" if len(advanced) == 1 else "go"
        return f"{prefix}{names_text(advanced)} {verb} to {where}."
    if len(winners) == 1:
        winner = winners[0]
        if stage.rounds and stage.deciding and winner == figures.winner:
            share = percent_text(figures.winner_percent)
            last = stage.rounds[-1].number
            tail = f" with {share} of the continuing ballots" if share else ""
            return f"{winner} won in round {last}{tail}."
        share = percent_text(_share(stage, winner))
        return f"{winner} won with {share}." if share else f"{winner} won."
    if winners:
        return f"{names_text(winners)} won."
    return "Nobody was elected at this stage."


def _tie_sentence(tied: Sequence[str], stage: StageFigures) -> str:
    votes = {row.votes for row in stage.rows if row.name in tied}
    each = f" with {votes.pop():,} votes each" if len(votes) == 1 and None not in votes else ""
    return f"Tie: {names_text(tied)} are level{each}, and the tie stands."


def outcome_sentence(figures: ElectionFigures) -> str:
    """The election's outcome in one sentence, from its deciding stage."""
    if figures.deciding_stage is not None:
        stage = figures.stages[figures.deciding_stage]
        if figures.outcome == "decided" and figures.winner is not None:
            share = percent_text(figures.winner_percent)
            if stage.rounds:
                tail = f" with {share} of the continuing ballots" if share else ""
                return f"{figures.winner} won in round {stage.rounds[-1].number}{tail}."
            return f"{figures.winner} won with {share}." if share else f"{figures.winner} won."
        if figures.outcome == "tied" and figures.tied:
            return _tie_sentence(figures.tied, stage)
        if figures.outcome == "decided" and figures.winners:
            return f"{names_text(figures.winners)} won."
    if figures.outcome == "no-rules":
        return "No rules could be applied, so the winner is not stated here."
    return "The figures do not show who won."
