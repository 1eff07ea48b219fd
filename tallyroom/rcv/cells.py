"""What a ballot file's cells may hold besides a candidate's own name: declared candidates with
their other spellings, and the labels of an overvote, a skipped rank or a write-in.

A light module (no numpy), so that a command line can describe a ballot file before the readers
are imported; :mod:`tallyroom.rcv.builder` reads cells with these.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CandidateSpec", "CellLabels"]


@dataclass(frozen=True, slots=True)
class CandidateSpec:
    """A declared candidate and the other spellings ballot files use for it."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CellLabels:
    """How a ballot file marks what is not a candidate (as offices configure their exports)."""

    overvote_label: str | None = None
    overvote_delimiter: str | None = None
    skipped_rank_label: str | None = None
    undeclared_write_in_label: str | None = None
    treat_blank_as_undeclared_write_in: bool = False
