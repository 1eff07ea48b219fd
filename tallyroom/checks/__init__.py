"""Checks: every arithmetic, consistency and formatting defect of an election, with its place,
its evidence and, where one can be inferred, the likely right figure.

    >>> from tallyroom.checks import run_checks
    >>> for finding in run_checks(election):
    ...     print(finding.line, finding.code, finding.message)

One module per family of checks (:mod:`~tallyroom.checks.arithmetic`,
:mod:`~tallyroom.checks.damaged`, :mod:`~tallyroom.checks.missing`,
:mod:`~tallyroom.checks.outcomes`, :mod:`~tallyroom.checks.dates`,
:mod:`~tallyroom.checks.classification`, :mod:`~tallyroom.checks.identity`,
:mod:`~tallyroom.checks.impossible`, :mod:`~tallyroom.checks.formatting`); every code is listed
in :data:`CODES` and documented in ``docs/checks.md``. Checks work on any
:class:`~tallyroom.model.Election`, whatever format it was read from; a check whose figures are
missing is skipped.
"""

from __future__ import annotations

from tallyroom.checks.registry import CHECKS, CODES, finding_json, findings_json, run_checks
from tallyroom.checks.types import (
    FAMILIES,
    SEVERITIES,
    CheckCode,
    Confidence,
    Family,
    Finding,
    Severity,
)

__all__ = [
    "CHECKS",
    "CODES",
    "FAMILIES",
    "SEVERITIES",
    "CheckCode",
    "Confidence",
    "Family",
    "Finding",
    "Severity",
    "finding_json",
    "findings_json",
    "run_checks",
]
