"""Bad input gets one clear line naming file, line and what was expected; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.cli import main
from tallyroom.cli.summary import election_json
from tallyroom.errors import ParseError
from tallyroom.formats import read_path
from tallyroom.formats.article import parse_article, read_article
from tallyroom.formats.article_writer import render_article
from tests.conftest import PORTLAND, SEEDS


def run_parse(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["parse", str(path)])
    return result.exit_code, result.stderr if hasattr(result, "stderr") else result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty document: expected an article starting '= Title ='"),
        (b"\n  \n", "empty document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "expected a text file, found binary data"),
        (b"= A =\n\ncaf\xe9 au lait\n", ":3: expected UTF-8 text, found byte 0xe9"),
        (
            b"= Apple pie =\n\nApple pie is a pie.\n",
            ":1: not an election article: expected an 'Infobox' block or a results table",
        ),
        (
            b"Just a line of prose\n- and a list\n",
            ":1: not an election article: expected an 'Infobox' block or a results table",
        ),
    ],
)
def test_bad_files_give_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}")
    assert message in lines[0]


@pytest.mark.parametrize(
    ("content", "line", "expected"),
    [
        (
            b"= 2004 X mayoral election =\n\n  - General election**\n\n"
            b"- Ann Lee (X): 12,3x4 votes\n- Bo Kim (Y): 1,234 votes\n",
            5,
            "expected a results row 'Name (Party): N votes' with whole numbers",
        ),
        (
            b"= 2004 X mayoral election =\n\n  - General election**\n\n"
            b"- Bo Kim (Y): 1,234 votes\nTotal: many votes\n",
            6,
            "expected 'Total: N votes'",
        ),
    ],
)
def test_a_line_not_understood_is_kept_and_reading_goes_on(
    tmp_path: Path, content: bytes, line: int, expected: str
) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(content)
    (election,) = read_path(path)
    (note,) = election.unread
    assert (note.line, note.reason) == (line, expected)
    assert [(r.name, r.votes) for r in election.stages[0].results] == [("Bo Kim", 1234)]
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 0
    assert "Not read (1)" in result.output


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read file"):
        read_path(tmp_path / "nope.txt")


def test_truncated_file_mid_row_names_the_line() -> None:
    if not PORTLAND.exists():
        pytest.skip("seed not found")
    text = PORTLAND.read_text(encoding="utf-8")
    cut = text[: text.index("56,530") + 4]
    election = parse_article(cut, source="portland.txt")
    (note,) = election.unread
    assert note.line == 61
    assert note.text == "- Tom Potter (Nonpartisan candidate): 56,5"
    assert "expected a results row" in note.reason
    assert election.stages[0].results == ()


def test_truncated_file_between_lines_reads_what_is_there() -> None:
    if not PORTLAND.exists():
        pytest.skip("seed not found")
    text = PORTLAND.read_text(encoding="utf-8")
    cut = text[: text.index("- Phil Busse (Nonpartisan")]
    election = parse_article(cut)
    assert [len(s.results) for s in election.stages] == [2]
    assert election.stages[0].stated_total is None


def _mutations(lines: list[str]) -> st.SearchStrategy[list[str]]:
    garbage = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30
    )

    @st.composite
    def mutate(draw: st.DrawFn) -> list[str]:
        out = list(lines)
        for _ in range(draw(st.integers(1, 6))):
            if not out:
                break
            i = draw(st.integers(0, len(out) - 1))
            op = draw(st.sampled_from(["delete", "duplicate", "swap", "corrupt", "insert"]))
            if op == "delete":
                del out[i]
            elif op == "duplicate":
                out.insert(i, out[i])
            elif op == "swap":
                j = draw(st.integers(0, len(out) - 1))
                out[i], out[j] = out[j], out[i]
            elif op == "corrupt":
                line = out[i]
                k = draw(st.integers(0, len(line)))
                out[i] = line[:k] + draw(garbage) + line[k + draw(st.integers(0, 5)) :]
            else:
                out.insert(i, draw(garbage))
        return out

    return mutate()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_fuzzed_seeds_raise_only_parse_errors(seed: Path) -> None:
    if not seed.exists():
        pytest.skip("seed not found")
    lines = seed.read_text(encoding="utf-8").split("\n")

    @settings(
        max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(_mutations(lines))
    def check(mutated: list[str]) -> None:
        try:
            result = read_article("\n".join(mutated), source=seed.name)
        except ParseError as error:
            assert error.source == seed.name
            assert str(error).startswith(seed.name)
            return
        election_json(result.election)
        render_article(result.election)

    check()
