"""``check_storable`` on a stage of many unit figures: the cells are checked a column at a time
and walked one by one only when something is wrong, so the error must be the one the walk in
row order gives, whichever problems the stage has and wherever they are."""

from __future__ import annotations

import pytest

from tallyroom.errors import ValidationError
from tallyroom.limits import MAX_NAME_CHARS, MAX_SHORT_CHARS, check_storable
from tallyroom.model import Election, ReportingUnit, Stage, UnitResult

ROWS = 5000
LONG_NAME = "N" * (MAX_NAME_CHARS + 1)
LONG_TYPE = "t" * (MAX_SHORT_CHARS + 1)


def _cells() -> list[UnitResult]:
    return [
        UnitResult(
            f"p{n // 20}", f"Candidate {n % 5}", n, ("total", "early", "mail", "day")[n // 5 % 4]
        )
        for n in range(ROWS)
    ]


def _election(cells: list[UnitResult]) -> Election:
    units = tuple(ReportingUnit(f"p{n}", f"Precinct {n}", "precinct") for n in range(ROWS // 20))
    return Election("Mayor", stages=(Stage("general", units=units, unit_results=tuple(cells)),))


def _first_problem(cells: list[UnitResult]) -> str | None:
    """What the walk in row order finds first (the key of the message), or None."""
    seen: set[tuple[str, str, str]] = set()
    for cell in cells:
        key = (cell.unit, cell.candidate, cell.vote_type)
        if key in seen:
            return f"two figures for {cell.candidate!r} in reporting unit {cell.unit!r}"
        seen.add(key)
        if len(cell.candidate) > MAX_NAME_CHARS:
            return f"a candidate's name is {len(cell.candidate):,} characters long"
        if len(cell.vote_type) > MAX_SHORT_CHARS:
            return "vote type"
    return None


def test_many_plain_cells_pass() -> None:
    check_storable(_election(_cells()), "returns.csv")


def _again(cells: list[UnitResult], at: int) -> None:
    cells[at] = cells[at - 7]


def _long_name(cells: list[UnitResult], at: int) -> None:
    cells[at] = UnitResult(cells[at].unit, LONG_NAME, 1)


def _long_type(cells: list[UnitResult], at: int) -> None:
    cells[at] = UnitResult(cells[at].unit, "Ada", 1, LONG_TYPE)


@pytest.mark.parametrize(
    "problems",
    [
        ((_again, 4000),),
        ((_long_name, 4999),),
        ((_long_type, 10),),
        ((_again, 100), (_long_name, 3000)),
        ((_again, 3000), (_long_name, 100)),
        ((_long_type, 2500), (_again, 2400), (_long_name, 2600)),
        ((_long_name, 4000), (_long_type, 3999)),
    ],
)
def test_the_first_problem_in_row_order_is_the_one_reported(problems: tuple) -> None:  # type: ignore[type-arg]
    cells = _cells()
    for make, at in problems:
        make(cells, at)
    expected = _first_problem(cells)
    assert expected is not None
    with pytest.raises(ValidationError) as raised:
        check_storable(_election(cells), "returns.csv")
    assert expected in str(raised.value)
    assert str(raised.value).startswith("returns.csv")
