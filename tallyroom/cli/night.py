"""``tallyroom declare``, ``users``, ``returns``, ``certify``: election night on the command line.

Account management and declaring act as the local operator (whoever holds the database; the
audit trail names ``--actor``, by default the operating-system user). Entering returns and
certifying act as an account: ``--as NAME``, with its password read from ``--password-file``
or asked for (never given on the command line).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from tallyroom.cli.store import db_option
from tallyroom.errors import AuthError, InputError
from tallyroom.store import Store, current_user

PASSWORD_FILE = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the password from the first line of this file (else it is asked for).",
)
ACTOR = click.option("--actor", help="Who makes the change, in the audit trail (default: OS user).")
STAGE = click.option(
    "--stage", default="0", show_default=True, help="Stage: its label or position."
)
CLERK = click.option("--as", "name", required=True, help="The clerk's account name.")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read: {error}", source=str(path)) from None


def _password(path: Path | None, *, confirm: bool = False) -> str:
    if path is not None:
        lines = _read(path).splitlines()
        return lines[0] if lines else ""
    text: str = click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return text


def _signed_in(store: Store, name: str, password_file: Path | None) -> Any:
    from tallyroom.night import accounts

    user = accounts.authenticate(store, name, _password(password_file))
    if user is None:
        raise AuthError(f"{name}: sign-in refused (unknown name, wrong password or disabled)")
    return user


def _stage(store: Store, key: str, given: str) -> int:
    """A stage named by its position (0, 1, ...) or label (general, runoff, ...)."""
    from tallyroom.night.publish import declared_state

    declaration = declared_state(store, key).declaration
    labels = [stage.label().casefold() for stage in declaration.stages]
    if given.isdigit() and int(given) < len(labels):
        return int(given)
    if given.casefold() in labels:
        return labels.index(given.casefold())
    raise InputError(f"--stage {given!r}: expected one of {', '.join(labels)} (or 0, 1, ...)")


@click.command(name="declare")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--units", "units_csv", type=click.Path(dir_okay=False, path_type=Path), help="Units CSV."
)
@db_option
@ACTOR
def declare_command(file: Path, units_csv: Path | None, db: str, actor: str | None) -> None:
    """Declare an election for election night from a TOML file (units inline or --units CSV).

    The file gives the city, state, office, rules preset, stages with dates and candidates, and
    the reporting units with registered voters. Declaring it again (a runoff added) keeps the
    returns entered so far. Prints the election's key.
    """
    from tallyroom.night.declare import declare, read_declaration, read_units_csv
    from tallyroom.night.status import progress

    declaration = read_declaration(_read(file), str(file))
    if units_csv is not None:
        units = read_units_csv(_read(units_csv), str(units_csv))
        declaration = replace(declaration, units=units)
    with Store.open(db) as store:
        key = declare(store, declaration, actor=actor or current_user())
        shown = progress(store, key)
    click.echo(key)
    click.echo(f"{shown.title}: {shown.total} reporting units, {shown.status}", err=True)


@click.group(name="users")
def users_group() -> None:
    """Manage election-night accounts: clerks, certifiers, admins."""


@users_group.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(["clerk", "certifier", "admin"]), required=True)
@PASSWORD_FILE
@db_option
@ACTOR
def users_add(name: str, role: str, password_file: Path | None, db: str, actor: str | None) -> None:
    """Add an account with a password (asked for twice, or from --password-file)."""
    from tallyroom.night import accounts

    password = _password(password_file, confirm=True)
    with Store.open(db) as store:
        user = accounts.add_user(store, name, role, password, actor=actor or current_user())
    click.echo(f"added {user.name} ({user.role})")


@users_group.command(name="list")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
def users_list(db: str, as_json: bool) -> None:
    """List the accounts, their roles and assigned elections."""
    from tallyroom.night import accounts

    with Store.open(db) as store:
        users = accounts.list_users(store)
    if as_json:
        data = [
            {"name": u.name, "role": u.role, "disabled": u.disabled, "elections": list(u.elections)}
            for u in users
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for u in users:
        state = " (disabled)" if u.disabled else ""
        assigned = f": {', '.join(u.elections)}" if u.elections else ""
        click.echo(f"{u.name}\t{u.role}{state}{assigned}")


@users_group.command(name="disable")
@click.argument("name")
@db_option
@ACTOR
def users_disable(name: str, db: str, actor: str | None) -> None:
    """Disable an account and end its sessions."""
    from tallyroom.night import accounts

    with Store.open(db) as store:
        accounts.disable_user(store, name, actor=actor or current_user())
    click.echo(f"disabled {name}")


@users_group.command(name="assign")
@click.argument("name")
@click.argument("key")
@db_option
@ACTOR
def users_assign(name: str, key: str, db: str, actor: str | None) -> None:
    """Let the clerk NAME enter returns for the declared election KEY."""
    from tallyroom.night import accounts

    with Store.open(db) as store:
        accounts.assign(store, name, key, actor=actor or current_user())
    click.echo(f"{name} may enter returns for {key}")


@click.group(name="returns")
def returns_group() -> None:
    """Enter or upload precinct returns of a declared election, or show its progress."""


def _votes(pairs: tuple[str, ...]) -> dict[str, int]:
    votes: dict[str, int] = {}
    for pair in pairs:
        name, sep, figure = pair.rpartition("=")
        if not sep or not name.strip():
            raise InputError(f"--votes {pair!r}: expected NAME=VOTES")
        try:
            votes[name.strip()] = int(figure.strip())
        except ValueError:
            raise InputError(f"--votes {pair!r}: expected a whole number of votes") from None
    return votes


@returns_group.command(name="enter")
@click.argument("key")
@click.argument("unit")
@STAGE
@click.option("--votes", "pairs", multiple=True, required=True, help="NAME=VOTES (repeat).")
@click.option("--revision", type=int, help="The unit's revision edited (default: the stored one).")
@click.option("--reason", help="Why the returns change, for the audit trail.")
@CLERK
@PASSWORD_FILE
@db_option
def returns_enter(
    key: str,
    unit: str,
    stage: str,
    pairs: tuple[str, ...],
    revision: int | None,
    reason: str | None,
    name: str,
    password_file: Path | None,
    db: str,
) -> None:
    """Enter one reporting unit's returns: every candidate's votes (and Ballots Cast ...)."""
    from tallyroom.night.returns import enter_returns, unit_entry

    votes = _votes(pairs)
    with Store.open(db) as store:
        user = _signed_in(store, name, password_file)
        position = _stage(store, key, stage)
        if revision is None:
            entry = unit_entry(store, key, position, unit)
            revision = 0 if entry is None else entry.revision
        new = enter_returns(
            store, key, position, unit, votes, expected_revision=revision, actor=user, reason=reason
        )
    click.echo(f"{unit}: revision {new}")


@returns_group.command(name="upload")
@click.argument("key")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@STAGE
@click.option("--reason", help="Why, for the audit trail (default: the file's name).")
@CLERK
@PASSWORD_FILE
@db_option
def returns_upload(
    key: str,
    file: Path,
    stage: str,
    reason: str | None,
    name: str,
    password_file: Path | None,
    db: str,
) -> None:
    """Upload returns from CSV (unit,candidate,votes): all rows stored, or none."""
    from tallyroom.night.returns import upload_returns

    text = _read(file)
    with Store.open(db) as store:
        user = _signed_in(store, name, password_file)
        changed = upload_returns(
            store, key, _stage(store, key, stage), text, str(file), actor=user, reason=reason
        )
    click.echo(f"{file}: {changed} units changed")


@returns_group.command(name="status")
@click.argument("key")
@click.option("--stage", help="Stage: its label or position (default: the latest reporting).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the progress as JSON.")
def returns_status(key: str, stage: str | None, db: str, as_json: bool) -> None:
    """Show how many reporting units have reported, and the status."""
    from tallyroom.night.status import progress

    with Store.open(db, read_only=True) as store:
        shown = progress(store, key, None if stage is None else _stage(store, key, stage))
    if as_json:
        data = {
            "title": shown.title,
            "reported": shown.reported,
            "total": shown.total,
            "stage": shown.stage,
            "status": shown.status,
            "revision": shown.revision,
            "updated_at": shown.updated_at.isoformat(),
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{shown.title}: {shown.reported} of {shown.total} units reporting · "
        f"updated {shown.updated_at:%H:%M} UTC · {shown.status}"
    )


@click.command(name="certify")
@click.argument("key")
@click.option("--as", "name", required=True, help="The certifier's account name.")
@PASSWORD_FILE
@click.option("--correction", metavar="REASON", help="Reopen a certified election to correct it.")
@click.option("--recount", metavar="REASON", help="Reopen a certified election for a recount.")
@db_option
def certify_command(
    key: str,
    name: str,
    password_file: Path | None,
    correction: str | None,
    recount: str | None,
    db: str,
) -> None:
    """Certify a declared election after its integrity gate, or reopen it for a correction.

    The gate: every reporting unit has reported in every stage; ballots cast = votes + over- and
    undervotes wherever ballots cast are reported; no error findings. A refusal lists every
    reason. Certified results are read-only until --correction or --recount REASON.
    """
    from tallyroom.night.status import certify, correct

    if correction is not None and recount is not None:
        raise InputError("give --correction or --recount, not both")
    with Store.open(db) as store:
        user = _signed_in(store, name, password_file)
        if correction is not None:
            correct(store, key, correction, actor=user, kind="correction")
            click.echo(f"{key}: open for a correction")
        elif recount is not None:
            correct(store, key, recount, actor=user, kind="recount")
            click.echo(f"{key}: open for a recount")
        else:
            certify(store, key, actor=user)
            click.echo(f"{key}: certified")
