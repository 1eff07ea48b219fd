"""The order a precinct file's reporting units are listed in: natural (``Precinct 9`` before
``Precinct 10``), made with one text key per unit where that key sorts as the tuple key does."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tallyroom.formats.openelections import (
    _natural,
    _natural_text,
    _text_sortable,
    _Units,
    read_openelections,
)
from tallyroom.model import ReportingUnit

# runs of digits (with and without leading zeros, of other scripts too) and of other characters,
# the characters the text key marks runs with among them
_RUN = st.one_of(
    st.integers(0, 120).map(str),
    st.from_regex(r"0{1,2}[0-9]{0,2}", fullmatch=True),
    st.sampled_from(["\u0663", "\u0669\u0660", "1\u0663"]),
    st.text(alphabet=st.sampled_from(" -aAbz,\x00\x01\x02\x03"), min_size=1, max_size=3),
)
_TEXT = st.lists(_RUN, max_size=4).map("".join)


@given(st.lists(_TEXT, max_size=30))
@example(["0a", "00", "0", "a", "0 1", "00 1", "01"])  # a run of zeros that ends first
@example(["9", "10", "009", "9a", "a9", "a", "", "\u0669", "10\u0663"])
def test_the_text_key_sorts_as_the_tuple_key_does(texts: list[str]) -> None:
    sortable = [text for text in texts if _text_sortable(text)]
    assert sorted(sortable, key=_natural_text) == sorted(sortable, key=_natural)


def test_the_text_key_puts_numbers_in_their_order() -> None:
    names = ["Precinct 10", "Precinct 9", "Precinct 009", "Precinct 9a", "Precinct", "Ward 2"]
    assert sorted(names, key=_natural_text) == [
        "Precinct",
        "Precinct 009",
        "Precinct 9",
        "Precinct 9a",
        "Precinct 10",
        "Ward 2",
    ]


def _in_rank_order(units: _Units) -> list[str]:
    """The ids of the units known, in the order they are listed."""
    ranks = units._rank()
    return sorted(ranks, key=ranks.__getitem__)


def test_units_whose_ids_the_text_key_cannot_sort_are_sorted_by_the_tuple_key() -> None:
    units = _Units(ReportingUnit("root", "Somewhere", "city"), {})
    for precinct in ("10", "9", "2"):
        units.unit("", "", precinct)
    assert _in_rank_order(units) == ["root", "precinct-2", "precinct-9", "precinct-10"]
    assert units.natural is _natural_text
    units.unit("", "", "1\x01")  # a control character in a cell: the tuple key from here on
    assert units.natural is _natural
    assert _in_rank_order(units) == [
        "root",
        "precinct-1\x01",
        "precinct-2",
        "precinct-9",
        "precinct-10",
    ]


def test_a_number_longer_than_the_text_key_counts_sorts_by_the_tuple_key() -> None:
    units = _Units(ReportingUnit("root", "Somewhere", "city"), {})
    units.unit("", "", "10")
    assert units._rank() and units.natural is _natural_text
    units.unit("", "", "9" * 0x110000)  # more digits than one character can number
    assert units.natural is _natural
    ranked = _in_rank_order(units)
    assert ranked[:2] == ["root", "precinct-10"] and len(ranked) == 3


def test_a_root_the_text_key_cannot_sort_sorts_every_unit_by_the_tuple_key() -> None:
    units = _Units(ReportingUnit("root\x00", "Somewhere", "city"), {})
    assert units.natural is _natural
    units.unit("", "", "10")
    units.unit("", "", "9")
    assert _in_rank_order(units) == ["root\x00", "precinct-9", "precinct-10"]


def test_a_file_lists_its_precincts_in_natural_order() -> None:
    text = "county,precinct,office,district,party,candidate,votes\n" + "".join(
        f"Adams,{precinct},Mayor,,,Ann Lee,{votes}\n"
        for precinct, votes in (("10", 5), ("9", 4), ("1", 3), ("09", 2))
    )
    (election,) = read_openelections(text, "20241105__wi__general__precinct.csv").elections
    (stage,) = election.stages
    # a number's digits without leading zeros first, then its text: 09 before 1
    assert [unit.name for unit in stage.units if unit.kind == "precinct"] == [
        "Precinct 09",
        "Precinct 1",
        "Precinct 9",
        "Precinct 10",
    ]
