"""``tallyroom import``, ``db upgrade``, ``list``, ``show``, ``history``, ``stats``: the database.

Every command takes ``--db`` (a SQLite path or a ``postgresql://`` URL; default ``tallyroom.db``
in the working directory, or the ``TALLYROOM_DB`` environment variable). Output that is data has
a ``--json`` twin.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tallyroom.store import DEFAULT_DB, ElectionFilter, ElectionRecord, Store
from tallyroom.store.codec import to_json
from tallyroom.store.queries import TURNOUT_PLACES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from tallyroom.figures import ElectionFigures
    from tallyroom.model import Election

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


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option(
    "--replace",
    is_flag=True,
    help="Make each new version current even when it is worse than the current one.",
)
@click.option("--rules", help="Rules preset or file to decide by (ballot files need them).")
@click.option(
    "--correction",
    metavar="REASON",
    help="Make a new version of a certified election, recorded as a correction for REASON.",
)
@click.option("--actor", help="Who the import is made for, in the audit trail (default: OS user).")
@click.option(
    "--date",
    "election_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Election date of precinct files that state none (YYYY-MM-DD).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Read, decide and check in this many processes (0: one per CPU); writes stay in order.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
def import_command(
    files: tuple[Path, ...],
    db: str,
    replace: bool,
    rules: str | None,
    correction: str | None,
    actor: str | None,
    election_date: dt.datetime | None,
    jobs: int,
    as_json: bool,
) -> None:
    """Import election files: each is read, decided, checked and stored whole, or refused.

    An election is its place, office and year: a file with another stage of a stored election
    adds it; a different source for it becomes a new version, current only when it is at least
    as good (no more errors, no fewer figures) or with --replace. A certified election is only
    changed by --correction REASON. Re-importing is a no-op. Every attempt is recorded. A
    file that cannot be used is refused with the reason and the others still land; the exit
    status is 2 when any file was refused.
    """
    from tallyroom import service

    # rich draws the bar, shown from PROGRESS_FROM files on: fewer import without loading it
    progress = _progress_bar() if len(files) >= PROGRESS_FROM and not as_json else None

    def say(line: str) -> None:
        if progress is None:
            click.echo(line, err=True)
        else:
            progress.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def report(outcome: service.FileOutcome) -> None:
        for warning in outcome.warnings:
            say(f"warning: {warning}")
        if outcome.error is not None:
            say(f"refused: {outcome.error}")
        if progress is not None and task is not None:
            progress.advance(task)

    with Store.open(db) as store, progress if progress is not None else contextlib.nullcontext():
        task = progress.add_task("import", total=len(files)) if progress is not None else None
        outcomes = service.import_files(
            store,
            files,
            user=actor,
            replace=replace,
            rules=rules,
            commit_every=COMMIT_EVERY,
            on_file=report,
            correction=correction,
            jobs=jobs or os.cpu_count() or 1,
            date=election_date.date() if election_date is not None else None,
        )
    results = [result for outcome in outcomes for result in outcome.results]
    refused = [outcome for outcome in outcomes if outcome.status == "refused"]
    counts = Counter(result.status for result in results)
    if as_json:
        _dump(
            {
                "files": [
                    {
                        "name": o.name,
                        "status": o.status,
                        "error": o.error,
                        "warnings": list(o.warnings),
                        "elections": [r.as_dict() for r in o.results],
                    }
                    for o in outcomes
                ],
                "counts": dict(counts),
                "refused": len(refused),
            }
        )
    else:
        if len(files) < PROGRESS_FROM:
            for result in results:
                click.echo(
                    f"{result.status}: {result.title} (id {result.election_id}, version "
                    f"{result.version}; current {result.current})"
                    + (f" — {result.note}" if result.note else "")
                )
        click.echo(
            f"{len(files)} file(s): {counts['new']} new, {counts['new version']} new "
            f"version(s), {counts['kept']} kept (not current), {counts['unchanged']} unchanged, "
            f"{counts['reverted']} reverted, {len(refused)} refused"
        )
    if refused:
        raise click.exceptions.Exit(2)


def _progress_bar() -> Progress:
    """The bar an import of many files draws on stderr (``rich.progress.Progress``)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


@click.command()
@click.argument("election")
@click.argument("version", type=click.IntRange(min=1))
@db_option
@click.option("--reason", help="Why, for the audit trail.")
@click.option("--actor", help="Who the revert is made for, in the audit trail (default: OS user).")
def revert(election: str, version: int, db: str, reason: str | None, actor: str | None) -> None:
    """Make an older (or a kept) version of an election current again; the audit trail keeps
    the record."""
    with Store.open(db) as store:
        result = store.revert(election, version, user=actor, reason=reason)
    click.echo(f"{result.status}: {result.title} (id {result.election_id}) — {result.note}")


@click.group(name="db")
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


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that narrow ``list`` and ``stats`` to some elections (an
    :class:`ElectionFilter`, given to the command as ``where``)."""
    options = (
        click.option("--city", help="City, whole name, any case."),
        click.option("--state", help="State, whole name, any case."),
        click.option("--year", type=int, help="Year of the deciding stage."),
        click.option("--office", help="Office, e.g. Mayor."),
        click.option("--candidate", help="Part of a candidate's name, in any stage."),
        click.option("--party", help="A candidate's party, in any stage."),
        click.option("--rules", help="Name of the rules the election is decided by."),
    )
    fields = ("city", "state", "year", "office", "candidate", "party", "rules")

    @functools.wraps(command)
    def narrowed(**given: Any) -> None:
        where = ElectionFilter(**{name: given.pop(name) for name in fields})
        command(where=where, **given)

    for option in reversed(options):
        narrowed = option(narrowed)
    return narrowed


@click.command(name="list")
@db_option
@filter_options
@click.option("--limit", type=click.IntRange(min=1), help="At most this many elections.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(db: str, where: ElectionFilter, limit: int | None, as_json: bool) -> None:
    """List the stored elections (their current versions), newest first."""
    with Store.open(db, read_only=True) as store:
        page = store.list_elections(where, limit=limit)
    if as_json:
        _dump([to_json(row) for row in page.rows])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "year", "title", "city", "state", "winner", "%", "ver.", box=None)
    for row in page.rows:
        table.add_row(
            str(row.id),
            str(row.year or ""),
            row.title,
            row.city or "",
            row.state or "",
            row.winner or ("tied" if row.outcome == "tied" else ""),
            row.winner_percent or "",
            str(row.version),
        )
    console = Console()
    console.print(table)
    console.print(f"{len(page.rows)} of {page.total} election(s)", highlight=False)


def record_json(record: ElectionRecord) -> dict[str, Any]:
    """What ``show --json`` prints: the stored facts, the decided figures, the findings, the
    whole model."""
    from tallyroom.checks import findings_json

    return {
        "store": {
            "id": record.id,
            "version": record.version,
            "current": record.current,
            "versions": record.versions,
            "imported_at": record.imported_at.isoformat(),
            "imported_by": record.imported_by,
            "source": {"name": record.source_name, "sha256": record.source_sha256},
            "errors": record.errors,
        },
        "rules": record.rules,
        "rules_note": record.rules_note,
        "figures": to_json(record.figures),
        "findings": findings_json(record.findings),
        "election": to_json(record.election),
    }


@click.command()
@click.argument("election")
@db_option
@click.option("--version", "version", type=click.IntRange(min=1), help="An older version.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: store facts and the model.")
def show(election: str, db: str, version: int | None, as_json: bool) -> None:
    """Show one election, named by id, title, or a unique part of its title."""
    with Store.open(db, read_only=True) as store:
        record = store.record(election, version)
    if as_json:
        _dump(record_json(record))
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console()
    console.rule(f"[bold]{escape(record.title)}")
    console.print(
        f"id {record.id} · version {record.version} of {record.versions} (current "
        f"{record.current}) · imported {record.imported_at.isoformat()} by "
        f"{record.imported_by} · source {record.source_name} "
        f"(sha256 {record.source_sha256[:12]})",
        highlight=False,
        markup=False,
    )
    print_figures(console, record.figures)
    for finding in record.findings:
        console.print(
            f"{finding.severity} {finding.code}: {finding.message}", highlight=False, markup=False
        )


def print_figures(console: Console, figures: ElectionFigures) -> None:
    """The decided figures as tables: the same figures the website and exports show."""
    from rich.markup import escape
    from rich.table import Table

    for stage in figures.stages:
        date = stage.date.isoformat() if stage.date else "date unknown"
        table = Table("candidate", "party", "votes", "%", "status", title=f"{stage.label} · {date}")
        for row in stage.rows:
            votes = f"{row.votes:,}" if row.votes is not None else "unknown"
            if row.basis == "infobox":
                votes += " (infobox)"
            table.add_row(
                escape(row.name) + (" (inc.)" if row.incumbent else ""),
                escape(row.party or ""),
                votes,
                row.percent or "",
                row.status or "",
            )
        total = stage.total
        if total.counted is not None:
            shown = f"{total.counted:,}"
            if total.damaged and total.stated is not None:
                shown = f"{shown} (stated {total.stated:,}: {total.note})"
            table.caption = f"total {shown}"
        console.print(table)
    if figures.winner is not None:
        console.print(f"winner: {figures.winner} ({figures.winner_percent} %)", markup=False)
    elif figures.tied:
        console.print("tied: " + " and ".join(figures.tied), markup=False)


@click.command()
@click.argument("election")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(election: str, db: str, as_json: bool) -> None:
    """Show an election's audit trail: every version, who imported it, when, what changed."""
    with Store.open(db, read_only=True) as store:
        entries = store.history(election)
    if as_json:
        _dump(entries)
        return
    for entry in entries:
        click.echo(
            f"version {entry['version']} {entry['action']} {entry['at']} by {entry['by']} "
            f"from {entry['source']['name']} (sha256 {entry['source']['sha256'][:12]})"
        )
        if entry.get("note"):
            click.echo(f"    {entry['note']}")
        for change in entry["changes"]:
            old, new = _brief(change.get("old")), _brief(change.get("new"))
            click.echo(f"    {change['path']}: {old} -> {new}")
        hidden = entry["count"] - len(entry["changes"])
        if hidden > 0:
            click.echo(f"    ... and {hidden} more change(s)")


def _brief(value: Any, width: int = 100) -> str:
    """A changed value for one line: a stage or row added or removed is named, not dumped."""
    if isinstance(value, dict) and "kind" in value and "results" in value:
        return f"<{value['kind']} stage, {len(value['results'])} rows>"
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command(name="export-parquet")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@db_option
def export_parquet_command(folder: Path, db: str) -> None:
    """Write every stored result as Parquet datasets partitioned by state and year.

    FOLDER gets ``elections/``, ``stages/``, ``candidates/`` and ``units/`` (hive-partitioned:
    ``state=…/year=…/``), replaced whole; DuckDB, Spark or polars query them as they are."""
    from tallyroom.store.parquet import export_parquet

    with Store.open(db, read_only=True) as store:
        written = export_parquet(store, folder)
    counts = ", ".join(f"{rows:,} {name}" for name, rows in written.rows.items())
    click.echo(f"{written.folder}: {counts}")


@click.command()
@db_option
@filter_options
@click.option(
    "--places",
    type=click.IntRange(min=0),
    default=TURNOUT_PLACES,
    show_default=True,
    help="Turnout over time for at most this many places (those with the most elections).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(db: str, where: ElectionFilter, places: int, as_json: bool) -> None:
    """Figures across elections: incumbents, margins, turnout per city, deciding stages."""
    with Store.open(db, read_only=True) as store:
        data = store.stats(where, places=places)
    if as_json:
        _dump(data)
        return
    from rich.console import Console

    print_stats(Console(), data)


def print_stats(console: Console, data: dict[str, Any]) -> None:
    from rich.table import Table

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
    places = data["turnout_places"]
    title = "Turnout over time"
    if places["listed"] < places["places"]:
        title += (
            f" ({places['listed']:,} of {places['places']:,} places, those with the most"
            " elections; --city or --places for others)"
        )
    table = Table("city", "year", "turnout %", "basis", title=title)
    for city, points in data["turnout_by_city"].items():
        for point in points:
            table.add_row(city, str(point["year"] or ""), point["turnout_percent"], point["basis"])
    console.print(table)


def demo_store(console: Console, elections: tuple[Election, ...]) -> None:
    """Import the sample elections into a demo database and query it."""
    from importlib import resources

    from tallyroom import service

    samples = Path(str(resources.files("tallyroom") / "data" / "samples"))
    paths = tuple(samples / (election.source or "") for election in elections)

    console.rule("[bold]The results database")
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "demo.db") as store:
        for outcome in service.import_files(store, paths):
            for result in outcome.results:
                console.print(f"{result.status}: {result.title}", highlight=False)
        (again,) = service.import_files(store, paths[:1])
        console.print(f"re-imported {again.name}: {again.status}", highlight=False)
        page = store.list_elections(ElectionFilter(year=2004))
        console.print(f"\n`tallyroom list --year 2004`: {page.total} election(s)")
        for row in page.rows:
            winner = row.winner or "no winner decided"
            console.print(f"  {row.id}: {row.title} — {winner}", highlight=False)
        print_stats(console, store.stats())


__all__ = ["db_option", "demo_store", "print_figures", "print_stats", "record_json"]
