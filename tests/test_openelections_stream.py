"""The streaming OpenElections reader gives what the row-by-row reader gave, row for row.

``tests/openelections_reference.py`` keeps the reader as it was before it was made to read the
text a slice at a time and to understand each repeated cell once. Both read every fixture file
under ``tests/data/openelections`` and files generated from the awkward cells the real files
have (thousands separators, ``6.0``, ``$3``, ``x``, summary rows, county totals, split precincts,
mayors of two cities, short rows, quoted line breaks, CR line endings); the elections, every
note with its line, the warnings and any error must be the same.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.errors import ParseError, TallyroomError
from tallyroom.formats import load_text
from tallyroom.formats.conversion import Loaded
from tallyroom.formats.openelections import _text_lines, read_openelections, read_precinct_map
from tallyroom.formats.rollup import leaf_units, root_totals, unit_totals
from tallyroom.model import ReportingUnit, Stage, UnitResult

from . import openelections_reference as reference
from .conftest import TEST_DATA

DATA = TEST_DATA / "openelections"
FILES = sorted(p for p in DATA.rglob("*.csv") if p.name != "precinct_to_ward.csv")


def _both(text: str, source: str, **kwargs: Any) -> tuple[object, object]:
    """What each reader gives for ``text``: its :class:`Loaded`, or its error's words and line."""
    found: list[object] = []
    for read in (reference.read_openelections, read_openelections):
        try:
            found.append(read(text, source, **kwargs))
        except TallyroomError as error:
            found.append((type(error).__name__, str(error), error.line))
    return found[0], found[1]


def _loaded(found: object) -> Loaded:
    assert isinstance(found, Loaded), found
    return found


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_fixture_file_reads_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    old, new = _both(text, str(path))
    assert new == old
    assert _loaded(new).elections


def test_the_dc_files_with_their_precinct_map_read_the_same() -> None:
    wards = read_precinct_map(
        (DATA / "precinct_to_ward.csv").read_bytes().decode("utf-8"), "2002-2011"
    )
    for path in sorted(DATA.glob("2006*precinct.csv")):
        text = path.read_bytes().decode("utf-8")
        old, new = _both(text, path.name, precinct_wards=wards, date=dt.date(2006, 9, 12))
        assert new == old
        assert any(u.kind == "ward" for e in _loaded(new).elections for u in e.stages[0].units)


COLUMNS = (
    "date",
    "county",
    "ward",
    "precinct",
    "city",
    "office",
    "district",
    "party",
    "candidate",
    "votes",
)
TYPES = ("election_day", "early_voting", "absentee")
COUNTIES = ("Marion", "Cass", " Marion")
PRECINCTS = ("1", "2", "1.0", "City of Avon, Precinct 1", "Town of Erie, Ward 2", "", "P 3")
OFFICES = (
    "President",
    "Mayor",
    "City Council",
    "Mayor - Avon",
    "Registered Voters",
    "Ballots Cast - Total",
    "",
    "president",
)
PARTIES = ("DEM", "REP", "", "I", "NP", "Democratic")
CANDIDATES = (
    "Ann Lee",
    "Bo Ray",
    "ANN LEE",
    "Over Votes",
    "Under Votes",
    "Write-ins",
    "Write In",
    "Registered Voters",
    "",
)
CELLS = ("12", "0", "1,142", "6.0", "007.0", ".0", " 7 ", "$3", "x", "", "1 000", "0012", "9" * 13)


@st.composite
def precinct_files(draw: st.DrawFn) -> str:
    """A small precinct file in the OpenElections layout, some of its columns left out."""
    kept = [c for c in COLUMNS if c in ("office", "candidate") or draw(st.booleans())]
    types = [t for t in TYPES if draw(st.booleans())]
    if "votes" not in kept and not types:
        kept.append("votes")
    header = [*kept, *types]
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, len(header))), "page")
    cells = {
        "county": COUNTIES,
        "date": ("2024-11-05", "11/05/2024", "", "2024-11-05", "soon", "2024-11-06"),
        "city": ("Avon", "City of Erie", ""),
        "ward": ("", "1", "2"),
        "precinct": PRECINCTS,
        "office": OFFICES,
        "district": ("", "1", "At Large"),
        "party": PARTIES,
        "candidate": CANDIDATES,
        "page": ("1", ""),
    }
    lines = [",".join(header)]
    for _ in range(draw(st.integers(1, 40))):
        row = [
            draw(st.sampled_from(cells.get(name, CELLS)))
            for name in header  # vote columns draw from CELLS
        ]
        shape = draw(st.sampled_from(("row", "row", "row", "row", "short", "blank", "quoted")))
        if shape == "short":
            row = row[:-1]
        elif shape == "blank":
            row = []
        elif shape == "quoted":  # a line break inside a quoted cell
            row[0] = f"{row[0]}\nnext line"
        lines.append(",".join(f'"{c}"' if "," in c or "\n" in c else c for c in row))
    ending = draw(st.sampled_from(("\n", "\r\n", "\r")))
    return ending.join(lines) + draw(st.sampled_from(("", ending)))


@given(precinct_files(), st.sampled_from(("primary", "general")), st.sampled_from(("CA", "DC")))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_files_read_the_same(text: str, stage: str, state: str) -> None:
    old, new = _both(text, f"20241105__{state.lower()}__{stage}__precinct.csv")
    assert new == old


def _rows(count: int, precincts: int = 400) -> list[str]:
    """``count`` rows of a county file: two candidates and the summary rows per precinct."""
    rows = []
    for n in range(count):
        precinct = f"City of Avon, Precinct {n // 5 % precincts}"
        office, candidate = [
            ("Registered Voters", ""),
            ("Ballots Cast", ""),
            ("Mayor", "Ann Lee"),
            ("Mayor", "Bo Ray"),
            ("Mayor", "Over Votes"),
        ][n % 5]
        rows.append(f'Marion,"{precinct}",{office},,,{candidate},{n % 997},{n % 13}')
    return rows


HEADER = "county,precinct,office,district,party,candidate,votes,election_day"


def test_lines_stay_right_past_each_slice_of_a_large_file() -> None:
    """Notes from rows after the first slices of the text (a megabyte each) name their lines,
    a quoted line break included; a precinct whose rows come again is read as its part 2."""
    rows = _rows(60_000)
    rows[30_002] = rows[30_002].replace(",Ann Lee,", ',"Ann\nLee",')
    rows[45_003] = rows[45_003].replace(f",{45_003 % 997},", ",$3,")
    text = "\n".join([HEADER, *rows]) + "\n"
    assert len(text) > 3 << 20
    old, new = _both(text, "20241105__tx__general__avon__precinct.csv")
    assert new == old
    notes = [u for e in _loaded(new).elections for u in e.unread]
    assert ("$3", 45_003 + 3) in {(u.text, u.line) for u in notes}  # a quoted break before it
    assert any("part 2" in u.reason for u in notes)


def test_a_malformed_row_far_into_the_file_names_its_line() -> None:
    rows = _rows(40_000)
    rows[35_003] = rows[35_003].replace(",Bo Ray,", "," + "x" * 140_000 + ",")
    text = "\n".join([HEADER, *rows])
    old, new = _both(text, "big.csv")
    assert new == old
    with pytest.raises(ParseError, match="longer than the limit") as raised:
        read_openelections(text, "big.csv")
    assert raised.value.line == 35_005


def test_a_row_wider_than_the_limit_is_refused_with_its_line() -> None:
    text = "\n".join([HEADER, *_rows(10), ",".join(["1"] * 10_001)])
    old, new = _both(text, "wide.csv")
    assert new == old
    assert isinstance(new, tuple)
    assert new[0] == "ParseError"
    assert new[2] == 12
    assert "wider than the limit of 10,000" in new[1]


def test_sums_beyond_the_vote_limit_are_refused() -> None:
    """Each cell is checked as it is read; the roll-up of many in-range cells is checked too,
    and so is a total made of vote-type cells."""
    big = "999999999999"
    text = "\n".join(
        [HEADER, f"Marion,1,Mayor,,,Ann Lee,{big},1", f"Marion,2,Mayor,,,Ann Lee,{big},1"]
    )
    with pytest.raises(TallyroomError, match="more than the limit"):
        load_text(text, "sum.csv")
    types_only = "precinct,office,candidate,election_day,absentee\n1,Mayor,Ann Lee,{0},{0}\n"
    with pytest.raises(TallyroomError, match="more than the limit") as raised:
        read_openelections(types_only.format(big), "types.csv")
    assert raised.value.line == 2


def test_unicode_digits_are_a_note_not_a_crash() -> None:
    text = "precinct,office,candidate,votes\n1,Mayor,Ann Lee,\u00b2\n1,Mayor,Bo Ray,4\n"
    loaded = read_openelections(text, "sup.csv")
    assert [(u.text, u.line) for u in loaded.elections[0].unread] == [("\u00b2", 2)]


@st.composite
def stages(draw: st.DrawFn) -> Stage:
    """A stage over a city → county → precinct tree, with rows on any unit (county totals)."""
    units = [ReportingUnit("city", "City", "city")]
    for county in range(draw(st.integers(1, 3))):
        units.append(ReportingUnit(f"county-{county}", f"County {county}", "county", "city"))
        for precinct in range(draw(st.integers(0, 4))):
            units.append(
                ReportingUnit(f"p-{county}-{precinct}", "P", "precinct", f"county-{county}")
            )
    rows = draw(
        st.lists(
            st.builds(
                UnitResult,
                st.sampled_from([u.id for u in units]),
                st.sampled_from(("Ann Lee", "Bo Ray", "Ballots Cast")),
                st.integers(0, 10_000),
                st.sampled_from(("total", "total", "early")),
            ),
            max_size=40,
        )
    )
    return Stage(kind="general", units=tuple(units), unit_results=tuple(rows))


@given(stages())
@settings(max_examples=200, deadline=None)
def test_unit_totals_add_each_leaf_row_to_every_unit_above_it(stage: Stage) -> None:
    """Each unit's total is the sum of the rows of the units with rows and none below them, in
    its own subtree: a county's own total row is left out when its precincts have rows."""
    parents = {u.id: u.parent for u in stage.units}

    def chain(unit: str | None) -> list[str]:
        found = []
        while unit is not None:
            found.append(unit)
            unit = parents[unit]
        return found

    with_rows = {r.unit for r in stage.unit_results}
    leaves = {u for u in with_rows if not any(u in chain(o)[1:] for o in with_rows)}
    expected: dict[str, dict[str, int]] = {}
    for row in stage.unit_results:
        if row.vote_type == "total" and row.unit in leaves:
            for unit in chain(row.unit):
                sums = expected.setdefault(unit, {})
                sums[row.candidate] = sums.get(row.candidate, 0) + row.votes
    assert unit_totals(stage) == expected
    assert root_totals(stage) == expected.get("city", {})
    assert leaf_units(stage) == leaves


@given(st.text(alphabet='ab,"\n\r ', max_size=200), st.integers(1, 20))
def test_the_text_is_cut_into_the_lines_stringio_gives(text: str, size: int) -> None:
    assert list(_text_lines(text, size)) == list(io.StringIO(text))
