"""OpenElections files of nine states' layouts: every candidate total equals a plain csv-module sum
of the file, reading → writing → reading gives the same elections, and the layouts' traps (county
totals, split precincts, two cities' mayors, same-named precincts, summary rows) are read right.

The excerpts in tests/data run everywhere; the full upstream files run when ../shared is there.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.formats import detect_format
from tallyroom.formats.conversion import BALLOTS_CAST, REGISTERED_VOTERS, Loaded
from tallyroom.formats.nist import read_nist_json, write_nist_json
from tallyroom.formats.openelections import read_openelections, write_openelections
from tallyroom.formats.rollup import check_rollup
from tallyroom.model import Election

from .conftest import SHARED, TEST_DATA

EXCERPTS = TEST_DATA / "openelections" / "states"
FULL = SHARED / "data" / "openelections" / "states"
DC = sorted((TEST_DATA / "openelections").glob("2*.csv"))
STATES = ("ca", "ga", "la", "mi", "ms", "oh", "or", "pa", "tx")

# what the independent sum leaves out: rows that are not votes for a candidate
SUMMARY_OFFICES = {"registered voters", "ballots cast", ""}
NOT_CANDIDATES = {
    "",
    "over votes",
    "under votes",
    "write-ins",
    "rejected write-in votes:",
    "unresolved write-in votes:",
}
TYPE_COLUMNS = ("election_day", "early_voting", "absentee", "mail", "provisional")


def _excerpt(state: str) -> Path:
    (path,) = (EXCERPTS / state).glob("*.csv")
    return path


def _full(state: str) -> Path:
    if not FULL.is_dir():
        pytest.skip(f"the full state files are not at {FULL}")
    (path,) = (FULL / state).glob("*.csv")
    return path


def _read(path: Path) -> Loaded:
    return read_openelections(path.read_text(encoding="utf-8"), str(path))


def _csv_sums(path: Path) -> Counter[tuple[str, str, str]]:
    """(office, district, candidate) → votes, summed with the csv module alone."""
    sums: Counter[tuple[str, str, str]] = Counter()
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    for row in reader:
        row = {k.lower(): (v or "").strip() for k, v in row.items()}
        if row["office"].lower() in SUMMARY_OFFICES or row["candidate"].lower() in NOT_CANDIDATES:
            continue
        if "county" in row and "precinct" in row and not row["precinct"]:
            continue  # a county's own total, beside its precincts
        cell = row.get("votes", "").replace(",", "")
        try:
            votes = float(cell)
        except ValueError:
            continue
        key = (row["office"].upper(), row.get("district", "").upper(), row["candidate"])
        sums[key] += int(votes)
    return sums


def _our_sums(elections: tuple[Election, ...]) -> Counter[tuple[str, str, str]]:
    sums: Counter[tuple[str, str, str]] = Counter()
    for election in elections:
        office = election.office or ""
        title = election.title
        city = election.jurisdiction.city
        if city and title.endswith(f" ({city})"):
            title = title[: -len(city) - 3]
        district = title[len(office) :].strip()
        for stage in election.stages:
            for row in stage.results:
                sums[(office.upper(), district.upper(), row.name)] += row.votes or 0
    return sums


def _check_totals_and_round_trip(path: Path) -> None:
    loaded = _read(path)
    expected = _csv_sums(path)
    assert expected, "the file has candidate rows"
    assert _our_sums(loaded.elections) == expected
    written = write_openelections(loaded.elections)
    back = read_openelections(written.text, str(path))
    assert back.elections == loaded.elections
    assert write_openelections(back.elections).text == written.text
    assert written.warnings == ()


@pytest.mark.parametrize("state", STATES)
def test_excerpt_totals_equal_a_csv_sum_and_round_trip_exactly(state: str) -> None:
    _check_totals_and_round_trip(_excerpt(state))


@pytest.mark.parametrize("state", STATES)
def test_full_file_totals_equal_a_csv_sum_and_round_trip_exactly(state: str) -> None:
    _check_totals_and_round_trip(_full(state))


@pytest.mark.parametrize("path", DC, ids=lambda p: p.name[:20])
def test_dc_files_round_trip_exactly(path: Path) -> None:
    loaded = _read(path)
    back = read_openelections(write_openelections(loaded.elections).text, str(path))
    assert back.elections == loaded.elections


@pytest.mark.parametrize("state", STATES)
def test_state_layouts_are_detected_as_openelections(state: str) -> None:
    path = _excerpt(state)
    assert detect_format(path.read_text(encoding="utf-8"), path.name) == "openelections-csv"


def _election(loaded: Loaded, title: str) -> Election:
    return next(e for e in loaded.elections if e.title == title)


def test_county_totals_are_kept_apart_and_checked_against_the_precincts() -> None:
    path = _excerpt("ga")
    mayor = _election(_read(path), "FOR MAYOR")
    (stage,) = mayor.stages
    county = next(u for u in stage.units if u.kind == "county")
    own = [r for r in stage.unit_results if r.unit == county.id and r.vote_type == "total"]
    assert [(r.candidate, r.votes) for r in own] == [("J. F. MORRISSEY", 5500)]
    assert stage.results[0].votes == 5500  # the precincts' sum, not doubled
    assert check_rollup(stage) == ()
    damaged = path.read_text(encoding="utf-8").replace(
        "Camden,,FOR MAYOR,,,J. F. MORRISSEY,5500,", "Camden,,FOR MAYOR,,,J. F. MORRISSEY,5600,"
    )
    (bad,) = _election(read_openelections(damaged, str(path)), "FOR MAYOR").stages
    assert [p.code for p in check_rollup(bad)] == ["rollup.unit-total-mismatch"]


def test_same_named_precincts_of_two_parishes_stay_apart() -> None:
    path = _excerpt("la")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    pairs = {(r["county"], r["precinct"]) for r in rows}
    (house,) = _read(path).elections
    precincts = [u for u in house.stages[0].units if u.kind == "precinct"]
    assert len(precincts) == len(pairs) > len({p for _, p in pairs})
    assert {u.parent for u in precincts} == {f"county-{c}" for c, _ in pairs}


def test_two_cities_mayors_in_one_county_file_stay_apart() -> None:
    loaded = _read(_excerpt("mi"))
    mayors = {e.title: e for e in loaded.elections if e.office == "Mayor"}
    assert set(mayors) == {"Mayor (DeWitt)", "Mayor (Ovid)"}
    assert mayors["Mayor (Ovid)"].jurisdiction.city == "Ovid"
    ovid = {r.name: r.votes for r in mayors["Mayor (Ovid)"].stages[0].results}
    assert ovid == {"William Lasher": 75, "Daniel R. Lupu": 186, "Mary K. Perrien": 373}
    # rows without a candidate and a ballot question filed as "Registered Voters" are noted
    reasons = Counter(u.reason for e in loaded.elections for u in e.unread)
    assert reasons["expected a candidate"] == 2
    assert reasons["a Registered Voters row that names a candidate"] == 4


def test_split_precincts_and_decimal_counts() -> None:
    loaded = _read(_excerpt("tx"))
    mayor = _election(loaded, "Mayor Jefferson")
    (stage,) = mayor.stages
    parts = sorted(u.name for u in stage.units if u.kind == "precinct")
    # the city lies in the second and third blocks of precinct 4.0's rows
    assert parts == ["Precinct 4.0 (part 2)", "Precinct 4.0 (part 3)"]
    assert {r.name: r.votes for r in stage.results}["Rob Baker"] == 33 + 152
    assert check_rollup(stage) == ()
    notes = [u for e in loaded.elections for u in e.unread]
    assert any("part 2" in u.reason and u.text == "Precinct 3.0" for u in notes)


def test_summary_rows_as_candidates_of_an_empty_office() -> None:
    (house,) = _read(_excerpt("oh")).elections
    (stage,) = house.stages
    assert {r.name for r in stage.results} == {"Troy Balderson", "Joe Manchik", "Danny O'Connor"}
    assert stage.registered_voters is not None and stage.ballots_cast is not None
    assert 0 < stage.ballots_cast < stage.registered_voters


def test_presidential_primary_is_partisan_and_top_two_primaries_are_not() -> None:
    loaded = _read(_excerpt("ca"))
    president = _election(loaded, "President")
    assert {s.party for s in president.stages} >= {"DEM", "REP"}
    senate = _election(loaded, "U.S. Senate")
    (stage,) = senate.stages
    assert stage.kind == "primary" and stage.party is None
    assert len({r.party for r in stage.results}) > 2


def test_vote_types_and_summary_rows_by_vote_type() -> None:
    loaded = _read(_excerpt("pa"))
    mayor = _election(loaded, "Mayor - Brockway Boro")
    (stage,) = mayor.stages
    by_type = {(r.candidate, r.vote_type): r.votes for r in stage.unit_results}
    assert by_type[("William D Hrinya", "total")] == 483
    assert by_type[("William D Hrinya", "election-day")] == 395
    assert by_type[("William D Hrinya", "absentee-mail")] == 88
    assert by_type[(BALLOTS_CAST, "absentee-mail")] > 0
    assert stage.registered_voters is not None and stage.results[0].party == "D/R"


def test_party_markers_dates_and_files_without_units() -> None:
    text = (
        "date,office,district,party,candidate,total_votes\n"
        "2023-05-02,Mayor,,I,Ann Lee,120\n"
        "2023-05-02,Mayor,,NP,Bo Park,80\n"
        "2023-05-02,Registered Voters,,,,900\n"
    )
    loaded = read_openelections(text, "20230502__xx__primary__city.csv")
    (mayor,) = loaded.elections
    (stage,) = mayor.stages  # markers make no party primaries
    assert (stage.kind, stage.party) == ("primary", None)
    assert [(r.name, r.party, r.incumbent) for r in stage.results] == [
        ("Ann Lee", None, True),
        ("Bo Park", None, False),
    ]
    assert str(stage.date) == "2023-05-02" and stage.registered_voters == 900
    assert not any("file name" in w for w in loaded.warnings)
    written = write_openelections(loaded.elections).text
    assert written.startswith("date,office,")
    back = read_openelections(written, "20230502__xx__primary__city.csv")
    assert back.elections == loaded.elections
    # the date from the file name is a fallback, and said so; a given date wins
    named = read_openelections(text.replace("2023-05-02,", ","), "20230502__xx__general__c.csv")
    assert str(named.elections[0].date) == "2023-05-02"
    assert any("taken from the file name" in w for w in named.warnings)
    import datetime as dt

    given = read_openelections(text, "x.csv", date=dt.date(2023, 5, 3))
    assert str(given.elections[0].date) == "2023-05-03"
    assert any("differs from 2023-05-03" in w for w in given.warnings)


def test_vote_type_columns_without_a_total_column() -> None:
    text = "county,precinct,office,candidate,early_voting,election_day\nA,1,Mayor,Ann,3,4\n"
    (mayor,) = read_openelections(text, "t.csv").elections
    assert mayor.stages[0].results[0].votes == 7
    assert detect_format(text) == "openelections-csv"


def test_nist_to_openelections_keeps_every_house_district(tmp_path: Path) -> None:
    loaded = _read(_excerpt("ga"))
    houses = [e for e in loaded.elections if e.office == "State Representative"]
    assert len(houses) == 2
    nist = write_nist_json(houses).text
    again = read_nist_json(nist, "ga.json").elections
    written = write_openelections(again)
    back = read_openelections(written.text, "ga.csv").elections
    assert len(back) == 2
    assert sorted((e.title, e.stages[0].results) for e in back) == sorted(
        (e.title, e.stages[0].results) for e in houses
    )
    # and through the command line
    source = tmp_path / "ga.json"
    source.write_text(nist, encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(source), "--to", "openelections-csv"])
    assert result.exit_code == 0, result.output
    assert len(read_openelections(result.stdout, "out.csv").elections) == 2
    assert json.loads(nist)["Election"]


def test_convert_takes_the_date_option(tmp_path: Path) -> None:
    source = tmp_path / "results.csv"
    source.write_text("precinct,office,candidate,votes\n1,Mayor,Ann,3\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["convert", str(source), "--date", "2021-11-02", "--to", "nist-json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["Election"][0]["StartDate"] == "2021-11-02"
    assert REGISTERED_VOTERS not in result.stdout


@pytest.mark.parametrize("state", STATES)
def test_excerpt_imports_with_the_totals_of_a_csv_sum(state: str, tmp_path: Path) -> None:
    """Stored, then read back through the store: the same candidate totals as the csv module's."""
    from tallyroom import service
    from tallyroom.store import ElectionFilter, Store

    path = _excerpt(state)
    with Store.open(tmp_path / "results.db") as store:
        (outcome,) = service.import_files(store, [path])
        assert outcome.status == "stored", outcome.error
        stored = tuple(
            store.record(summary.id).election
            for summary in store.list_elections(ElectionFilter()).rows
        )
    assert _our_sums(stored) == _csv_sums(path)
