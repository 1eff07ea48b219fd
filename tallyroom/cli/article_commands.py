"""``tallyroom parse`` and ``tallyroom render``: files in, the model out, and back.

Both read every format the other commands read (:func:`tallyroom.formats.load_path`, the same
reader as ``check``, ``convert`` and ``import``; a precinct file read from disk a line at a
time)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from tallyroom.claims import stage_participants, stated_statuses
from tallyroom.cli.summary import election_json
from tallyroom.errors import InputError
from tallyroom.figures import percent
from tallyroom.formats import WRITE_FORMATS, Loaded, load_path, write_text
from tallyroom.model import Election
from tallyroom.names import party_short

__all__ = ["demo_summaries", "print_election"]


def _read(path: Path) -> Loaded:
    return load_path(path)


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def print_election(console: Console, election: Election) -> None:
    """A readable summary: the election, then each stage's table with derived percentages."""
    place = ", ".join(p for p in (election.jurisdiction.city, election.jurisdiction.state) if p)
    console.print(f"[bold]{election.title}[/bold]")
    facts = [
        ("Jurisdiction", place or "—"),
        ("Office", election.office or "—"),
        ("Election date", election.date.isoformat() if election.date else "—"),
        ("Winner (stated)", election.after_holder or "—"),
    ]
    if election.before_holder:
        acting = " (acting)" if election.before_acting else ""
        facts.append(("Before", f"{election.before_holder}{acting}"))
    for label, value in facts:
        console.print(f"  {label}: {value}")
    for index, stage in enumerate(election.stages):
        date = stage.date.isoformat() if stage.date else "date unknown"
        source = f", from {stage.date_source}" if stage.date_source else ""
        table = Table(
            title=f"{stage.label()} — {date}{source}",
            caption=(
                f"stated total {_number(stage.stated_total)} · "
                f"rows sum to {_number(stage.computed_total)}"
            ),
            title_justify="left",
        )
        for header, justify in (
            ("Candidate", "left"),
            ("Party", "left"),
            ("Votes", "right"),
            ("%", "right"),
            ("Status", "left"),
        ):
            table.add_column(header, justify=justify)  # type: ignore[arg-type]
        statuses = stated_statuses(election, index)
        rows = {row.name: row for row in stage.results}
        for name, votes in stage_participants(election, index):
            row = rows.get(name)
            marks = ""
            if row and row.incumbent:
                marks += " (incumbent)"
            if row and row.write_in:
                marks += " (write-in)"
            table.add_row(
                name + marks,
                (party_short(row.party) if row else None) or "",
                _number(votes),
                percent(stage.share(votes)) or "",
                statuses.get(name) or "",
            )
        console.print(table)
    if election.unread:
        console.print(f"  Not read ({len(election.unread)}):")
        for note in election.unread:
            where = f"line {note.line}: " if note.line is not None else ""
            console.print(f"    {where}{note.reason}: {note.text}", markup=False)
    console.print()


def _show_warnings(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (schemas/election.schema.json).")
@click.option(
    "--jsonl",
    "as_jsonl",
    is_flag=True,
    help="Print each election as one line of JSON as soon as it is read (JSON Lines).",
)
def parse(files: tuple[Path, ...], as_json: bool, as_jsonl: bool) -> None:
    """Read election files of any format and summarise them (or print JSON).

    A file that cannot be read is reported on one line and the others go on; the exit code is
    then 2."""
    elections: list[Election] = []
    unreadable = False
    console = Console()
    for path in files:
        try:
            loaded = _read(path)
        except InputError as error:
            click.echo(f"error: {error}", err=True)
            unreadable = True
            continue
        _show_warnings(loaded.warnings)
        for election in loaded.elections:  # streamed, but for --json's one document
            if as_jsonl:
                click.echo(json.dumps(election_json(election), ensure_ascii=False))
            elif as_json:
                elections.append(election)
            else:
                print_election(console, election)
    if as_json and not as_jsonl:
        data = [election_json(e) for e in elections]
        click.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False))
    if unreadable:
        click.get_current_context().exit(2)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--to", "target", type=click.Choice(WRITE_FORMATS), default="text", show_default=True,
    help="The format to write (`tallyroom convert` reads every format).",
)  # fmt: skip
def render(file: Path, target: str) -> None:
    """Write an election file back out from the model (by default as article text)."""
    loaded = _read(file)
    _show_warnings(loaded.warnings)
    written = write_text(loaded.elections, target)
    for loss in written.warnings:
        click.echo(f"{file}: not written: {loss}", err=True)
    click.echo(written.text, nl=False)


def demo_summaries(console: Console, elections: tuple[Election, ...]) -> None:
    console.rule("[bold]Sample elections, as read")
    for election in elections:
        print_election(console, election)
