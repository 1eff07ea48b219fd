"""Which election a source describes, which stage is which, and how a new source joins the
stored election: pure functions over the model.

An election is its jurisdiction, office and election year; a stage within it is its kind and
(for a partisan primary) its party. Titles are labels. A source that gives only some stages of
an election (a primary's precinct file, then the general's) adds them to the stored election;
a source that gives every stage the stored one has replaces it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tallyroom.model import STAGE_KINDS, Election, Stage, StageKind
from tallyroom.names import party_short

__all__ = ["election_identity", "figure_count", "merge_stages", "stage_identity"]


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def election_identity(election: Election) -> str:
    """The key of the election a source describes: its jurisdiction (city and state, or a
    state-level place such as DC alone), office (with its district, when it has one) and
    election year (``"portland|oregon|mayor|2004"``). Only when the jurisdiction, office or
    year is unknown is the title the key (``"title|..."``)."""
    place = election.jurisdiction
    year = election.year
    if (place.city or place.state) and election.office and year is not None:
        office = election.office
        if election.district:  # "ga||cc d3|2016": the districts of an office stay apart
            office = f"{office} {election.district}"
        parts = (place.city or "", place.state or "", office, str(year))
        return "|".join(_plain(part) for part in parts)
    return "title|" + _plain(election.title)


def stage_identity(stage: Stage) -> tuple[StageKind, str | None]:
    """A stage within its election: its kind and, for a partisan primary, its party (an
    election has at most one general, one runoff, and one primary per party)."""
    if stage.party is None:
        return stage.kind, None
    return stage.kind, _plain(party_short(stage.party) or stage.party)


def _stage_order(stage: Stage) -> tuple[dt.date, int]:
    return stage.date or dt.date.max, STAGE_KINDS.index(stage.kind)


def merge_stages(stored: Election, new: Election) -> tuple[Election, tuple[int | None, ...]]:
    """``new`` joined to the ``stored`` election of the same identity, and where each stage of
    the result comes from (``None``: ``new``; an index: that stage of ``stored``).

    When ``new`` has every stage ``stored`` has, it replaces it whole. Otherwise the stored
    stages that ``new`` does not have are kept, in date order with the new ones.
    """
    given = {stage_identity(stage) for stage in new.stages}
    kept = [(i, s) for i, s in enumerate(stored.stages) if stage_identity(s) not in given]
    if not kept:
        return new, (None,) * len(new.stages)
    both: list[tuple[int | None, Stage]] = [*((None, s) for s in new.stages), *kept]
    both.sort(key=lambda item: _stage_order(item[1]))
    stages = tuple(stage for _, stage in both)
    origins = tuple(origin for origin, _ in both)
    # The election's own fields (title, date, holders...) come from the source of its deciding
    # stage; the other source fills in what that one leaves unknown or empty.
    deciding = replace(new, stages=stages).deciding_stage
    first, other = (new, stored)
    position = next((i for i, stage in enumerate(stages) if stage is deciding), None)
    if position is not None and origins[position] is not None:
        first, other = stored, new
    filled = {
        name: getattr(other, name)
        for name in Election.__dataclass_fields__
        if name not in ("stages", "source")
        and getattr(first, name) in (None, (), False)
        and getattr(other, name) not in (None, (), False)
    }
    return replace(first, stages=stages, source=new.source, **filled), origins


def figure_count(election: Election) -> int:
    """How many figures an election states: known row votes, totals, ballots cast, registered
    voters, infobox votes, round tallies, precinct figures. A new version with fewer is worse."""
    count = sum(1 for n in election.nominees if n.votes is not None)
    for stage in election.stages:
        count += sum(1 for row in stage.results if row.votes is not None)
        for figure in (stage.stated_total, stage.ballots_cast, stage.registered_voters):
            count += figure is not None
        count += sum(len(item.tally) for item in stage.rounds)
        count += len(stage.unit_results)
    return count
