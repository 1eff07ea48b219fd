"""Collect ballots from any reader into a :class:`BallotSet`: names, aliases, labels, grouping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tallyroom.errors import ValidationError
from tallyroom.rcv.cells import CandidateSpec, CellLabels
from tallyroom.rcv.rank_table import rank_table_of
from tallyroom.rcv.types import OVERVOTE, UNDECLARED_WRITE_INS, BallotSet, Ranking, RankTable

__all__ = ["BallotBuilder"]


@dataclass(frozen=True, slots=True)
class _Bulk:
    rankings: list[Ranking]
    precincts: list[str | None]
    counts: list[int]
    lines: list[int]
    table: tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]


class BallotBuilder:
    """Accumulates rankings; identical (ranking, precinct) pairs are grouped with a count.

    With declared candidates, a name that is neither declared nor an alias is an error unless
    ``unknown_as_write_in`` pools it into the undeclared write-ins. Without declared candidates,
    names are taken from the ballots in the order first seen.
    """

    def __init__(
        self,
        candidates: Sequence[CandidateSpec] = (),
        *,
        unknown_as_write_in: bool = False,
        write_ins_declared: bool = False,
        keep_ballots: bool = False,
    ) -> None:
        self.trace: list[tuple[int, int]] | None = [] if keep_ballots else None
        """With ``keep_ballots``: (source, group) of every ballot, in the order read."""
        self.spellings: dict[tuple[str, int], str] = {}
        """With ``keep_ballots``: how each source first spelt each candidate (an alias)."""
        self.declared = bool(candidates)
        self.unknown_as_write_in = unknown_as_write_in
        self.names: list[str] = []
        self.codes: dict[str, int] = {}
        for spec in candidates:
            if spec.name in self.codes:
                raise ValidationError(f"candidate {spec.name!r} is declared twice")
            code = len(self.names)
            self.names.append(spec.name)
            self.codes[spec.name] = code
            for alias in spec.aliases:
                if alias in self.codes and self.codes[alias] != code:
                    raise ValidationError(f"alias {alias!r} names two candidates")
                self.codes[alias] = code
        self.uwi: int | None = None
        if write_ins_declared:
            self.write_in_code()
        self.groups: dict[tuple[Ranking, str | None], list[int]] = {}
        self.order: list[tuple[Ranking, str | None]] = []
        self.first_source: str | None = None
        self.sources: list[str] = []
        self.rank_columns: int | None = None
        self.bulk: _Bulk | None = None
        """Groups added at once by :meth:`add_groups` (kept as lists until another add)."""

    def write_in_code(self) -> int:
        if self.uwi is None:
            self.uwi = len(self.names)
            self.names.append(UNDECLARED_WRITE_INS)
        return self.uwi

    def candidate(self, name: str, source: str, line: int | None) -> int:
        code = self.codes.get(name)
        if code is not None:
            if self.trace is not None:
                self.spellings.setdefault((source, code), name)
            return code
        if name == UNDECLARED_WRITE_INS:
            return self.write_in_code()
        if not self.declared:
            code = len(self.names)
            self.names.append(name)
            self.codes[name] = code
            return code
        if self.unknown_as_write_in:
            code = self.write_in_code()
            self.codes[name] = code
            return code
        raise ValidationError(
            f"unknown candidate {name!r} (not declared, no alias matches)", source=source, line=line
        )

    def cell(self, text: str, labels: CellLabels, source: str, line: int | None) -> tuple[int, ...]:
        """Candidate codes of one rank cell: ``()`` for a skipped rank, several for an overvote."""
        value = text.strip()
        if not value:
            if labels.treat_blank_as_undeclared_write_in:
                return (self.write_in_code(),)
            return ()
        if labels.skipped_rank_label is not None and value == labels.skipped_rank_label:
            return ()
        if labels.overvote_label is not None and value == labels.overvote_label:
            return (OVERVOTE,)
        if (
            labels.undeclared_write_in_label is not None
            and value == labels.undeclared_write_in_label
        ):
            return (self.write_in_code(),)
        if labels.overvote_delimiter and labels.overvote_delimiter in value:
            parts = [p.strip() for p in value.split(labels.overvote_delimiter)]
            return tuple(self.cell(p, labels, source, line)[0] for p in parts if p)
        return (self.candidate(value, source, line),)

    def add_groups(
        self,
        rankings: list[Ranking],
        precincts: list[str | None],
        counts: list[int],
        lines: list[int],
        table: tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]],
        source: str,
    ) -> None:
        """Distinct groups (no two with the same ranking and precinct), with their dense codes."""
        if self.groups or self.bulk is not None:
            for ranking, precinct, count, line in zip(
                rankings, precincts, counts, lines, strict=True
            ):
                self.add(ranking, precinct, count, source, line)
            return
        self.bulk = _Bulk(rankings, precincts, counts, lines, table)
        if source not in self.sources:
            self.sources.append(source)

    def add(
        self, ranking: Ranking, precinct: str | None, count: int, source: str, line: int
    ) -> None:
        if self.bulk is not None:
            bulk, self.bulk = self.bulk, None
            keys = list(zip(bulk.rankings, bulk.precincts, strict=True))
            self.groups = {
                key: [count, line, 0, index]
                for index, (key, count, line) in enumerate(
                    zip(keys, bulk.counts, bulk.lines, strict=True)
                )
            }
            self.order = keys
        key = (ranking, precinct)
        entry = self.groups.get(key)
        if entry is None:
            entry = self.groups[key] = [count, line, len(self.sources), len(self.order)]
            self.order.append(key)
        else:
            entry[0] += count
        if source not in self.sources:
            self.sources.append(source)
        if self.trace is not None:
            where = self.sources.index(source)
            self.trace.extend([(where, entry[3])] * count)

    def build(self) -> BallotSet:
        source = self.sources[0] if len(self.sources) == 1 else ", ".join(self.sources) or None
        if self.bulk is not None:
            rankings = tuple(self.bulk.rankings)
            counts = tuple(self.bulk.counts)
            precincts = tuple(self.bulk.precincts)
            rows = tuple(self.bulk.lines)
            table = RankTable(*self.bulk.table, np.asarray(counts, dtype=np.int64))
        else:
            rankings = tuple(key[0] for key in self.order)
            counts = tuple(self.groups[key][0] for key in self.order)
            precincts = tuple(key[1] for key in self.order)
            rows = tuple(self.groups[key][1] for key in self.order)
            table = rank_table_of(rankings, counts)
        return BallotSet(
            candidates=tuple(self.names),
            rankings=rankings,
            counts=counts,
            precincts=precincts if precincts.count(None) < len(precincts) else (),
            rows=rows if len(self.sources) <= 1 else (),
            source=source,
            rank_columns=self.rank_columns,
            table=table,
            ballots=tuple(self.trace) if self.trace is not None and self.bulk is None else (),
            ballot_files=tuple(self.sources) if self.trace is not None else (),
            spellings=tuple(
                (self.sources.index(where), code, name)
                for (where, code), name in self.spellings.items()
                if where in self.sources
            ),
        )


def ranking_from_cells(cells: Sequence[tuple[int, ...]]) -> Ranking:
    """A ranking from rank cells in order (cell ``i`` is rank ``i + 1``)."""
    return tuple((rank, codes) for rank, codes in enumerate(cells, start=1) if codes)
