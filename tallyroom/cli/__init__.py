"""The ``tallyroom`` command line: a thin layer of click commands over the library.

Each command lives in its own module of this package and is registered below. Errors that
tallyroom raises on purpose (:mod:`tallyroom.errors`) become one line on stderr and an exit code.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from tallyroom.errors import InputError, TallyroomError


class TallyroomGroup(click.Group):
    """A click group that turns tallyroom errors into a one-line message and an exit code."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(2)
        except TallyroomError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(2)


@click.group(cls=TallyroomGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tallyroom")
def main() -> None:
    """tallyroom: municipal election results — read, tabulate, check, store, publish."""


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line in-process; returns the exit code."""
    try:
        main.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    return 0


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

if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
