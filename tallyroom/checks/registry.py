"""The registry: every family of checks and every code they can report, and :func:`run_checks`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from tallyroom.checks import (
    arithmetic,
    classification,
    damaged,
    dates,
    formatting,
    identity,
    impossible,
    missing,
    outcomes,
    prose,
    reading,
)
from tallyroom.checks.context import CheckContext, make_context
from tallyroom.checks.types import (
    SEVERITIES,
    CheckCode,
    Family,
    Finding,
    Severity,
    severity_rank,
)
from tallyroom.model import Election

if TYPE_CHECKING:
    from tallyroom.rules.types import RulesSpec

__all__ = ["CHECKS", "CODES", "code_info", "finding_json", "findings_json", "run_checks"]

Check = Callable[[CheckContext], Iterator[Finding]]

#: Each severity's rank (:func:`severity_rank`), for sorting findings.
_RANKS = {severity: severity_rank(severity) for severity in SEVERITIES}

#: Each family's check, in the order findings are reported.
CHECKS: tuple[tuple[Family, Check], ...] = (
    ("arithmetic", arithmetic.check_arithmetic),
    ("damaged", damaged.check_damaged),
    ("missing", missing.check_missing),
    ("outcomes", outcomes.check_outcomes),
    ("outcomes", prose.check_prose),
    ("dates", dates.check_dates),
    ("classification", classification.check_classification),
    ("identity", identity.check_identity),
    ("impossible", impossible.check_impossible),
    ("formatting", formatting.check_formatting),
    ("reading", reading.check_reading),
)

#: Every code a check can report, by code.
CODES: dict[str, CheckCode] = {
    code.code: code
    for module in (
        arithmetic,
        damaged,
        missing,
        outcomes,
        prose,
        dates,
        classification,
        identity,
        impossible,
        formatting,
        reading,
    )
    for code in module.CODES
}


def code_info(code: str) -> CheckCode:
    return CODES[code]


def run_checks(
    election: Election,
    *,
    rules: RulesSpec | None = None,
    min_severity: Severity = "info",
    families: tuple[Family, ...] | None = None,
    context: CheckContext | None = None,
) -> tuple[Finding, ...]:
    """Every finding of every check on ``election``, ordered by line (unplaced ones last).

    ``rules`` decide the outcome checks; by default the rules the document declares, else those
    inferred from it. ``families`` limits the checks run. ``context``: the election's
    :func:`~tallyroom.checks.context.make_context`, when the caller made it (to read its totals
    too, or to give it the outcomes already derived).
    """
    if context is None:
        context = make_context(election, rules)
    elif context.election is not election or context.rules != rules:
        raise ValueError("the context is of another election or other rules")
    floor = severity_rank(min_severity)
    found: list[Finding] = []
    for family, check in CHECKS:
        if families is not None and family not in families:
            continue
        for finding in check(context):
            assert finding.code in CODES, f"unregistered check code {finding.code!r}"
            if not floor or severity_rank(finding.severity) >= floor:
                found.append(finding)
    if not found:
        return ()
    unique = list(dict.fromkeys(found))
    ranks = _RANKS
    unique.sort(key=lambda f: (f.line is None, f.line or 0, -ranks[f.severity]))
    return tuple(unique)


def finding_json(finding: Finding) -> dict[str, Any]:
    """A JSON-ready dict of one finding."""

    def value(item: object) -> object:
        return list(item) if isinstance(item, tuple) else item

    return {
        "code": finding.code,
        "severity": finding.severity,
        "family": CODES[finding.code].family,
        "file": finding.file,
        "line": finding.line,
        "field": finding.field,
        "message": finding.message,
        "evidence": {key: value(item) for key, item in finding.evidence.items()},
        "fix": finding.fix,
        "confidence": finding.confidence,
    }


def findings_json(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    return [finding_json(f) for f in findings]
