"""The data of every page, as JSON-ready dicts: the JSON twins, and what the templates render.

Each builder is a function of model objects (and store summaries); the HTML page and its ``.json``
twin are made from the same dict, so they cannot disagree. Links are site paths ("/elections/3");
the renderer makes them relative. Votes stay integers; percentages are derived here with
:func:`tallyroom.formats.summary.percent` and given as text.

The outcome under the rules (:mod:`tallyroom.rules`) and the checks' findings
(:mod:`tallyroom.checks`) are shown when those packages are present; when one is missing or
cannot judge an election, the page says why instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from tallyroom.errors import TallyroomError
from tallyroom.formats.summary import election_json, percent
from tallyroom.model import Election, Stage
from tallyroom.names import name_key
from tallyroom.web.queries import city_slug, slug

__all__ = [
    "candidate_data",
    "candidate_slug",
    "city_data",
    "election_data",
    "election_url",
    "turnout",
    "winner_share",
]

JSONDict = dict[str, Any]


@functools.lru_cache(maxsize=65536)
def candidate_slug(name: str) -> str:
    """The slug of a person's page: spellings of one name (and accents) give the same slug."""
    return slug(name_key(name))


def election_url(election_id: int) -> str:
    return f"/elections/{election_id}"


def candidate_url(name: str) -> str:
    return f"/candidates/{candidate_slug(name)}"


def city_url(city: str, state: str | None) -> str:
    return f"/cities/{city_slug(city, state)}"


def turnout(election: Election) -> JSONDict | None:
    """Turnout of the deciding stage: computed from ballots cast and registered voters when both
    are known, else as the source states it; ``None`` when neither is known."""
    stage = election.deciding_stage
    registered = (stage.registered_voters if stage else None) or election.registered_voters
    if stage is not None and stage.ballots_cast is not None and registered:
        from fractions import Fraction

        return {
            "percent": percent(Fraction(stage.ballots_cast, registered)),
            "basis": "computed",
            "ballots_cast": stage.ballots_cast,
            "registered_voters": registered,
        }
    if election.stated_turnout is not None:
        return {
            "percent": str(election.stated_turnout),
            "basis": "stated",
            "ballots_cast": None,
            "registered_voters": registered,
        }
    return None


def _winner(election: Election, stage: Stage) -> str | None:
    if election.after_holder:
        wanted = name_key(election.after_holder)
        for row in stage.results:
            if name_key(row.name) == wanted:
                return row.name
    ranked = stage.ranked()
    if len(ranked) == 1 or (len(ranked) > 1 and ranked[0].votes != ranked[1].votes):
        return ranked[0].name
    return election.after_holder


def winner_share(election: Election) -> tuple[str | None, str | None]:
    """The winner of the deciding stage and their share of its votes (percent text)."""
    stage = election.deciding_stage
    if stage is None:
        return election.after_holder, None
    winner = _winner(election, stage)
    votes = next((r.votes for r in stage.results if winner and r.name == winner), None)
    return winner, percent(stage.share(votes))


def _verdict(election: Election) -> tuple[JSONDict | None, str | None]:
    try:
        from tallyroom.rules import choose_rules, verdict_json, verify_choice
    except ImportError:
        return None, "The rules are not available in this installation."
    try:
        return verdict_json(verify_choice(election, choose_rules(election))), None
    except TallyroomError as error:
        return None, f"The rules could not be applied: {error}"


def _findings(election: Election, stored: Sequence[JSONDict] | None) -> tuple[list[JSONDict], str]:
    try:
        from tallyroom.checks import findings_json, run_checks
    except ImportError:
        if stored is not None:
            return list(stored), "as found when the election was imported"
        return [], "The checks are not available in this installation."
    try:
        return findings_json(run_checks(election)), "checked now"
    except TallyroomError as error:
        return list(stored or []), f"The checks could not run: {error}"


def _derived_status(outcome: JSONDict | None, name: str, deciding: bool) -> str | None:
    if outcome is None:
        return None
    if name in outcome["winners"]:
        return "elected" if deciding else "advanced"
    if name in outcome["advanced"]:
        return "advanced"
    if name in outcome["eliminated"]:
        return "defeated" if deciding else "eliminated"
    return None


def _rounds(stage: Stage) -> list[JSONDict]:
    return [
        {
            "number": item.number,
            "tally": [{"name": name, "votes": str(votes)} for name, votes in item.tally],
            "elected": list(item.elected),
            "eliminated": list(item.eliminated),
            "inactive": str(item.inactive),
        }
        for item in stage.rounds
    ]


def _round_table(rounds: list[JSONDict]) -> list[JSONDict]:
    """Rows of the round-by-round table: each candidate's votes in each round (``None`` when no
    longer counted), then the inactive ballots."""
    names: list[str] = []
    for item in rounds:
        for entry in item["tally"]:
            if entry["name"] not in names:
                names.append(entry["name"])
    table = []
    for name in names:
        cells = []
        for item in rounds:
            found = next((e["votes"] for e in item["tally"] if e["name"] == name), None)
            cells.append(found)
        table.append({"name": name, "votes": cells})
    table.append({"name": "Inactive ballots", "votes": [item["inactive"] for item in rounds]})
    return table


def election_data(
    election_id: int,
    version: int,
    election: Election,
    stored_findings: Sequence[JSONDict] | None = None,
    summary: JSONDict | None = None,
) -> JSONDict:
    """Everything the election page shows. ``summary`` is the election's
    :func:`~tallyroom.formats.summary.election_json`, when the caller has it already."""
    if summary is None:
        summary = election_json(election)
    verdict, verdict_note = _verdict(election)
    findings, findings_note = _findings(election, stored_findings)
    deciding = election.deciding_stage
    stages = []
    for index, (stage, shown) in enumerate(zip(election.stages, summary["stages"], strict=True)):
        outcome = None
        if verdict is not None and len(verdict["stages"]) == len(election.stages):
            outcome = verdict["stages"][index]
        rows = []
        for row in shown["candidates"]:
            rows.append(
                {
                    "name": row["name"],
                    "url": candidate_url(row["name"]),
                    "party": row["party"],
                    "votes": row["votes"],
                    "percent": row["percent"],
                    "status": _derived_status(outcome, row["name"], stage is deciding)
                    or row["status"],
                    "stated_status": row["status"],
                    "incumbent": row["incumbent"],
                    "write_in": row["write_in"],
                }
            )
        rounds = _rounds(stage)
        stages.append(
            {
                "index": index,
                "kind": stage.kind,
                "label": stage.label(),
                "party": stage.party,
                "date": shown["date"],
                "caption": stage.caption,
                "status": stage.status,
                "rows": rows,
                "counted_total": stage.counted_total,
                "stated_total": stage.stated_total,
                "computed_total": stage.computed_total,
                "other_votes": stage.other_votes,
                "ballots_cast": stage.ballots_cast,
                "registered_voters": stage.registered_voters,
                "rounds": rounds,
                "round_table": _round_table(rounds) if rounds else [],
                "outcome": outcome,
                "chart_url": f"{election_url(election_id)}/stages/{index}.svg",
                "rounds_chart_url": f"{election_url(election_id)}/stages/{index}/rounds.svg"
                if rounds
                else None,
            }
        )
    city = election.jurisdiction.city
    winner, share = winner_share(election)
    return {
        "id": election_id,
        "version": version,
        "url": election_url(election_id),
        "title": election.title,
        "source": election.source,
        "infobox": {
            "office": election.office,
            "city": city,
            "state": election.jurisdiction.state,
            "city_url": city_url(city, election.jurisdiction.state) if city else None,
            "date": summary["date"],
            "type": election.type,
            "term": election.term,
            "winner": winner,
            "winner_url": candidate_url(winner) if winner else None,
            "winner_percent": share,
            "before": {"holder": election.before_holder, "party": election.before_party},
            "after": {"holder": election.after_holder, "party": election.after_party},
            "party_result": election.party_result,
            "turnout": turnout(election),
            "stated_turnout": summary["stated_turnout"],
            "registered_voters": election.registered_voters,
        },
        "stages": stages,
        "rules": None if verdict is None else verdict["rules"],
        "verdict": None if verdict is None else verdict["verdict"],
        "verdict_note": verdict_note,
        "findings": findings,
        "findings_note": findings_note,
    }


def candidate_data(
    wanted: str,
    elections: Iterable[tuple[int, Election]],
    summarize: Callable[[Election], JSONDict] = election_json,
) -> JSONDict | None:
    """Every stage, of every election, that a person whose name slugs to ``wanted`` ran in.

    ``summarize`` gives an election's JSON summary; the export passes a memoised one."""
    names: list[str] = []
    runs: list[JSONDict] = []
    for election_id, election in elections:
        summary = summarize(election)
        stages = []
        for index, shown in enumerate(summary["stages"]):
            stage = election.stages[index]
            for row in shown["candidates"]:
                if candidate_slug(row["name"]) != wanted:
                    continue
                if row["name"] not in names:
                    names.append(row["name"])
                stages.append(
                    {
                        "index": index,
                        "label": stage.label(),
                        "date": shown["date"],
                        "name": row["name"],
                        "party": row["party"],
                        "votes": row["votes"],
                        "percent": row["percent"],
                        "status": row["status"],
                    }
                )
        if stages:
            winner, _ = winner_share(election)
            runs.append(
                {
                    "election": {
                        "id": election_id,
                        "title": election.title,
                        "url": election_url(election_id),
                        "year": election.year,
                        "date": summary["date"],
                        "office": election.office,
                        "city": election.jurisdiction.city,
                        "winner": winner,
                    },
                    "won": winner is not None and candidate_slug(winner) == wanted,
                    "stages": stages,
                }
            )
    if not runs:
        return None
    runs.sort(key=lambda run: (run["election"]["date"] or "", run["election"]["title"]))
    return {
        "slug": wanted,
        "url": f"/candidates/{wanted}",
        "name": names[0],
        "names": names,
        "elections": runs,
    }


def city_data(city: str, state: str | None, elections: Iterable[tuple[int, Election]]) -> JSONDict:
    """A city's elections over time, oldest first, with winners' shares and turnout."""
    rows = []
    for election_id, election in elections:
        winner, share = winner_share(election)
        seen = turnout(election)
        deciding = election.deciding_stage
        rows.append(
            {
                "id": election_id,
                "url": election_url(election_id),
                "title": election.title,
                "office": election.office,
                "year": election.year,
                "date": deciding.date.isoformat()
                if deciding and deciding.date
                else (election.date.isoformat() if election.date else None),
                "winner": winner,
                "winner_url": candidate_url(winner) if winner else None,
                "winner_percent": share,
                "turnout_percent": seen["percent"] if seen else None,
                "turnout_basis": seen["basis"] if seen else None,
            }
        )
    place = f"{city}, {state}" if state else city
    return {
        "city": city,
        "state": state,
        "name": place,
        "slug": city_slug(city, state),
        "url": city_url(city, state),
        "chart_url": f"{city_url(city, state)}/chart.svg",
        "elections": rows,
    }
