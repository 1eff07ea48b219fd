"""The three seed articles: outcomes, verdicts and inferred rules, worked out by hand first.

Milwaukee 2004: the tables lost their rows (only "Total:" lines remain), so the primary cannot be
told; the general is decided from the infobox's figures (Barrett 86,493 > Pratt 74,361, Barrett's
stated 53.45% over half), which agrees with "After Election: Tom Barrett".
Portland 2004: Potter 56,530 of the rows' 133,259 (42.4%) is no majority, so Potter and
Francesconi advance, as the general's table shows; Potter 168,377 of 273,394 wins the general.
Baltimore 2003-04: O'Malley 59,569 of 89,423 wins the Democratic primary (the stated total "89"
is cut at its comma), Henderson the Republican one unopposed; O'Malley 173,030 of 198,405 wins
the general, a Democratic hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tallyroom.errors import ValidationError
from tallyroom.formats.article import parse_article
from tallyroom.model import Election
from tallyroom.rules import choose_rules, infer_rules, load_rules, verdict_json, verify
from tallyroom.rules.types import ElectionVerdict
from tests.conftest import BALTIMORE, MILWAUKEE, PORTLAND


def read(path: Path, seeds_dir: Path, edit: tuple[str, str] | None = None) -> Election:
    text = path.read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(*edit)
    return parse_article(text, source=path.name)


def inferred(election: Election) -> ElectionVerdict:
    from tallyroom.rules import verify_choice

    return verify_choice(election, choose_rules(election))


def test_milwaukee(seeds_dir: Path) -> None:
    election = read(MILWAUKEE, seeds_dir)
    choice = infer_rules(election)
    assert choice.rules.name == "milwaukee"
    assert choice.origin.based_on[0] == "the preset for Milwaukee, Wisconsin in 2004"
    assert any("non-partisan" in basis for basis in choice.origin.based_on)
    assert any("Advanced to general election" in basis for basis in choice.origin.based_on)
    result = inferred(election)
    primary, general = result.stages
    assert primary.outcome.status == "cannot-tell"
    assert primary.verdict == "cannot-tell"
    assert primary.reasons[0].text == (
        "the nonpartisan primary table has no rows (only a stated total of 135)"
    )
    assert "cannot check: advanced: Tom Barrett and Marvin Pratt" in [
        r.text for r in primary.reasons
    ]
    assert general.outcome.basis == "infobox"
    assert general.outcome.winners == ("Tom Barrett",)
    assert general.outcome.eliminated == ("Marvin Pratt",)
    assert general.verdict == "agrees"
    assert any(r.code == "infobox-figures" for r in general.outcome.reasons)
    assert result.verdict == "agrees"


def test_milwaukee_general_cannot_be_told_when_the_infobox_leader_lacks_half(
    seeds_dir: Path,
) -> None:
    election = read(MILWAUKEE, seeds_dir, ("Percentage1: 53.45%", "Percentage1: 49.45%"))
    general = inferred(election).stages[1]
    assert general.verdict == "cannot-tell"
    assert general.outcome.reasons[-1].code == "infobox-incomplete"


def test_portland(seeds_dir: Path) -> None:
    election = read(PORTLAND, seeds_dir)
    choice = infer_rules(election)
    assert choice.rules.name == "portland-2004"
    assert any("absolute majority" in basis for basis in choice.origin.based_on)
    for result in (inferred(election), verify(election, load_rules("portland-2004"))):
        primary, general = result.stages
        assert primary.outcome.advanced == ("Tom Potter", "Jim Francesconi")
        assert primary.outcome.winners == ()
        assert len(primary.outcome.eliminated) == 21
        assert primary.outcome.further_stage is True
        texts = [r.text for r in primary.outcome.reasons]
        assert texts[0] == (
            "the stated total (133) is less than the rows' sum (133,259); "
            "shares are of the rows' sum"
        )
        assert texts[1] == (
            "Tom Potter has 56,530 of 133,259 votes (42.4%), not more than 50%: no majority"
        )
        assert primary.verdict == "agrees"
        assert any(r.code == "no-majority-claim" for r in primary.reasons)
        assert general.outcome.winners == ("Tom Potter",)
        assert general.outcome.eliminated == ("Jim Francesconi",)
        assert general.verdict == "agrees"


def test_baltimore(seeds_dir: Path) -> None:
    election = read(BALTIMORE, seeds_dir)
    choice = infer_rules(election)
    assert choice.rules.name == "baltimore"
    assert choice.origin.based_on == (
        "the preset for Baltimore, Maryland in 2004",
        "the document has party primaries: Democratic, Republican",
    )
    for result in (inferred(election), verify(election, load_rules("baltimore"))):
        democratic, republican, general = result.stages
        assert (democratic.outcome.party, democratic.outcome.winners) == (
            "Democratic",
            ("Martin O'Malley",),
        )
        assert "Martin O'Malley (59,569 of 89,423 votes, 66.6%): the most votes" in [
            r.text for r in democratic.outcome.reasons
        ]
        assert republican.outcome.winners == ("Elbert R. Henderson",)
        assert general.outcome.winners == ("Martin O'Malley",)
        assert general.outcome.eliminated == (
            "Elbert R. Henderson",
            "Frank M. Conaway",
            "Charles U. Smith",
        )
        assert [s.verdict for s in result.stages] == ["agrees", "agrees", "agrees"]
        codes = {r.code for r in general.reasons}
        assert {"party-result", "after-party", "statuses-agree"} <= codes


def test_other_rules_make_the_documents_disagree(seeds_dir: Path) -> None:
    portland = verify(read(PORTLAND, seeds_dir), load_rules("plurality"))
    assert portland.stages[0].outcome.advanced == ("Tom Potter",)
    assert portland.stages[0].verdict == "disagrees"
    assert (
        portland.stages[0].reasons[0].text
        == "Jim Francesconi: advanced by the document, eliminated by the rules"
    )
    baltimore = verify(read(BALTIMORE, seeds_dir), load_rules("top-two"))
    assert baltimore.stages[0].outcome.advanced == ("Martin O'Malley", "Andrey Bundley")
    assert baltimore.stages[0].verdict == "disagrees"
    assert baltimore.verdict == "disagrees"


def test_a_wrong_claim_is_found(seeds_dir: Path) -> None:
    wrong = read(
        PORTLAND, seeds_dir, ("After Election: Tom Potter", "After Election: Jim Francesconi")
    )
    general = inferred(wrong).stages[1]
    assert general.verdict == "disagrees"
    assert general.reasons[0].text == ("Tom Potter: defeated by the document, elected by the rules")
    hold = read(BALTIMORE, seeds_dir, ("United States) Hold", "United States) Gain"))
    general = inferred(hold).stages[2]
    assert general.verdict == "disagrees"
    assert general.reasons[0].code == "party-result"


def test_partisan_rules_do_not_fit_a_nonpartisan_document(seeds_dir: Path) -> None:
    with pytest.raises(
        ValidationError, match=r"preset baltimore: primary\.kind: 'partisan-primary'"
    ):
        verify(read(PORTLAND, seeds_dir), load_rules("baltimore"))


def test_json_has_the_agreed_fields(seeds_dir: Path) -> None:
    data = verdict_json(inferred(read(BALTIMORE, seeds_dir)))
    assert data["rules"]["name"] == "baltimore"
    assert data["rules"]["how"] == "inferred"
    stage = data["stages"][0]
    for key in ("kind", "party", "winners", "advanced", "eliminated", "tied", "reasons", "verdict"):
        assert key in stage
    assert stage["kind"] == "primary" and stage["party"] == "Democratic"
    assert stage["tied"] is None and stage["verdict"] == "agrees"
    assert all(isinstance(reason, str) for reason in stage["reasons"])
