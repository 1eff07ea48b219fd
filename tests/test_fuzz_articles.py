"""Real articles, damaged line by line, are read as far as they can be: never a figure lost.

Each sample article and each article of the corpus (tests/data/articles) is mutated the way a
careless edit or a bad download would: lines deleted, repeated, cut short, or given stray
non-ASCII characters. The reader must then either read the file or raise a documented
:class:`~tallyroom.errors.TallyroomError`, and every figure it read from the intact file whose
line is still there, unchanged, must still be read from the damaged one, with the same value,
or that line be reported as not read (``Election.unread``), never dropped in silence.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tallyroom.errors import TallyroomError
from tallyroom.formats.article import read_article
from tallyroom.model import Election

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    [
        *(ROOT / "tallyroom" / "data" / "samples").glob("*.txt"),
        *(ROOT / "tests" / "data" / "articles").glob("*.txt"),
    ]
)
#: Stray characters: a no-break space, a combining accent, a wide digit, an Arabic-Indic digit,
#: a right-to-left mark, an emoji.
STRAY = ("\u00a0", "\u0301", "\uff13", "\u0663", "\u200f", "\U0001f5f3")

Figure = tuple[str, str, int]


def figures(election: Election, lines: list[str]) -> Counter[Figure]:
    """Every vote figure read, keyed by the text of the line it was read from: results rows
    (first figure), stated totals, and each round's tally (white space made plain)."""
    found: Counter[Figure] = Counter()

    def text(line: int | None) -> str:
        return _plain(lines[line - 1]) if line is not None and 0 < line <= len(lines) else ""

    for stage in election.stages:
        lines_of: dict[str, list[int | None]] = {}
        for row in stage.results:
            lines_of.setdefault(row.name, []).append(row.line)
            if row.votes is not None:
                found[(text(row.line), _plain(row.name), row.votes)] += 1
        if stage.stated_total is not None:
            found[(text(stage.total_line), "total", stage.stated_total)] += 1
        for record in stage.rounds:
            for name, votes in record.tally:
                for line in lines_of.get(name, [None]):
                    found[(text(line), f"round {record.number}: {_plain(name)}", int(votes))] += 1
    return found


def _plain(line: str) -> str:
    """A line with its runs of white space (no-break spaces included) made one space."""
    return " ".join(line.split())


@cache
def intact(path: Path) -> tuple[list[str], Counter[Figure]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    election = read_article("\n".join(lines), source=path.name).election
    return lines, figures(election, lines)


@st.composite
def damaged(draw: st.DrawFn, lines: list[str]) -> list[str]:
    out = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        i = draw(st.integers(0, len(out) - 1))
        match draw(st.sampled_from(["delete", "duplicate", "truncate", "unicode"])):
            case "delete":
                del out[i]
            case "duplicate":
                out.insert(i, out[i])
            case "truncate":
                out[i] = out[i][: draw(st.integers(0, len(out[i])))]
                if draw(st.booleans()):
                    del out[i + 1 :]  # the file ends here
            case _:
                k = draw(st.integers(0, len(out[i])))
                out[i] = out[i][:k] + draw(st.sampled_from(STRAY)) + out[i][k:]
    return out


def test_the_articles_are_there() -> None:
    assert len(FILES) >= 6
    for path in FILES:
        assert sum(intact(path)[1].values()) > 0, f"{path.name}: no figure read"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_damage_never_loses_a_figure(path: Path) -> None:
    lines, before = intact(path)

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(damaged(lines))
    def check(mutated: list[str]) -> None:
        try:
            election = read_article("\n".join(mutated), source=path.name).election
        except TallyroomError as error:
            assert str(error).startswith(path.name)
            # Only a file left without any election may be refused.
            assert not any(("votes" in line or "|" in line) for line in mutated) or (
                "not an election article" in str(error) or "empty document" in str(error)
            ), str(error)
            return
        after = figures(election, mutated)
        present = Counter(_plain(line) for line in mutated)
        # A line the damage made ambiguous may be kept as "not read" (shown by parse, reported
        # by check): reported, so not lost.
        reported = {
            _plain(mutated[note.line - 1])
            for note in election.unread
            if note.line and note.line <= len(mutated)
        }
        lost = [
            figure
            for figure, count in before.items()
            if present[figure[0]] and after[figure] < min(count, 1) and figure[0] not in reported
        ]
        assert not lost, f"{path.name}: figures no longer read: {lost[:5]}"
        # And what is read from an intact line is what the intact file gave from it.
        rows = {line for line, name, _ in before if not name.startswith(("round ", "total"))}
        changed = [
            figure
            for figure in after
            if figure[0] in rows
            and not figure[1].startswith(("round ", "total"))
            and figure not in before
        ]
        assert not changed, f"{path.name}: figures read differently: {changed[:5]}"

    check()


def test_a_total_left_without_its_table_is_reported_not_dropped() -> None:
    """Found by the test above: with the general election's heading and caption deleted, its
    total follows the primary's table, which has a total already; it is kept as not read."""
    path = ROOT / "tallyroom" / "data" / "samples" / "2004-milwaukee.txt"
    lines = [
        line
        for line in intact(path)[0]
        if line not in ("==General election==", "  - General election results, April 6, 2004**")
    ]
    election = read_article("\n".join(lines), source=path.name).election
    assert [stage.stated_total for stage in election.stages] == [135]
    assert [(note.text, note.line) for note in election.unread] == [("Total: 161 votes", 51)]
