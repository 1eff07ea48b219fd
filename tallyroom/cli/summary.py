"""The JSON view of an election that ``tallyroom parse --json`` prints.

Documented by ``schemas/election.schema.json``. Votes are integers; percentages are derived from
them (two decimals, as strings, so no float ever carries a figure); stated figures keep their
``stated_`` names.
"""

from __future__ import annotations

from typing import Any

from tallyroom.claims import stage_participants, stated_statuses
from tallyroom.figures import percent
from tallyroom.model import Election
from tallyroom.names import name_key, party_short

__all__ = ["election_json", "percent"]


def election_json(election: Election) -> dict[str, Any]:
    deciding = election.deciding_stage
    date = deciding.date if deciding and deciding.date else election.date
    before = name_key(election.before_holder) if election.before_holder else None
    stages = []
    for index, stage in enumerate(election.stages):
        statuses = stated_statuses(election, index)
        rows = {row.name: row for row in stage.results}
        candidates = []
        for name, votes in stage_participants(election, index):
            row = rows.get(name)
            incumbent = bool(row and row.incumbent) or name_key(name) == before
            candidates.append(
                {
                    "name": name,
                    "party": party_short(row.party) if row else None,
                    "party_label": row.party if row else None,
                    "votes": votes,
                    "percent": percent(stage.share(votes)),
                    "incumbent": incumbent,
                    "acting": incumbent and election.before_acting,
                    "write_in": bool(row and row.write_in),
                    "status": statuses.get(name),
                    "line": row.line if row else None,
                }
            )
        stages.append(
            {
                "kind": stage.kind,
                "party": stage.party,
                "date": stage.date.isoformat() if stage.date else None,
                "date_source": stage.date_source,
                "caption": stage.caption,
                "candidates": candidates,
                "stated_total": stage.stated_total,
                "computed_total": stage.computed_total,
                "other_votes": stage.other_votes,
                "registered_voters": stage.registered_voters,
                "ballots_cast": stage.ballots_cast,
                "result": stage.result,
                "line": stage.caption_line,
            }
        )
    infobox: dict[str, str] = {}
    for item in election.infobox:
        infobox.setdefault(item.key, item.value)
    return {
        "title": election.title,
        "source": election.source,
        "jurisdiction": {
            "city": election.jurisdiction.city,
            "state": election.jurisdiction.state,
        },
        "office": election.office,
        "district": election.district,
        "type": election.type,
        "date": date.isoformat() if date else None,
        "stages": stages,
        "winner": election.after_holder,
        "before": {
            "holder": election.before_holder,
            "party": election.before_party,
            "acting": election.before_acting,
        },
        "after": {"holder": election.after_holder, "party": election.after_party},
        "party_result": election.party_result,
        "unread": [
            {"line": note.line, "reason": note.reason, "text": note.text}
            for note in election.unread
        ],
        "stated_turnout": None if election.stated_turnout is None else str(election.stated_turnout),
        "registered_voters": election.registered_voters,
        "nominees": [
            {
                "name": n.name,
                "party": party_short(n.party),
                "votes": n.votes,
                "stated_percentage": None
                if n.stated_percentage is None
                else str(n.stated_percentage),
            }
            for n in election.nominees
        ],
        "candidates": [
            {
                "name": c.name,
                "nickname": c.nickname,
                "description": c.description,
                "section": list(c.section),
            }
            for c in election.candidates
        ],
        "previous_election": election.previous_election,
        "next_election": election.next_election,
        "infobox": infobox,
        "prose": [p.text for p in election.paragraphs],
    }
