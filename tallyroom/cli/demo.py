"""``tallyroom demo``: the project's sample elections, read, decided, checked and shown."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import click
from rich.console import Console

from tallyroom.model import Election

DemoSection = Callable[[Console, tuple[Election, ...]], None]


def sample_elections() -> tuple[Election, ...]:
    """The sample elections shipped in ``tallyroom/data/samples``, in file-name order."""
    from tallyroom.formats.article import parse_article

    folder = resources.files("tallyroom") / "data" / "samples"
    found = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".txt"):
            found.append(parse_article(item.read_text(encoding="utf-8"), source=item.name))
    return tuple(found)


def _sections() -> list[DemoSection]:
    # Each capability contributes one section; listed in the order the demo shows them.
    from tallyroom.cli.article_commands import demo_summaries
    from tallyroom.cli.check import demo_findings
    from tallyroom.cli.rcv import demo_rcv
    from tallyroom.cli.rules import demo_outcomes
    from tallyroom.cli.store import demo_store
    from tallyroom.cli.web import demo_web

    return [demo_summaries, demo_outcomes, demo_rcv, demo_findings, demo_store, demo_web]


@click.command()
def demo() -> None:
    """Show tallyroom on its own sample elections."""
    console = Console()
    elections = sample_elections()
    for section in _sections():
        section(console, elections)
