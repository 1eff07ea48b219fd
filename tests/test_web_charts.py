"""The SVG charts: contrast, proportions, text alternatives, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from tallyroom.views.colours import (
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    NEUTRAL,
    PARTY_COLOURS,
    party_colour,
)
from tallyroom.web.charts import (
    BACKGROUND,
    INACTIVE,
    INK,
    MUTED,
    PALETTE,
    Bar,
    RoundBar,
    SeriesPoint,
    bar_chart,
    contrast_ratio,
    rounds_chart,
    series_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def test_contrast_ratio_of_known_pairs() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("colour", [INK, MUTED])
def test_chart_text_meets_wcag_aa_on_white(colour: str) -> None:
    assert contrast_ratio(colour, BACKGROUND) >= 4.5


@pytest.mark.parametrize("colour", [*PALETTE, *PARTY_COLOURS.values(), NEUTRAL, INACTIVE])
def test_bar_colours_stand_out_on_the_light_and_the_dark_page(colour: str) -> None:
    """WCAG 2.1 1.4.11: graphical objects at least 3:1 against what is next to them."""
    assert contrast_ratio(colour, LIGHT_BACKGROUND) >= 3
    assert contrast_ratio(colour, DARK_BACKGROUND) >= 3


def test_colours_follow_the_party_not_the_row() -> None:
    assert party_colour("Democratic") == party_colour("Democratic Party") == "#0072B2"
    assert party_colour("Republican") == "#D55E00"
    assert party_colour(None) == party_colour("Nonpartisan") == party_colour("Whig") == NEUTRAL
    svg = bar_chart("t", "Votes", [Bar("R", 7356, None, party_colour("Republican")),
                                   Bar("D", 4792, None, party_colour("Democratic"))])  # fmt: skip
    fills = [
        r.get("fill") for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("height") == "18"
    ]
    assert fills == ["#D55E00", "#0072B2"]


def test_bar_lengths_are_proportional_to_votes() -> None:
    svg = bar_chart("t", "Votes", [Bar("A", 300, "60.00"), Bar("B", 150, "30.00"),
                                   Bar("C", None, None), Bar("D", 50, "10.00")])  # fmt: skip
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "A: 300 votes (60.00%)" in desc.text and "C: votes unknown" in desc.text
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect") if r.get("fill") == NEUTRAL]
    assert len(widths) == 3  # no bar for unknown votes
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.1)
    assert widths[0] == pytest.approx(6 * widths[2], abs=0.6)  # 0.1 px rounding, times 6


def test_names_are_escaped() -> None:
    svg = bar_chart("t", "<b>", [Bar('Ann "A&B" <Smith>', 10, "100.00")])
    ET.fromstring(svg)  # well-formed
    assert "<Smith>" not in svg


def test_rounds_chart_stacks_tallies_and_inactive() -> None:
    rounds = [
        RoundBar(1, (("Ann", Decimal(50)), ("Ben", Decimal(30)), ("Cy", Decimal(20))), Decimal(0)),
        RoundBar(2, (("Ann", Decimal(60)), ("Ben", Decimal(35))), Decimal(5)),
    ]
    root = ET.fromstring(rounds_chart("r", "Rounds", rounds))
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == (
        "Round 1: Ann 50, Ben 30, Cy 20. Round 2: Ann 60, Ben 35, inactive 5."
    )
    segments = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(segments) == 6
    first_row = [float(r.get("width", 0)) for r in segments[:3]]
    second_row = [float(r.get("width", 0)) for r in segments[3:]]
    assert sum(first_row) == pytest.approx(sum(second_row), abs=0.3)  # same ballots, one scale
    assert segments[-1].get("fill") == INACTIVE


def test_series_chart_places_points_by_percent() -> None:
    svg = series_chart("c", "City", [SeriesPoint(2000, "50.00", "40.00", "10.00"),
                                     SeriesPoint(2004, "75.00", None, None)])  # fmt: skip
    root = ET.fromstring(svg)
    circles = list(root.iter(f"{SVG}circle"))
    ys = [float(c.get("cy", 0)) for c in circles if c.get("r") == "4.5"]
    assert len(ys) == 2 + 1 and ys[1] < ys[0]  # 75% is drawn above 50% (and the legend's)
    assert "2000: winner 50.00%, margin 10.00%, turnout 40.00%" in svg
    assert "2004: winner 75.00%, margin unknown, turnout unknown" in svg
    assert len(re.findall(r"<rect[^>]*width=\"8\"", svg)) == 1 + 1  # one turnout square
    assert len(list(root.iter(f"{SVG}polygon"))) == 1 + 1  # one margin diamond
