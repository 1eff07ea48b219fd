"""``tallyroom import``, ``db upgrade``, ``list``, ``show``, ``history``, ``stats``: the database.

Every command takes ``--db`` (a SQLite path or a ``postgresql://`` URL; default ``tallyroom.db``
in the working directory, or the ``TALLYROOM_DB`` environment variable). Output that is data has
a ``--json`` twin.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tallyroom.cli import main
from tallyroom.errors import InputError, TallyroomError
from tallyroom.formats import load_text, read_bytes
from tallyroom.model import Election
from tallyroom.store import DEFAULT_DB, ElectionFilter, ImportResult, Store

F = TypeVar("F", bound=Callable[..., Any])

#: Files imported with a progress bar from this many on.
PROGRESS_FROM = 5
#: Files made durable together (each file is still all-or-nothing; see Store.batch).
COMMIT_EVERY = 100


def db_option(function: F) -> F:
    option = click.option(
        "--db",
        "db",
        envvar="TALLYROOM_DB",
        default=DEFAULT_DB,
        show_default=True,
        help="SQLite file or postgresql:// URL (env TALLYROOM_DB).",
    )
    return option(function)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
def import_command(files: tuple[Path, ...], db: str, as_json: bool) -> None:
    """Import election files into the database: each file completely or not at all.

    Re-importing an unchanged file changes nothing; a changed election gets a new version and an
    entry in its history. A file that cannot be read is reported and the others still land.
    Files are committed a hundred at a time: an interrupted import keeps whole files only, and
    running it again finishes the rest.
    """
    with Store.open(db) as store:
        results: list[ImportResult] = []
        failures: list[str] = []
        show_bar = len(files) >= PROGRESS_FROM and not as_json
        progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not show_bar,
        )
        with progress, store.batch(commit_every=COMMIT_EVERY) as batch:
            task = progress.add_task("import", total=len(files))
            for path in files:
                try:
                    text = read_bytes(path)
                    loaded = load_text(text, str(path))
                    for warning in loaded.warnings:
                        progress.console.print(
                            f"warning: {warning}", markup=False, highlight=False, soft_wrap=True
                        )
                    results.extend(batch.import_source(loaded.elections, text, path.name))
                except TallyroomError as error:
                    failures.append(str(error))
                    progress.console.print(
                        f"error: {error}", markup=False, highlight=False, soft_wrap=True
                    )
                progress.advance(task)
    counts = Counter(result.status for result in results)
    if as_json:
        _dump(
            {
                "imported": [result.as_dict() for result in results],
                "failed": failures,
                "counts": dict(counts),
            }
        )
    else:
        if len(files) < PROGRESS_FROM:
            for result in results:
                click.echo(f"{result.status}: {result.title} (id {result.election_id}, "
                           f"version {result.version})")  # fmt: skip
        click.echo(
            f"{len(files)} file(s): {counts['new']} new, {counts['new version']} new version(s), "
            f"{counts['unchanged']} unchanged, {len(failures)} failed"
        )
    if failures:
        raise click.exceptions.Exit(2)


@main.group(name="db")
def db_group() -> None:
    """Manage the database itself."""


@db_group.command(name="upgrade")
@db_option
def db_upgrade(db: str) -> None:
    """Create the database or bring its schema to the newest version."""
    with Store.connect(db) as store:
        before, after = store.upgrade()
        if before == after:
            click.echo(f"{store.url}: schema is up to date ({after})")
        else:
            click.echo(f"{store.url}: schema upgraded from {before or 'nothing'} to {after}")


@main.command(name="list")
@db_option
@click.option("--city", help="City, whole name, any case.")
@click.option("--state", help="State, whole name, any case.")
@click.option("--year", type=int, help="Year of the deciding stage.")
@click.option("--office", help="Office, e.g. Mayor.")
@click.option("--candidate", help="Part of a candidate's name, in any stage.")
@click.option("--party", help="A candidate's party, in any stage.")
@click.option("--rules", help="Name of the rules the election is decided by.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many elections.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(
    db: str,
    city: str | None,
    state: str | None,
    year: int | None,
    office: str | None,
    candidate: str | None,
    party: str | None,
    rules: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List the stored elections (their current versions), by year."""
    where = ElectionFilter(city, state, year, office, candidate, party, rules)
    with Store.open(db) as store:
        rows = store.list_elections(where, limit=limit)
    if as_json:
        _dump(rows)
        return
    table = Table("id", "year", "title", "city", "state", "winner", "ver.", box=None)
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["year"] or ""),
            row["title"],
            row["city"] or "",
            row["state"] or "",
            row["winner"] or "",
            str(row["version"]),
        )
    console = Console()
    console.print(table)
    console.print(f"{len(rows)} election(s)", highlight=False)


@main.command()
@click.argument("election")
@db_option
@click.option("--version", "version", type=click.IntRange(min=1), help="An older version.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: store facts and the model.")
def show(election: str, db: str, version: int | None, as_json: bool) -> None:
    """Show one election, named by id, title, or a unique part of its title."""
    with Store.open(db) as store:
        data = store.show(election, version)
        model = store.get_election(election, version) if not as_json else None
    if as_json:
        _dump(data)
        return
    assert model is not None
    facts = data["store"]
    console = Console()
    console.rule(f"[bold]{model.title}")
    console.print(
        f"id {facts['id']} · version {facts['version']} of {facts['versions']} · "
        f"imported {facts['imported_at']} by {facts['imported_by']} · "
        f"source {facts['source']['name']} (sha256 {facts['source']['sha256'][:12]})",
        highlight=False,
    )
    _print_stages(console, model)
    for finding in facts["findings"]:
        console.print(
            f"{finding.get('severity', '')} {finding.get('code', '')}: "
            f"{finding.get('message', '')}",
            highlight=False,
            markup=False,
        )


def _print_stages(console: Console, election: Election) -> None:
    for stage in election.stages:
        date = stage.date.isoformat() if stage.date else "date unknown"
        table = Table("candidate", "party", "votes", "%", title=f"{stage.label()} · {date}")
        for row in stage.results:
            share = stage.share(row.votes)
            table.add_row(
                row.name + (" (inc.)" if row.incumbent else ""),
                row.party or "",
                f"{row.votes:,}" if row.votes is not None else "unknown",
                f"{float(share * 100):.2f}" if share is not None else "",
            )
        console.print(table)


@main.command()
@click.argument("election")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(election: str, db: str, as_json: bool) -> None:
    """Show an election's audit trail: every version, who imported it, when, what changed."""
    with Store.open(db) as store:
        entries = store.history(election)
    if as_json:
        _dump(entries)
        return
    for entry in entries:
        click.echo(
            f"version {entry['version']} {entry['action']} {entry['at']} by {entry['by']} "
            f"from {entry['source']['name']} (sha256 {entry['source']['sha256'][:12]})"
        )
        for change in entry["changes"]:
            click.echo(f"    {change['path']}: {change['old']!r} -> {change['new']!r}")
        hidden = entry["count"] - len(entry["changes"])
        if hidden > 0:
            click.echo(f"    ... and {hidden} more change(s)")


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(db: str, as_json: bool) -> None:
    """Figures across elections: incumbents, margins, turnout per city, deciding stages."""
    with Store.open(db) as store:
        data = store.stats()
    if as_json:
        _dump(data)
        return
    print_stats(Console(), data)


def print_stats(console: Console, data: dict[str, Any]) -> None:
    console.print(
        f"{data['elections']} election(s), {data['versions']} version(s), "
        f"{data['sources']} source(s)",
        highlight=False,
    )
    record = data["incumbents"]
    console.print(
        f"incumbents: ran {record['ran']}, won {record['won']}, lost {record['lost']}"
        + (f", outcome unknown {record['unknown']}" if record["unknown"] else ""),
        highlight=False,
    )
    margin = data["winning_margin"]
    if margin["average_percent"] is not None:
        console.print(
            f"average winning margin: {margin['average_percent']} points "
            f"(over {margin['elections']} election(s))",
            highlight=False,
        )
    decided = data["decided_in"]
    console.print(
        "decided in: " + ", ".join(f"{kind} {count}" for kind, count in decided.items()),
        highlight=False,
    )
    table = Table("city", "year", "turnout %", "basis", title="Turnout over time")
    for city, points in data["turnout_by_city"].items():
        for point in points:
            table.add_row(city, str(point["year"] or ""), point["turnout_percent"], point["basis"])
    console.print(table)


def demo_store(console: Console, elections: tuple[Election, ...]) -> None:
    """Import the sample elections into a demo database and query it."""
    console.rule("[bold]The results database")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tallyroom-demo.db"
        with Store.open(path) as store:
            for election in elections:
                source = election.source or election.title
                text = _sample_text(source)
                result = store.import_election(election, text, source)
                console.print(f"{result.status}: {result.title}", highlight=False)
            again = elections[0]
            result = store.import_election(again, _sample_text(again.source or ""), "again")
            console.print(f"re-imported {again.title}: {result.status}", highlight=False)
            rows = store.list_elections(ElectionFilter(year=2004))
            console.print(f"\n`tallyroom list --year 2004`: {len(rows)} election(s)")
            for row in rows:
                winner = row["winner"] or "no winner the figures can show"
                console.print(f"  {row['id']}: {row['title']} — {winner}", highlight=False)
            print_stats(console, store.stats())


def _sample_text(name: str) -> str:
    from importlib import resources

    item = resources.files("tallyroom") / "data" / "samples" / name
    try:
        return item.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise InputError("sample file not found", source=name) from None


__all__ = ["db_option", "demo_store", "print_stats"]
