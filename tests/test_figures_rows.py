"""Each row's figures against the rules' decision and the document's claims, on the real articles
and on decisions that name one person in several lists."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tallyroom.claims import stated_statuses
from tallyroom.figures import RowStatus, election_figures, stage_figures
from tallyroom.formats.article import parse_article
from tallyroom.model import Election, StageDecision
from tallyroom.names import name_key
from tallyroom.rules import choose_rules, verify_choice
from tallyroom.rules.report import stage_decisions

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = sorted((ROOT / "tests" / "data" / "articles").glob("*.txt")) + sorted(
    (ROOT / "tallyroom" / "data" / "samples").glob("*.txt")
)


def _expected_status(decision: StageDecision, name: str, deciding: bool) -> RowStatus | None:
    """The rule, written out the long way: the first list naming the person decides."""
    key = name_key(name)

    def named(names: Sequence[str] | None) -> bool:
        return names is not None and any(name_key(n) == key for n in names)

    if named(decision.tied):
        return "tied"
    if named(decision.winners):
        return "advanced" if not deciding and decision.further_stage is not False else "elected"
    if named(decision.advanced):
        return "advanced"
    if named(decision.eliminated):
        return "defeated" if deciding or decision.further_stage is False else "eliminated"
    return None


def _decided(path: Path) -> tuple[Election, tuple[StageDecision, ...]]:
    election = parse_article(path.read_text(encoding="utf-8"), source=path.name)
    return election, stage_decisions(verify_choice(election, choose_rules(election)))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_rows_carry_the_rules_status_and_the_documents_claim(path: Path) -> None:
    election, decisions = _decided(path)
    figures = election_figures(election, decisions)
    assert len(figures.stages) == len(election.stages)
    checked = 0
    for stage, decision in zip(figures.stages, decisions, strict=True):
        claims = stated_statuses(election, stage.index)
        for row in stage.rows:
            assert row.key == name_key(row.name)
            assert row.status == _expected_status(decision, row.name, stage.deciding)
            assert row.stated_status == claims.get(row.name)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_a_stages_total_is_the_total_of_its_rows(path: Path) -> None:
    election, decisions = _decided(path)
    for stage in election_figures(election, decisions).stages:
        known = [row.votes for row in stage.rows]
        if known and None not in known:
            assert stage.total.computed == sum(v for v in known if v is not None)
        else:
            assert stage.total.computed is None
        for row in stage.rows:
            if row.votes is not None and stage.total.counted:
                assert row.percent is not None
            else:
                assert row.percent is None


def _one_stage(path: Path) -> tuple[Election, int, tuple[str, ...]]:
    election, _ = _decided(path)
    index = 0
    names = tuple(row.name for row in election.stages[index].results)
    assert len(names) >= 3, "a stage of three candidates or more is needed"
    return election, index, names


@pytest.mark.parametrize("further", [None, True, False])
def test_a_person_named_in_several_lists_takes_the_first_that_binds(further: bool | None) -> None:
    election, index, names = _one_stage(ROOT / "tests" / "data" / "articles" / "2019-chicago.txt")
    first, second, third = names[:3]
    decision = StageDecision(
        status="decided",
        # The first is both a winner and eliminated, the second advanced and tied, the third
        # advanced and eliminated, written in other spellings (case, a nickname, dots).
        winners=(first.upper(),),
        advanced=(second, f'{third.split()[0]} "Nick" {" ".join(third.split()[1:])}'),
        eliminated=(first, third.replace(" ", ". ", 1)),
        tied=(second,),
        further_stage=further,
    )
    deciding = election.stages[index] is election.deciding_stage
    rows = stage_figures(election, index, decision).rows
    statuses = {row.name: row.status for row in rows}
    for name in names:
        assert statuses[name] == _expected_status(decision, name, deciding)
    assert statuses[second] == "tied"
    assert statuses[third] == "advanced"
    assert statuses[first] in ("elected", "advanced")
    assert all(statuses[name] is None for name in names[3:])


def test_without_a_decision_no_row_has_a_status() -> None:
    election, index, _ = _one_stage(ROOT / "tests" / "data" / "articles" / "2019-chicago.txt")
    assert all(row.status is None for row in stage_figures(election, index, None).rows)
