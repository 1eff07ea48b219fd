"""The figures of a ranked-choice stage's rounds: shares of continuing votes, inactive by reason."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from tallyroom.formats import read_path
from tallyroom.formats.ballots import read_ballots
from tallyroom.model import Round, Stage
from tallyroom.round_figures import final_round_share, round_figures

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tallyroom" / "data" / "rcv" / "sample_mayor.csv"
DATA = Path(__file__).resolve().parent / "data" / "rcv"


def test_sample_mayor_round_by_round() -> None:
    (stage,) = read_ballots(SAMPLE, "ranked-choice").stages
    first, final = round_figures(stage)
    assert [(c.name, str(c.votes), c.percent) for c in first.candidates] == [
        ("Alvarez", "189", "47.25"),
        ("Brooks", "71", "17.75"),
        ("Chen", "65", "16.25"),
        ("Dubois", "46", "11.50"),
        ("Eze", "29", "7.25"),
    ]
    assert [c.name for c in first.candidates if c.eliminated] == ["Eze"]
    assert (final.number, str(final.continuing), str(final.inactive), final.ballots_cast) == (
        2,
        "389",
        "11",
        400,
    )
    assert final.candidates[0].percent == "50.64" and final.candidates[0].elected
    assert [(i.reason, str(i.ballots)) for i in final.inactive_by_reason if i.ballots] == [
        ("exhausted", "11")
    ]
    assert final.threshold == 195 and final.balanced and first.balanced
    assert len(first.transfers) == 5 and final.transfers == ()
    assert final_round_share(stage, "Alvarez") == Fraction(197, 389)
    assert final_round_share(stage, "Eze") == Fraction(29, 400)
    assert final_round_share(stage, "Nobody") is None


def test_multi_winner_rounds_balance_with_the_surplus_lost() -> None:
    folder = DATA / "rctab_multi_winner_fractional"
    (election,) = read_path(folder / "test_set_multi_winner_fractional_threshold_config.json")
    figures = round_figures(election.stages[0])
    assert all(f.balanced for f in figures)
    assert figures[2].residual_surplus == Decimal("0.0003")
    assert figures[0].residual_surplus == 0


def test_unknown_breakdown_and_ballots_cast() -> None:
    stage = Stage(
        "general",
        rounds=(
            Round(2, (("A", Decimal(60)), ("B", Decimal(30))), inactive=Decimal(10)),
            Round(1, (("A", Decimal(50)), ("B", Decimal(30)), ("C", Decimal(20)))),
        ),
    )
    first, second = round_figures(stage)
    assert (first.number, second.number) == (1, 2)
    assert second.inactive_by_reason == () and second.balanced is None
    assert second.threshold is None
    assert [c.percent for c in second.candidates] == ["66.67", "33.33"]
    empty = Stage("general", rounds=(Round(1, (("A", Decimal(0)),)),))
    assert round_figures(empty)[0].candidates[0].percent is None
    assert final_round_share(empty, "A") is None
    assert round_figures(Stage("general")) == ()


def test_a_round_that_does_not_balance_says_so() -> None:
    stage = Stage(
        "general",
        ballots_cast=100,
        rounds=(Round(1, (("A", Decimal(50)), ("B", Decimal(30))), inactive=Decimal(10)),),
    )
    assert round_figures(stage)[0].balanced is False


def test_the_rounds_partial_renders_every_figure() -> None:
    from dataclasses import asdict

    import jinja2

    (stage,) = read_ballots(SAMPLE, "ranked-choice").stages
    templates = ROOT / "tallyroom" / "web" / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    rounds = [asdict(f) for f in round_figures(stage)]
    html = env.get_template("_rounds.html").render(stage={"index": 0, "rounds": rounds})
    text = " ".join(html.split())
    assert "Alvarez 197 (50.64% of 389 continuing) — elected" in text
    assert (
        '<th scope="row">Inactive: Exhausted (no continuing choice)</th>'
        '<td class="num">0</td><td class="num">11</td>' in text.replace("> <", "><")
    )
    assert "11 from Eze to exhausted" in text
    assert "does not add up" not in text
