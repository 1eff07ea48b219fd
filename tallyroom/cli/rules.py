"""``tallyroom tabulate`` and ``tallyroom rules``: outcomes under the rules, and the presets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from tallyroom.formats import read_path
from tallyroom.model import Election
from tallyroom.rules import choose_rules, load_rules, preset_names, verdict_json, verify_choice
from tallyroom.rules.describe import describe_rules
from tallyroom.rules.types import ElectionVerdict, StageVerdict

__all__ = ["demo_outcomes", "print_verdict"]

_VERDICT_STYLE = {"agrees": "green", "disagrees": "bold red", "cannot-tell": "yellow"}


def _stage_heading(stage: StageVerdict) -> str:
    outcome = stage.outcome
    date = f", {outcome.date.isoformat()}" if outcome.date else ""
    style = _VERDICT_STYLE[stage.verdict]
    rule = outcome.rule or "no rule"
    return (
        f"  [bold]{escape(outcome.stage)}[/bold]{date} — {rule}: {outcome.status}; "
        f"claims: [{style}]{stage.verdict}[/{style}]"
    )


def print_verdict(console: Console, verdict: ElectionVerdict) -> None:
    """A verdict for people: the rules and where they came from, then each stage."""
    choice = verdict.choice
    console.print(f"[bold]{escape(verdict.title)}[/bold]")
    console.print(
        f"  rules: {escape(choice.rules.name)} ({choice.origin.how}) — {escape(choice.rules.title)}"
    )
    for basis in choice.origin.based_on:
        console.print(f"    based on {escape(basis)}", highlight=False)
    for stage in verdict.stages:
        outcome = stage.outcome
        console.print(_stage_heading(stage), highlight=False)
        for label, names in (
            ("winners", outcome.winners),
            ("advanced", outcome.advanced),
            ("tied", outcome.tied or ()),
        ):
            if names:
                console.print(f"    {label}: {escape(', '.join(names))}", highlight=False)
        for reason in outcome.reasons:
            console.print(f"    · {escape(reason.text)}", highlight=False)
        for reason in stage.reasons:
            console.print(f"    ⇒ {escape(reason.text)}", highlight=False)
    style = _VERDICT_STYLE[verdict.verdict]
    console.print(f"  overall: [{style}]{verdict.verdict}[/{style}]")
    console.print()


def _verdicts(files: tuple[Path, ...], rules: str | None) -> list[ElectionVerdict]:
    named: str | Path | None = None
    if rules is not None:
        named = rules if rules in preset_names() else Path(rules)
    found = []
    for path in files:
        for election in read_path(path):
            found.append(verify_choice(election, choose_rules(election, named)))
    return found


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rules", "rules", metavar="NAME|PATH", help="A preset's name or a rules file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per election.")
def tabulate(files: tuple[Path, ...], rules: str | None, as_json: bool) -> None:
    """Decide each stage under the rules and check what the documents claim.

    Without --rules, the rules the document declares are used, else they are inferred from the
    document (and the output says what the inference was based on).
    """
    if as_json:
        # The figures are made by the one service that also makes what `import` stores.
        from tallyroom import service
        from tallyroom.store.codec import to_json

        data: list[dict[str, Any]] = []
        for path in files:
            for election in read_path(path):
                decided = service.decide(election, rules)
                assert decided.verdict is not None
                data.append({**verdict_json(decided.verdict), "figures": to_json(decided.figures)})
        click.echo(json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False))
        return
    console = Console()
    for verdict in _verdicts(files, rules):
        print_verdict(console, verdict)


@click.group(name="rules")
def rules_group() -> None:
    """The rules presets shipped with tallyroom."""


@rules_group.command(name="list")
def list_rules() -> None:
    """List the presets, with the law or charter each follows."""
    for name in preset_names():
        spec = load_rules(name)
        click.echo(f"{name}: {spec.title}")
        click.echo(f"    law: {spec.law}")


@rules_group.command(name="show")
@click.argument("name")
def show_rules(name: str) -> None:
    """Describe a preset (or a rules file) in plain words."""
    spec = load_rules(name if name in preset_names() else Path(name))
    for line in describe_rules(spec):
        click.echo(line)


def demo_outcomes(console: Console, elections: tuple[Election, ...]) -> None:
    """The demo's section: each sample election's outcome and verdicts under inferred rules."""
    console.rule("[bold]Outcomes under the rules, and the documents' claims")
    for election in elections:
        print_verdict(console, verify_choice(election, choose_rules(election)))
