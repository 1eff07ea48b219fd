"""Writer of the plain-text article format read by :mod:`tallyroom.formats.article`.

``parse_article(render_article(e)) == e`` for every election whose stages have captions that name
their kind (and party and date), and whose sections all appear in its outline — which is every
election the reader produces. Numbers are written with thousands separators.
What the format cannot hold is listed by :func:`article_losses`, never dropped silently.
"""

from __future__ import annotations

from tallyroom.formats.dates import format_date
from tallyroom.model import Election, InfoboxField, Section, Stage

__all__ = ["article_losses", "infobox_fields", "render_article"]


def render_article(election: Election) -> str:
    lines = [f"= {election.title} =", ""]
    fields = election.infobox or infobox_fields(election)
    if fields:
        lines.append("Infobox")
        lines.extend(f"- {item.key}: {item.value}".rstrip() for item in fields)
        lines.append("")
    for paragraph in election.paragraphs:
        if paragraph.section == ():
            lines.extend((paragraph.text, ""))
    _render_section((), election, lines)
    for section in election.outline:
        marks = "=" * (len(section) + 1)
        lines.append(f"{marks}{section[-1]}{marks}")
        for paragraph in election.paragraphs:
            if paragraph.section == section:
                lines.extend((paragraph.text, ""))
        _render_section(section, election, lines)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def _render_section(section: Section, election: Election, lines: list[str]) -> None:
    listed = [c for c in election.candidates if c.section == section]
    for candidate in listed:
        text = candidate.display_name
        if candidate.description:
            text = f"{text}, {candidate.description}"
        lines.append(f"- {text}")
    if listed:
        lines.append("")
    for stage in election.stages:
        if stage.section == section:
            lines.extend(_render_stage(stage))


def _render_stage(stage: Stage) -> list[str]:
    caption = stage.caption or stage.label() + (
        f" results, {format_date(stage.date)}" if stage.date else " results"
    )
    lines = [f"  - {caption}**", ""]
    for row in stage.results:
        markers = (" (incumbent)" if row.incumbent else "") + (
            " (write-in)" if row.write_in else ""
        )
        party = row.party or "Nonpartisan candidate"
        votes = "unknown" if row.votes is None else f"{row.votes:,}"
        lines.append(f"- {row.name}{markers} ({party}): {votes} votes")
    if stage.registered_voters is not None:
        lines.append(f"Registered voters: {stage.registered_voters:,} votes")
    if stage.ballots_cast is not None:
        lines.append(f"Ballots cast: {stage.ballots_cast:,} votes")
    if stage.stated_total is not None:
        lines.append(f"Total: {stage.stated_total:,} votes")
    if stage.result:
        lines.append(f"Result: {stage.result}")
    lines.append("")
    return lines


def infobox_fields(election: Election) -> tuple[InfoboxField, ...]:
    """The infobox an election's typed fields make, for elections that did not come with one."""
    pairs: list[tuple[str, str | None]] = [
        ("Election Name", None),
        ("Type", election.type),
        ("Previous Election", election.previous_election),
        ("Previous Year", _year(election.previous_year)),
        ("Next Election", election.next_election),
        ("Next Year", _year(election.next_year)),
        ("Election Date", format_date(election.date) if election.date else None),
    ]
    for index, nominee in enumerate(election.nominees, start=1):
        pairs += [
            (f"Candidate{index}", nominee.name),
            (f"Party{index}", nominee.party),
            (f"Popular Vote{index}", _int(nominee.votes)),
            (
                f"Percentage{index}",
                None if nominee.stated_percentage is None else f"{nominee.stated_percentage}%",
            ),
        ]
    before = election.before_holder
    if before and election.before_acting:
        before = f"{before} (acting)"
    pairs += [
        ("Title", election.office),
        ("Term", election.term),
        ("Before Election", before),
        ("Before Party", election.before_party),
        ("After Election", election.after_holder),
        ("After Party", election.after_party),
        ("Turnout", None if election.stated_turnout is None else f"{election.stated_turnout}%"),
        ("Registered", _int(election.registered_voters)),
    ]
    return tuple(InfoboxField(key, value) for key, value in pairs if value is not None)


def _year(value: int | None) -> str | None:
    return None if value is None else str(value)


def _int(value: int | None) -> str | None:
    return None if value is None else f"{value:,}"


def article_losses(election: Election) -> list[str]:
    """What the article format cannot hold of ``election``, one sentence each."""
    losses = []
    if election.rules:
        losses.append(f"the rules ({election.rules}) are not written")
    for stage in election.stages:
        label = stage.caption or stage.label()
        if stage.units or stage.unit_results:
            losses.append(f"{label}: results by reporting unit are not written, only totals")
        if stage.rounds:
            losses.append(f"{label}: {len(stage.rounds)} ranked-choice rounds are not written")
        if stage.status:
            losses.append(f"{label}: the results status ({stage.status}) is not written")
    return losses
