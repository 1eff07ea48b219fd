"""OpenElections CSV on the real District of Columbia files: roll-up, merging, writing, errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tallyroom.errors import ConversionError, ParseError
from tallyroom.formats.conversion import BALLOTS_CAST, Loaded
from tallyroom.formats.openelections import (
    merge_elections,
    read_openelections,
    read_precinct_map,
    write_openelections,
)
from tallyroom.formats.rollup import check_rollup, unit_totals
from tallyroom.model import Election

from .conftest import TEST_DATA

DATA = TEST_DATA / "openelections"
PRIMARY = DATA / "20060912__dc__primary__precinct.csv"
PRIMARY_WARDS = DATA / "20060912__dc__primary__ward.csv"
GENERAL = DATA / "20061107__dc__general__precinct.csv"
GENERAL_2018 = DATA / "20181106__dc__general__precinct.csv"
MAYOR = "MAYOR OF THE DISTRICT OF COLUMBIA"


def _wards() -> dict[str, str]:
    # CR-only line endings, three eras side by side
    return read_precinct_map(
        (DATA / "precinct_to_ward.csv").read_bytes().decode("utf-8"), "2002-2011"
    )


def _read(path: Path, **kwargs: Any) -> Loaded:
    return read_openelections(path.read_bytes().decode("utf-8"), str(path), **kwargs)


def _office(elections: tuple[Election, ...], title: str) -> Election:
    return next(e for e in elections if e.title == title)


def test_precinct_map_reads_the_2002_era() -> None:
    wards = _wards()
    assert len(wards) == 143
    assert wards["112"] == "7"  # 2012-present puts 112 in ward 8
    assert wards["1"] == "6"


def test_precincts_roll_up_to_the_published_ward_file_exactly() -> None:
    precincts = _read(PRIMARY, precinct_wards=_wards()).elections
    wards = _read(PRIMARY_WARDS).elections
    assert {e.title for e in precincts} == {e.title for e in wards}
    compared = 0
    for election in precincts:
        ward_election = _office(wards, election.title)
        ward_stages = {s.party: s for s in ward_election.stages}
        for stage in election.stages:
            rolled = unit_totals(stage)
            published = unit_totals(ward_stages[stage.party])
            for unit, rows in published.items():
                assert rolled[unit] == rows, (election.title, stage.party, unit)
                compared += len(rows)
            assert check_rollup(stage) == ()
    assert compared > 300


def test_primary_and_general_become_one_election_with_three_primaries() -> None:
    wards = _wards()
    loaded = merge_elections(
        _read(PRIMARY, precinct_wards=wards).elections
        + _read(GENERAL, precinct_wards=wards).elections
    )
    mayor = _office(loaded.elections, MAYOR)
    assert [(s.kind, s.party, str(s.date)) for s in mayor.stages] == [
        ("primary", "DEM", "2006-09-12"),
        ("primary", "REP", "2006-09-12"),
        ("primary", "SG", "2006-09-12"),
        ("general", None, "2006-11-07"),
    ]
    dem, _, _, general = mayor.stages
    assert {r.name: r.votes for r in dem.results}["Adrian Fenty"] == 60732
    assert {r.name: r.votes for r in dem.results}["Linda Cropp"] == 32897
    # upper-case names of the general take the primary's spelling, and the change is reported
    assert {r.name: r.votes for r in general.results} == {
        "Adrian Fenty": 104443,
        "David W. Kranich": 7356,
        "Chris Otten": 4792,
        "Write In": 1312,
    }
    assert f"{MAYOR}: 'ADRIAN FENTY' read as 'Adrian Fenty'" in loaded.warnings
    assert any(r.write_in for r in general.results if r.name == "Write In")
    # the precincts' figures take the same spelling, and still sum to the stage's
    by_name: dict[str, int] = {}
    for row in general.unit_results:
        if row.vote_type == "total" and row.unit.startswith("precinct-"):
            by_name[row.candidate] = by_name.get(row.candidate, 0) + row.votes
    assert "ADRIAN FENTY" not in by_name and by_name["Adrian Fenty"] == 104443


def test_2018_turnout_rows_and_swapped_columns() -> None:
    mayor = _office(_read(GENERAL_2018).elections, MAYOR)
    (stage,) = mayor.stages
    assert {r.name: r.votes for r in stage.results}["Muriel Bowser"] == 171608
    assert stage.ballots_cast is not None and stage.registered_voters is not None
    assert stage.ballots_cast < stage.registered_voters
    wards = {u.id for u in stage.units if u.kind == "ward"}
    assert len(wards) == 8
    assert sum(1 for u in stage.units if u.kind == "precinct") == 143
    assert check_rollup(stage) == ()  # ballots cast cover the contest's votes in every precinct


def test_rollup_findings() -> None:
    mayor = _office(_read(GENERAL_2018).elections, MAYOR)
    (stage,) = mayor.stages
    first = stage.unit_results[0]
    ballots = next(r for r in stage.unit_results if r.candidate == BALLOTS_CAST)
    ward = next(u.id for u in stage.units if u.kind == "ward")
    damaged = replace(
        stage,
        unit_results=(
            *(replace(r, votes=1) if r is ballots else r for r in stage.unit_results),
            first,  # a precinct counted twice
            replace(first, unit=ward),  # a ward total mixed in with precinct rows
        ),
    )
    codes = {(p.code, p.severity) for p in check_rollup(damaged, MAYOR)}
    assert ("rollup.duplicate-row", "error") in codes
    assert ("rollup.unit-total-mismatch", "error") in codes
    assert ("rollup.ballots-below-votes", "warning") in codes
    assert ("rollup.total-mismatch", "error") in codes


def test_rollup_finds_a_parent_that_is_not_a_unit() -> None:
    mayor = _office(_read(GENERAL_2018).elections, MAYOR)
    (stage,) = mayor.stages
    assert check_rollup(stage) == ()
    lost = next(u for u in stage.units if u.kind == "precinct")
    damaged = replace(
        stage,
        units=tuple(replace(u, parent="Ward 99") if u is lost else u for u in stage.units),
    )
    found = [p for p in check_rollup(damaged, MAYOR) if p.code == "rollup.unknown-parent"]
    assert [(p.severity, p.place) for p in found] == [
        ("error", f"{MAYOR}, {stage.label()}, {lost.name}")
    ]
    assert "'Ward 99'" in found[0].message


def test_write_then_read_keeps_every_row() -> None:
    mayor = _office(_read(GENERAL_2018).elections, MAYOR)
    written = write_openelections([mayor])
    assert written.text.startswith("date,ward,precinct,office,district,party,candidate,votes\n")
    back = _office(read_openelections(written.text, "x.csv").elections, MAYOR)
    assert sorted(back.stages[0].unit_results, key=repr) == sorted(
        mayor.stages[0].unit_results, key=repr
    )
    assert back.stages[0].results == mayor.stages[0].results


def test_vote_type_columns_thousands_and_mac_line_endings() -> None:
    text = (
        "County,Precinct,Office,Party,Candidate,Votes,Election_Day,Mail\r"
        'Adams,P1,Mayor,,Ann,"1,204",1000,204\r'
        "Adams,P2,Mayor,,Ann,10,,\r"
    )
    (election,) = read_openelections(text, "mac.csv").elections
    (stage,) = election.stages
    assert stage.results[0].votes == 1214
    kinds = {(r.unit, r.vote_type): r.votes for r in stage.unit_results}
    assert kinds[("precinct-Adams-P1", "election-day")] == 1000
    assert kinds[("precinct-Adams-P1", "absentee-mail")] == 204
    assert kinds[("precinct-Adams-P1", "total")] == 1204


def test_unreadable_vote_cells_are_noted_and_reading_goes_on() -> None:
    text = (
        "precinct,office,party,candidate,votes\n"
        "1,Mayor,,Ann,12\n"
        "2,Mayor,,Ann,twelve\n"
        "3,Mayor,,Ann,$3\n"
        "4,Mayor,,Ann,x\n"
        "5,Mayor,,Ann,\n"
        "6,Mayor,,Ann,7\n"
    )
    loaded = read_openelections(text, "bad.csv")
    (election,) = loaded.elections
    assert election.stages[0].results[0].votes == 19
    assert [(u.line, u.text) for u in election.unread] == [
        (3, "twelve"),
        (4, "$3"),
        (5, "x"),
        (6, "5,Mayor,,Ann,"),
    ]
    assert "bad.csv:4: expected a whole number of votes: $3" in loaded.warnings


def test_missing_columns_and_units() -> None:
    with pytest.raises(ParseError, match="expected columns candidate"):
        read_openelections("office,name,votes\nMayor,Ann,1\n", "nocandidate.csv")
    with pytest.raises(ParseError, match="expected at least one contest row"):
        read_openelections("office,candidate,votes\nRegistered Voters,,10\n", "empty.csv")
    with pytest.raises(ConversionError, match="reporting-unit rows"):
        write_openelections([Election(title="empty")])
