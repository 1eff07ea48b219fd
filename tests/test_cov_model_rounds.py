"""A published ranked-choice round keeps its inactive ballots consistent; infobox look-ups."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tallyroom.formats.article import parse_article
from tallyroom.model import Round

SAMPLES = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "samples"
TALLY = (("Ann", Decimal(52)), ("Bo", Decimal(40)))


def test_inactive_ballots_by_reason_must_add_up_to_the_total() -> None:
    counted = Round(
        2,
        TALLY,
        inactive=Decimal(8),
        inactive_by_reason=(("exhausted", Decimal(5)), ("undervote", Decimal(3))),
    )
    assert counted.continuing == Decimal(92)
    assert counted.inactive_for("exhausted") == Decimal(5)
    assert counted.inactive_for("overvote") == Decimal(0)
    with pytest.raises(ValueError, match="round 2: inactive ballots by reason sum to 5, not 8"):
        Round(2, TALLY, inactive=Decimal(8), inactive_by_reason=(("exhausted", Decimal(5)),))
    with pytest.raises(ValueError, match="round 2: an inactive reason is listed twice"):
        Round(
            2,
            TALLY,
            inactive=Decimal(8),
            inactive_by_reason=(("exhausted", Decimal(4)), ("exhausted", Decimal(4))),
        )


def test_a_round_without_reasons_does_not_claim_zero() -> None:
    unreported = Round(1, TALLY, inactive=Decimal(8))
    assert unreported.inactive_for("exhausted") is None


def test_an_infobox_value_is_found_by_its_key_or_is_none() -> None:
    text = (SAMPLES / "2023-sampleton-runoff.txt").read_text(encoding="utf-8")
    election = parse_article(text)
    assert election.infobox_value("Candidate1") == "Ada Lindqvist"
    assert election.infobox_value("Mascot") is None
