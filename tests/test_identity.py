"""An election is its place, office and year: stages join it, versions compete, revert restores.

On SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.formats import read_path
from tallyroom.identity import election_identity, merge_stages, stage_identity
from tallyroom.model import Election, Jurisdiction, Stage
from tallyroom.store import ElectionFilter, Store
from tests.conftest import PORTLAND, ROOT
from tests.store_helpers import import_file

OPENELECTIONS = ROOT / "tests" / "data" / "openelections"
DC_2006 = (
    OPENELECTIONS / "20060912__dc__primary__precinct.csv",
    OPENELECTIONS / "20061107__dc__general__precinct.csv",
)
DC_2018 = OPENELECTIONS / "20181106__dc__general__precinct.csv"
SAMPLE_PORTLAND = ROOT / "tallyroom" / "data" / "samples" / "2004-portland.txt"
MAYOR = "MAYOR OF THE DISTRICT OF COLUMBIA"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = str(tmp_path / "t.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Store.open(url) as opened:
        yield opened


def test_identity_is_place_office_and_year_not_the_title() -> None:
    (election,) = read_path(SAMPLE_PORTLAND)
    assert election_identity(election) == "portland|oregon|mayor|2004"
    renamed = dataclasses.replace(election, title="Portland mayor, 2004")
    assert election_identity(renamed) == election_identity(election)
    moved = tuple(
        dataclasses.replace(s, date=s.date.replace(year=2008)) for s in election.stages if s.date
    )
    later = dataclasses.replace(election, stages=moved)
    assert election_identity(later) != election_identity(election)
    unplaced = dataclasses.replace(election, office=None)
    assert election_identity(unplaced).startswith("title|")
    assert [stage_identity(s) for s in election.stages] == [("primary", None), ("general", None)]


def test_a_source_with_other_stages_joins_the_stored_election() -> None:
    (election,) = read_path(SAMPLE_PORTLAND)
    primary, general = election.stages
    stored = dataclasses.replace(election, stages=(general,))
    new = dataclasses.replace(election, stages=(primary,), paragraphs=())
    merged, origins = merge_stages(stored, new)
    assert merged.stages == (primary, general)  # in date order
    assert origins == (None, 0)
    assert merged.paragraphs == election.paragraphs  # what the new source leaves out is kept
    # A source with every stored stage replaces the election whole.
    assert merge_stages(stored, election) == (election, (None, None))


def test_dc_2006_primary_and_general_are_one_election_and_2018_another(store: Store) -> None:
    for path in (*DC_2006, DC_2018):
        import_file(store, path)
    rows = store.list_elections(ElectionFilter(office=MAYOR), order="oldest").rows
    assert [row.year for row in rows] == [2006, 2018]
    first, second = (store.record(row.id) for row in rows)
    kinds = [(s.kind, s.party) for s in first.election.stages]
    assert kinds == [("primary", "DEM"), ("primary", "REP"), ("primary", "SG"), ("general", None)]
    assert first.figures.winner == "ADRIAN FENTY" and second.figures.winner == "Muriel Bowser"
    assert [s.kind for s in second.election.stages] == ["general"]
    # The version that joined the general keeps where each stage came from.
    history = store.history(first.id)
    assert [entry["action"] for entry in history] == ["created", "changed"]
    assert history[1]["source"]["name"] == DC_2006[1].name
    # Importing the primary again changes nothing.
    (again,) = (r for r in import_file(store, DC_2006[0]) if r.election_id == first.id)
    assert again.status == "unchanged"


def test_a_damaged_copy_does_not_replace_a_clean_one(store: Store, tmp_path: Path) -> None:
    clean = SAMPLE_PORTLAND
    damaged = tmp_path / "portland-damaged.txt"
    text = clean.read_text(encoding="utf-8")
    assert "Total: 133,259 votes" in text
    damaged.write_text(text.replace("Total: 133,259 votes", "Total: 133 votes"), encoding="utf-8")

    (first,) = import_file(store, clean)
    (kept,) = import_file(store, damaged)
    assert (kept.status, kept.version, kept.current) == ("kept", 2, 1)
    assert kept.note is not None and "error findings" in kept.note and "--replace" in kept.note
    assert store.record(first.election_id).version == 1
    assert store.record(first.election_id, 2).figures.stages[0].total.damaged

    # revert makes the kept version current; reverting again restores the clean one.
    assert store.revert(first.election_id, 2, reason="checking").status == "reverted"
    assert store.record(first.election_id).version == 2
    store.revert(first.election_id, 1)
    assert store.record(first.election_id).version == 1
    actions = [entry["action"] for entry in store.history(first.election_id)]
    assert actions == ["created", "kept", "reverted", "reverted"]

    # --replace: the user says the damaged copy is to be current.
    (forced,) = import_file(store, damaged, replace=True)
    assert (forced.status, forced.current) == ("reverted", 2)


def test_the_seed_over_the_sample_is_kept_and_revert_works_from_the_cli(
    tmp_path: Path, seeds_dir: Path
) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    first = runner.invoke(main, ["import", str(SAMPLE_PORTLAND), "--db", db])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["import", str(PORTLAND), "--db", db])
    assert second.exit_code == 0 and "kept: 2004 Portland" in second.stdout
    assert "1 kept (not current)" in second.stdout
    back = runner.invoke(main, ["revert", "Portland", "2", "--db", db, "--reason", "test"])
    assert back.exit_code == 0 and back.stdout.startswith("reverted: 2004 Portland")
    history = runner.invoke(main, ["history", "Portland", "--db", db]).stdout
    assert "version 2 kept" in history and "version 2 reverted" in history
    missing = runner.invoke(main, ["revert", "Portland", "7", "--db", db])
    assert missing.exit_code == 2 and "has no version 7" in missing.stderr


def test_two_districts_of_one_office_are_two_elections() -> None:
    def commission(district: str | None) -> Election:
        return Election(
            f"CC {district}" if district else "CC",
            jurisdiction=Jurisdiction(state="GA"),
            office="CC",
            district=district,
            date=dt.date(2016, 11, 8),
            stages=(Stage("general", date=dt.date(2016, 11, 8)),),
        )

    assert election_identity(commission("D3")) == "|ga|cc d3|2016"
    assert election_identity(commission("D5")) == "|ga|cc d5|2016"
    assert election_identity(commission(None)) == "|ga|cc|2016"  # as stored before districts
