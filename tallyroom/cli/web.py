"""``tallyroom serve`` and ``tallyroom export-site``: the results website, live or as files."""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tallyroom.cli.store import db_option
from tallyroom.model import Election
from tallyroom.store import Store

__all__ = ["demo_database", "demo_web"]


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def serve(db: str, host: str, port: int) -> None:
    """Serve the results website over the database (pages, charts, JSON, /docs)."""
    import uvicorn

    from tallyroom.web import create_app

    app = create_app(db)
    # The code and data loaded so far live as long as the server: take them out of the cyclic
    # garbage collector's full passes, which otherwise stall every request for their duration
    # (about 90 ms on a 2-core machine) a few times a minute under load.
    gc.collect()
    gc.freeze()
    click.echo(f"tallyroom: serving {db} at http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command(name="export-site")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@db_option
def export_site_command(folder: Path, db: str) -> None:
    """Write the whole website into FOLDER as static files with relative links."""
    from tallyroom.web import export_site

    with Store.open(db, migrate=False) as store:
        report = export_site(store, folder)
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
