"""BLT ballot files, the format Scottish councils' preference data is usually shared in.

A BLT file (as read by ERS, OpenSTV and eSTV) holds::

    6 3                 candidates and seats
    -2                  optional: withdrawn candidates, as negative numbers
    14 3 1 5 0          a ballot line: the number of papers, then preferences, closed by 0
    0                   the end of the ballot lines
    "Neil Alexander"    one quoted name per candidate, in candidate-number order
    "Ward 6"            the title

A quote inside a name is written twice. Withdrawn candidates are taken off the
count: their preferences are passed over and they are not among the candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tallyroom.errors import ParseError
from tallyroom.limits import MAX_RANKINGS, MAX_VOTES, read_limited
from tallyroom.rcv.types import BallotSet, Ranking

__all__ = ["BltContest", "parse_blt", "read_blt"]


@dataclass(frozen=True, slots=True)
class BltContest:
    """A BLT file: the ballots, the seats it names and its title."""

    ballots: BallotSet
    seats: int
    title: str | None


def read_blt(path: Path) -> BltContest:
    """Read a BLT file (UTF-8)."""
    source = str(path)
    try:
        text = read_limited(path).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8 text ({error.reason})", source=source) from error
    return parse_blt(text, source)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line:
            yield number, line


def _integers(line: str, number: int, source: str, expected: str) -> list[int]:
    try:
        return [int(part) for part in line.split()]
    except ValueError:
        raise ParseError(f"expected {expected}", source=source, line=number, text=line) from None


def _name(line: str, number: int, source: str) -> str:
    if len(line) < 2 or not (line.startswith('"') and line.endswith('"')):
        raise ParseError("expected a quoted name", source=source, line=number, text=line)
    return line[1:-1].replace('""', '"').strip()


def parse_blt(text: str, source: str = "<blt>") -> BltContest:
    """Parse the text of a BLT file; errors name ``source`` and the line."""
    lines = _lines(text)
    header = next(lines, None)
    if header is None:
        raise ParseError("empty file: expected 'candidates seats'", source=source)
    number, line = header
    head = _integers(line, number, source, "'candidates seats' (two whole numbers)")
    if len(head) != 2 or head[0] < 1 or head[1] < 1:
        raise ParseError(
            "expected 'candidates seats' (two whole numbers, at least 1)",
            source=source,
            line=number,
            text=line,
        )
    candidates, seats = head
    withdrawn: set[int] = set()
    rankings: list[Ranking] = []
    counts: list[int] = []
    rows: list[int] = []
    ended = False
    for number, line in lines:
        values = _integers(line, number, source, "a ballot line: whole numbers ending in 0")
        if not rankings and not withdrawn and values and all(v < 0 for v in values):
            withdrawn = {-v for v in values}
            continue
        if values == [0]:
            ended = True
            break
        if len(values) < 2 or values[-1] != 0 or values[0] < 0 or values[0] > MAX_VOTES:
            raise ParseError(
                "expected a ballot line: a number of papers, preferences, then 0",
                source=source,
                line=number,
                text=line,
            )
        prefs = values[1:-1]
        if len(prefs) > MAX_RANKINGS:
            raise ParseError(
                f"{len(prefs):,} preferences are more than the limit of {MAX_RANKINGS:,}",
                source=source,
                line=number,
            )
        if any(not 1 <= p <= candidates for p in prefs):
            raise ParseError(
                f"preferences must be candidate numbers 1 to {candidates}",
                source=source,
                line=number,
                text=line,
            )
        rankings.append(tuple((rank, (p,)) for rank, p in enumerate(prefs, start=1)))
        counts.append(values[0])
        rows.append(number)
    if not ended:
        raise ParseError("the ballot lines do not end with a line holding 0", source=source)
    names = []
    for _ in range(candidates):
        entry = next(lines, None)
        if entry is None:
            raise ParseError(f"expected {candidates} quoted candidate names", source=source)
        names.append(_name(entry[1], entry[0], source))
    title_line = next(lines, None)
    title = _name(title_line[1], title_line[0], source) if title_line else None
    return BltContest(_without(withdrawn, names, rankings, counts, rows, source), seats, title)


def _without(
    withdrawn: set[int],
    names: list[str],
    rankings: list[Ranking],
    counts: list[int],
    rows: list[int],
    source: str,
) -> BallotSet:
    """The ballots with withdrawn candidates passed over, candidates renumbered from 0."""
    kept = [c for c in range(1, len(names) + 1) if c not in withdrawn]
    code = {c: i for i, c in enumerate(kept)}
    recoded: list[Ranking] = []
    for ranking in rankings:
        prefs = [code[codes[0]] for _, codes in ranking if codes[0] in code]
        recoded.append(tuple((rank, (p,)) for rank, p in enumerate(prefs, start=1)))
    return BallotSet(
        candidates=tuple(names[c - 1] for c in kept),
        rankings=tuple(recoded),
        counts=tuple(counts),
        rows=tuple(rows),
        source=source,
    )
