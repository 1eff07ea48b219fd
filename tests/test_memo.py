"""Work done once per shared object (``tallyroom.memo``), and the readers sharing their tuples
of reporting units between contests so that it is."""

from __future__ import annotations

import dataclasses

import pytest

from tallyroom.errors import ValidationError
from tallyroom.formats.openelections import read_openelections
from tallyroom.limits import check_storable
from tallyroom.memo import ByIdentity
from tallyroom.model import Election, ReportingUnit
from tallyroom.store.codec import fingerprint
from tallyroom.store.rows import unit_list


def test_a_value_is_made_once_per_object_not_per_equal_value() -> None:
    made: list[tuple[int, ...]] = []

    def make(value: tuple[int, ...]) -> int:
        made.append(value)
        return sum(value)

    cache: ByIdentity[tuple[int, ...], int] = ByIdentity(make, 100, lambda value, _: len(value))
    one = tuple(range(10))
    other = tuple(range(10))  # equal, another object
    assert one == other and one is not other
    assert [cache(one), cache(one), cache(other), cache(one)] == [45, 45, 45, 45]
    assert [m is one for m in made] == [True, False]


def test_the_cache_starts_again_past_its_budget_and_keeps_what_it_knows_alive() -> None:
    calls = 0

    def make(value: tuple[int, ...]) -> int:
        nonlocal calls
        calls += 1
        return len(value)

    cache: ByIdentity[tuple[int, ...], int] = ByIdentity(make, 10, lambda value, _: len(value))
    first, second = tuple(range(6)), tuple(range(6, 12))
    cache(first)
    cache(second)  # 12 > 10: the first is let go
    cache(second)
    assert calls == 2
    cache(first)
    assert calls == 3
    # an object is held while kept: a new object cannot take its id and get its value
    made = [cache(tuple([n] * 3)) for n in range(50)]
    assert made == [3] * 50 and calls == 53


CSV = "county,precinct,office,district,party,candidate,votes\n"


def _file(precincts: int) -> str:
    """Two contests over the same precincts of one county, a third over one of another."""
    rows = [CSV.rstrip("\n")]
    for n in range(precincts):
        for office, names in (("Mayor", ("Ann Lee", "Bo Ray")), ("Council", ("Cy Hu", "Di Ng"))):
            for k, name in enumerate(names):
                rows.append(f"Marion,Precinct {n},{office},,,{name},{n + k}")
    rows += ["Cass,Precinct 1,Sheriff,,,Ed Fox,5", "Cass,Precinct 1,Sheriff,,,Flo Day,3"]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("columnar", [False, True], ids=["rows", "columns"])
@pytest.mark.parametrize("precincts", [3, 200], ids=["few", "many"])
def test_contests_of_the_same_units_share_one_tuple(columnar: bool, precincts: int) -> None:
    loaded = read_openelections(
        _file(precincts), "20241105__in__general__precinct.csv", columnar=columnar
    )
    by_office = {e.office: e for e in loaded.elections}
    mayor, council, sheriff = (
        by_office[o].stages[0].units for o in ("Mayor", "Council", "Sheriff")
    )
    assert len(mayor) == precincts + 2  # the city (the root), the county, its precincts
    assert mayor is council
    assert sheriff is not mayor and sheriff != mayor


def _units_copied(election: Election) -> Election:
    """``election`` with each stage's units an equal tuple of equal units, none shared."""
    stages = tuple(
        dataclasses.replace(s, units=tuple(ReportingUnit(*dataclasses.astuple(u)) for u in s.units))
        for s in election.stages
    )
    return dataclasses.replace(election, stages=stages)


def test_what_is_made_of_shared_units_is_what_equal_units_give() -> None:
    loaded = read_openelections(_file(200), "20241105__in__general__precinct.csv", columnar=True)
    for election in loaded.elections:
        copied = _units_copied(election)
        assert copied.stages[0].units is not election.stages[0].units
        assert fingerprint(copied) == fingerprint(election)
        assert unit_list(copied.stages[0].units) == unit_list(election.stages[0].units)
        check_storable(election, "shared")
        check_storable(copied, "copied")


def test_a_unit_listed_twice_is_refused_however_often_its_tuple_was_checked() -> None:
    loaded = read_openelections(_file(3), "20241105__in__general__precinct.csv", columnar=False)
    election = loaded.elections[0]
    stage = election.stages[0]
    check_storable(election, "f.csv")  # the shared tuple found plain, and kept so
    twice = dataclasses.replace(stage, units=(*stage.units, stage.units[-1]))
    with pytest.raises(ValidationError, match="twice"):
        check_storable(dataclasses.replace(election, stages=(twice,)), "f.csv")
