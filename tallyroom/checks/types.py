"""The types of the checks: a :class:`Finding` and the :class:`CheckCode` it is an instance of.

A check never answers yes or no. It yields findings, each with a stable code (documented in
``docs/checks.md``), a severity, the place (file, line, field), a sentence for people, the figures
compared, and where one can be inferred, a suggested fix with how sure we are of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from tallyroom.model import Election, builder

__all__ = [
    "FAMILIES",
    "SEVERITIES",
    "CheckCode",
    "Confidence",
    "EvidenceValue",
    "Family",
    "Finding",
    "Severity",
    "severity_rank",
]

#: error: the data cannot be right. warning: probably wrong. info: worth knowing.
Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

#: How sure we are that the finding (and its fix) is right.
Confidence = Literal["high", "medium", "low"]

Family = Literal[
    "arithmetic",
    "damaged",
    "missing",
    "outcomes",
    "dates",
    "classification",
    "identity",
    "impossible",
    "formatting",
    "reading",
]
FAMILIES: tuple[Family, ...] = get_args(Family)

#: A figure compared: votes are ``int``; percentages and dates are strings ("53.45", "2004-11-02").
EvidenceValue = int | str | bool | None | tuple[int | str, ...]


#: Each severity's place in :data:`SEVERITIES` (looked up for every finding a check makes).
_RANKS: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def severity_rank(severity: Severity) -> int:
    rank = _RANKS.get(severity)
    if rank is None:
        raise ValueError(f"unknown severity {severity!r}")
    return rank


@dataclass(frozen=True, slots=True)
class Finding:
    """One defect (or noteworthy fact) found in an election, with its place and evidence."""

    code: str
    severity: Severity
    file: str | None
    line: int | None
    field: str | None
    message: str
    evidence: Mapping[str, EvidenceValue] = dataclasses.field(default_factory=dict, hash=False)
    fix: str | None = None
    confidence: Confidence = "high"

    def __post_init__(self) -> None:
        # A read-only view: a finding is a record, its evidence cannot change after the fact.
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))


@dataclass(frozen=True, slots=True)
class CheckCode:
    """A kind of finding: its stable code, family, severity and a one-line title."""

    code: str
    family: Family
    severity: Severity
    title: str

    def found(
        self,
        election: Election,
        line: int | None,
        field: str | None,
        message: str,
        evidence: Mapping[str, EvidenceValue] | None = None,
        fix: str | None = None,
        confidence: Confidence = "high",
    ) -> Finding:
        """A finding of this code in ``election``."""
        # By the model's builder, not the dataclass's __init__: a finding is made for every row
        # of some elections (a nonpartisan one with party labels).
        return _new_finding(
            self.code,
            self.severity,
            election.source,
            line,
            field,
            message,
            evidence or {},
            fix,
            confidence,
        )


_new_finding = builder(Finding)
