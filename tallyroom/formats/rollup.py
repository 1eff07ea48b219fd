"""Roll-up of reporting-unit rows to their parents (precinct → ward → city), as a checked operation.

:func:`unit_totals` sums the leaf rows of a stage up the parent chain; :func:`root_totals` gives
the whole stage's sums alone. :func:`check_rollup` returns every problem found, each a
:class:`RollupProblem` with the same shape as the checks' findings (``code``, ``severity``,
``place``, ``message``, ``fix``), so the checks can surface them:

- ``rollup.duplicate-row`` (error): the same unit, candidate and count type given twice — a
  precinct counted twice;
- ``rollup.unit-total-mismatch`` (error): a unit's own rows (a county's total row beside its
  precincts' rows) differ from the sum of the rows under it. Such totals are kept, never added:
  the roll-up counts the lowest rows only;
- ``rollup.unknown-parent`` (error): a unit names a parent that is not among the stage's units;
- ``rollup.total-mismatch`` (error): the stage's result for a candidate is not the sum of its
  units' rows;
- ``rollup.ballots-below-votes`` (warning): a unit's ballots cast are fewer than the votes
  (candidates, over and under votes) of the contest there. A warning, since real returns have
  small gaps.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Literal

from tallyroom.formats.conversion import BALLOTS_CAST, REGISTERED_VOTERS, WRITE_INS
from tallyroom.model import ReportingUnit, Stage, UnitResults, UnitRows, unit_columns

__all__ = [
    "RollupProblem",
    "Severity",
    "check_rollup",
    "children_of",
    "leaf_units",
    "root_totals",
    "unit_totals",
]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class RollupProblem:
    code: str
    severity: Severity
    place: str
    message: str
    fix: str | None = None


def children_of(units: tuple[ReportingUnit, ...]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        if unit.parent is not None:
            children[unit.parent].append(unit.id)
    return children


def leaf_units(stage: Stage) -> set[str]:
    """Units that have rows while no unit under them has any."""
    rows = stage.unit_results
    if isinstance(rows, UnitResults):
        from tallyroom.unit_arrays import units_with_figures  # numpy: only for figures

        with_rows = set(units_with_figures(rows))
    else:
        with_rows = {row.unit for row in rows}
    parents = {u.id: u.parent for u in stage.units}
    covered: set[str] = set()
    for unit in with_rows:
        seen: set[str] = set()
        parent = parents.get(unit)
        while parent is not None and parent not in seen:
            seen.add(parent)
            covered.add(parent)
            parent = parents.get(parent)
    return with_rows - covered


def unit_totals(stage: Stage, vote_type: str = "total") -> dict[str, dict[str, int]]:
    """Unit id → row name → votes: each leaf row added to the unit and all its ancestors.

    The rows are summed per unit first (see :func:`_unit_sums`), then each unit's sums go up its
    parent chain once, so the work is one step per row plus one per unit and level."""
    parents = {u.id: u.parent for u in stage.units}
    own = _unit_sums(stage.unit_results, vote_type, leaf_units(stage), True)
    totals: dict[str, dict[str, int]] = {}
    for leaf, sums in own.items():
        unit: str | None = leaf
        seen: set[str] = set()
        while unit is not None and unit not in seen:
            seen.add(unit)
            target = totals.get(unit)
            if target is None:
                totals[unit] = dict(sums)
            else:
                for name, votes in sums.items():
                    target[name] = target.get(name, 0) + votes
            unit = parents.get(unit)
    return totals


def _unit_sums(
    rows: UnitRows, vote_type: str, units: set[str], within: bool
) -> dict[str, dict[str, int]]:
    """Unit → row name → the votes of ``rows`` of ``vote_type`` for a unit in ``units``
    (``within``) or not in them: units in the order their first such row comes, names in the
    order they first come for the unit. Figures held as columns are summed by numpy."""
    if isinstance(rows, UnitResults) and rows:
        from tallyroom.unit_arrays import chosen, unit_candidate_sums

        found = unit_candidate_sums(rows, chosen(rows, vote_type, units, within))
        if found is not None:
            return found
    own: dict[str, dict[str, int]] = {}
    for unit_id, candidate, votes, of_type in zip(*unit_columns(rows), strict=True):
        if of_type != vote_type or (unit_id in units) != within:
            continue
        sums = own.get(unit_id)
        if sums is None:
            sums = own[unit_id] = {}
        sums[candidate] = sums.get(candidate, 0) + votes
    return own


#: :func:`root_totals` reads this many unit figures at a time.
_CHUNK = 65536


def root_totals(stage: Stage, vote_type: str = "total") -> dict[str, int]:
    """Row name → votes of the whole stage: the sum of its leaf rows, which is what
    :func:`unit_totals` gives the root of a stage whose units all lie under one root, in one
    pass over the rows (by numpy for figures held as columns)."""
    leaves = leaf_units(stage)
    rows = stage.unit_results
    if isinstance(rows, UnitResults) and rows:
        from tallyroom.unit_arrays import candidate_sums, chosen

        found = candidate_sums(rows, chosen(rows, vote_type, leaves, True))
        if found is not None:
            return found
    totals: dict[str, int] = {}
    for start in range(0, len(rows), _CHUNK):  # a chunk at a time: no column made whole
        columns = unit_columns(rows, start, start + _CHUNK)
        for unit, candidate, votes, of_type in zip(*columns, strict=True):
            if of_type == vote_type and unit in leaves:
                totals[candidate] = totals.get(candidate, 0) + votes
    return totals


def _repeated_rows(rows: UnitRows) -> list[tuple[tuple[str, str, str], int]]:
    """Each (unit, candidate, vote type) of ``rows`` given more than once and how many times, in
    the order each first comes (figures held as columns told apart by numpy)."""
    if isinstance(rows, UnitResults) and rows:
        from tallyroom.unit_arrays import repeated_figures

        found = repeated_figures(rows)
        if found is not None:
            return [((rows[i].unit, rows[i].candidate, rows[i].vote_type), n) for i, n in found]
    columns = unit_columns(rows)
    keys = Counter(zip(columns[0], columns[1], columns[3], strict=True))
    return [(key, n) for key, n in keys.items() if n > 1]


def _name(units: dict[str, ReportingUnit], unit: str) -> str:
    found = units.get(unit)
    return found.name if found else unit


def check_rollup(stage: Stage, where: str = "") -> tuple[RollupProblem, ...]:
    """Every roll-up problem of ``stage``; ``where`` prefixes each place (e.g. the election)."""
    prefix = f"{where}, {stage.label()}" if where else stage.label()
    units = {u.id: u for u in stage.units}
    problems: list[RollupProblem] = []
    for (unit, candidate, vote_type), n in _repeated_rows(stage.unit_results):
        problems.append(
            RollupProblem(
                "rollup.duplicate-row",
                "error",
                f"{prefix}, {_name(units, unit)}",
                f"{candidate} ({vote_type}) is given {n} times for {_name(units, unit)}",
                "remove the repeated rows",
            )
        )
    for item in units.values():
        if item.parent is not None and item.parent not in units:
            problems.append(
                RollupProblem(
                    "rollup.unknown-parent",
                    "error",
                    f"{prefix}, {item.name}",
                    f"{item.name} names parent {item.parent!r}, which is not a unit of the stage",
                )
            )
    totals = unit_totals(stage)
    own = _unit_sums(stage.unit_results, "total", leaf_units(stage), False)
    for unit, stated in sorted(own.items()):
        below = totals.get(unit, {})
        differ = [name for name, votes in stated.items() if below.get(name, 0) != votes]
        if differ:
            shown = ", ".join(
                f"{name} {stated[name]:,} (units under it: {below.get(name, 0):,})"
                for name in differ[:5]
            )
            problems.append(
                RollupProblem(
                    "rollup.unit-total-mismatch",
                    "error",
                    f"{prefix}, {_name(units, unit)}",
                    f"{_name(units, unit)}'s own total differs from the sum of the units under "
                    f"it: {shown}",
                    "correct the total row or the rows under it",
                )
            )
    roots = [u.id for u in stage.units if u.parent is None]
    if len(roots) == 1 and roots[0] in totals:
        rolled = totals[roots[0]]
        for row in stage.results:
            if row.votes is not None and row.name in rolled and rolled[row.name] != row.votes:
                problems.append(
                    RollupProblem(
                        "rollup.total-mismatch",
                        "error",
                        f"{prefix}, {row.name}",
                        f"{row.name} has {row.votes:,} votes but the units' rows sum to "
                        f"{rolled[row.name]:,}",
                    )
                )
    for unit, rows in sorted(totals.items()):
        ballots = rows.get(BALLOTS_CAST)
        if ballots is None:
            continue
        votes = sum(
            v
            for name, v in rows.items()
            if name not in (BALLOTS_CAST, REGISTERED_VOTERS, WRITE_INS)
        )
        if ballots < votes:
            problems.append(
                RollupProblem(
                    "rollup.ballots-below-votes",
                    "warning",
                    f"{prefix}, {_name(units, unit)}",
                    f"{ballots:,} ballots cast but {votes:,} votes in the contest "
                    f"({votes - ballots:,} more votes than ballots)",
                )
            )
    return tuple(problems)
