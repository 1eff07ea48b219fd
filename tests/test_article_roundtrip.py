"""parse(render(e)) == e: for the seeds, the samples and generated elections."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from tallyroom.formats.article import parse_article
from tallyroom.formats.article_writer import article_losses, render_article
from tallyroom.model import Election, Round, Stage
from tests.conftest import SEEDS
from tests.strategies import elections

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "tallyroom/data/samples").glob("*.txt"))


@pytest.mark.parametrize("path", [*SEEDS, *SAMPLES], ids=lambda p: p.name)
def test_documents_round_trip(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} not found")
    election = parse_article(path.read_text(encoding="utf-8"), source=path.name)
    text = render_article(election)
    assert parse_article(text) == election
    assert render_article(parse_article(text)) == text


def test_rendering_writes_thousands_separators() -> None:
    election = parse_article(SAMPLES[0].read_text(encoding="utf-8"))
    assert "- Martin O'Malley (incumbent) (Democratic Party (United States)): 173,030 votes" in (
        render_article(election)
    )


@settings(max_examples=150, deadline=None)
@given(elections())
def test_generated_elections_round_trip(election: Election) -> None:
    assert parse_article(render_article(election)) == election


def test_losses_are_reported() -> None:
    stage = Stage("general", caption="General", rounds=(Round(1, ()),), status="certified")
    losses = article_losses(Election("2004 X mayoral election", stages=(stage,), rules="plurality"))
    assert len(losses) == 3
    assert any("ranked-choice rounds" in loss for loss in losses)
