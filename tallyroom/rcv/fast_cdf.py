"""Large NIST SP 1500-103 (CDF) JSON cast-vote-record reports read with msgspec.

A city's report holds a record per ballot, and most ballots repeat a ranking some other ballot
already has; what tells them apart (record and snapshot ids) does not change the count. Each
record is decoded only as far as its snapshot's contests, which stay raw JSON text; records are
grouped on that text (and the ballot style unit), numbered with numpy, and only one record of
each group is read in full, with the group's size as its count: its contests are decoded into
structs holding what a count reads and ranked as the general reader's record function
(:func:`tallyroom.rcv.read_nist._add_record`) ranks them; a report with a value of another type
there (a rank written as text, say) is read by that function itself. The result is the same
:class:`~tallyroom.rcv.types.BallotSet` as :func:`~tallyroom.rcv.read_nist.read_nist_json`
makes: the same groups in the same order, the same record numbers, the same candidate order, the
same errors. The file is mapped, not read into memory.

:func:`read_fast_cdf` returns False (nothing added) for files it does not take, and the caller
reads them the general way (which also words any error): small files and files over 1 GiB,
files msgspec cannot decode into the expected shape, a record without exactly one snapshot, a
number longer than the digit limit, write-in text (``CVRWriteIn``) in a contest, and a builder
that keeps every ballot in the order read.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from decimal import Decimal
from itertools import chain, count, repeat
from operator import attrgetter, is_not, itemgetter
from pathlib import Path
from typing import Any, cast

import msgspec
import numpy as np

from tallyroom.errors import ValidationError
from tallyroom.limits import MAX_CVR_BYTES, MAX_DIGITS, collector_paused
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.distinct_rows import merged
from tallyroom.rcv.rank_table import rank_table_of
from tallyroom.rcv.read_nist import (
    _add_record,
    _contest_matches,
    _Names,
    _selection_code,
    names_from_json,
)
from tallyroom.rcv.readers import fast_read_size, mapped_file
from tallyroom.rcv.types import Ranking, ranking_of

__all__ = ["FAST_MAX_BYTES", "FAST_MIN_BYTES", "read_fast_cdf"]

#: Smallest file read this way (the general reader takes a smaller one in a fraction of a second).
FAST_MIN_BYTES = 1024 * 1024
#: Largest file read this way: its decoded records take about half the file's size again, on
#: top of the file itself (mapped); a larger one is streamed by the general reader.
FAST_MAX_BYTES = 1024 * 1024 * 1024
#: Records grouped at a time (each batch is freed once grouped).
_BATCH = 1 << 16


#: Every digit as ``0``, every other byte as a space: a run of digits is then a run of zeros.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_SCAN = 1 << 18  # small enough to stay in the cache between the two passes


def _long_digits(view: mmap.mmap) -> bool:
    """Whether the file has a run of more than :data:`MAX_DIGITS` digits (a number the general
    reader refuses, or digits inside a string: either way the general reader decides).

    Such a run covers at least :data:`_RUN_WORDS` whole aligned 8-byte words of digits; the file
    is read as words with numpy, and only a file that has that many such words in a row is
    searched byte by byte.
    """
    if _RUN_WORDS < 1 or len(view) < 64 or _digit_words(view):
        run = b"0" * (MAX_DIGITS + 1)
        return any(
            view[at : at + _SCAN + MAX_DIGITS].translate(_DIGITS).find(run) >= 0
            for at in range(0, len(view), _SCAN)
        )
    return False


_HIGH_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_THREES = np.uint64(0x3030303030303030)
_SIXES = np.uint64(0x0606060606060606)
_WORDS = 1 << 19  # words looked at a time
#: Whole aligned words that a run of ``MAX_DIGITS + 1`` digits covers wherever it starts.
_RUN_WORDS = (MAX_DIGITS + 1 - 7) // 8


def _digit_words(view: mmap.mmap) -> bool:
    """Whether :data:`_RUN_WORDS` aligned 8-byte words of digits follow each other in the file
    (a run reaching into the bytes after the last whole word still covers that many before
    them)."""
    data = np.frombuffer(view, dtype=np.uint8)
    whole = data.size // 8 * 8
    words = data[:whole].view("<u8")
    for at in range(0, words.size, _WORDS):
        chunk = words[at : at + _WORDS + _RUN_WORDS - 1]  # overlap: no run falls between
        digits = (chunk & _HIGH_NIBBLES) == _THREES  # every byte in 0x30..0x3f
        if not digits.any():
            continue
        digits &= ((chunk + _SIXES) & _HIGH_NIBBLES) == _THREES  # ... and in 0x30..0x39
        together = digits[: digits.size - _RUN_WORDS + 1].copy()
        for shift in range(1, _RUN_WORDS):
            together &= digits[shift : digits.size - _RUN_WORDS + 1 + shift]
        if together.any():
            return True
    return False


#: The unit of a record that names none (msgspec gives every such record this very object).
_NO_UNIT = msgspec.Raw(b"null")


class _Snapshot(msgspec.Struct, gc=False):
    CVRContest: msgspec.Raw = msgspec.Raw(b"null")


class _Record(msgspec.Struct, gc=False):
    CVRSnapshot: tuple[_Snapshot]  # exactly one: which snapshot counts never depends on ids
    BallotStyleUnitId: msgspec.Raw = _NO_UNIT


class _Report(msgspec.Struct):
    Election: msgspec.Raw = msgspec.Raw(b"[]")
    GpUnit: msgspec.Raw = msgspec.Raw(b"[]")
    CVR: list[_Record] = []


_SNAPSHOTS = attrgetter("CVRSnapshot")
_CONTESTS = attrgetter("CVRContest")
_UNIT = attrgetter("BallotStyleUnitId")
_FIRST = itemgetter(0)


class _Times:
    """A builder that adds each ballot :attr:`count` times (the size of the record's group);
    everything else goes straight to the builder."""

    def __init__(self, builder: BallotBuilder) -> None:
        self.builder, self.count = builder, 1
        self.candidate = builder.candidate
        self.write_in_code = builder.write_in_code

    def __getattr__(self, name: str) -> Any:
        return getattr(self.builder, name)

    def add(
        self, ranking: Ranking, precinct: str | None, count: int, source: str, line: int
    ) -> None:
        self.builder.add(ranking, precinct, count * self.count, source, line)


def read_fast_cdf(
    path: Path,
    contest_id: str | None,
    builder: BallotBuilder,
    *,
    min_bytes: int | None = None,
) -> bool:
    """Add the ballots of a CDF JSON report to ``builder``; False (nothing added) when the file
    is not one this reader takes (or smaller than ``min_bytes``, by default
    :data:`FAST_MIN_BYTES`)."""
    size = fast_read_size(path, builder, MAX_CVR_BYTES)
    smallest = FAST_MIN_BYTES if min_bytes is None else min_bytes
    if size is None or not smallest <= size <= FAST_MAX_BYTES:
        return False
    with collector_paused():  # the collector doubled the time of decoding the records
        return _read(path, contest_id, builder, str(path))


def _read(path: Path, contest_id: str | None, builder: BallotBuilder, source: str) -> bool:
    with path.open("rb") as handle, mapped_file(handle.fileno()) as view:
        if _long_digits(view):
            return False
        try:
            tally, keys, names = _grouped(view)
        except (msgspec.DecodeError, msgspec.ValidationError, _Declined):
            return False
    numbers = list(tally)
    joined = _json_array([keys[number][1] for number in numbers])
    if b'"CVRWriteIn"' in joined:  # in a contest (the commas and brackets added split no key)
        return False
    units = msgspec.json.Decoder(list[Any], float_hook=Decimal).decode(
        _json_array([keys[number][0] for number in numbers])
    )
    del keys
    try:
        contests = msgspec.json.decode(joined, type=list[list[_Contest] | None])
        selections = _selections(contests)
    except msgspec.ValidationError:  # a value of another type than the usual: read in full
        decoded = msgspec.json.Decoder(list[Any], float_hook=Decimal).decode(joined)
        times = _Times(builder)
        scaled = cast(BallotBuilder, times)
        for number, unit, contest in zip(numbers, units, decoded, strict=True):
            times.count = tally[number]
            record = {"BallotStyleUnitId": unit, "CVRSnapshot": [{"CVRContest": contest}]}
            _add_record(record, number, contest_id, names, scaled, source)
        return True
    rankings = _rankings(numbers, contests, selections, contest_id, names, builder, source)
    _add_distinct(numbers, units, rankings, tally, names, builder, source)
    return True


def _json_array(texts: list[bytes]) -> bytes:
    """The JSON texts as one array, copied once (the contests of a large report's distinct
    records take some 20 MB; a second copy cost 0.04 s). The brackets are added to the first
    and last items of ``texts`` itself, a list the caller made for this."""
    if not texts:
        return b"[]"
    texts[0] = b"[" + texts[0]
    texts[-1] += b"]"
    return b",".join(texts)


def _add_distinct(
    numbers: list[int],
    units: list[Any],
    rankings: list[Ranking],
    tally: dict[int, int],
    names: _Names,
    builder: BallotBuilder,
    source: str,
) -> None:
    """Add the groups as the builder would have them one by one (groups of records that differ
    but are the same ballot merged into the first one's), all at once, with their dense codes."""
    if not numbers:
        return  # no record: the builder is left as it was (no source named)
    precincts = [
        None if unit is None else names.units.get(text := str(unit), text) for unit in units
    ]
    counts = [tally[number] for number in numbers]
    found = merged(list(zip(rankings, precincts, strict=True)), counts)
    if found is not None:
        chosen, counts = found
        rankings = [rankings[i] for i in chosen]
        precincts = [precincts[i] for i in chosen]
        numbers = [numbers[i] for i in chosen]
    table = rank_table_of(rankings, counts)
    builder.add_groups(rankings, precincts, counts, numbers, (table.codes, table.general), source)


class _Position(msgspec.Struct, gc=False):
    Rank: int | None = None
    HasIndication: str | None = "yes"
    IsAllocable: str | None = None


class _Selection(msgspec.Struct, gc=False):
    ContestSelectionId: str | None = None
    Status: str | None = None
    Rank: int | None = None
    SelectionPosition: list[_Position] | None = None


class _Contest(msgspec.Struct, gc=False):
    """What a count reads of a contest of a snapshot, its selections left as JSON text: the
    distinct contests share a few distinct selections, each decoded once (:func:`_selections`)
    into the fields :func:`_add_record` reads, of the types reports use (a report with another
    type is read by that function itself)."""

    ContestId: str | None = None
    CVRContestSelection: list[msgspec.Raw] | None = None


_SELECTIONS = attrgetter("CVRContestSelection")


def _selections(contests: Sequence[Sequence[_Contest] | None]) -> dict[bytes, _Selection]:
    """Each distinct selection text of the contests, decoded (all before any is counted, so
    that a value of another type leaves the whole report to the general reader)."""
    listed = filter(None, map(_SELECTIONS, chain.from_iterable(filter(None, contests))))
    texts = list(dict.fromkeys(map(bytes, chain.from_iterable(listed))))
    decoded = msgspec.json.decode(b"[" + b",".join(texts) + b"]", type=list[_Selection])
    return dict(zip(texts, decoded, strict=True))


#: A selection's marks as a ranking holds them: ``(rank, (code,))`` in the order read.
_Marks = tuple[tuple[int, tuple[int]], ...]


def _rankings(
    numbers: Sequence[int],
    contests: Sequence[Sequence[_Contest] | None],
    selections: dict[bytes, _Selection],
    contest_id: str | None,
    names: _Names,
    builder: BallotBuilder,
    source: str,
) -> list[Ranking]:
    """The ranking of each record's contests (by record number), as :func:`_add_record` makes
    it from the same JSON (write-in text, which it reads too, is not in a report this reader
    takes). Each distinct selection is read once, where a record first counts it (so that an
    unknown candidate, or a position without a rank, is refused naming the same record), and
    each candidate code is looked up once."""
    counted: dict[str | None, bool] = {}
    known: dict[str | None, int] = {}
    read: dict[bytes, _Marks] = {}
    made: list[Ranking] = []
    for number, listed in zip(numbers, contests, strict=True):
        marks: list[tuple[int, tuple[int]]] = []
        for contest in listed or ():
            matches = counted.get(contest.ContestId)
            if matches is None:
                found = str(contest.ContestId)
                matches = counted[contest.ContestId] = _contest_matches(
                    contest_id, found, names.contests
                )
            if not matches:
                continue
            for text in map(bytes, contest.CVRContestSelection or ()):
                these = read.get(text)
                if these is None:
                    these = read[text] = _marks(
                        selections[text], known, names, builder, source, number
                    )
                marks += these
        made.append(_ranking(marks))
    return made


def _marks(
    selection: _Selection,
    known: dict[str | None, int],
    names: _Names,
    builder: BallotBuilder,
    source: str,
    number: int,
) -> _Marks:
    """The ``(rank, (code,))`` marks of one selection, as :func:`_add_record` reads it."""
    if selection.Status == "needs-adjudication":
        return ()  # not yet decided, so not counted
    sid = selection.ContestSelectionId
    if selection.Rank is not None:  # the rank may sit on the selection
        return ((selection.Rank, (_code(sid, known, names, builder, source, number),)),)
    marks: list[tuple[int, tuple[int]]] = []
    for position in selection.SelectionPosition or ():
        if position.HasIndication == "no" or position.IsAllocable == "no":
            continue
        if position.Rank is None:
            raise ValidationError(
                "SelectionPosition has no Rank", source=source, line=number, key="Rank"
            )
        marks.append((position.Rank, (_code(sid, known, names, builder, source, number),)))
    return tuple(marks)


def _code(
    sid: str | None,
    known: dict[str | None, int],
    names: _Names,
    builder: BallotBuilder,
    source: str,
    number: int,
) -> int:
    """A selection's candidate code, looked up where a record first counts it."""
    code = known.get(sid)
    if code is None:
        code = known[sid] = _selection_code(str(sid), names, builder, source, number)
    return code


def _ranking(marks: list[tuple[int, tuple[int]]]) -> Ranking:
    """The ranking of a record's marks: by rank, the codes of a rank in the order read."""
    if len(set(map(_FIRST, marks))) == len(marks):  # one mark a rank, as most ballots have
        return tuple(sorted(marks))
    return ranking_of((rank, code) for rank, (code,) in marks)


class _Declined(Exception):
    """The file is left to the general reader."""


def _grouped(view: mmap.mmap) -> tuple[dict[int, int], dict[int, tuple[bytes, bytes]], _Names]:
    """How many records each group has, by the number of its first record (in the order of
    those); each group's (unit, contests) texts by that number; the report's names."""
    report = msgspec.json.decode(view, type=_Report)
    names = _names(report.Election, report.GpUnit)
    records: list[Any] = report.CVR
    del report
    units = any(map(is_not, map(_UNIT, records), repeat(_NO_UNIT)))
    first: dict[Any, int] = {}
    # The number of the first record with the same key, for each record (setdefault keeps it).
    firsts = np.empty(len(records), dtype=np.int64)
    for start in range(0, len(records), _BATCH):
        batch = records[start : start + _BATCH]
        records[start : start + _BATCH] = repeat(None, len(batch))  # freed as they are grouped
        contests = map(bytes, map(_CONTESTS, map(_FIRST, map(_SNAPSHOTS, batch))))
        keys = zip(map(bytes, map(_UNIT, batch)), contests, strict=True) if units else contests
        firsts[start : start + len(batch)] = np.fromiter(
            map(first.setdefault, keys, count(start + 1)), dtype=np.int64, count=len(batch)
        )
    sizes = np.bincount(firsts, minlength=len(records) + 1)
    numbers = np.flatnonzero(sizes)  # ascending: the groups in the order they first appear
    tally = dict(zip(numbers.tolist(), sizes[numbers].tolist(), strict=True))
    by_number = {number: key for key, number in first.items()}
    if units:
        return tally, by_number, names
    return tally, {number: (b"null", key) for number, key in by_number.items()}, names


def _names(election_text: msgspec.Raw, units_text: msgspec.Raw) -> _Names:
    """Selection, contest and unit names, as :func:`~tallyroom.rcv.read_nist.read_nist_json`
    reads them from the report's ``Election`` and ``GpUnit`` lists."""
    decode = msgspec.json.Decoder(float_hook=Decimal).decode
    elections: Any = decode(election_text)
    units: Any = decode(units_text)
    if not isinstance(elections, list) or not isinstance(units, list):
        raise _Declined
    return names_from_json(elections, units)
