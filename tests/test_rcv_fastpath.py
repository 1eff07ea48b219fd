"""The fast CSV path and the dense rank table give exactly what the plain row-by-row path gives."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tallyroom.errors import ParseError, TabulationError
from tallyroom.rcv import (
    BallotSet,
    BallotSource,
    CandidateSpec,
    CellLabels,
    RcvOptions,
    read_ballot_sources,
    read_ballots,
    tabulate,
)
from tallyroom.rcv.line_groups import _group_packed, _group_sorted
from tallyroom.rcv.rank_table import MAX_WIDTH, rank_table_of, rankings_from_cells
from tallyroom.rcv.types import NO_MARK, Ranking

CELLS = ["Ann", "Bo", "Cy", "Dee", "ANN", " Bo", "Bo ", "skip", "UWI", "Zed", "", "", ""]
LABELS = CellLabels(skipped_rank_label="skip", undeclared_write_in_label="UWI")
CANDIDATES = [CandidateSpec("Ann", ("ANN",)), CandidateSpec("Bo"), CandidateSpec("Cy")]


def ballot_lines(seed: int, count: int, cells: list[str]) -> list[str]:
    """Ballot rows with a unique id, precinct and weight, skipped and repeated ranks, short
    rows, blank lines, spacing variants and aliases (many lines are the same ballot)."""
    rng = random.Random(seed)
    lines = ["ballot_id,precinct,weight,rank1,rank2,rank3,rank4,rank5"]
    for number in range(1, count + 1):
        if rng.random() < 0.02:
            lines.append("")
            continue
        ranks = [rng.choice(cells) for _ in range(5)]
        if rng.random() < 0.1:
            ranks = ranks[: rng.randint(1, 4)]
        precinct = rng.choice(["P1", "P2", " P1", ""])
        lines.append(",".join([str(number), precinct, str(rng.randint(1, 3)), *ranks]))
    return lines


def read(path: Path, labels: CellLabels = LABELS) -> BallotSet:
    return read_ballots(
        path,
        BallotSource(path, labels=labels),
        candidates=CANDIDATES,
        unknown_as_write_in=True,
    )


def same_ballots(fast: BallotSet, plain: BallotSet) -> None:
    assert fast.candidates == plain.candidates
    assert fast.rankings == plain.rankings
    assert fast.counts == plain.counts
    assert fast.precincts == plain.precincts
    assert fast.rows == plain.rows
    assert fast.table is not None and plain.table is not None
    reference = rank_table_of(plain.rankings, plain.counts)
    width = reference.codes.shape[1]
    assert np.array_equal(fast.table.general, reference.general)
    assert np.array_equal(fast.table.codes[:, :width], reference.codes)
    assert not (fast.table.codes[:, width:] >= 0).any()
    assert np.array_equal(fast.table.counts, reference.counts)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_csv_path_equals_row_by_row_path(tmp_path: Path, seed: int) -> None:
    lines = ballot_lines(seed, 600, CELLS)
    fast_path = tmp_path / "fast.csv"
    fast_path.write_text("\n".join(lines) + "\n")
    quoted = [lines[0], *(line.replace(",P2,", ',"P2",', 1) for line in lines[1:])]
    plain_path = tmp_path / "quoted.csv"
    plain_path.write_text("\n".join(quoted) + "\n")
    assert '"' in plain_path.read_text()  # the csv-module path
    fast, plain = read(fast_path), read(plain_path)
    assert fast.source != plain.source
    same_ballots(fast, plain)
    assert len(fast.rankings) < sum(1 for line in lines[1:] if line)  # lines were grouped
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    same_ballots(read(crlf), plain)


def test_overvote_cells_are_general_rows(tmp_path: Path) -> None:
    cells = [*CELLS, "overvote", "Ann|Cy"]
    labels = CellLabels(
        overvote_label="overvote",
        overvote_delimiter="|",
        skipped_rank_label="skip",
        undeclared_write_in_label="UWI",
    )
    lines = ballot_lines(7, 400, cells)
    path = tmp_path / "b.csv"
    path.write_text("\n".join(lines) + "\n")
    quoted = tmp_path / "q.csv"
    rows = [lines[0], *(line.replace(",P1,", ',"P1",', 1) for line in lines[1:])]
    quoted.write_text("\n".join(rows) + "\n")
    fast = read(path, labels)
    same_ballots(fast, read(quoted, labels))
    assert fast.table is not None and fast.table.general.any()


OPTION_SETS = [
    RcvOptions(max_rankings=5),
    RcvOptions(max_rankings=5, max_skipped_ranks=0, exhaust_on_duplicate=True),
    RcvOptions(max_rankings=5, max_skipped_ranks=None, overvote_rule="skip-to-next-rank"),
    RcvOptions(max_rankings=5, seats=2, winner_mode="multi-winner"),
]


@pytest.mark.parametrize("options", OPTION_SETS)
def test_count_is_the_same_with_or_without_the_table(tmp_path: Path, options: RcvOptions) -> None:
    path = tmp_path / "b.csv"
    path.write_text("\n".join(ballot_lines(11, 800, CELLS)) + "\n")
    ballots = read(path)
    bare = BallotSet(
        ballots.candidates,
        ballots.rankings,
        ballots.counts,
        ballots.precincts,
        ballots.rows,
        ballots.source,
        ballots.rank_columns,
    )
    assert bare.table is None
    assert tabulate(ballots, options) == tabulate(bare, options)


def test_rank_above_maximum_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("rank1,rank2,rank3\nAnn,Bo,\nAnn,Bo,Cy\n")
    with pytest.raises(TabulationError, match=r"b\.csv:3: a ballot ranks choice 3"):
        tabulate(read_ballots(path), RcvOptions(max_rankings=2))


def test_rankings_from_cells_matches_nested_rankings() -> None:
    rng = np.random.default_rng(5)
    cells = [(), (0,), (1,), (2,), (0, 1), (-1,)]
    ids = rng.integers(0, len(cells), size=(300, 6))
    rankings, codes, general = rankings_from_cells(ids, cells)
    expected = [
        tuple((rank + 1, cells[i]) for rank, i in enumerate(row) if cells[i])
        for row in ids.tolist()
    ]
    assert rankings == expected
    reference = rank_table_of(expected, [1] * len(expected))
    assert np.array_equal(general, reference.general)
    assert np.array_equal(codes[:, : reference.codes.shape[1]], reference.codes)


def test_short_hash_grouping_equals_whole_hash_grouping() -> None:
    rng = np.random.default_rng(3)
    digest = rng.integers(0, 2**63, size=50, dtype=np.uint64)[rng.integers(0, 50, size=5000)]
    packed, whole = _group_packed(digest), _group_sorted(digest)
    assert packed is not None and whole is not None
    (group_a, first_a, counts_a), (group_b, first_b, counts_b) = packed, whole
    assert np.array_equal(first_a[group_a], first_b[group_b])  # same first member per line
    assert np.array_equal(counts_a, np.bincount(group_a))
    assert sorted(counts_a.tolist()) == sorted(counts_b.tolist())


def test_undecodable_distinct_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"ballot_id,rank1,rank2\n1,Ann,Bo\n2,Ann,Bo\n3,B\xffo,Ann\n")
    with pytest.raises(ParseError, match=r"b\.csv:4: not UTF-8"):
        read_ballots(path)
    path.write_bytes(b'ballot_id,rank1,rank2\n"1",Ann,Bo\n3,B\xffo,Ann\n')
    with pytest.raises(ParseError, match=r"b\.csv: not UTF-8 text .*after line"):
        read_ballots(path)


def test_two_files_are_merged_group_by_group(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("rank1,rank2\nAnn,Bo\nBo,\nAnn,Bo\n")
    second.write_text("rank1,rank2\nBo,\nCy,Ann\n")
    ballots = read_ballot_sources([BallotSource(first), BallotSource(second)])
    assert ballots.candidates == ("Ann", "Bo", "Cy")
    assert ballots.rankings == (((1, (0,)), (2, (1,))), ((1, (1,)),), ((1, (2,)), (2, (0,))))
    assert ballots.counts == (2, 2, 1)
    assert ballots.source == f"{first}, {second}"
    assert ballots.table is not None
    assert ballots.table.codes.tolist() == [[0, 1], [1, -1], [2, 0]]


def _table_one_by_one(rankings: list[Ranking]) -> tuple[list[list[int]], list[bool]]:
    """The dense table written out ranking by ranking (what ``rank_table_of`` must give)."""
    general = [
        any(
            len(codes) != 1 or codes[0] < 0 or not 1 <= rank <= MAX_WIDTH for rank, codes in ranking
        )
        for ranking in rankings
    ]
    width = max(
        (
            ranking[-1][0]
            for ranking, odd in zip(rankings, general, strict=True)
            if ranking and not odd
        ),
        default=0,
    )
    rows = [[NO_MARK] * width for _ in rankings]
    for row, ranking, odd in zip(rows, rankings, general, strict=True):
        for rank, codes in ranking if not odd else ():
            row[rank - 1] = codes[0]
    return rows, general


def test_rank_table_of_matches_the_table_written_ranking_by_ranking() -> None:
    """Ranks of one candidate each, from 1 to the table's width, go into the table; any other
    (several codes or a label, a rank beyond the width or below 1, beyond 64 bits too) makes
    the ranking general."""
    rng = random.Random(11)
    for _ in range(300):
        rankings: list[Ranking] = []
        for _ in range(rng.randint(0, 9)):
            ranking, rank = [], rng.choice([0, 0, 0, 0, -1, -(2**70)])
            for _ in range(rng.randint(0, 5)):
                rank += rng.choice([1, 1, 2, 30, MAX_WIDTH, 2**70])
                size = rng.choice([1, 1, 1, 2, 0])
                ranking.append((rank, tuple(rng.choice([0, 1, 5, -2, -3]) for _ in range(size))))
            rankings.append(tuple(ranking))
        table = rank_table_of(rankings, [2] * len(rankings))
        rows, general = _table_one_by_one(rankings)
        assert table.codes.dtype == np.int32 and table.codes.tolist() == [r for r in rows]
        assert table.codes.shape == (len(rankings), len(rows[0]) if rows else 0)
        assert table.general.tolist() == general
        assert table.counts.tolist() == [2] * len(rankings)
