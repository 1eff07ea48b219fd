"""Rules files: the presets load; bad files fail naming file, line, key and what is allowed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from tallyroom.errors import ParseError, ValidationError
from tallyroom.rules import load_rules, parse_rules, preset_names
from tallyroom.rules.describe import describe_rules

EXPECTED_PRESETS = {
    "milwaukee",
    "portland-2004",
    "portland-2024",
    "baltimore",
    "plurality",
    "top-two",
    "majority-runoff",
    "partisan-primary",
}

GOOD = """\
title = "Test"
law = "A test charter"

[primary]
kind = "majority-runoff"
threshold_percent = 45.5
advance = 3

[general]
kind = "plurality"
seats = 2

[tie-break]
method = "lot"
order = ["B", "A"]
"""


def test_every_preset_loads_and_names_its_law() -> None:
    assert set(preset_names()) >= EXPECTED_PRESETS
    for name in preset_names():
        rules = load_rules(name)
        assert rules.name == name
        assert rules.law and rules.title
        assert rules.source == f"preset {name}"
        assert describe_rules(rules)[1].startswith("Law: ")


def test_preset_contents() -> None:
    milwaukee = load_rules("milwaukee")
    assert milwaukee.primary is not None and milwaukee.primary.kind == "top-two"
    assert milwaukee.general is not None and milwaukee.general.kind == "plurality"
    portland = load_rules("portland-2004")
    assert portland.primary is not None and portland.primary.threshold == Fraction(1, 2)
    assert load_rules("portland-2024").primary is None
    baltimore = load_rules("baltimore")
    assert baltimore.primary is not None and baltimore.primary.kind == "partisan-primary"


def test_a_rules_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "city.toml"
    path.write_text(GOOD, encoding="utf-8")
    rules = load_rules(path)
    assert rules.name == "city"
    assert rules.primary is not None
    assert rules.primary.threshold == Fraction(91, 200)
    assert rules.primary.advance == 3
    assert rules.general is not None and rules.general.seats == 2
    assert rules.tie_break.method == "lot" and rules.tie_break.order == ("B", "A")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("advance = 3", "advance = 3\ncolour = 1"),
            "city.toml:8: primary.colour: unknown key; allowed here: kind, threshold_percent, "
            "threshold_inclusive, advance",
        ),
        (
            ("threshold_percent = 45.5", "threshold_percent = 150"),
            "city.toml:6: primary.threshold_percent: must be more than 0 and less than 100 "
            "(percent), not 150",
        ),
        (
            ("threshold_percent = 45.5", 'threshold_percent = "half"'),
            "city.toml:6: primary.threshold_percent: must be a number of percent",
        ),
        (
            ("seats = 2", "seats = 0"),
            "city.toml:11: general.seats: must be a whole number of 1 or more, not 0",
        ),
        (
            ("seats = 2", "seats = true"),
            "city.toml:11: general.seats: must be a whole number of 1 or more, not True",
        ),
        (
            ('kind = "plurality"', 'kind = "top-two"'),
            "city.toml:10: general.kind: 'top-two' does not fit a general stage; allowed: "
            "plurality, majority-runoff, ranked-choice",
        ),
        (
            ('kind = "plurality"', 'kind = "partisan-primary"'),
            "general.kind: 'partisan-primary' does not fit a general stage",
        ),
        (
            ('kind = "majority-runoff"', 'kind = "approval"'),
            "city.toml:5: primary.kind: 'approval' does not fit a primary stage; allowed: "
            "plurality, top-two, majority-runoff, partisan-primary, ranked-choice",
        ),
        (("title = ", "name_of_it = "), "city.toml:1: name_of_it: unknown key; allowed here:"),
        (('law = "A test charter"\n', ""), "city.toml: law: missing; a string is required"),
        (('method = "lot"', 'method = "coin"'), "tie-break.method: 'coin' is not allowed"),
        (('method = "lot"', 'method = "random"'), "tie-break.seed: a random draw needs a seed"),
        (('order = ["B", "A"]', "order = []"), "tie-break.order: a lot needs the order drawn"),
        (('order = ["B", "A"]', 'order = ["B", "B"]'), "tie-break.order: names a candidate twice"),
        (("[general]", "[generals]"), "city.toml:9: generals: unknown key"),
    ],
)
def test_bad_rules_files_name_file_line_key_and_what_is_allowed(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GOOD
    path = tmp_path / "city.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(str(path.parent) + "/")
    assert expected in str(caught.value)


def test_a_file_that_is_not_toml_is_a_parse_error_with_its_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_rules('title = "x"\nlaw = \n', source="bad.toml")
    assert caught.value.source == "bad.toml" and caught.value.line == 2
    assert str(caught.value).startswith("bad.toml:2: not a valid TOML file:")


def test_a_file_without_stage_tables_is_refused() -> None:
    with pytest.raises(ValidationError, match="no \\[primary\\], \\[general\\] or \\[runoff\\]"):
        parse_rules('title = "x"\nlaw = "y"\n', source="empty.toml")


def test_an_unknown_name_lists_the_presets() -> None:
    with pytest.raises(ValidationError) as caught:
        load_rules("atlantis")
    assert str(caught.value).startswith("atlantis: no preset and no file of that name; presets")
    assert "milwaukee" in str(caught.value)
