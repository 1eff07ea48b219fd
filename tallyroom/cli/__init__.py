"""The ``tallyroom`` command line: a thin layer of click commands over the library.

Each command lives in a module of this package and is listed in :data:`COMMANDS` with its name,
module and one-line help, so that ``tallyroom --help`` and a command that needs little start
fast: a command's module (and the libraries it needs: the database, the website, numpy) is
imported only when that command runs or its own ``--help`` is asked. ``tests/test_startup.py``
keeps the table equal to the commands the modules define.

Errors that tallyroom raises on purpose (:mod:`tallyroom.errors`) become one line on stderr and
an exit code.
"""

from __future__ import annotations

import atexit
import functools
import gc
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from tallyroom.errors import TallyroomError

__all__ = ["COMMANDS", "LazyCommand", "TallyroomGroup", "main"]


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A command known by name and help before the module that defines it is imported."""

    name: str
    #: Module of this package that defines the command, e.g. ``"store"``.
    module: str
    #: Name of the click command object in that module.
    attribute: str
    #: The first sentence of the command's docstring, as ``tallyroom --help`` shows it.
    help: str

    def load(self) -> click.Command:
        """Import the command's module and return the command."""
        found = getattr(importlib.import_module(f"tallyroom.cli.{self.module}"), self.attribute)
        if not isinstance(found, click.Command) or found.name != self.name:
            raise LookupError(
                f"tallyroom.cli.{self.module}.{self.attribute} is not the command {self.name!r}"
            )
        return found


#: Every top-level command, by name.
COMMANDS: Mapping[str, LazyCommand] = {
    entry.name: entry
    for entry in (
        LazyCommand(
            "check",
            "check",
            "check",
            "Find arithmetic, consistency and formatting defects in election files.",
        ),
        LazyCommand(
            "convert",
            "convert",
            "convert",
            "Convert INPUTS (several files of one office are joined into one election) to --to.",
        ),
        LazyCommand(
            "certify",
            "night",
            "certify_command",
            "Certify a declared election after its integrity gate, or reopen it for a correction.",
        ),
        LazyCommand("db", "store", "db_group", "Manage the database itself."),
        LazyCommand(
            "declare",
            "night",
            "declare_command",
            "Declare an election for election night from a TOML file (units inline or --units "
            "CSV).",
        ),
        LazyCommand("demo", "demo", "demo", "Show tallyroom on its own sample elections."),
        LazyCommand(
            "export-site",
            "web",
            "export_site_command",
            "Write the whole website into FOLDER as static files with relative links.",
        ),
        LazyCommand(
            "export-parquet",
            "store",
            "export_parquet_command",
            "Write every stored result as Parquet datasets partitioned by state and year.",
        ),
        LazyCommand(
            "history",
            "store",
            "history",
            "Show an election's audit trail: every version, who imported it, when, what changed.",
        ),
        LazyCommand(
            "import",
            "store",
            "import_command",
            "Import election files: each is read, decided, checked and stored whole, or refused.",
        ),
        LazyCommand(
            "list",
            "store",
            "list_command",
            "List the stored elections (their current versions), newest first.",
        ),
        LazyCommand(
            "parse",
            "article_commands",
            "parse",
            "Read election files of any format and summarise them (or print JSON).",
        ),
        LazyCommand(
            "rcv",
            "rcv",
            "rcv",
            "Count ranked ballots round by round (instant runoff or STV).",
        ),
        LazyCommand(
            "render",
            "article_commands",
            "render",
            "Write an election file back out from the model (by default as article text).",
        ),
        LazyCommand(
            "returns",
            "night",
            "returns_group",
            "Enter or upload precinct returns of a declared election, or show its progress.",
        ),
        LazyCommand(
            "revert",
            "store",
            "revert",
            "Make an older (or a kept) version of an election current again; the audit trail "
            "keeps the record.",
        ),
        LazyCommand("rules", "rules", "rules_group", "The rules presets shipped with tallyroom."),
        LazyCommand(
            "serve",
            "web",
            "serve",
            "Serve the results website over the database (pages, charts, JSON, /docs).",
        ),
        LazyCommand(
            "show",
            "store",
            "show",
            "Show one election, named by id, title, or a unique part of its title.",
        ),
        LazyCommand(
            "stats",
            "store",
            "stats",
            "Figures across elections: incumbents, margins, turnout per city, deciding stages.",
        ),
        LazyCommand(
            "users",
            "night",
            "users_group",
            "Manage election-night accounts: clerks, certifiers, admins.",
        ),
        LazyCommand(
            "tabulate",
            "rules",
            "tabulate",
            "Decide each stage under the rules and check what the documents claim.",
        ),
    )
}


class TallyroomGroup(click.Group):
    """The command group: loads commands from :data:`COMMANDS` on first use, and turns
    tallyroom errors into a one-line message and an exit code."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: Mapping[str, LazyCommand] = lazy_commands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(self.lazy_commands[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands section of ``--help``, from the table for commands not yet loaded."""
        commands: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                # A stand-in carrying the table's help, shortened by click as the real one is.
                command = click.Command(name, help=self.lazy_commands[name].help)
            if not command.hidden:
                commands.append((name, command))
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        _quick_exit()
        try:
            return super().invoke(ctx)
        except TallyroomError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(2)


@functools.cache  # once per process
def _quick_exit() -> None:
    """Have the interpreter's shutdown leave the heap out of the cycle collector's scans
    (``gc.freeze`` when the program exits, once per process). Finalizing the modules runs the
    collector over every object still alive, more than once: after importing a million-row
    precinct file that took 0.22-0.29 CPU-s of 3.4-4.0, and 0.03 once frozen. Nothing is
    lost: the process ends; the streams are still flushed and the exit handlers still run."""
    atexit.register(gc.freeze)


@click.group(
    cls=TallyroomGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="tallyroom")
def main() -> None:
    """tallyroom: municipal election results — read, tabulate, check, store, publish."""
