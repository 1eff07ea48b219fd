"""Rules files refused for one wrong value each, rules described in words, shares written out."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from tallyroom.errors import ParseError, ValidationError
from tallyroom.rules import load_rules, parse_rules
from tallyroom.rules.describe import describe_rules
from tallyroom.rules.wording import (
    names_text,
    percent_text,
    ratio_percent_text,
    share_text,
    threshold_text,
)

BASE = """\
title = "Test"
law = "A test charter"

[general]
kind = "plurality"
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("description = 7\n", "city.toml:1: description: must be a non-empty string, not 7"),
        ('description = "  "\n', "description: must be a non-empty string, not '  '"),
        ('primary = "top-two"\n', "city.toml:1: primary: must be a table, e.g. [primary]"),
        ('tie-break = "lot"\n', "city.toml:1: tie-break: must be a table: [tie-break]"),
        (
            '[runoff]\nkind = "plurality"\nthreshold_inclusive = "yes"\n',
            "runoff.threshold_inclusive: unknown key",
        ),
        ('[tie-break]\nmethod = "lot"\norder = "B, A"\n', "tie-break.order: must be a list"),
        ('[tie-break]\nmethod = "lot"\norder = ["B", ""]\n', "tie-break.order: must be a list"),
        (
            '[tie-break]\nmethod = "random"\nseed = "seven"\n',
            "tie-break.seed: must be a whole number, not 'seven'",
        ),
        (
            '[tie-break]\nmethod = "lot"\norder = ["B", "A"]\nseed = 3\n',
            "tie-break.seed: only a random draw takes a seed",
        ),
        (
            '[tie-break]\nmethod = "random"\norder = ["B", "A"]\nseed = 3\n',
            "tie-break.order: only a lot takes an order",
        ),
        ("[tie-break]\nseed = 3\n", "tie-break.method: set to 'lot' or 'random'"),
        ('[tie-break]\ncolour = "red"\n', "tie-break.colour: unknown key"),
    ],
)
def test_a_wrong_value_is_refused_with_its_key(tmp_path: Path, extra: str, expected: str) -> None:
    path = tmp_path / "city.toml"
    text = extra + BASE if not extra.startswith("[") else BASE + "\n" + extra
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_rules(path)
    assert expected in str(caught.value)


def test_the_line_of_a_key_inside_a_table_is_reported() -> None:
    text = BASE + '\n[primary]\nkind = "majority-runoff"\nthreshold_inclusive = "yes"\n'
    with pytest.raises(ValidationError) as caught:
        parse_rules(text, source="city.toml")
    assert str(caught.value) == ("city.toml:9: primary.threshold_inclusive: must be true or false")
    assert caught.value.line == 9


def test_a_rules_file_that_is_not_utf8_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(BASE.replace("Test", "T\xe9st").encode("latin-1"))
    with pytest.raises(ParseError, match=r"latin\.toml: cannot read the rules file"):
        load_rules(path)


def test_a_changed_rules_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "city.toml"
    path.write_text(BASE, encoding="utf-8")
    assert load_rules(path).title == "Test"
    path.write_text(BASE.replace('"Test"', '"Test, amended 2024"'), encoding="utf-8")
    assert load_rules(path).title == "Test, amended 2024"


def test_rules_described_in_words() -> None:
    text = (
        'name = "city"\ntitle = "City charter"\nlaw = "Charter s. 3"\n'
        'description = "Two rounds."\n\n'
        '[primary]\nkind = "partisan-primary"\nseats = 2\n\n'
        '[general]\nkind = "ranked-choice"\nseats = 3\n\n'
        '[runoff]\nkind = "plurality"\n\n'
        '[tie-break]\nmethod = "random"\nseed = 42\n'
    )
    lines = describe_rules(parse_rules(text, source="city.toml"))
    assert lines[0] == "city: City charter"
    assert lines[1] == "Law: Charter s. 3"
    assert lines[2] == "Two rounds."
    assert "2 candidates with the most votes" in lines[3]
    assert lines[4].startswith("General election: Ranked-choice count for 3 seats")
    assert lines[5].startswith("Runoff")
    assert lines[6] == "Ties: broken by a random draw with seed 42, recorded."
    assert lines[-1] == "Source: city.toml"
    lot = describe_rules(
        parse_rules(BASE + '\n[tie-break]\nmethod = "lot"\norder = ["Bo", "Ann", "Cy"]\n')
    )
    assert lot[-1] == "Ties: broken by the lot drawn, in this order: Bo, Ann and Cy."
    assert lot[2].startswith("General election")


def test_one_seat_ranked_choice_in_words() -> None:
    lines = describe_rules(load_rules("ranked-choice"))
    assert any("Ranked-choice count for one seat" in line for line in lines)
    assert lines[-2] == "Ties: not broken; an outcome-changing tie is reported as tied."
    assert lines[-1] == "Source: preset ranked-choice"


@pytest.mark.parametrize(
    ("numerator", "denominator", "places", "expected"),
    [
        (1, 3, 1, "33.3%"),
        (2, 3, 0, "67%"),
        (1, 8, 2, "12.50%"),
        (1, 800, 2, "0.13%"),
        (-1, 3, 1, "-33.3%"),
        (-1, 100000, 1, "0.0%"),
    ],
)
def test_ratio_percent_rounds_half_up(
    numerator: int, denominator: int, places: int, expected: str
) -> None:
    assert ratio_percent_text(numerator, denominator, places) == expected
    assert percent_text(Fraction(numerator, denominator), places) == expected


def test_thresholds_and_shares_carry_just_enough_decimals() -> None:
    assert threshold_text(Fraction(1, 2)) == "50%"
    assert threshold_text(Fraction(91, 200)) == "45.5%"
    assert threshold_text(Fraction(1, 3)) == "33.33333333%"
    assert share_text(Fraction(1, 2)) == "50.0%"
    assert share_text(Fraction(1, 2), Fraction(1, 2)) == "50.0%"
    assert share_text(Fraction(4999, 10000), Fraction(1, 2)) == "49.99%"
    # Past seven decimals the share is written with eight, even if it then looks equal.
    assert share_text(Fraction(1, 2) - Fraction(1, 10**12), Fraction(1, 2)) == "50.00000000%"
    assert names_text([]) == "no one"
    assert names_text(["Ann"]) == "Ann"
    assert names_text(["Ann", "Bo"]) == "Ann and Bo"
