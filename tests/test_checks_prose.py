"""The winner the text names against the tables; layout-only infobox types; party affiliates."""

from __future__ import annotations

from pathlib import Path

import pytest

import tallyroom.rules
from tallyroom.checks import run_checks
from tallyroom.formats.article import parse_article
from tallyroom.names import party_short

DATA = Path(__file__).resolve().parent / "data"
PLANTED = DATA / "checks" / "planted-reading.txt"


def codes(text: str) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in run_checks(parse_article(text, "x.txt"))]


def test_planted_prose_winner_and_unread_line() -> None:
    election = parse_article(PLANTED.read_text(encoding="utf-8"), str(PLANTED))
    found = {(f.code, f.line): f for f in run_checks(election)}
    prose = found[("prose-winner-mismatch", 13)]
    assert prose.severity == "warning"
    assert prose.evidence["stated"] == "Cy Mendel"
    assert prose.evidence["derived_winners"] == ("Ada Brook",)
    assert prose.fix == "Ada Brook"
    assert ("not-read", 20) in found
    # "Type: presidential" is the infobox's layout, not a contradiction.
    assert not [f for f in found.values() if f.code == "type-contradicts"]


BASE = """= 2015 Ferncliff mayoral election =

Infobox
- Election Date: November 3, 2015
- After Election: Ada Brook

{prose}

==General election==
  - General election results, November 3, 2015**

- Ada Brook: 6,120 votes
- Cy Mendel: 4,880 votes
"""


def test_prose_that_agrees_or_speaks_of_other_contests_is_no_finding() -> None:
    for prose in (
        "Brook won the election.",
        "Ada Brook, a former councillor, was elected mayor.",
        "Mendel won the primary in May.",
        "Mendel won the Democratic nomination before losing in November.",
        "Mendel won a council seat four years later.",
        "Zed Alder won the lottery.",
    ):
        assert "prose-winner-mismatch" not in [c for c, _ in codes(BASE.format(prose=prose))]


def test_prose_naming_the_loser_by_last_name_is_found() -> None:
    found = codes(BASE.format(prose="In the end Mendel narrowly defeated Brook."))
    assert ("prose-winner-mismatch", 7) in found


def test_no_finding_when_the_outcome_cannot_be_derived() -> None:
    tied = BASE.format(prose="Mendel won.").replace("4,880", "6,120")
    assert "prose-winner-mismatch" not in [c for c, _ in codes(tied)]


def test_the_outcome_and_prose_checks_derive_the_outcomes_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    derive = tallyroom.rules.derive_outcomes
    calls = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return derive(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tallyroom.rules, "derive_outcomes", counted)
    election = parse_article(BASE.format(prose="Mendel won."), "x.txt")
    found = [f.code for f in run_checks(election)]
    assert "prose-winner-mismatch" in found
    assert calls == [election]


def test_state_affiliates_are_the_national_party() -> None:
    assert party_short("Pennsylvania Democratic Party") == "Democratic"
    assert party_short("Vermont Progressive Party") == "Progressive"
    assert party_short("New York Republican Party") == "Republican"
    assert party_short("National Republican Party") == "National Republican"
    assert party_short("Minnesota Democratic–Farmer–Labor Party") == (
        "Minnesota Democratic–Farmer–Labor"
    )
    assert party_short("Democratic Party (United States)") == "Democratic"


def test_corpus_affiliate_party_gives_no_after_party_error() -> None:
    path = DATA / "articles" / "2009-burlington.txt"
    election = parse_article(path.read_text(encoding="utf-8"), str(path))
    assert "after-party-mismatch" not in {f.code for f in run_checks(election)}
