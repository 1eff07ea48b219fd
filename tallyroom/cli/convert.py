"""``tallyroom convert``: read elections in one format, write them in another.

Anything the target format cannot hold (and anything of the input the model cannot hold) is
printed as a ``warning:`` line on stderr; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from tallyroom.formats import FORMATS, WRITE_FORMATS, load_text, read_bytes, write_text
from tallyroom.formats.conversion import Loaded
from tallyroom.model import Election


def _load(
    paths: tuple[Path, ...],
    fmt: str | None,
    precinct_map: Path | None,
    era: str,
    date: dt.date | None = None,
) -> Loaded:
    from tallyroom.formats import detect_format
    from tallyroom.formats.openelections import (
        merge_elections,
        read_openelections,
        read_precinct_map,
    )

    elections: list[Election] = []
    warnings: list[str] = []
    wards = None
    if precinct_map is not None:
        wards = read_precinct_map(read_bytes(precinct_map), era, str(precinct_map))
    for path in paths:
        text = read_bytes(path)
        kind = fmt or detect_format(text, str(path))
        if kind == "openelections-csv":
            loaded = read_openelections(text, str(path), precinct_wards=wards, date=date)
        else:
            loaded = load_text(text, str(path), kind)
        elections.extend(loaded.elections)
        warnings.extend(loaded.warnings)
    if len(paths) > 1:
        merged = merge_elections(elections)
        return Loaded(merged.elections, (*warnings, *merged.warnings))
    return Loaded(tuple(elections), tuple(warnings))


@click.command()
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--to", "target", required=True, type=click.Choice(WRITE_FORMATS), help="Target format."
)
@click.option("--from", "source_format", type=click.Choice(FORMATS), help="Force the input format.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
@click.option(
    "--precinct-map",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Precinct-to-ward CSV for OpenElections precinct files.",
)
@click.option("--map-era", default="2002-2011", show_default=True, help="Era column of the map.")
@click.option("--office", help="Keep only elections whose title contains this text.")
@click.option(
    "--date",
    "election_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Election date of OpenElections files without a date column (YYYY-MM-DD).",
)
def convert(
    inputs: tuple[Path, ...],
    target: str,
    source_format: str | None,
    out: Path | None,
    precinct_map: Path | None,
    map_era: str,
    office: str | None,
    election_date: dt.datetime | None,
) -> None:
    """Convert INPUTS (several files of one office are joined into one election) to --to."""
    date = election_date.date() if election_date is not None else None
    loaded = _load(inputs, source_format, precinct_map, map_era, date)
    elections = loaded.elections
    if office:
        elections = tuple(e for e in elections if office.lower() in e.title.lower())
        if not elections:
            raise click.UsageError(f"no election's title contains {office!r}")
    written = write_text(elections, target)
    for warning in (*loaded.warnings, *written.warnings):
        click.echo(f"warning: {warning}", err=True)
    if out is None:
        click.echo(written.text, nl=not written.text.endswith("\n"))
    else:
        partial = out.with_name(out.name + ".partial")
        partial.write_text(written.text, encoding="utf-8")
        partial.replace(out)
        click.echo(f"wrote {out} ({target}, {len(elections)} elections)", err=True)
