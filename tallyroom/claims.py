"""What a document claims about who advanced, who won and who lost, read from its structure.

Documents say this in several places: a candidate list headed "Advanced to general election",
the candidates who appear in the next stage's table, the infobox's "After Election". These are
*claims*; :mod:`tallyroom.rules` derives the outcome from the counts and compares.
"""

from __future__ import annotations

from tallyroom.model import Election, Stage, Status
from tallyroom.names import name_key

__all__ = ["stage_participants", "stated_statuses"]

#: The last election asked about and each stage's stated statuses found for it. Deciding one
#: election asks for them several times (the rules' verdict, the checks, the figures); an
#: election is immutable, so the answer stays right for as long as it is the same object (it is
#: held here, so its identity cannot be taken by another).
_last: tuple[Election | None, dict[int, dict[str, Status | None]]] = (None, {})


def stage_participants(election: Election, index: int) -> tuple[tuple[str, int | None], ...]:
    """(name, votes) for each candidate of stage ``index``.

    The table's rows when it has any. A table whose rows were lost still had candidates: for a
    primary, those of the document's candidate list; for the deciding stage, the infobox's
    nominees. Their votes are unknown here (``None``); the infobox figures stay in the infobox.
    """
    stage = election.stages[index]
    if stage.results:
        return tuple((row.name, row.votes) for row in stage.results)
    if stage.kind == "primary" and election.candidates:
        return tuple((c.name, None) for c in election.candidates)
    if stage is election.deciding_stage and election.nominees:
        return tuple((n.name, None) for n in election.nominees)
    return ()


def _next_stage(election: Election, index: int) -> Stage | None:
    stage = election.stages[index]
    for later in election.stages[index + 1 :]:
        if stage.kind == "primary" and later.kind == "primary":
            continue
        return later
    return None


def stated_statuses(election: Election, index: int) -> dict[str, Status | None]:
    """The status the document gives each participant of stage ``index`` (by name)."""
    global _last
    last = _last
    if last[0] is not election:
        last = _last = (election, {})
    found = last[1].get(index)
    if found is None:
        found = last[1][index] = _stated_statuses(election, index)
    return dict(found)


def _stated_statuses(election: Election, index: int) -> dict[str, Status | None]:
    stage = election.stages[index]
    names = [name for name, _ in stage_participants(election, index)]
    statuses: dict[str, Status | None] = dict.fromkeys(names)
    if stage is election.deciding_stage:
        winner = name_key(election.after_holder) if election.after_holder else None
        if winner is not None and any(name_key(n) == winner for n in names):
            for name in names:
                statuses[name] = "elected" if name_key(name) == winner else "defeated"
        return statuses
    if stage.kind != "primary":
        return statuses
    listed: dict[str, Status] = {}
    for candidate in election.candidates:
        heading = " ".join(candidate.section).casefold()
        if "advanced" in heading or "advancing" in heading:
            listed[name_key(candidate.name)] = "advanced"
        elif "eliminated" in heading or "defeated" in heading:
            listed[name_key(candidate.name)] = "eliminated"
    following = _next_stage(election, index)
    onward: set[str] | None = None
    if following is not None and following.results:
        # A write-in in the general is not the primary's nominee.
        onward = {name_key(r.name) for r in following.results if not r.write_in}
    for name in names:
        key = name_key(name)
        if key in listed:
            statuses[name] = listed[key]
        elif onward is not None:
            statuses[name] = "advanced" if key in onward else "eliminated"
    return statuses
