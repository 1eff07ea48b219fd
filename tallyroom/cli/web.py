"""``tallyroom serve`` and ``tallyroom export-site``: the results website, live or as files."""

from __future__ import annotations

import errno
import gc
import json
import os
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from tallyroom.cli.store import db_option
from tallyroom.model import Election
from tallyroom.store import Store

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["demo_database", "demo_web", "worker_app"]


#: The cyclic garbage collector's thresholds while serving (Python's are 700, 10, 10). Making a
#: page allocates thousands of objects that reference counting frees; at 700 the collector ran
#: about every other page and took about 6% of the server's CPU for first renders, at 10,000
#: half of that.
GC_THRESHOLDS = (10_000, 10, 10)

#: The environment variable through which ``serve --workers N`` tells each worker process what
#: to serve (a JSON object: ``db``, ``export_to``); each worker builds its app from it.
WORKER_SETTINGS = "TALLYROOM_SERVE"


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes sharing the port (use PostgreSQL for more than one).",
)
@click.option(
    "--export-to",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="After each change entered on the site, export the static site and point this "
    "symlink at it (atomically).",
)
def serve(db: str, host: str, port: int, workers: int, export_to: Path | None) -> None:
    """Serve the results website over the database (pages, charts, JSON, /docs).

    The database is opened read-only for the public pages; signed-in staff write through a
    second connection (election night: /night and the live pages under /live)."""
    import uvicorn

    if workers > 1 and _is_sqlite(db):
        click.echo(
            "tallyroom: several workers on one SQLite file take turns to write; "
            "PostgreSQL is the database for --workers > 1 (docs/deploy.md)",
            err=True,
        )
    if workers == 1:
        app = _app(db, export_to)  # a missing or old database is refused before anything listens
        listener = _listen(host, port)
        where = f"http://{_netloc(host, listener.getsockname()[1])}/"
        click.echo(f"tallyroom: serving {db} at {where} (Ctrl-C stops)")
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        server.run(sockets=[listener])
        return
    from uvicorn.supervisors import Multiprocess

    Store.open(db, read_only=True).close()  # refused here, not in every worker
    listener = _listen(host, port)
    where = f"http://{_netloc(host, listener.getsockname()[1])}/"

    os.environ[WORKER_SETTINGS] = json.dumps(
        {"db": db, "export_to": str(export_to) if export_to is not None else None}
    )
    config = uvicorn.Config(
        "tallyroom.cli.web:worker_app", factory=True, workers=workers, log_level="warning"
    )
    click.echo(f"tallyroom: serving {db} at {where} with {workers} workers (Ctrl-C stops)")
    Multiprocess(config, sockets=[listener]).run()


def _app(db: str, export_to: Path | None) -> FastAPI:
    from tallyroom.web import create_app

    app = create_app(db, export_to=export_to)
    # The code and data loaded so far live as long as the server: take them out of the cyclic
    # garbage collector's full passes, which otherwise stall every request for their duration
    # (about 90 ms on a 2-core machine) a few times a minute under load.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return app


def worker_app() -> FastAPI:
    """The app of one worker process of ``serve --workers N`` (settings from the environment)."""
    settings = json.loads(os.environ[WORKER_SETTINGS])
    export_to = settings.get("export_to")
    return _app(settings["db"], Path(export_to) if export_to else None)


def _is_sqlite(db: str) -> bool:
    return "://" not in db or db.startswith("sqlite")


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a port in use (or an unusable address) is one line
    and exit 2."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        reason = error.strerror or str(error)
        hint = (
            "; is another server running there? Choose another --port"
            if (error.errno == errno.EADDRINUSE)
            else ""
        )
        click.echo(f"error: cannot listen on {_netloc(host, port)}: {reason}{hint}", err=True)
        click.get_current_context().exit(2)


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@click.command(name="export-site")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@db_option
@click.option(
    "--since",
    metavar="last|TIME",
    help="Write again only what changed since the last export into FOLDER (`last`) or since "
    "TIME (ISO 8601, e.g. 2026-11-03T20:00:00+00:00).",
)
def export_site_command(folder: Path, db: str, since: str | None) -> None:
    """Write the whole website into FOLDER as static files with relative links."""
    import datetime as dt

    from tallyroom.web import export_site

    when: dt.datetime | str | None = since
    if since is not None and since != "last":
        try:
            when = dt.datetime.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(
                f"expected `last` or an ISO 8601 time, got {since!r}", param_hint="--since"
            ) from None
        if when.tzinfo is None:
            when = when.astimezone()  # a time without a zone is the machine's local time
    with Store.open(db, read_only=True) as store:
        report = export_site(store, folder, since=when)
    click.echo(
        f"{report.files} files ({report.bytes / 1e6:.1f} MB) in {report.folder}: "
        f"{report.elections} elections, {report.candidates} candidates, {report.cities} cities; "
        f"{report.seconds:.1f} s. Open {report.folder / 'index.html'}"
    )


def demo_database(elections: tuple[Election, ...], folder: Path) -> Path:
    """A database of the sample elections in ``folder`` (made again on every demo)."""
    path = folder / "tallyroom-demo.db"
    path.unlink(missing_ok=True)
    from tallyroom import service

    with Store.open(path) as store:
        for election in elections:
            name = election.source or election.title
            service.import_elections(store, [election], _source_text(election, name), name)
    return path


def _source_text(election: Election, name: str) -> str:
    """The sample file the election was read from; else the election written as an article."""
    from importlib import resources

    from tallyroom.formats.article_writer import render_article

    item = resources.files("tallyroom") / "data" / "samples" / name
    try:
        return item.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, OSError):
        return render_article(election)


def demo_web(console: Console, elections: tuple[Election, ...]) -> None:
    """Put the samples in a database and say how to open them as a website."""
    console.rule("[bold]The results website")
    # A folder of its own each time: two demos at once never share (or delete) a database.
    folder = Path(tempfile.mkdtemp(prefix="tallyroom-demo-"))
    path = demo_database(elections, folder)
    console.print(f"{len(elections)} sample elections are in {escape(str(path))}.")
    console.print("Open them as a website (pages, charts, JSON twins, API at /docs):")
    console.print(f"  [bold]tallyroom serve --db {escape(str(path))}[/bold]", highlight=False)
    console.print("  then visit [link]http://127.0.0.1:8000/[/link]", highlight=False)
    console.print(
        f"or write static files: tallyroom export-site site --db {escape(str(path))}",
        highlight=False,
    )
    console.print()
