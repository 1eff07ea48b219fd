"""Large NIST SP 1500-103 (CDF) JSON cast-vote-record reports read with msgspec.

A city's report holds a record per ballot, and most ballots repeat a ranking some other ballot
already has; what tells them apart (record and snapshot ids) does not change the count. Each
record is decoded only as far as its snapshot's contests, which stay raw JSON text; records are
grouped on that text (and the ballot style unit), and only one record of each group is read in
full, by the general reader's own record function (:func:`tallyroom.rcv.read_nist._add_record`),
with the group's size as its count. The result is the same :class:`~tallyroom.rcv.types.BallotSet`
as :func:`~tallyroom.rcv.read_nist.read_nist_json` makes: the same groups in the same order, the
same record numbers, the same candidate order, the same errors.

:func:`read_fast_cdf` returns False (nothing added) for files it does not take, and the caller
reads them the general way (which also words any error): small files and files over 1 GiB,
files msgspec cannot decode into the expected shape, a record without exactly one snapshot, a
number longer than the digit limit, write-in text (``CVRWriteIn``), and a builder that keeps
every ballot in the order read.
"""

from __future__ import annotations

import gc
import mmap
from collections import Counter
from decimal import Decimal
from itertools import count, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, cast

import msgspec

from tallyroom.limits import MAX_CVR_BYTES, MAX_DIGITS, check_file_size
from tallyroom.rcv.builder import BallotBuilder
from tallyroom.rcv.read_nist import _add_record, _Names, names_from_json
from tallyroom.rcv.types import Ranking

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
    reader refuses, or digits inside a string: either way the general reader decides)."""
    run = b"0" * (MAX_DIGITS + 1)
    return any(
        view[at : at + _SCAN + MAX_DIGITS].translate(_DIGITS).find(run) >= 0
        for at in range(0, len(view), _SCAN)
    )


class _Snapshot(msgspec.Struct, gc=False):
    CVRContest: msgspec.Raw = msgspec.Raw(b"null")


class _Record(msgspec.Struct, gc=False):
    CVRSnapshot: tuple[_Snapshot]  # exactly one: which snapshot counts never depends on ids
    BallotStyleUnitId: msgspec.Raw = msgspec.Raw(b"null")


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
    source = str(path)
    if getattr(builder, "trace", None) is not None:
        return False  # every ballot is kept in the order read: no grouping
    try:
        size = path.stat().st_size
    except OSError:
        return False
    check_file_size(size, source, MAX_CVR_BYTES)
    if not (FAST_MIN_BYTES if min_bytes is None else min_bytes) <= size <= FAST_MAX_BYTES:
        return False
    # The decoded records are many small objects and none forms a cycle: the cyclic garbage
    # collector would only scan them again and again as they arrive (it doubles the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(path, contest_id, builder, source)
    finally:
        if collecting:
            gc.enable()


def _read(path: Path, contest_id: str | None, builder: BallotBuilder, source: str) -> bool:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
        if _long_digits(view) or view.find(b'"CVRWriteIn"') >= 0:
            return False
        try:
            tally, keys, names = _grouped(view)
        except (msgspec.DecodeError, msgspec.ValidationError, _Declined):
            return False
    decode = msgspec.json.Decoder(list[Any], float_hook=Decimal).decode
    numbers = list(tally)
    units = decode(b"[" + b",".join(keys[number][0] for number in numbers) + b"]")
    contests = decode(b"[" + b",".join(keys[number][1] for number in numbers) + b"]")
    del keys
    times = _Times(builder)
    scaled = cast(BallotBuilder, times)
    for number, unit, contest in zip(numbers, units, contests, strict=True):
        times.count = tally[number]
        record = {"BallotStyleUnitId": unit, "CVRSnapshot": [{"CVRContest": contest}]}
        _add_record(record, number, contest_id, names, scaled, source)
    return True


class _Declined(Exception):
    """The file is left to the general reader."""


def _grouped(view: mmap.mmap) -> tuple[Counter[int], dict[int, tuple[bytes, bytes]], _Names]:
    """How many records each group has, by the number of its first record (in the order of
    those); each group's (unit, contests) texts by that number; the report's names."""
    report = msgspec.json.decode(view, type=_Report)
    names = _names(report.Election, report.GpUnit)
    records: list[Any] = report.CVR
    del report
    units = view.find(b'"BallotStyleUnitId"') >= 0
    first: dict[Any, int] = {}
    tally: Counter[int] = Counter()
    for start in range(0, len(records), _BATCH):
        batch = records[start : start + _BATCH]
        records[start : start + _BATCH] = repeat(None, len(batch))  # freed as they are grouped
        contests = map(bytes, map(_CONTESTS, map(_FIRST, map(_SNAPSHOTS, batch))))
        keys = zip(map(bytes, map(_UNIT, batch)), contests, strict=True) if units else contests
        # Each record counts for the first record with the same key (setdefault keeps it).
        tally.update(map(first.setdefault, keys, count(start + 1)))
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
