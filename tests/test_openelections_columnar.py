"""The columnar OpenElections reader gives what the row-by-row reader gives, row for row.

:mod:`tallyroom.formats.openelections_columnar` reads a precinct file by pyarrow's columns; the
row-by-row loop of :mod:`tallyroom.formats.openelections` is the reference (``columnar=False``).
Both read generated files with every feature the reader handles (summary rows, over and under
votes, write-ins, parties and incumbent marks in primaries and generals, municipal offices with
and without a city column, wards, counties, odd vote cells, rows without a candidate, office or
votes, vote-type columns with and without a total, a date column, repeated rows, blank lines,
short rows, quoted commas and line breaks, names beyond ASCII) and every fixture file: the
elections, every note with its line, the warnings, the fingerprints, any error and the bytes
given to ``feed`` must be the same. Where the columns cannot be sure of the lines or the parts
(a blank line, a quoted line break, a lone CR, a short row, a split precinct...), the columnar
reader gives up and the loop reads the file; each such case is checked to give up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.errors import TallyroomError
from tallyroom.formats import load_path_streamed
from tallyroom.formats.conversion import Loaded
from tallyroom.formats.openelections import (
    read_openelections,
    read_openelections_file,
    read_precinct_map,
)
from tallyroom.formats.openelections_columnar import read_columnar_file, read_columnar_text
from tallyroom.model import Election
from tallyroom.store.codec import fingerprint

from .conftest import TEST_DATA

DATA = TEST_DATA / "openelections"
FILES = sorted(p for p in DATA.rglob("*.csv") if p.name != "precinct_to_ward.csv")


def _notes(election: Election) -> list[tuple[str, str, int | None]]:
    return [(u.text, u.reason, u.line) for u in election.unread]


def _outcome(read: Any) -> object:
    """What a read gives: the elections (with every note's line, since lines take no part in
    equality), the warnings and the fingerprints; or the error's kind, words and line."""
    try:
        loaded = read()
    except TallyroomError as error:
        return (type(error).__name__, str(error), error.line)
    assert isinstance(loaded, Loaded)
    return (
        loaded,
        [_notes(e) for e in loaded.elections],
        loaded.warnings,
        [fingerprint(e) for e in loaded.elections],
    )


def _text_both(text: str, source: str, **kwargs: Any) -> tuple[object, object]:
    rows = _outcome(lambda: read_openelections(text, source, columnar=False, **kwargs))
    columns = _outcome(lambda: read_openelections(text, source, columnar=True, **kwargs))
    return rows, columns


def _file_both(path: Path, **kwargs: Any) -> tuple[object, object]:
    """Both readers of the file at ``path``, each with a feed: the bytes fed must be the same."""
    found = []
    for columnar in (False, True):
        digest = hashlib.sha256()
        outcome = _outcome(
            lambda c=columnar, d=digest: read_openelections_file(
                path, str(path), columnar=c, feed=d.update, **kwargs
            )
        )
        found.append((outcome, digest.hexdigest()))
    return found[0], found[1]


# -- generated files ---------------------------------------------------------------------------

COUNTIES = ("Marion", "Cass", " Marion", "Ñuble")
WARDS = ("", "1", "2")
PRECINCTS = (
    "1",
    "2",
    "1.0",
    "City of Avon, Precinct 1",
    "Town of Erie, Ward 2",
    "Precinct 7",
    "P 3",
    "",
)
CITIES = ("Avon", "City of Erie", "")
OFFICES = (
    "President",
    "president",
    "U.S. Senate",
    "Mayor",
    "City Council",
    "Alderman",
    "Mayor - Avon",
)
SUMMARY_OFFICES = ("Registered Voters", "Ballots Cast - Total", "Ballots Cast", "Blank Ballots")
DISTRICTS = ("", "1", "At Large", " 1")
PARTIES = ("DEM", "REP", "", "I", "NP", "Democratic", "(I)", "INC", "Grün")
CANDIDATES = (
    "Ann Lee",
    "Bo Ray",
    "ANN LEE",
    "José Núñez",
    'Robert "Bob" Smith',
    "Lee, Ann",
    "Over Votes",
    "Under Votes",
    "Write-ins",
    "Write In",
    "Unresolved write-in votes:",
    "",
)
PLAIN = ("12", "0", "7", "65535", "70000", "4294967296", "123456789012", "")
ODD = ("1,142", "6.0", "007.0", ".0", " 7 ", "$3", "x", "1 000", "0012", "6.00", "²", " ")
DATES = ("2024-11-05", "11/05/2024", "", "2024-11-05", "soon", "2024-11-06")
TYPES = ("election_day", "early_voting", "absentee", "mail", "polling_place")


def _cell(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


@st.composite
def precinct_files(draw: st.DrawFn) -> tuple[str, str]:
    """A precinct file (its text, with ``\\n`` or ``\\r\\n`` line ends) and its name: units,
    each with its contests' candidates and maybe its summary rows, and some defects."""
    columns = ["office", "candidate"]
    for name in ("date", "county", "ward", "precinct", "city", "district", "party"):
        if draw(st.booleans()):
            columns.append(name)
    if "county" in columns and draw(st.integers(0, 3)) == 0:
        columns[columns.index("county")] = "parish"
    types = draw(st.lists(st.sampled_from(TYPES), unique=True, max_size=3))
    total = draw(st.sampled_from(("votes", "total_votes", None)))
    if total is None and not types:
        total = "votes"
    header = [*columns, *([total] if total else []), *types]
    if draw(st.integers(0, 5)) == 0:
        header.insert(draw(st.integers(0, len(header))), "page")
    header = draw(st.permutations(header))
    if draw(st.integers(0, 6)) == 0:
        header = [h.upper() for h in header]
    odd = draw(st.sampled_from((0.0, 0.05, 0.3)))

    def votes() -> str:
        if draw(st.floats(0, 1)) < odd:
            return draw(st.sampled_from(ODD))
        return draw(st.sampled_from(PLAIN))

    units = draw(
        st.lists(
            st.tuples(
                st.sampled_from(COUNTIES),
                st.sampled_from(WARDS),
                st.sampled_from(PRECINCTS),
                st.sampled_from(CITIES),
            ),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    contests = draw(
        st.lists(
            st.tuples(
                st.sampled_from(OFFICES),
                st.sampled_from(DISTRICTS),
                st.lists(
                    st.tuples(st.sampled_from(CANDIDATES), st.sampled_from(PARTIES)),
                    min_size=1,
                    max_size=5,
                    unique_by=lambda c: c[0],
                ),
            ),
            min_size=1,
            max_size=4,
            unique_by=lambda c: (c[0], c[1]),
        )
    )
    date = draw(st.sampled_from(DATES))
    rows: list[dict[str, str]] = []
    for county, ward, precinct, city in units:
        place = {"county": county, "parish": county, "ward": ward, "precinct": precinct}
        place |= {"city": city, "date": date, "page": "1"}
        if draw(st.booleans()):  # the unit's summary rows
            for office in draw(st.lists(st.sampled_from(SUMMARY_OFFICES), max_size=2)):
                as_candidate = draw(st.integers(0, 3)) == 0
                rows.append(
                    place
                    | {
                        "office": "" if as_candidate else office,
                        "candidate": office
                        if as_candidate
                        else draw(st.sampled_from(("", "", "Ann Lee"))),
                    }
                )
        for office, district, candidates in contests:
            for candidate, party in candidates:
                rows.append(
                    place
                    | {"office": office, "district": district, "party": party}
                    | {"candidate": candidate}
                )
    for row in rows:
        for name in (total, *types):
            if name:
                row[name] = votes()
    if draw(st.integers(0, 8)) == 0:  # a row without an office
        rows.insert(
            draw(st.integers(0, len(rows))), {"candidate": "Ann Lee", total or types[0]: "3"}
        )
    if draw(st.integers(0, 8)) == 0:  # a row given again: a split precinct
        rows.insert(draw(st.integers(0, len(rows))), dict(draw(st.sampled_from(rows))))
    lines = [",".join(header)]
    lowered = [h.lower() for h in header]
    for row in rows:
        lines.append(",".join(_cell(row.get(name, "")) for name in lowered))
    defect = draw(st.sampled_from(("none",) * 8 + ("blank", "short", "long", "break", "end")))
    at = draw(st.integers(1, len(lines)))
    if defect == "blank":
        lines.insert(at, "")
    elif defect == "short":
        lines.insert(at, ",".join(["1"] * (len(header) - 1)))
    elif defect == "long":
        lines.insert(at, ",".join(["1"] * (len(header) + 1)))
    elif defect == "break":
        lines.insert(at, ",".join(['"a\nb"'] * len(header)))
    elif defect == "end":
        lines.extend(["", ""])
    ending = draw(st.sampled_from(("\n", "\n", "\r\n", "\r")))
    text = ending.join(lines) + draw(st.sampled_from(("", ending)))
    kind = draw(st.sampled_from(("general", "primary", "runoff", "special")))
    state = draw(st.sampled_from(("tx", "ca", "la")))
    return text, f"2024110{draw(st.integers(1, 9))}__{state}__{kind}__precinct.csv"


@given(precinct_files())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_files_read_the_same_by_columns(case: tuple[str, str]) -> None:
    text, name = case
    rows, columns = _text_both(text, name)
    assert columns == rows


@given(precinct_files(), st.booleans())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_files_read_the_same_from_disk_by_columns(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str], mark: bool
) -> None:
    text, name = case
    path = tmp_path_factory.mktemp("files") / name
    path.write_bytes((b"\xef\xbb\xbf" if mark else b"") + text.encode("utf-8"))
    rows, columns = _file_both(path)
    assert columns == rows


# -- when the columns are read, and when they give up ------------------------------------------

HEADER = "county,ward,precinct,office,district,party,candidate,votes,election_day,absentee"
CLEAN = [
    HEADER,
    'Marion,1,"City of Avon, Precinct 1",Registered Voters,,,,900,,',
    'Marion,1,"City of Avon, Precinct 1",Ballots Cast,,,,500,300,200',
    'Marion,1,"City of Avon, Precinct 1",Mayor,,,Ann Lee,120,"1,100",x',
    'Marion,1,"City of Avon, Precinct 1",Mayor,,,"Lee, Ann",80,6.0,',
    'Marion,1,"City of Avon, Precinct 1",Mayor,,,Over Votes,3,,',
    'Marion,1,"City of Avon, Precinct 1",President,,DEM,José Núñez,,,',
    'Marion,2,"City of Erie, Precinct 2",Mayor,,,Bo Ray,70,40,30',
    'Marion,2,"City of Erie, Precinct 2",President,,REP,"Robert ""Bob"" Smith",11,,',
    "Marion,2,Precinct 9,,,,Ann Lee,5,,",
    "Cass,,,President,,DEM,José Núñez,400,,",
    "Cass,,,President,,DEM,,4,,",
]


def _clean(lines: list[str] = CLEAN) -> str:
    return "\n".join(lines) + "\n"


def test_a_clean_file_is_read_by_columns_the_same() -> None:
    text = _clean()
    found = read_columnar_text(text, "20241105__tx__general__precinct.csv", None, None, None, None)
    assert found is not None
    rows, columns = _text_both(text, "20241105__tx__general__precinct.csv")
    assert columns == rows
    notes = {(u.text, u.line) for e in found.elections for u in e.unread}
    assert {("x", 4), ("Marion,2,Precinct 9,,,,Ann Lee,5,,", 10)} <= notes


def test_blank_lines_at_the_end_and_crlf_line_ends_are_read_by_columns(tmp_path: Path) -> None:
    path = tmp_path / "20241105__tx__general__precinct.csv"
    path.write_bytes(("\r\n".join(CLEAN) + "\r\n\r\n\r\n").encode("utf-8"))
    digest = hashlib.sha256()
    found = read_columnar_file(path, str(path), None, None, None, None, digest.update)
    assert found is not None
    assert digest.hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    rows, columns = _file_both(path)
    assert columns == rows


GIVE_UP = {
    "a blank line": [*CLEAN[:4], "", *CLEAN[4:]],
    "a quoted line break": [
        *CLEAN[:4],
        'Marion,1,"City of Avon,\nPrecinct 1",Mayor,,,Bo Ray,1,,',
        *CLEAN[4:],
    ],
    "a short row": [*CLEAN[:4], "Marion,1,2", *CLEAN[4:]],
    "a long row": [*CLEAN[:4], CLEAN[4] + ",1", *CLEAN[5:]],
    "a split precinct": [*CLEAN, CLEAN[3]],
    "a repeated summary row": [*CLEAN, CLEAN[1]],
    "a count past the limit": [*CLEAN, "Cass,,,Mayor,,,Ann Lee,9999999999999,,"],
    "a sum past the limit": [
        "precinct,office,candidate,election_day,absentee",
        "1,Mayor,Ann Lee,999999999999,999999999999",
    ],
    "a field past the limit": [*CLEAN, "Cass,,,Mayor,,," + "x" * 140_000 + ",1,,"],
    "a byte-order mark again": ["\ufeff" + CLEAN[0], *CLEAN[1:]],
    "no header": [],
    "a header alone": [HEADER],
    "a header without votes": ["county,office,candidate", "Cass,Mayor,Ann Lee"],
    "two dates": ["date,office,candidate,votes", "2024-11-05,Mayor,A,1", "2024-11-06,Mayor,B,1"],
}


@pytest.mark.parametrize("lines", GIVE_UP.values(), ids=list(GIVE_UP))
def test_the_columns_give_up_where_they_cannot_be_sure(lines: list[str]) -> None:
    text = _clean(lines) if lines else ""
    source = "20241105__tx__general__precinct.csv"
    assert read_columnar_text(text, source, None, None, None, None) is None
    rows, columns = _text_both(text, source)
    assert columns == rows


def test_a_lone_cr_and_bad_bytes_give_up_and_feed_every_byte_once(tmp_path: Path) -> None:
    for name, data in (
        ("cr.csv", "\r".join(CLEAN).encode("utf-8")),
        ("mixed.csv", ("\n".join(CLEAN[:3]) + "\r" + "\n".join(CLEAN[3:])).encode("utf-8")),
        ("latin.csv", _clean().encode("utf-8") + "Cass,,,Mayor,,,Zoë,1,,\n".encode("latin-1")),
        ("cut.csv", _clean().encode("utf-8") + b"Cass,,,Mayor,,,Zo" + b"\xc3"),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        digest = hashlib.sha256()
        assert read_columnar_file(path, name, None, None, None, None, digest.update) is None
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
        streamed = [load_path_streamed(path) for _ in range(2)]
        if name.endswith("latin.csv") or name.endswith("cut.csv"):
            assert streamed == [None, None]  # not UTF-8: read whole, which words the error
        else:
            rows, columns = _file_both(path)
            assert columns == rows


def test_a_large_file_is_read_by_columns_across_blocks(tmp_path: Path) -> None:
    """Rows past the first blocks keep their lines; the feed sees every byte once."""
    lines = [HEADER]
    for n in range(80_000):
        precinct = f"City of Avon, Precinct {n // 5}"
        office, candidate = [
            ("Registered Voters", ""),
            ("Ballots Cast", ""),
            ("Mayor", "Ann Lee"),
            ("Mayor", "Bo Ray"),
            ("Mayor", "Over Votes"),
        ][n % 5]
        votes = "x" if n == 45_003 else str(n % 997)
        lines.append(f'Marion,,"{precinct}",{office},,,{candidate},{votes},{n % 13},{n % 70000}')
    path = tmp_path / "20241105__tx__general__avon__precinct.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 4 << 20
    found = read_columnar_file(path, str(path), None, None, None, None, None)
    assert found is not None
    assert ("x", 45_003 + 2) in {(u.text, u.line) for e in found.elections for u in e.unread}
    rows, columns = _file_both(path)
    assert columns == rows


# -- the real files ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_fixture_file_reads_the_same_by_columns(path: Path) -> None:
    rows, columns = _file_both(path)
    assert columns == rows
    text = path.read_bytes().decode("utf-8-sig")
    assert _text_both(text, str(path)) == (rows[0], rows[0])


def test_the_dc_files_with_their_precinct_map_read_the_same_by_columns() -> None:
    wards = read_precinct_map(
        (DATA / "precinct_to_ward.csv").read_bytes().decode("utf-8"), "2002-2011"
    )
    for path in sorted(DATA.glob("2006*precinct.csv")):
        rows, columns = _file_both(path, precinct_wards=wards, date=dt.date(2006, 9, 12))
        assert columns == rows
