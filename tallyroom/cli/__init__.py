"""The ``tallyroom`` command line: a thin layer of click commands over the library.

Each command lives in its own module of this package and is registered below. Errors that
tallyroom raises on purpose (:mod:`tallyroom.errors`) become one line on stderr and an exit code.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from tallyroom.errors import TallyroomError


class TallyroomGroup(click.Group):
    """A click group that turns tallyroom errors into a one-line message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TallyroomError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(2)


@click.group(cls=TallyroomGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tallyroom")
def main() -> None:
    """tallyroom: municipal election results — read, tabulate, check, store, publish."""


#: The modules that define commands, one per line; each adds its commands to ``main``.
COMMAND_MODULES = (
    "article_commands",
    "check",
    "convert",
    "demo",
    "rcv",
    "rules",
    "store",
    "web",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"tallyroom.cli.{name}")


_register()
