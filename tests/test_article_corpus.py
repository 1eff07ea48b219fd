"""The article corpus: real US mayoral elections, written for tallyroom from public facts.

Every ``tests/data/articles/*.txt`` is read as a user would read it and compared with the
expected facts beside it (``<name>.facts.json``): the title and place, each stage's kind, party
and date, each candidate's published votes per stage, the published winner and, for ranked-choice
elections, the published rounds.

- A figure that is read must be exact: a wrong or invented figure fails, always.
- A fact the reader does not read yet is listed in :data:`UNREAD` and expected to fail
  (``xfail(strict=True)``): when the reader learns it, the test passes, strict xfail turns that
  into a failure, and the entry must be removed, so the list only shrinks.
- The share of expected figures read (the facts-read ratio) is printed per article and overall,
  and must not fall below :data:`RATIO_FLOOR`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tallyroom.formats import load_text
from tallyroom.model import Election, Stage
from tallyroom.rules import choose_rules, verify_choice

ARTICLES_DIR = Path(__file__).resolve().parent / "data" / "articles"
ARTICLES = sorted(ARTICLES_DIR.glob("*.txt"))

#: The lowest overall facts-read ratio accepted (measured, then rounded down).
RATIO_FLOOR = Decimal("0.95")

#: Facts the reader does not read yet, by article (file stem), each with why. Remove an entry as
#: soon as the reader reads the fact (the strict xfail will fail until it is removed).
UNREAD: dict[str, dict[str, str]] = {}


@dataclass(frozen=True)
class Fact:
    """One checked fact of an article: ``name`` is its key in :data:`UNREAD`; ``figures`` are the
    vote figures it covers (for the facts-read ratio), as (label, expected) pairs."""

    name: str
    expected: Any
    figures: tuple[tuple[str, int], ...] = ()


def _facts_file(article: Path) -> Path:
    return article.with_name(article.stem + ".facts.json")


@cache
def _expected(article: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_facts_file(article).read_text(encoding="utf-8"))
    return data


@cache
def _election(article: Path) -> Election:
    loaded = load_text(article.read_text(encoding="utf-8"), source=article.name)
    assert len(loaded.elections) == 1, f"{article.name}: expected one election"
    return loaded.elections[0]


def _stage_figures(index: int, stage: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    return tuple((f"stage{index}.votes[{name}]", votes) for name, votes in stage["votes"].items())


def _round_figures(index: int, stage: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    figures: list[tuple[str, int]] = []
    for record in stage.get("rounds", []):
        number = record["number"]
        for name, votes in record["tally"].items():
            figures.append((f"stage{index}.round{number}[{name}]", votes))
        if record.get("exhausted") is not None:
            figures.append((f"stage{index}.round{number}.exhausted", record["exhausted"]))
    return tuple(figures)


def _facts(article: Path) -> list[Fact]:
    expected = _expected(article)
    facts = [
        Fact("title", expected["title"]),
        Fact("city", expected["city"]),
        Fact("state", expected["state"]),
        Fact("office", expected["office"]),
    ]
    for index, stage in enumerate(expected["stages"]):
        facts.append(Fact(f"stage{index}", (stage["kind"], stage["party"], stage["date"])))
        facts.append(Fact(f"stage{index}.votes", stage["votes"], _stage_figures(index, stage)))
        if stage.get("rounds"):
            facts.append(
                Fact(f"stage{index}.rounds", stage["rounds"], _round_figures(index, stage))
            )
    facts.append(Fact("winner", expected["winner"]))
    return facts


def _matched_stages(article: Path) -> list[Stage | None]:
    """The model's stage for each expected stage: the n-th stage of the same kind and party."""
    election = _election(article)
    taken: set[int] = set()
    found: list[Stage | None] = []
    for stage in _expected(article)["stages"]:
        match = None
        for position, candidate in enumerate(election.stages):
            if position in taken:
                continue
            if candidate.kind == stage["kind"] and candidate.party == stage["party"]:
                match = candidate
                taken.add(position)
                break
        found.append(match)
    return found


def _read_votes(stage: Stage | None) -> dict[str, int | None]:
    return {} if stage is None else {row.name: row.votes for row in stage.results}


def _read_rounds(stage: Stage | None) -> dict[int, tuple[dict[str, Decimal], Decimal]]:
    if stage is None:
        return {}
    return {record.number: (dict(record.tally), record.inactive) for record in stage.rounds}


def _read_figures(article: Path) -> dict[str, int | Decimal | None]:
    """Every vote figure the reader produced, under the labels :func:`_facts` uses."""
    read: dict[str, int | Decimal | None] = {}
    expected = _expected(article)
    for index, stage in enumerate(_matched_stages(article)):
        for name, votes in _read_votes(stage).items():
            read[f"stage{index}.votes[{name}]"] = votes
        stated = {r["number"]: r for r in expected["stages"][index].get("rounds", [])}
        for number, (tally, inactive) in _read_rounds(stage).items():
            for name, votes in tally.items():
                read[f"stage{index}.round{number}[{name}]"] = votes
            if stated.get(number, {}).get("exhausted") is not None or inactive:
                read[f"stage{index}.round{number}.exhausted"] = inactive
    return read


def _winner(election: Election) -> tuple[str, ...]:
    verdict = verify_choice(election, choose_rules(election))
    deciding = [s.outcome for s in verdict.stages if s.outcome.kind in ("general", "runoff")]
    return deciding[-1].winners if deciding else ()


def _actual(article: Path, fact: Fact) -> Any:
    election = _election(article)
    if fact.name == "title":
        return election.title
    if fact.name == "city":
        return election.jurisdiction.city
    if fact.name == "state":
        return election.jurisdiction.state
    if fact.name == "office":
        return election.office
    if fact.name == "winner":
        return _winner(election)
    index = int(fact.name.removeprefix("stage").partition(".")[0])
    stage = _matched_stages(article)[index]
    if fact.name.endswith(".votes"):
        return _read_votes(stage)
    if fact.name.endswith(".rounds"):
        return _read_rounds(stage)
    if stage is None:
        return None
    date = stage.date.isoformat() if isinstance(stage.date, dt.date) else None
    return (stage.kind, stage.party, date)


def _wanted(fact: Fact) -> Any:
    if fact.name == "winner":
        return (fact.expected,)
    if fact.name.endswith(".rounds"):
        return {
            r["number"]: (
                {name: Decimal(votes) for name, votes in r["tally"].items()},
                Decimal(r["exhausted"] or 0),
            )
            for r in fact.expected
        }
    if isinstance(fact.expected, list):
        return tuple(fact.expected)
    return fact.expected


def _fact_params() -> list[Any]:
    params = []
    for article in ARTICLES:
        unread = UNREAD.get(article.stem, {})
        for fact in _facts(article):
            marks = []
            if fact.name in unread:
                marks.append(pytest.mark.xfail(strict=True, reason=unread[fact.name]))
            params.append(
                pytest.param(article, fact, id=f"{article.stem}:{fact.name}", marks=marks)
            )
    return params


def test_corpus_is_complete() -> None:
    """At least 12 articles, each with its facts file and a public source."""
    assert len(ARTICLES) >= 12, [a.name for a in ARTICLES]
    for article in ARTICLES:
        assert _facts_file(article).is_file(), f"{article.name}: no facts file"
        assert _expected(article)["source"], f"{article.name}: no source"
    kinds = {stage["kind"] for a in ARTICLES for stage in _expected(a)["stages"]}
    assert {"primary", "general", "runoff"} <= kinds
    assert sum(1 for a in ARTICLES if any(s.get("rounds") for s in _expected(a)["stages"])) >= 3


@pytest.mark.parametrize("article", ARTICLES, ids=[a.stem for a in ARTICLES])
def test_article_parses_without_abort(article: Path) -> None:
    election = _election(article)
    assert election.title


@pytest.mark.parametrize("article", ARTICLES, ids=[a.stem for a in ARTICLES])
def test_read_figures_are_exact(article: Path) -> None:
    """Never a wrong figure: every figure read is one the facts expect, with the same value."""
    expected = {label: votes for fact in _facts(article) for label, votes in fact.figures}
    wrong: dict[str, tuple[int | Decimal | None, int | None]] = {}
    for label, votes in _read_figures(article).items():
        if label.endswith(".exhausted") and label not in expected:
            if votes:
                wrong[label] = (votes, None)
        elif expected.get(label) != votes:
            wrong[label] = (votes, expected.get(label))
    assert not wrong, f"{article.name}: figures read that the source does not state: {wrong}"


@pytest.mark.parametrize(("article", "fact"), _fact_params())
def test_fact(article: Path, fact: Fact) -> None:
    assert _actual(article, fact) == _wanted(fact)


def _ratios() -> dict[str, tuple[int, int]]:
    ratios = {}
    for article in ARTICLES:
        expected = {label: votes for fact in _facts(article) for label, votes in fact.figures}
        read = _read_figures(article)
        hits = sum(1 for label, votes in expected.items() if read.get(label) == votes)
        ratios[article.stem] = (hits, len(expected))
    return ratios


def test_facts_read_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the facts-read ratio per article and overall; the overall ratio keeps its floor."""
    ratios = _ratios()
    hits = sum(h for h, _ in ratios.values())
    total = sum(t for _, t in ratios.values())
    with capsys.disabled():
        print()
        for stem, (h, t) in ratios.items():
            print(f"  {stem}: {h}/{t} figures read")
        print(f"  facts-read ratio: {hits}/{total} = {Decimal(hits) / Decimal(total):.3f}")
    assert total > 0
    assert Decimal(hits) / Decimal(total) >= RATIO_FLOOR
