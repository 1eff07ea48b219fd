"""A precinct file read from disk a line at a time (:func:`tallyroom.formats.load_path`) gives
what reading its whole text gives: the same elections, warnings and errors, whatever its line
ends, byte-order marks, quoting or defects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tallyroom import limits
from tallyroom.errors import InputError
from tallyroom.formats import load_path, load_text, read_bytes
from tallyroom.store.codec import fingerprint

from .conftest import TEST_DATA

CSV_FILES = sorted((TEST_DATA / "openelections").rglob("*.csv"))


def _whole(path: Path) -> tuple[object, ...]:
    """What reading the whole text gives: fingerprints and warnings, or the error."""
    try:
        loaded = load_text(read_bytes(path), str(path))
    except InputError as error:
        return ("error", str(error))
    return (*map(fingerprint, loaded.elections), loaded.warnings)


def _streamed(path: Path) -> tuple[object, ...]:
    try:
        loaded = load_path(path)
    except InputError as error:
        return ("error", str(error))
    return (*map(fingerprint, loaded.elections), loaded.warnings)


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda path: path.name)
def test_every_precinct_file_reads_the_same_from_disk(path: Path) -> None:
    assert _streamed(path) == _whole(path)


HEADER = "county,precinct,office,district,party,candidate,votes,early_voting"
ROWS = [
    "Avon,1,Mayor,,,Ann Lee,10,2",
    'Avon,1,Mayor,,,"Lee, Bo",7,1',
    "Avon,2,Mayor,,,Ann Lee,12,x",
    'Avon,2,Mayor,,,"Bo\nDiaz",3,',
    "Avon,2,Ballots Cast,,,,40,",
    "Avon,2,Mayor,,,Ann Lee,1,1",
    "short,row",
    "",
    "Avon,3,Mayor,,,Cy Young,1,",
]
VARIANTS: dict[str, bytes] = {
    "lf": "\n".join([HEADER, *ROWS]).encode(),
    "crlf": "\r\n".join([HEADER, *ROWS]).encode(),
    "cr only": "\r".join([HEADER, *ROWS]).encode(),
    "mixed ends": (HEADER + "\r\n" + "\r".join(ROWS[:4]) + "\n" + "\n".join(ROWS[4:])).encode(),
    "byte-order mark": "\ufeff".encode() + "\n".join([HEADER, *ROWS]).encode(),
    "two marks": "\ufeff\ufeff".encode() + "\n".join([HEADER, *ROWS]).encode(),
    "no final line end": "\n".join([HEADER, ROWS[0]]).encode(),
    "not utf-8 late": ("\n".join([HEADER, *ROWS * 40]) + "\nAvon,9,Mayor,,,Jos").encode()
    + b"\xe9,1,\n",
    "not utf-8 in the head": ("\n".join([HEADER, ROWS[0]]) + "\nAvon,9,Mayor,,,").encode()
    + b"\xff,1,\n",
    "binary": b"\x00\x01" + HEADER.encode(),
    "malformed late": (
        "\n".join([HEADER, *ROWS * 40]) + f"\nAvon,4,Mayor,,,{'A' * 140_000},1,\n"
    ).encode(),
    "header only": HEADER.encode(),
    "empty": b"",
    "a thousand rows": "\n".join(
        [HEADER, *(f"County {n % 7},{n},Governor,,,Name {n % 5},{n},{n % 3}" for n in range(1000))]
    ).encode(),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_line_ends_marks_and_defects_read_the_same(name: str, tmp_path: Path) -> None:
    path = tmp_path / "20241105__oh__general__precinct.csv"
    path.write_bytes(VARIANTS[name])
    assert _streamed(path) == _whole(path)


def test_an_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "returns.csv"
    line = 1 + 40 * (len(ROWS) + 1) + 1  # the header, 40 times the rows (one holds a line end)
    path.write_bytes(VARIANTS["not utf-8 late"])
    with pytest.raises(InputError) as raised:
        load_path(path)
    assert str(raised.value).startswith(f"{path}:{line}: expected UTF-8 text, found byte 0xe9")
    path.write_bytes(VARIANTS["malformed late"])
    with pytest.raises(InputError, match=rf":{line}: malformed CSV"):
        load_path(path)


def test_a_file_past_the_size_limit_is_refused_as_when_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "returns.csv"
    path.write_bytes(VARIANTS["a thousand rows"])
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    assert _streamed(path) == _whole(path)
    assert "larger than the limit of 1,000 bytes" in str(_streamed(path)[1])


def test_other_formats_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "mayor.txt"
    path.write_text("= Mayor of Avon 2024 =\n", encoding="utf-8")
    assert _streamed(path) == _whole(path)
    missing = tmp_path / "missing.csv"
    assert _streamed(missing) == _whole(missing)
    assert _streamed(missing)[0] == "error"
