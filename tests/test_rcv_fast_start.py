"""What keeps a large count quick stays exact: the lazy package, the digit scan, the grouping.

``tallyroom.rcv`` imports its modules on first use (its ``tabulate`` must stay the function even
once the module of that name is imported); the CDF reader looks for over-long digit runs a word
at a time and must find every run the byte-by-byte search finds; it notices a ballot style unit
on any record, and a write-in only where a counted contest holds one; it reads the usual
contests as typed structs and any other as the general reader does. Distinct CSV rows are
grouped on their dense codes, which must be equal exactly when the rankings are.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.limits import MAX_DIGITS
from tallyroom.rcv import BallotSet, read_ballots
from tallyroom.rcv import fast_cdf as fast_cdf_module
from tallyroom.rcv.distinct_rows import _ballot_keys
from tallyroom.rcv.rank_table import rankings_from_cells
from tallyroom.rcv.types import OVERVOTE
from tests.conftest import ROOT

LONG_RUN = re.compile(rb"[0-9]{%d}" % (MAX_DIGITS + 1))


def _fresh(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_package_names_are_the_functions_once_their_modules_are_imported() -> None:
    out = _fresh(
        "import sys, tallyroom.rcv.tally\n"
        "import tallyroom.rcv as rcv\n"
        "from tallyroom.rcv import tabulate, RcvOptions\n"
        "print(type(tabulate).__name__, type(rcv.tabulate).__name__, RcvOptions.__module__)\n"
        "print('numpy' in sys.modules)\n"
    )
    assert out.split() == ["function", "function", "tallyroom.rcv.options", "True"]


def test_the_package_imports_nothing_until_a_name_is_used() -> None:
    out = _fresh(
        "import sys, tallyroom.rcv as rcv, tallyroom.rcv.options\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tallyroom.rcv.', 'numpy'))))\n"
        "print(sorted(set(rcv.__all__) - set(dir(rcv))))\n"
        "try:\n"
        "    rcv.nothing\n"
        "except AttributeError as error:\n"
        "    print(error)\n"
    )
    modules, missing, error = out.splitlines()
    assert modules == "['tallyroom.rcv.options']"
    assert missing == "[]"
    assert error == "module 'tallyroom.rcv' has no attribute 'nothing'"


def test_a_count_starts_numpy_without_extra_blas_threads_unless_told() -> None:
    script = (
        "import os\n"
        "from tallyroom.cli import main\n"
        "main(['rcv', 'tallyroom/data/rcv/sample_mayor.csv', '--json'], standalone_mode=False)\n"
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for given_value, expected in ((None, "1"), ("2", "2")):
        if given_value is not None:
            env["OPENBLAS_NUM_THREADS"] = given_value
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.rsplit("\n", 2)[-2] == expected


# --- the digit scan ------------------------------------------------------------------------

FILLER = st.binary(min_size=0, max_size=40).map(
    lambda raw: bytes(b'0123456789,:" x{}'[b % 17] for b in raw)
)


@st.composite
def texts(draw: st.DrawFn) -> bytes:
    """Text of digits and JSON punctuation with digit runs near the limit, at any alignment."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        parts.append(draw(FILLER))
        run = draw(st.integers(MAX_DIGITS - 10, MAX_DIGITS + 3))
        parts.append(b"7" * run)
        parts.append(draw(st.sampled_from([b",", b'"', b" ", b"\n", b""])))
    parts.append(draw(FILLER))
    return b"".join(parts)


def _scan(data: bytes) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.json"
        path.write_bytes(data)
        with (
            path.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view,
        ):
            return fast_cdf_module._long_digits(view)


@settings(max_examples=300, deadline=None)
@given(texts())
def test_the_word_scan_finds_every_run_the_byte_search_finds(data: bytes) -> None:
    if not data:
        data = b" "
    assert _scan(data) == (LONG_RUN.search(data) is not None)


@pytest.mark.parametrize("offset", range(9))
@pytest.mark.parametrize("length", [MAX_DIGITS, MAX_DIGITS + 1])
def test_a_run_of_the_limit_is_taken_and_one_past_it_is_found(offset: int, length: int) -> None:
    for tail in (b"", b"," * 5, b"," * 300):
        data = b"x" * offset + b"5" * length + tail
        assert _scan(data) == (length > MAX_DIGITS)


# --- units and write-ins -------------------------------------------------------------------

ELECTION = {
    "Candidate": [{"@id": "a", "Name": "Ann"}, {"@id": "b", "Name": "Bo"}],
    "Contest": [
        {
            "@id": "k",
            "ContestSelection": [
                {"@id": "sa", "CandidateIds": ["a"]},
                {"@id": "sb", "CandidateIds": ["b"]},
            ],
        }
    ],
}


def _record(number: int, first: str, unit: Any = None) -> dict[str, Any]:
    selections = [
        {"ContestSelectionId": sid, "SelectionPosition": [{"HasIndication": "yes", "Rank": rank}]}
        for rank, sid in enumerate([first, "sb" if first == "sa" else "sa"], start=1)
    ]
    record: dict[str, Any] = {
        "CurrentSnapshotId": f"s{number}",
        "CVRSnapshot": [
            {
                "@id": f"s{number}",
                "CVRContest": [{"ContestId": "k", "CVRContestSelection": selections}],
            }
        ],
    }
    if unit is not None:
        record["BallotStyleUnitId"] = unit
    return record


def _both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[BallotSet, BallotSet, bool]:
    """The file read by the general reader, then by the grouping one (forced); whether the
    grouping one took it."""
    monkeypatch.setattr(fast_cdf_module, "FAST_MIN_BYTES", 1 << 62)
    general = read_ballots(path)
    monkeypatch.setattr(fast_cdf_module, "FAST_MIN_BYTES", 0)
    taken: list[bool] = []
    original = fast_cdf_module.read_fast_cdf

    def recording(*args: Any, **kwargs: Any) -> bool:
        taken.append(original(*args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(fast_cdf_module, "read_fast_cdf", recording)
    grouped = read_ballots(path)
    return general, grouped, taken == [True]


@pytest.mark.parametrize("explicit_null", [False, True])
def test_a_unit_on_a_late_record_only_is_read_alike(
    explicit_null: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [_record(n, "sa" if n % 3 else "sb") for n in range(40)]
    if explicit_null:
        records[5]["BallotStyleUnitId"] = None
    records[-1] = _record(39, "sa", unit="u1")
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [ELECTION], "GpUnit": [], "CVR": records}))
    general, grouped, taken = _both_ways(path, monkeypatch)
    assert taken
    assert grouped == general and grouped.rows == general.rows
    assert "u1" in grouped.precincts and None in grouped.precincts


def test_write_in_text_outside_the_contests_leaves_the_grouping_reader_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [_record(n, "sa" if n % 2 else "sb") for n in range(30)]
    records[3]["Note"] = {"CVRWriteIn": {"Text": "not a vote"}}
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [ELECTION], "CVR": records}))
    assert b'"CVRWriteIn"' in path.read_bytes()
    general, grouped, taken = _both_ways(path, monkeypatch)
    assert taken
    assert grouped == general and grouped.rows == general.rows
    assert grouped.total == 30


@pytest.mark.parametrize(
    ("key", "value"),
    [("Rank", "2"), ("Rank", 2.0), ("HasIndication", True), ("Rank", None)],
    ids=["rank-text", "rank-float", "indication-bool", "no-rank"],
)
def test_values_of_unusual_types_are_read_as_the_general_reader_reads_them(
    key: str, value: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [_record(n, "sa" if n % 2 else "sb") for n in range(30)]
    position = records[7]["CVRSnapshot"][0]["CVRContest"][0]["CVRContestSelection"][1]
    position["SelectionPosition"][0][key] = value
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [ELECTION], "CVR": records}))
    try:
        general, grouped, taken = _both_ways(path, monkeypatch)
    except Exception as error:  # the general reader's refusal: the grouping reader's too
        assert value is None and "SelectionPosition has no Rank" in str(error)
        monkeypatch.setattr(fast_cdf_module, "FAST_MIN_BYTES", 0)
        with pytest.raises(type(error), match="no Rank") as grouped_error:
            read_ballots(path)
        assert str(grouped_error.value) == str(error)
        assert ":8:" in str(error)  # the record's number
        return
    assert taken
    assert grouped == general and grouped.rows == general.rows


def test_usual_reports_are_read_without_the_general_record_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [_record(n, "sa" if n % 3 else "sb", unit="u1" if n % 2 else None) for n in range(30)]
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [ELECTION], "CVR": records}))
    monkeypatch.setattr(fast_cdf_module, "FAST_MIN_BYTES", 1 << 62)
    general = read_ballots(path)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the general record reader was used")

    monkeypatch.setattr(fast_cdf_module, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(fast_cdf_module, "_add_record", refuse)
    grouped = read_ballots(path)
    assert grouped == general and grouped.rows == general.rows
    assert grouped.total == 30 and len(grouped.rankings) == 4


# --- grouping distinct rows on their dense codes ---------------------------------------------

CELL_CODES = [(), (0,), (1,), (2,), (OVERVOTE,), (0, 1), (3,)]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda ranks: st.lists(
            st.lists(st.integers(0, len(CELL_CODES) - 1), min_size=ranks, max_size=ranks),
            min_size=1,
            max_size=30,
        )
    )
)
def test_rows_share_a_key_exactly_when_their_rankings_are_equal(table: list[list[int]]) -> None:
    cell_ids = np.array(table, dtype=np.int64)
    rankings, codes, general = rankings_from_cells(cell_ids, CELL_CODES)
    keys = _ballot_keys(rankings, codes, general)
    assert len(keys) == len(rankings)
    for i, key in enumerate(keys):
        for j, other in enumerate(keys):
            assert (key == other) == (rankings[i] == rankings[j])
