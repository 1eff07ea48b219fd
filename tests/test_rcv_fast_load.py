"""The fast readers give exactly what the general readers give.

The columnar CSV reader (pyarrow) and the grouping CDF JSON reader (msgspec): each file is read
twice through :func:`tallyroom.rcv.read_ballots`, once with the fast reader forced on (its size
threshold at zero), once with it off. The ballot sets must be equal (groups, order, counts,
precincts, candidate order), with the same first lines, rank columns and dense table; a file the
fast reader declines, and a file either refuses, must come out the same.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.errors import TallyroomError
from tallyroom.limits import MAX_DIGITS
from tallyroom.rcv import (
    UNDECLARED_WRITE_INS,
    BallotSet,
    BallotSource,
    CandidateSpec,
    CellLabels,
    csv_start,
    fast_cdf,
    fast_csv,
    read_ballots,
    read_rctab_config,
)
from tallyroom.rcv.builder import BallotBuilder

DATA = Path(__file__).resolve().parent / "data" / "rcv"
SAMPLE = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "rcv" / "sample_mayor.csv"


class Spy:
    """Counts the files the columnar reader took."""

    def __init__(self) -> None:
        self.taken = 0


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    seen = Spy()
    original = fast_csv.read_fast_csv

    def counting(*args: object, **kwargs: object) -> bool:
        taken = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.taken += taken
        return taken

    monkeypatch.setattr("tallyroom.rcv.fast_csv.read_fast_csv", counting)
    yield seen


def _both(
    monkeypatch: pytest.MonkeyPatch, read: object, reader: object = fast_csv
) -> tuple[object, object]:
    """``read()`` with the fast reader off, then forced on: each a BallotSet or an error. A
    CSV file's parse then starts before the readers run, as a large file's does."""
    results = []
    for threshold in (1 << 62, 0):
        monkeypatch.setattr(reader, "FAST_MIN_BYTES", threshold)
        if reader is fast_csv:
            monkeypatch.setattr(csv_start, "FAST_MIN_BYTES", threshold)
        try:
            results.append(read())  # type: ignore[operator]
        except TallyroomError as error:
            results.append(f"{type(error).__name__}: {error}")
    return results[0], results[1]


def _assert_same(general: object, columnar: object) -> None:
    if isinstance(general, str) or isinstance(columnar, str):
        assert general == columnar
        return
    assert isinstance(general, BallotSet) and isinstance(columnar, BallotSet)
    assert columnar == general
    assert columnar.rows == general.rows
    assert columnar.rank_columns == general.rank_columns
    assert columnar.source == general.source
    assert general.table is not None and columnar.table is not None
    assert np.array_equal(columnar.table.codes, general.table.codes)
    assert np.array_equal(columnar.table.general, general.table.general)
    assert np.array_equal(columnar.table.counts, general.table.counts)


@pytest.mark.parametrize(
    "path", [DATA / "comeback.csv", SAMPLE], ids=["comeback", "shipped-sample"]
)
def test_a_plain_file_is_read_alike(path: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy) -> None:
    general, columnar = _both(monkeypatch, lambda: read_ballots(path))
    _assert_same(general, columnar)
    assert isinstance(general, BallotSet) and general.total > 0
    assert spy.taken == 1  # the forced read only


@pytest.mark.parametrize(
    "config",
    [
        DATA / "rctab_tiebreak_seed" / "tiebreak_seed_test_config.json",
        DATA / "alaska_2024" / "alaska_2024_config.json",
    ],
    ids=["tiebreak-seed", "alaska-quoted"],
)
def test_an_rctab_configuration_loads_alike(
    config: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy
) -> None:
    general, columnar = _both(monkeypatch, lambda: read_rctab_config(config).load())
    _assert_same(general, columnar)
    # Both are left to the general reader: the Alaska file quotes its names, and the tie-break
    # file has a single rank column (where the general reader skips rows of one blank cell).
    assert spy.taken == 0


NAMES = ("Ann Lee", "Bo", "Cy Ray", "Dana")
CELLS = st.sampled_from(
    [*NAMES, "", " ", "  Bo ", "overvote", "undervote", "Eve", "Ann Lee|Bo", "Zoë"]
)


@st.composite
def ballot_files(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A rank-column CSV (header, ids, maybe precincts) and whether it is plain enough for
    the columnar reader; ranks with skips, overvotes, blanks, unknown names, odd line ends."""
    ranks = draw(st.integers(min_value=1, max_value=4))
    precinct = draw(st.booleans())
    header = ["ballot_id", *([] if not precinct else ["precinct"])]
    header += [f"rank{i}" for i in range(1, ranks + 1)]
    rows = [",".join(header)]
    for number in range(1, draw(st.integers(min_value=1, max_value=40)) + 1):
        cells = [str(number)]
        if precinct:
            cells.append(draw(st.sampled_from(["P1", "P2", " P1", ""])))
        cells += [draw(CELLS) for _ in range(ranks)]
        rows.append(",".join(cells))
    plain = ranks + precinct >= 2
    quirk = draw(st.sampled_from(["none", "blank-line", "quote", "short-row", "crlf", "bom"]))
    if quirk == "blank-line" and len(rows) > 2:
        rows.insert(draw(st.integers(min_value=2, max_value=len(rows) - 1)), "")
        plain = False
    elif quirk == "quote":
        rows[-1] = rows[-1].replace(",", ',"', 1) + '"'
        plain = False
    elif quirk == "short-row" and len(rows) > 2:
        rows[1] = rows[1].rsplit(",", 1)[0]
        plain = False
    end = "\r\n" if quirk == "crlf" else "\n"
    text = end.join(rows) + (end if draw(st.booleans()) else "")
    data = text.encode("utf-8")
    if quirk == "bom":
        data = b"\xef\xbb\xbf" + data
    return data, plain


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file=ballot_files(),
    declared=st.booleans(),
    write_ins=st.booleans(),
)
def test_generated_ballots_are_read_alike(
    tmp_path_factory: pytest.TempPathFactory,
    file: tuple[bytes, bool],
    declared: bool,
    write_ins: bool,
) -> None:
    data, plain = file
    path = tmp_path_factory.mktemp("ballots") / "ballots.csv"
    path.write_bytes(data)
    candidates = [CandidateSpec(n) for n in NAMES] if declared else []
    with pytest.MonkeyPatch.context() as monkeypatch:
        taken: list[bool] = []
        original = fast_csv.read_fast_csv

        def recording(*args: object, **kwargs: object) -> bool:
            result = original(*args, **kwargs)  # type: ignore[arg-type]
            taken.append(result)
            return result

        monkeypatch.setattr("tallyroom.rcv.fast_csv.read_fast_csv", recording)
        general, columnar = _both(
            monkeypatch,
            lambda: read_ballots(path, candidates=candidates, unknown_as_write_in=write_ins),
        )
    _assert_same(general, columnar)
    if not isinstance(columnar, str):
        # Plain files are the columnar reader's; the others it leaves to the general one.
        assert taken[-1] == plain


def test_a_blank_line_among_blank_ballots_is_left_to_the_general_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\n1,A,\n2,,\n\n3,B,A\n4,,\n")
    general, columnar = _both(monkeypatch, lambda: read_ballots(path))
    _assert_same(general, columnar)
    assert isinstance(general, BallotSet)
    assert general.total == 4 and general.rows == (2, 3, 5)
    assert spy.taken == 0


def test_blank_ballots_without_blank_lines_stay_columnar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\r\n1,A,\r\n2,,\r\n3,B,A\r\n4,,\r\n")
    general, columnar = _both(monkeypatch, lambda: read_ballots(path))
    _assert_same(general, columnar)
    assert isinstance(columnar, BallotSet)
    assert columnar.counts == (1, 2, 1) and columnar.rows == (2, 3, 4)
    assert spy.taken == 1


@pytest.mark.parametrize(
    ("second_precinct", "counts", "rows"),
    [("P2", (2, 1, 1, 1), (2, 3, 4, 6)), (" P1 ", (3, 1, 1), (2, 3, 4))],
    ids=["every-value-its-own", "two-spellings-of-a-precinct"],
)
def test_rows_alike_only_in_meaning_are_one_group(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spy: Spy,
    second_precinct: str,
    counts: tuple[int, ...],
    rows: tuple[int, ...],
) -> None:
    """Distinct rows are distinct ballots unless two cell values mean the same; here two
    spellings of a precinct make rows 2, 5 and 6 one group (its count at row 2's place)."""
    path = tmp_path / "ballots.csv"
    lines = ["id,precinct,rank1,rank2", "1,P1,A,B", "2,P1,A,", "3,P2,B,A", "4,P1,A,B"]
    path.write_text("\n".join([*lines, f"5,{second_precinct},A,B"]) + "\n")
    general, columnar = _both(monkeypatch, lambda: read_ballots(path))
    _assert_same(general, columnar)
    assert isinstance(columnar, BallotSet)
    assert columnar.counts == counts and columnar.rows == rows
    assert spy.taken == 1


def test_a_weight_column_is_left_to_the_general_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,weight,rank1\n1,3,A\n2,2,B\n")
    general, columnar = _both(monkeypatch, lambda: read_ballots(path))
    _assert_same(general, columnar)
    assert isinstance(columnar, BallotSet) and columnar.counts == (3, 2)
    assert spy.taken == 0


def test_an_unknown_candidate_is_refused_naming_its_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy
) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\n1,A,B\n2,B,Mallory\n3,Mallory,A\n")
    general, columnar = _both(
        monkeypatch,
        lambda: read_ballots(path, candidates=[CandidateSpec("A"), CandidateSpec("B")]),
    )
    assert general == columnar
    assert isinstance(columnar, str) and "ballots.csv:3: unknown candidate 'Mallory'" in columnar


def test_the_threshold_keeps_small_files_off_pyarrow(tmp_path: Path, spy: Spy) -> None:
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1\n1,A\n")
    assert os.path.getsize(path) < fast_csv.FAST_MIN_BYTES
    assert read_ballots(path).counts == (1,)
    assert spy.taken == 0


def test_a_large_plain_file_is_columnar_by_default(tmp_path: Path, spy: Spy) -> None:
    names = ("Ann", "Bo", "Cy", "")
    rng = np.random.default_rng(7)
    picks = rng.integers(0, len(names), size=(fast_csv.FAST_MIN_BYTES // 12 + 1, 3))
    lines = [f"{i},{names[a]},{names[b]},{names[c]}" for i, (a, b, c) in enumerate(picks.tolist())]
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2,rank3\n" + "\n".join(lines) + "\n")
    assert path.stat().st_size >= fast_csv.FAST_MIN_BYTES
    ballots = read_ballots(path)
    assert spy.taken == 1
    assert ballots.total == len(lines)
    assert set(ballots.candidates) == {"Ann", "Bo", "Cy"}


# --- CDF JSON -------------------------------------------------------------------------------

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "rctab"


@pytest.fixture
def cdf_spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether the grouping CDF reader took each file it was offered."""
    taken: list[bool] = []
    original = fast_cdf.read_fast_cdf

    def recording(*args: object, **kwargs: object) -> bool:
        result = original(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(result)
        return result

    monkeypatch.setattr(fast_cdf, "read_fast_cdf", recording)
    yield taken


@pytest.mark.parametrize(
    "path",
    sorted(DATA.glob("*/*_cvr.json")),
    ids=lambda p: p.parent.name,
)
def test_a_cdf_report_is_read_alike(
    path: Path, monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    general, grouped = _both(monkeypatch, lambda: read_ballots(path), fast_cdf)
    _assert_same(general, grouped)
    assert isinstance(general, BallotSet) and general.total > 0
    assert cdf_spy == [False, True]


def test_the_shared_cdf_reports_are_read_alike(
    monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared RCTab cases)")
    paths = [p for p in sorted(SHARED.glob("**/*.json")) if _is_cdf(p)]
    assert paths
    for path in paths:
        general, grouped = _both(monkeypatch, lambda: read_ballots(path), fast_cdf)  # noqa: B023
        _assert_same(general, grouped)
    assert any(cdf_spy[1::2])


def _is_cdf(path: Path) -> bool:
    with path.open("rb") as handle:
        return b'"CVR"' in handle.read(1 << 20) and "expected" not in path.name


SELECTIONS = ("s1", "s2", "s3", "wi", "zz")


@st.composite
def positions(draw: st.DrawFn) -> dict[str, Any]:
    position: dict[str, Any] = {}
    if draw(st.integers(0, 20)):
        position["Rank"] = draw(st.integers(1, 4))
    for key, values in (
        ("HasIndication", ["yes", "no"]),
        ("IsAllocable", ["yes", "no", "unknown"]),
    ):
        if draw(st.booleans()):
            position[key] = draw(st.sampled_from(values))
    if draw(st.integers(0, 9)) == 0:
        position["NumberVotes"] = 1.50
    return position


@st.composite
def selections(draw: st.DrawFn) -> dict[str, Any]:
    selection: dict[str, Any] = {"ContestSelectionId": draw(st.sampled_from(SELECTIONS))}
    match draw(st.integers(0, 9)):
        case 0:
            selection["Status"] = "needs-adjudication"
        case 1:
            selection["Rank"] = draw(st.integers(1, 4))
    selection["SelectionPosition"] = draw(st.lists(positions(), min_size=1, max_size=2))
    return selection


@st.composite
def cdf_reports(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    """A CDF report (names, units, records that repeat) and whether every record has exactly
    one snapshot (what the grouping reader takes)."""
    selections_of = [
        {"@id": "s1", "CandidateIds": ["c1"]},
        {"@id": "s2", "CandidateIds": ["c2"]},
        {"@id": "s3", "CandidateIds": ["c3"]},
        {"@id": "wi", "IsWriteIn": draw(st.sampled_from([True, "true"]))},
    ]
    election = {
        "@id": "e",
        "Candidate": [{"@id": f"c{i}", "Name": n} for i, n in enumerate(NAMES[:3], start=1)],
        "Contest": [
            {"@id": "k1", "Name": "Mayor", "ContestSelection": selections_of},
            {"@id": "k2", "Name": "Council", "ContestSelection": selections_of[:2]},
        ],
    }
    contests = st.fixed_dictionaries(
        {
            "ContestId": st.sampled_from(["k1", "k2"]),
            "CVRContestSelection": st.lists(selections(), max_size=4),
        }
    )
    pool = draw(st.lists(st.lists(contests, max_size=2), min_size=1, max_size=4))
    records = []
    single = True
    for number in range(draw(st.integers(1, 25))):
        snapshots = [
            {"@id": f"b{number}-{i}", "CVRContest": draw(st.sampled_from(pool))}
            for i in range(draw(st.sampled_from([1] * 12 + [2, 0])))
        ]
        single &= len(snapshots) == 1
        record: dict[str, Any] = {"CurrentSnapshotId": f"b{number}-0", "CVRSnapshot": snapshots}
        unit = draw(st.sampled_from([None, "u1", "u2"]))
        if unit is not None:
            record["BallotStyleUnitId"] = unit
        records.append(record)
    units = [{"@id": "u1", "Name": "Ward 1"}]
    return {"Election": [election], "GpUnit": units, "CVR": records}, single


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    report=cdf_reports(),
    contest=st.sampled_from([None, "k1", "Council"]),
    declared=st.booleans(),
    write_ins=st.booleans(),
    indent=st.sampled_from([None, 2]),
)
def test_generated_cdf_reports_are_read_alike(
    tmp_path_factory: pytest.TempPathFactory,
    report: tuple[dict[str, Any], bool],
    contest: str | None,
    declared: bool,
    write_ins: bool,
    indent: int | None,
) -> None:
    document, single = report
    path = tmp_path_factory.mktemp("cdf") / "cvr.json"
    path.write_text(json.dumps(document, indent=indent))
    candidates = [CandidateSpec(n) for n in NAMES] if declared else []
    source = BallotSource(path, contest_id=contest)
    with pytest.MonkeyPatch.context() as monkeypatch:
        taken: list[bool] = []
        original = fast_cdf.read_fast_cdf

        def recording(*args: object, **kwargs: object) -> bool:
            result = original(*args, **kwargs)  # type: ignore[arg-type]
            taken.append(result)
            return result

        monkeypatch.setattr(fast_cdf, "read_fast_cdf", recording)
        general, grouped = _both(
            monkeypatch,
            lambda: read_ballots(
                path, source, candidates=candidates, unknown_as_write_in=write_ins
            ),
            fast_cdf,
        )
    _assert_same(general, grouped)
    if not isinstance(grouped, str):
        # Reports whose records each have one snapshot are grouped; the others are left alone.
        assert taken[-1] == single


def test_repeated_ballots_are_counted_once_each_with_their_first_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    def record(number: int, *ranked: str) -> dict[str, Any]:
        chosen = [
            {"ContestSelectionId": s, "SelectionPosition": [{"Rank": rank}]}
            for rank, s in enumerate(ranked, start=1)
        ]
        contest = [{"ContestId": "k", "CVRContestSelection": chosen}]
        return {
            "CurrentSnapshotId": f"b{number}",
            "CVRSnapshot": [{"@id": f"b{number}", "CVRContest": contest}],
        }

    election = {
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
    rankings = [("sb",), ("sa", "sb"), ("sb",), ("sa", "sb"), ("sb",), ()]
    records = [record(n, *r) for n, r in enumerate(rankings)]
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [election], "CVR": records}))
    general, grouped = _both(monkeypatch, lambda: read_ballots(path), fast_cdf)
    _assert_same(general, grouped)
    assert isinstance(grouped, BallotSet)
    assert grouped.candidates == ("Bo", "Ann")
    assert grouped.counts == (3, 2, 1) and grouped.rows == (1, 2, 6)
    assert cdf_spy == [False, True]


def test_an_unknown_selection_is_refused_naming_its_first_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    contest = {"@id": "k", "ContestSelection": [{"@id": "sa", "CandidateIds": ["Ann"]}]}
    records = [
        {
            "CVRSnapshot": [
                {
                    "CVRContest": [
                        {
                            "ContestId": "k",
                            "CVRContestSelection": [
                                {"ContestSelectionId": s, "SelectionPosition": [{"Rank": 1}]}
                            ],
                        }
                    ]
                }
            ]
        }
        for s in ("sa", "Mallory", "sa", "Mallory")
    ]
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [{"Contest": [contest]}], "CVR": records}))
    general, grouped = _both(
        monkeypatch, lambda: read_ballots(path, candidates=[CandidateSpec("Ann")]), fast_cdf
    )
    assert general == grouped
    assert isinstance(grouped, str) and "cvr.json:2: unknown candidate 'Mallory'" in grouped


def test_a_selection_is_read_where_a_counted_contest_first_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    """The same selection text in several contests is read once, but where it first counts:
    a position without a rank in the contest not counted (record 1) is no error; in the counted
    contest (record 3) it is, naming that record; the other selections rank alike."""
    selections = [{"@id": "sa", "CandidateIds": ["a"]}, {"@id": "sb", "CandidateIds": ["b"]}]
    election = {
        "Candidate": [{"@id": "a", "Name": "Ann"}, {"@id": "b", "Name": "Bo"}],
        "Contest": [
            {"@id": "k1", "ContestSelection": selections},
            {"@id": "k2", "ContestSelection": selections},
        ],
    }
    unranked = {"ContestSelectionId": "sa", "SelectionPosition": [{"HasIndication": "yes"}]}

    def record(contest: str, *chosen: dict[str, Any]) -> dict[str, Any]:
        contests = [{"ContestId": contest, "CVRContestSelection": list(chosen)}]
        return {"CVRSnapshot": [{"CVRContest": contests}]}

    def ranked(sid: str, rank: int) -> dict[str, Any]:
        return {"ContestSelectionId": sid, "SelectionPosition": [{"Rank": rank}]}

    counted = [
        record("k2", unranked, ranked("sb", 2)),
        record("k1", ranked("sb", 1), ranked("sa", 2)),
        record("k1", ranked("sb", 1), unranked),
    ]
    path = tmp_path / "cvr.json"
    for records, outcome in (
        (counted[:2], None),
        (counted, "cvr.json:3: Rank: SelectionPosition has no Rank"),
    ):
        path.write_text(json.dumps({"Election": [election], "CVR": records}))
        read = partial(read_ballots, path, BallotSource(path, contest_id="k1"))
        general, grouped = _both(monkeypatch, read, fast_cdf)
        _assert_same(general, grouped)
        if outcome is None:  # record 1, without contest k1, is a blank ballot
            assert isinstance(grouped, BallotSet)
            assert grouped.rankings == ((), ((1, (0,)), (2, (1,))))
            assert grouped.candidates == ("Bo", "Ann")
        else:
            assert isinstance(grouped, str) and outcome in grouped
    records = [*counted[1:2], record("k1", ranked("sb", 1), ranked("sa", 1)), counted[1]]
    path.write_text(json.dumps({"Election": [election], "CVR": records}))
    general, grouped = _both(monkeypatch, lambda: read_ballots(path), fast_cdf)
    _assert_same(general, grouped)
    assert isinstance(grouped, BallotSet)
    assert grouped.rankings == (((1, (0,)), (2, (1,))), ((1, (0, 1)),))
    assert grouped.counts == (2, 1) and grouped.rows == (1, 2)


@pytest.mark.parametrize(
    "quirk",
    [f'"NumberVotes": {"9" * (MAX_DIGITS + 1)}', '"CVRWriteIn": {"Text": "Zed"}'],
    ids=["long-number", "write-in-text"],
)
def test_files_the_grouping_reader_leaves_alone(
    quirk: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    position = "{" + quirk + ', "Rank": 1}'
    text = (
        '{"Election": [{"Candidate": [{"@id": "a", "Name": "Ann"}], "Contest": [{"@id": "k", '
        '"ContestSelection": [{"@id": "sa", "CandidateIds": ["a"]}]}]}], "CVR": [{"CVRSnapshot": '
        '[{"CVRContest": [{"ContestId": "k", "CVRContestSelection": [{"ContestSelectionId": "sa", '
        f'"SelectionPosition": [{position}]}}]}}]}}]}}]}}'
    )
    path = tmp_path / "cvr.json"
    path.write_text(text)
    json.loads(text)
    general, grouped = _both(monkeypatch, lambda: read_ballots(path), fast_cdf)
    _assert_same(general, grouped)
    assert cdf_spy == [False, False]


def test_small_cdf_reports_stay_with_the_general_reader(
    cdf_spy: list[bool],
) -> None:
    path = DATA / "rctab_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_cvr.json"
    assert path.stat().st_size < fast_cdf.FAST_MIN_BYTES
    assert read_ballots(path).total > 0
    assert cdf_spy == [False]


def test_a_builder_keeping_every_ballot_is_left_to_the_general_readers(tmp_path: Path) -> None:
    # Kept ballots are listed in the order read, which grouping would change.
    builder = BallotBuilder(keep_ballots=True)
    path = tmp_path / "ballots.csv"
    path.write_text("id,rank1,rank2\n1,A,B\n2,B,A\n3,A,B\n")
    assert not fast_csv.read_fast_csv(path, None, CellLabels(), builder, min_bytes=0)
    cdf = DATA / "rctab_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_cvr.json"
    assert not fast_cdf.read_fast_cdf(cdf, None, builder, min_bytes=0)
    assert builder.order == [] and builder.bulk is None and builder.trace == []
    # The same files are taken when the ballots need not be kept.
    assert fast_csv.read_fast_csv(path, None, CellLabels(), BallotBuilder(), min_bytes=0)
    assert fast_cdf.read_fast_cdf(cdf, None, BallotBuilder(), min_bytes=0)


def test_write_in_selections_pool_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdf_spy: list[bool]
) -> None:
    selections = [{"@id": "sa", "CandidateIds": ["a"]}, {"@id": "wi", "IsWriteIn": True}]
    election: dict[str, Any] = {
        "Candidate": [{"@id": "a", "Name": "Ann"}],
        "Contest": [{"@id": "k"}],
    }
    election["Contest"][0]["ContestSelection"] = selections

    def record(*ranked: str) -> dict[str, Any]:
        chosen = [
            {"ContestSelectionId": s, "SelectionPosition": [{"Rank": rank}]}
            for rank, s in enumerate(ranked, start=1)
        ]
        return {"CVRSnapshot": [{"CVRContest": [{"CVRContestSelection": chosen}]}]}

    records = [record("wi", "sa"), record("sa"), record("wi", "sa")]
    path = tmp_path / "cvr.json"
    path.write_text(json.dumps({"Election": [election], "CVR": records}))
    general, grouped = _both(monkeypatch, lambda: read_ballots(path), fast_cdf)
    _assert_same(general, grouped)
    assert isinstance(grouped, BallotSet)
    assert grouped.candidates == (UNDECLARED_WRITE_INS, "Ann") and grouped.counts == (2, 1)
    assert cdf_spy == [False, True]
