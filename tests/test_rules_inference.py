"""Rule inference reads negation and time, and picks a city's preset by place and year."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from tallyroom.errors import ValidationError
from tallyroom.formats.article import parse_article
from tallyroom.model import Election, Jurisdiction, Paragraph, Stage
from tallyroom.rules import infer_rules, parse_rules
from tallyroom.rules.loading import preset_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tallyroom" / "data" / "samples"


def election(*texts: str, stages: tuple[Stage, ...] = (), city: str = "Elmwood") -> Election:
    general = Stage("general", date=dt.date(2017, 11, 7))
    return Election(
        "2017 Elmwood mayoral election",
        Jurisdiction(city, "Ohio"),
        stages=stages or (general,),
        paragraphs=tuple(Paragraph(text, (), n) for n, text in enumerate(texts, start=10)),
    )


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("The city elects its mayor with no primary and no runoff.", "plurality"),
        ("The mayor is elected by plurality, even without a majority.", "plurality"),
        (
            "The city abolished runoff elections in 2012, so there was no runoff. Voters brought "
            "runoffs back in a referendum the following year.",
            "plurality",
        ),
        ("If no candidate receives a majority, the top two meet in a runoff.", "majority-runoff"),
        ("A candidate needs a majority of the vote to win outright.", "majority-runoff"),
        ("The city has used ranked-choice voting since 2009.", "ranked-choice"),
        # Ranked-choice voting that begins after the election, or was repealed, is not its rule.
        ("The city will use ranked-choice voting from 2021.", "plurality"),
        ("The city adopted ranked-choice voting starting in 2021.", "plurality"),
        ("Voters repealed instant-runoff voting in 2010.", "plurality"),
        ("Nothing here says how the mayor is elected.", "plurality"),
    ],
)
def test_wording_read_with_negation_and_time(text: str, rules: str) -> None:
    choice = infer_rules(election(text))
    assert choice.rules.name == rules
    quoted = any("line 10" in basis for basis in choice.origin.based_on)
    assert quoted == (
        choice.origin.based_on[0] != "no statement of the rules found: assumed plurality"
    )


def test_plurality_wording_does_not_override_a_runoff_stage() -> None:
    stages = (Stage("general", date=dt.date(2017, 11, 7)), Stage("runoff"))
    choice = infer_rules(election("The most votes wins, with no runoff.", stages=stages))
    assert choice.rules.name == "majority-runoff"
    assert choice.origin.based_on[0] == "the document has a runoff stage"


def test_the_portland_sample_and_seed_get_the_same_preset(seeds_dir: Path) -> None:
    sample = parse_article((SAMPLES / "2004-portland.txt").read_text(encoding="utf-8"))
    seed_path = seeds_dir / "001_d5de7c4eb0871a8b.txt"
    if not seed_path.exists():
        pytest.skip("the Portland seed is not in ../shared/seeds")
    seed = parse_article(seed_path.read_text(encoding="utf-8"))
    assert infer_rules(sample).rules.name == infer_rules(seed).rules.name == "portland-2004"


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("2004-portland.txt", "portland-2004"),
        ("2004-milwaukee.txt", "milwaukee"),
        ("2004-baltimore.txt", "baltimore"),
    ],
)
def test_city_samples_get_their_city_preset(name: str, preset: str) -> None:
    sample = parse_article((SAMPLES / name).read_text(encoding="utf-8"), source=name)
    choice = infer_rules(sample)
    assert choice.rules.name == preset
    assert choice.origin.based_on[0].startswith("the preset for ")


def test_presets_by_place_and_year() -> None:
    assert preset_for("Portland", "Oregon", 2004) == "portland-2004"
    assert preset_for("portland", "oregon", 2024) == "portland-2024"
    assert preset_for("Portland", "Maine", 2004) is None
    assert preset_for("Portland", None, 2016) == "portland-2004"
    assert preset_for("Portland", "Oregon", None) is None  # two presets: the year decides
    assert preset_for("Milwaukee", "Wisconsin", None) == "milwaukee"
    assert preset_for(None, "Oregon", 2004) is None
    assert preset_for("Elmwood", "Ohio", 2004) is None


def test_a_2024_portland_article_gets_ranked_choice() -> None:
    later = replace(
        election("A nonpartisan race.", city="Portland"),
        jurisdiction=Jurisdiction("Portland", "Oregon"),
        stages=(Stage("general", date=dt.date(2024, 11, 5)),),
    )
    assert infer_rules(later).rules.name == "portland-2024"


def test_published_rounds_outweigh_a_preset_without_ranked_choice() -> None:
    sample = parse_article((SAMPLES / "2004-milwaukee.txt").read_text(encoding="utf-8"))
    text = (
        "= 2004 Milwaukee mayoral election =\n\nInfobox\n- Election Date: April 6, 2004\n\n"
        "==Results==\n- A Lee: 10 votes, 12 votes\n- B Kim: 9 votes, 10 votes\n"
        "- C Roe: 3 votes, eliminated\n"
    )
    ranked = replace(parse_article(text), jurisdiction=sample.jurisdiction)
    assert ranked.stages[0].rounds
    assert infer_rules(ranked).rules.name == "ranked-choice"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('applies = "Portland"', "applies: must be a table"),
        ('[applies]\ncity = "X"', "applies.state: must be a non-empty string"),
        (
            '[applies]\ncity = "X"\nstate = "Y"\nfirst_year = "2004"',
            "applies.first_year: must be a year",
        ),
        (
            '[applies]\ncity = "X"\nstate = "Y"\nfirst_year = 2010\nlast_year = 2004',
            "applies.last_year: must not be before first_year",
        ),
        ('[applies]\ncity = "X"\nstate = "Y"\ncounty = "Z"', "applies.county: unknown key"),
    ],
)
def test_applies_table_is_checked(table: str, message: str) -> None:
    head = 'title = "T"\nlaw = "L"\n'
    body = '\n[general]\nkind = "plurality"\n'
    text = head + (table + body if table.startswith("applies =") else body + table + "\n")
    with pytest.raises(ValidationError, match=message.replace(".", r"\.")):
        parse_rules(text, source="city.toml")
    ok = head + body + '[applies]\ncity = "X"\nstate = "Y"\nfirst_year = 2004\nlast_year = 2010\n'
    assert parse_rules(ok, source="city.toml").name == "rules"
