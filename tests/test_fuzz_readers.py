"""Every reader, fed mutated copies of real files, either reads them or raises a documented error.

Each test takes a real fixture (tests/data, tallyroom/data/samples), damages it the way a bad
download, a careless edit or a hostile sender would (bytes flipped, lines cut or repeated,
huge numbers, deep nesting, stray carriage returns) and reads it with the reader of its format.
Anything other than a :class:`~tallyroom.errors.TallyroomError` is a bug. ``bench/fuzz.py``
runs the same targets at scale and counts the outcomes.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.errors import TallyroomError
from tallyroom.formats import load_text, write_text
from tallyroom.limits import MAX_COLUMNS, MAX_NESTING, MAX_VOTES
from tallyroom.rcv import read_ballots
from tallyroom.rcv.readers import BallotFormat, BallotSource

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "tallyroom" / "data" / "samples"


@dataclass(frozen=True, slots=True)
class Target:
    """A reader and the real file its mutated inputs start from."""

    name: str
    seed: Callable[[], bytes]
    suffix: str
    read: Callable[[Path], object]


def _file(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _written(fmt: str) -> Callable[[], bytes]:
    @cache
    def make() -> bytes:
        text = (SAMPLES / "2004-portland.txt").read_text(encoding="utf-8")
        elections = load_text(text, "2004-portland.txt").elections
        return write_text(elections, fmt).text.encode("utf-8")

    return make


def _elections(fmt: str | None) -> Callable[[Path], object]:
    def read(path: Path) -> object:
        from tallyroom.formats import read_bytes

        return load_text(read_bytes(path), str(path), fmt)

    return read


def _ballots(fmt: BallotFormat, **options: Any) -> Callable[[Path], object]:
    def read(path: Path) -> object:
        return read_ballots(path, BallotSource(path, format=fmt, **options))

    return read


def _in_folder(
    folder: Callable[[Path], None], name: str, fmt: BallotFormat, **options: Any
) -> Callable[[Path], object]:
    """Read a folder of ballot files (made by ``folder``) with the file ``name`` replaced by the
    mutated one: a damaged file among good ones."""

    def read(path: Path) -> object:
        export = path.parent / "export"
        shutil.rmtree(export, ignore_errors=True)
        folder(export)
        shutil.copyfile(path, export / name)
        return read_ballots(export, BallotSource(export, format=fmt, **options))

    return read


DOMINION = DATA / "rcv" / "alaska_2024_dominion" / "2024_alaska_dominion" / "partial_cvr"


def _dominion(export: Path) -> None:
    shutil.copytree(DOMINION, export)


#: Three Hart cast-vote records (two ranked contests' options, and a write-in).
HART = {
    f"r{number}.xml": (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Cvr xmlns="http://tempuri.org/CVRDesign.xsd"><Contests><Contest><Name>MAYOR</Name>'
        f"<Id>m1</Id><Options>{options}</Options></Contest></Contests>"
        "<BatchSequence>3</BatchSequence><SheetNumber>1</SheetNumber><PrecinctSplit>"
        f"<Name>P-{number}</Name><Id>s{number}</Id></PrecinctSplit><BatchNumber>7</BatchNumber>"
        f"<CvrGuid>g{number}</CvrGuid></Cvr>"
    ).encode()
    for number, options in enumerate(
        (
            "<Option><Name>Ann</Name><Id>a1</Id><Value>100</Value></Option>"
            "<Option><Name>Bea</Name><Id>b2</Id><Value>010</Value></Option>",
            "<Option><Name>Bea</Name><Id>b2</Id><Value>100</Value></Option>",
            "<Option><Id>wi9</Id><Value>010</Value><WriteInData><Text /><ImageId>i</ImageId>"
            "</WriteInData></Option><Option><Name>Ann</Name><Id>a1</Id><Value>100</Value></Option>",
        ),
        start=1,
    )
}


def _hart(export: Path) -> None:
    export.mkdir()
    for name, data in HART.items():
        (export / name).write_bytes(data)


RCV = DATA / "rcv"
#: A Clear Ballot export: a choice column per candidate and rank of each contest.
CLEAR_BALLOT = (
    "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,"
    "ScanComputerName,Status,Remade,"
    + ",".join(
        f"Choice_{rank}_1:{contest}:{rank}:Number of Winners 1:{name}:NON"
        for contest, rank, name in (
            ("Mayor", 1, "Ann"),
            ("Mayor", 1, "Bo"),
            ("Mayor", 2, "Ann"),
            ("Mayor", 2, "Bo"),
            ("Clerk", 1, "Cy"),
        )
    )
    + "\n"
    + "".join(
        f"{n},1,{n},{n},P{n % 3},1,S,C,0,0,{n % 2},{1 - n % 2},{1 - n % 2},{n % 2},1\n"
        for n in range(1, 13)
    )
).encode()
TARGETS: tuple[Target, ...] = (
    Target("article", _file(SAMPLES / "2004-portland.txt"), ".txt", _elections("text")),
    Target("wikitext", _written("wikitext"), ".wiki", _elections("wikitext")),
    Target(
        "openelections-csv",
        _file(DATA / "openelections" / "20061107__dc__general__precinct.csv"),
        ".csv",
        _elections("openelections-csv"),
    ),
    Target(
        "nist-json", _file(DATA / "nist-err" / "err-prim-03.json"), ".json", _elections("nist-json")
    ),
    Target("nist-xml", _file(DATA / "nist-err" / "err-gen-02.xml"), ".xml", _elections("nist-xml")),
    Target("native", _written("native"), ".toml", _elections("native")),
    Target("ballots-csv", _file(RCV / "comeback.csv"), ".csv", _ballots("csv")),
    Target(
        "ballots-rctab-csv",
        _file(RCV / "rctab_tiebreak_seed" / "tiebreak_seed_test_cvr.csv"),
        ".csv",
        _ballots("auto"),
    ),
    Target(
        "ballots-candidate-columns",
        lambda: b"id,Ann,Bo,Write-in\n1,1,2,\n2,2,1,\n3,,,1\n4,1,,\n",
        ".csv",
        _ballots("candidate-columns-csv"),
    ),
    Target(
        "ballots-clear-ballot",
        lambda: CLEAR_BALLOT,
        ".csv",
        _ballots("clear-ballot", contest_id="Mayor"),
    ),
    Target(
        "ballots-abif", _file(RCV / "burlington_2009" / "burl2009.abif"), ".abif", _ballots("abif")
    ),
    Target(
        "ballots-nist-json",
        _file(
            RCV / "rctab_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_cvr.json",
        ),
        ".json",
        _ballots("nist-json"),
    ),
    Target(
        "ballots-nist-xml",
        _file(RCV / "rctab_2_0_1" / "nist_xml_cdf_2" / "nist_xml_cdf_2.xml"),
        ".xml",
        _ballots("nist-xml", contest_id="For Governor and Lieutenant Governor"),
    ),
    Target(
        "ballots-ess-xlsx",
        _file(RCV / "rctab_tiebreak_seed" / "tiebreak_cvr.xlsx"),
        ".xlsx",
        _ballots("xlsx", first_vote_column=2, first_vote_row=2),
    ),
    *(
        Target(
            f"ballots-dominion-{name}",
            _file(DOMINION / name),
            ".json",
            _in_folder(_dominion, name, "dominion", contest_id="7"),
        )
        for name in ("CvrExport_1731.json", "ContestManifest.json", "CandidateManifest.json")
    ),
    Target(
        "ballots-hart",
        lambda: HART["r3.xml"],
        ".xml",
        _in_folder(_hart, "r3.xml", "hart", contest_id="m1"),
    ),
)

#: Fragments a hostile or damaged file may hold.
TOKENS: tuple[bytes, ...] = (
    b"9" * 5000,
    str(2**63).encode(),
    str(MAX_VOTES + 1).encode(),
    b"-1",
    b"1e999",
    b"NaN",
    b"0.5",
    b"[" * (MAX_NESTING * 10),
    b"{" * (MAX_NESTING * 10),
    b"\r",
    b"\x00",
    b'"',
    b"," * (MAX_COLUMNS * 2),
    b"x" * 140_000,
    "\u0661\u0662".encode(),
    "\u00b2".encode(),
    b"\xff\xfe",
    b">" * 2000,
    b"<a>" * 50,
    b"\n",
    b":",
    b"=",
)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """``data`` damaged by one to four random edits."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        size = len(out)
        at = rng.randrange(size + 1)
        kind = rng.randrange(7)
        if kind == 0 and size:
            out[min(at, size - 1)] = rng.randrange(256)
        elif kind == 1:
            out[at:at] = rng.choice(TOKENS)
        elif kind == 2 and size:
            out[at : at + rng.randint(1, 64)] = b""
        elif kind == 3:
            piece = bytes(out[at : at + rng.randint(1, 200)])
            out[at:at] = piece * rng.randint(2, 50)
        elif kind == 4:
            del out[at:]
        elif kind == 5:
            end = out.find(b"\n", at)
            digits = bytes(out[at:end]) if end > at else b""
            out[at:at] = rng.choice((b"9" * rng.randint(13, 40), b"-", b"."))
            del digits
        else:
            out[at:at] = bytes(rng.randrange(32, 127) for _ in range(rng.randint(1, 16)))
    return bytes(out)


def read_mutated(target: Target, data: bytes, folder: Path) -> str:
    """Read ``data`` as ``target``'s format: ``"ok"`` or ``"error"`` (documented); anything
    else propagates."""
    path = folder / f"input{target.suffix}"
    path.write_bytes(data)
    try:
        target.read(path)
    except TallyroomError as error:
        message = str(error)
        assert message and "\n" not in message.strip(), message
        return "error"
    return "ok"


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_the_unmutated_fixture_reads(target: Target, tmp_path: Path) -> None:
    assert read_mutated(target, target.seed(), tmp_path) == "ok"


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_mutated_input_gives_only_documented_errors(
    target: Target, seed: int, tmp_path: Path
) -> None:
    data = mutate(target.seed(), random.Random(seed))
    assert read_mutated(target, data, tmp_path) in ("ok", "error")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@pytest.mark.parametrize("token", TOKENS, ids=range(len(TOKENS)))
def test_each_hostile_fragment_mid_file_gives_a_documented_error(
    target: Target, token: bytes, tmp_path: Path
) -> None:
    data = target.seed()
    middle = data.find(b"\n", len(data) // 2) + 1
    assert read_mutated(target, data[:middle] + token + data[middle:], tmp_path) in ("ok", "error")


def _reproducers(folder: Path) -> dict[str, tuple[str, Path, str]]:
    """The hostile files of issue 14: name -> (command, file, what the error says)."""
    csv_lines = (DATA / "openelections" / "20061107__dc__general__precinct.csv").read_text(
        encoding="utf-8"
    )
    header, first, *rest = csv_lines.splitlines()
    nist = (DATA / "nist-err" / "err-prim-03.json").read_text(encoding="utf-8")
    at = nist.index('"Count" : ') + len('"Count" : ')
    count_end = at + len(nist[at:].split(",", 1)[0])
    abif = (RCV / "burlington_2009" / "burl2009.abif").read_text(encoding="utf-8")
    ballot_line = next(line for line in abif.splitlines() if line[:1].isdigit())
    article = (SAMPLES / "2021-tiedale-tie.txt").read_text(encoding="utf-8")
    texts = {
        "field.csv": (
            "import",
            "\n".join([header, first.replace(",DEM,", "," + "x" * 140_000 + ","), *rest[:5]]),
            "longer than the limit of 131,072 characters",
        ),
        "deep.json": ("import", "[" * 100_000 + "]" * 100_000, "nested deeper than"),
        "digits.json": ("import", nist[:at] + "9" * 5000 + nist[count_end:], "5,000 digits"),
        "huge.txt": (
            "import",
            article.replace(": 311 votes", f": {2**63:,} votes"),
            "beyond the limit of 1,000,000,000,000",
        ),
        "header.csv": ("rcv", "ballot_id,ra\rnk1,rank2\n1,A,B\n", ""),
        "count.abif": (
            "rcv",
            abif.replace(ballot_line, str(10**23) + ":" + ballot_line.split(":", 1)[1], 1),
            "more than the limit of 1,000,000,000,000",
        ),
        "wide.csv": (
            "rcv",
            "ballot_id,rank1,rank2\n1," + ",".join(["A"] * 100_000) + "\n",
            "wider than the limit of 10,000",
        ),
    }
    found = {}
    for name, (command, text, words) in texts.items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="")
        found[name] = (command, path, words)
    return found


@pytest.mark.parametrize(
    "name",
    ["field.csv", "deep.json", "digits.json", "huge.txt", "header.csv", "count.abif", "wide.csv"],
)
def test_each_reproducer_is_one_line_naming_the_file_and_exit_2(name: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tallyroom.cli import main

    command, path, words = _reproducers(tmp_path)[name]
    arguments = [command, str(path)]
    if command == "import":
        arguments += ["--db", str(tmp_path / "results.db")]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if str(path) in line]
    assert len(lines) == 1 and words in lines[0], result.output
    assert "Traceback" not in result.output


def test_the_article_command_refuses_a_count_beyond_the_limit(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tallyroom.cli import main

    _, path, words = _reproducers(tmp_path)["huge.txt"]
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 2
    assert f"{path}:23: " in result.output and words in result.output


def test_the_documented_limits_are_the_enforced_ones() -> None:
    from tallyroom import limits

    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    section = text[text.index("## Limits") :]
    assert "256 MiB" in section and limits.MAX_FILE_BYTES == 256 * 1024 * 1024
    for value in (
        limits.MAX_FIELD_CHARS,
        limits.MAX_COLUMNS,
        limits.MAX_RANKINGS,
        limits.MAX_NESTING,
        limits.MAX_DIGITS,
        limits.MAX_VOTES,
    ):
        assert f"| {value:,}" in section, value


def test_a_cast_vote_record_with_a_number_past_the_digit_limit_is_refused(tmp_path: Path) -> None:
    cvr = RCV / "rctab_exhaust_at_overvote" / "test_set_1_exhaust_at_overvote_cvr.json"
    text = cvr.read_text(encoding="utf-8")
    path = tmp_path / "cvr.json"
    path.write_text(
        text.replace('"SelectionPosition" : [', '"SelectionPosition" : [' + "9" * 5000, 1)
    )
    line = text[: text.index('"SelectionPosition" : [')].count("\n") + 1
    with pytest.raises(TallyroomError, match=rf"cvr\.json:{line}: a number longer than the limit"):
        read_ballots(path, BallotSource(path, format="nist-json"))


def test_hostile_files_are_refused_and_their_neighbours_land(tmp_path: Path) -> None:
    """`tallyroom import good1 good2 deep.json good3 ...`: every hostile file is refused with
    one line, every good one is stored, in the same import."""
    from click.testing import CliRunner

    from tallyroom.cli import main
    from tallyroom.store import Store

    hostile = [path for command, path, _ in _reproducers(tmp_path).values() if command == "import"]
    good = sorted(SAMPLES.glob("*.txt"))
    files = [good[0], good[1], *hostile[:2], good[2], *hostile[2:], *good[3:]]
    db = tmp_path / "neighbours.db"
    result = CliRunner().invoke(main, ["import", "--db", str(db), *map(str, files)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    refused = [line for line in result.output.splitlines() if line.startswith("refused: ")]
    assert len(refused) == len(hostile) == 4
    with Store.open(db) as store:
        assert store.list_elections().total == len(good)
