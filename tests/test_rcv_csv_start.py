"""A large CSV file's parse starts before the readers are imported, and is taken exactly once.

:func:`tallyroom.rcv.csv_start.start_parse` begins pyarrow's parse from the file's header; the
columnar reader then takes that table instead of parsing again, with the same result as the
general reader. Files it cannot take are left alone (without waiting on a named pipe), and the
parse is always waited for, even when reading fails.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from tallyroom.errors import TallyroomError
from tallyroom.limits import MAX_FILE_BYTES
from tallyroom.rcv import BallotSet, CandidateSpec, csv_start, fast_csv, read_ballots

BODY = "".join(
    f"{n},P{n % 3},{'ABC'[n % 3]},{'BCA'[n % 2]},{'' if n % 4 else 'C'}\n" for n in range(60)
)
ROWS = "id,precinct,rank1,rank2,rank3\n" + BODY


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any file is large enough to be started; the name of the thread of each parse."""
    monkeypatch.setattr(csv_start, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(fast_csv, "FAST_MIN_BYTES", 0)
    seen: list[str] = []
    original = csv_start.read_table

    def recording(*args: object) -> object:
        seen.append(threading.current_thread().name)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(csv_start, "read_table", recording)
    monkeypatch.setattr(fast_csv, "read_table", recording)
    return seen


def _same(first: BallotSet, second: BallotSet) -> None:
    assert first == second
    assert first.rows == second.rows
    assert first.table is not None and second.table is not None
    assert (first.table.codes == second.table.codes).all()


def test_the_started_parse_is_the_only_one_and_reads_as_the_general_reader(
    tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text(ROWS)
    started = read_ballots(path)
    assert parses == ["csv-parse"]
    monkeypatch.setattr(fast_csv, "FAST_MIN_BYTES", 1 << 62)
    monkeypatch.setattr(csv_start, "FAST_MIN_BYTES", 1 << 62)
    general = read_ballots(path)
    assert parses == ["csv-parse"]
    _same(started, general)
    assert started.total == 60 and started.precincts


def test_a_file_the_columnar_reader_declines_after_the_start_reads_the_general_way(
    tmp_path: Path, parses: list[str]
) -> None:
    # A quote past the first 64 KB is found while the parse runs: the file goes to the general
    # reader, the same.
    path = tmp_path / "ballots.csv"
    path.write_text(ROWS + BODY * (70_000 // len(BODY)) + '61,P1,"A",B,C\n')
    ballots = read_ballots(path)
    assert parses == ["csv-parse"]
    assert ballots.total == 60 * (1 + 70_000 // len(BODY)) + 1
    assert not [t for t in threading.enumerate() if t.name == "csv-parse"]


def test_the_parse_is_waited_for_when_reading_fails(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text(ROWS)
    with pytest.raises(TallyroomError, match="unknown candidate 'C'"):
        read_ballots(path, candidates=[CandidateSpec("A"), CandidateSpec("B")])
    assert parses == ["csv-parse"]
    assert not [t for t in threading.enumerate() if t.name == "csv-parse"]


def test_only_files_with_a_recognised_header_are_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_start, "FAST_MIN_BYTES", 0)
    cases = {
        "ballots.csv": ROWS,
        "report.json": ROWS,
        "report.txt": json.dumps({"CVR": []}) + "\n" + ROWS,
        "quoted.csv": ROWS.replace("P1", '"P1"'),
        "book.xlsx": ROWS,
        "weighted.csv": "id,weight,rank1\n1,2,A\n",
        "positions.csv": "a,b,c\n1,A,B\n",
        "latin1.csv": "id,rank1,r\xe9\n1,A,B\n",
        "ranks.csv": "id,rank1,rank3\n1,A,B\n",
    }
    started = {}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_bytes(text.encode("latin-1"))
        parse = csv_start.start_parse(path, MAX_FILE_BYTES)
        started[name] = parse is not None
        if parse is not None:
            assert parse.table() is not None
            parse.close()
    assert started == {name: name == "ballots.csv" for name in cases}
    assert csv_start.start_parse(tmp_path / "ballots.csv", 10) is None  # over the limit
    assert csv_start.start_parse(tmp_path / "missing.csv", MAX_FILE_BYTES) is None
    assert csv_start.start_parse(tmp_path, MAX_FILE_BYTES) is None
    monkeypatch.setattr(csv_start, "FAST_MIN_BYTES", 1 << 62)
    assert csv_start.start_parse(tmp_path / "ballots.csv", MAX_FILE_BYTES) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_not_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Opening it would wait for a writer; the general reader says it is no ballot file.
    monkeypatch.setattr(csv_start, "FAST_MIN_BYTES", 0)
    pipe = tmp_path / "ballots.csv"
    os.mkfifo(pipe)
    assert csv_start.start_parse(pipe, MAX_FILE_BYTES) is None
    with pytest.raises(TallyroomError, match="no such ballot file"):
        read_ballots(pipe)


@pytest.mark.parametrize(
    ("processors", "load", "threads"),
    [(1, 0.0, False), (2, 0.0, True), (2, 1.4, True), (2, 1.5, False), (2, 6.0, False)],
)
def test_pyarrow_parses_on_its_threads_when_a_processor_is_free(
    monkeypatch: pytest.MonkeyPatch, processors: int, load: float, threads: bool
) -> None:
    mask = set(range(processors))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: mask, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert csv_start.parse_threads() is threads
