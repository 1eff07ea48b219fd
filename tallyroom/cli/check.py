"""``tallyroom check``: every defect of election files, grouped per file, with the line quoted."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tallyroom.checks import Finding, Severity, findings_json, run_checks
from tallyroom.checks.types import SEVERITIES
from tallyroom.errors import InputError
from tallyroom.formats import load_path, read_bytes, read_text
from tallyroom.model import Election

__all__ = ["demo_findings", "print_findings"]

_STYLE: dict[Severity, str] = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_findings(
    console: Console, source: str, findings: tuple[Finding, ...], lines: list[str] | None
) -> None:
    """One file's findings, each with its place, message, fix and the source line quoted."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    summary = ", ".join(
        f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in reversed(SEVERITIES)
    )
    console.print(f"[bold]{escape(source)}[/bold] — {summary}")
    for finding in findings:
        where = f"{finding.line}" if finding.line is not None else "-"
        style = _STYLE[finding.severity]
        field = f" \\[{escape(finding.field)}]" if finding.field else ""
        console.print(
            f"  {where:>4}  [{style}]{finding.severity}[/{style}] "
            f"[bold]{finding.code}[/bold]{field}: {escape(finding.message)}",
            highlight=False,
        )
        if lines is not None and finding.line is not None and 0 < finding.line <= len(lines):
            console.print(f"        │ {escape(lines[finding.line - 1].strip())}", highlight=False)
        if finding.fix is not None:
            console.print(
                f"        → likely: {escape(finding.fix)} (confidence {finding.confidence})",
                highlight=False,
            )
    console.print()


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON list.")
@click.option(
    "--jsonl",
    "as_jsonl",
    is_flag=True,
    help="Print each finding as one line of JSON as soon as its file is checked (JSON Lines).",
)
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default="info",
    show_default=True,
    help="Leave out findings less severe than this.",
)
def check(files: tuple[Path, ...], as_json: bool, as_jsonl: bool, min_severity: Severity) -> None:
    """Find arithmetic, consistency and formatting defects in election files.

    Exit code 0 when no error was found, 1 when some were, 2 when a file could not be read.
    """
    console = Console(highlight=False)
    unreadable = False
    every: list[Finding] = []
    errors = False
    for path in files:
        try:
            lines: list[str] | None = None
            if as_json or as_jsonl:  # no text needed: a precinct file is read a line at a time
                elections = load_path(path).elections
            else:  # the findings are shown with their lines of the text
                text = read_bytes(path)
                elections = read_text(text, str(path))
                lines = text.splitlines()
        except InputError as error:
            click.echo(f"error: {error}", err=True)
            unreadable = True
            continue
        for election in elections:
            found = run_checks(election, min_severity=min_severity)
            errors = errors or any(f.severity == "error" for f in found)
            if as_jsonl:  # streamed: nothing is held beyond one election's findings
                for item in findings_json(found):
                    click.echo(json.dumps(item, ensure_ascii=False))
            elif as_json:
                every.extend(found)
            else:
                print_findings(console, str(path), found, lines)
    if as_json and not as_jsonl:
        click.echo(json.dumps(findings_json(tuple(every)), indent=2, ensure_ascii=False))
    ctx = click.get_current_context()
    if unreadable:
        ctx.exit(2)
    if errors:
        ctx.exit(1)


def demo_findings(console: Console, elections: tuple[Election, ...]) -> None:
    """The demo's section: what the checks find in the sample elections."""
    console.rule("[bold]Checks: what is wrong in each sample, where, and the likely figure")
    for election in elections:
        print_findings(console, election.source or election.title, run_checks(election), None)
