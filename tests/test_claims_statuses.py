"""The statuses a document claims: the same answer however often and in whatever order they are
asked for, and each caller's own copy."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tallyroom import claims
from tallyroom.formats.article import parse_article
from tallyroom.model import Election, Status

ARTICLES = Path(__file__).resolve().parent / "data" / "articles"


def _read(name: str) -> Election:
    path = ARTICLES / name
    return parse_article(path.read_text(encoding="utf-8"), source=path.name)


def _fresh(election: Election) -> list[dict[str, Status | None]]:
    # Found without the remembered answers of an earlier call.
    return [claims._stated_statuses(election, i) for i in range(len(election.stages))]


def _asked(election: Election) -> list[dict[str, Status | None]]:
    return [claims.stated_statuses(election, i) for i in range(len(election.stages))]


def test_claims_are_the_same_when_asked_again_and_after_another_election() -> None:
    chicago, houston = _read("2019-chicago.txt"), _read("2019-houston.txt")
    expected_chicago, expected_houston = _fresh(chicago), _fresh(houston)
    assert any(status for stage in expected_chicago for status in stage.values())
    for _ in range(2):
        assert _asked(chicago) == expected_chicago
        assert _asked(chicago) == expected_chicago
        assert _asked(houston) == expected_houston
    assert expected_chicago != expected_houston


def test_each_caller_gets_its_own_copy() -> None:
    election = _read("2019-chicago.txt")
    first = claims.stated_statuses(election, 0)
    name = next(iter(first))
    first[name] = "elected" if first[name] != "elected" else "defeated"
    first["Someone Else"] = "advanced"
    assert claims.stated_statuses(election, 0) == claims._stated_statuses(election, 0)


def test_an_equal_but_other_election_is_not_taken_for_the_first() -> None:
    election = _read("2019-chicago.txt")
    index = len(election.stages) - 1
    winner = claims.stated_statuses(election, index)
    assert "elected" in winner.values()
    # The same document with another "After Election": its own claims, not the first's.
    loser = next(name for name, status in winner.items() if status == "defeated")
    other = dataclasses.replace(election, after_holder=loser)
    claimed = claims.stated_statuses(other, index)
    assert claimed[loser] == "elected"
    assert claimed == claims._stated_statuses(other, index)
    assert claims.stated_statuses(election, index) == winner


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.txt")), ids=lambda p: p.stem)
def test_every_participant_has_an_entry(path: Path) -> None:
    election = parse_article(path.read_text(encoding="utf-8"), source=path.name)
    for index in range(len(election.stages)):
        names = [name for name, _ in claims.stage_participants(election, index)]
        assert list(claims.stated_statuses(election, index)) == list(dict.fromkeys(names))
