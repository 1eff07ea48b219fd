"""Reading a file within the size limit: whole when it fits, refused when it does not, without
setting aside the whole limit for every file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from tallyroom import limits
from tallyroom.errors import ParseError


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    return 100


def test_a_file_up_to_the_limit_is_read_whole(tmp_path: Path, small_limit: int) -> None:
    for size in (0, 1, small_limit - 1, small_limit):
        path = tmp_path / f"{size}.txt"
        path.write_bytes(bytes(range(256))[:size] if size < 256 else b"x" * size)
        assert limits.read_limited(path) == path.read_bytes()


def test_a_file_past_the_limit_is_refused_naming_it(tmp_path: Path, small_limit: int) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (small_limit + 1))
    with pytest.raises(ParseError, match=r"big\.txt.*101 bytes is larger than the limit of 100"):
        limits.read_limited(path)


def test_a_file_whose_size_is_not_known_is_read_to_its_end() -> None:
    # Files of /proc report a size of 0 and hold text all the same.
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc on this system: a file of unknown size is not at hand")
    data = limits.read_limited(status)
    assert data.startswith(b"Name:") and data.endswith(b"\n")


def test_reading_a_small_file_sets_aside_about_its_size(tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_bytes(b"x" * 1_000_000)
    tracemalloc.start()
    try:
        limits.read_limited(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A read of the limit itself (256 MB) would show here.
    assert peak < 4_000_000


def test_the_collector_is_paused_while_reading_and_left_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    with pytest.raises(ValueError), limits.collector_paused():
        assert not gc.isenabled()
        raise ValueError("a reader that fails")
    assert gc.isenabled()  # back on, the failure notwithstanding
    gc.disable()
    try:
        with limits.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: not switched on behind the caller
    finally:
        gc.enable()
