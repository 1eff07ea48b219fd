"""ABIF ("Aggregated Ballot Information Format") ranked ballots: ``count:A>B=C>D`` lines.

Supported: metadata lines ``{...}``, comments ``#``, candidate declarations ``=token:[Name]``,
and ballot lines ``count:ranking`` where ``>`` separates ranks and ``=`` puts several candidates
at one rank (an overvote). Candidates are named by their tokens (``[...]`` brackets removed).
Scores (``/``) are refused: this reader is for ranked ballots only.
"""

from __future__ import annotations

from pathlib import Path

from tallyroom.errors import ParseError
from tallyroom.limits import MAX_RANKINGS, read_limited, whole_count
from tallyroom.rcv.builder import BallotBuilder

__all__ = ["read_abif"]


def _token(text: str) -> str:
    value = text.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1].strip()
    return value


def read_abif(path: Path, builder: BallotBuilder) -> None:
    """Add every ballot line of an ABIF file to ``builder``."""
    source = str(path)
    data = read_limited(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8 text ({error.reason})", source=source) from error
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("{"):
            continue
        if line.startswith("="):
            token, _, _ = line[1:].partition(":")
            if not token.strip():
                raise ParseError("expected '=token:[Name]'", source=source, line=number, text=raw)
            builder.candidate(_token(token), source, number)
            continue
        count_text, colon, ranking_text = line.partition(":")
        if not colon or not count_text.strip().isdigit():
            raise ParseError(
                "expected 'count:ranking' (a whole number of ballots, a colon, then candidates "
                "separated by '>')",
                source=source,
                line=number,
                text=raw,
            )
        if "/" in ranking_text:
            raise ParseError(
                "scored ballots are not supported (ranked ballots only)",
                source=source,
                line=number,
                text=raw,
            )
        groups = ranking_text.split(">")
        if len(groups) > MAX_RANKINGS:
            raise ParseError(
                f"{len(groups):,} rankings are more than the limit of {MAX_RANKINGS:,}",
                source=source,
                line=number,
            )
        count = whole_count(count_text, source, number, "ballots")
        ranking = []
        for rank, group in enumerate(groups, start=1):
            names = [_token(part) for part in group.split("=")]
            if any(not name for name in names):
                raise ParseError("empty candidate name", source=source, line=number, text=raw)
            codes = tuple(builder.candidate(name, source, number) for name in names)
            ranking.append((rank, codes))
        builder.add(tuple(ranking), None, count, source, number)
