"""History differences by identity: stages by kind, party and date, rows by person, infobox
fields by key, paragraphs by text. A reordered infobox or table is one record; a changed vote is
one record, named by stage and candidate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tallyroom.formats.article import parse_article
from tallyroom.model import CandidateResult, Election, Stage
from tallyroom.store.codec import differences, election_json
from tests.conftest import BALTIMORE, PORTLAND

SAMPLES = Path(__file__).resolve().parents[1] / "tallyroom" / "data" / "samples"


def canonical(text: str) -> dict[str, Any]:
    return election_json(parse_article(text), provenance=False)


def diff(old: str, new: str) -> list[dict[str, Any]]:
    before, after = canonical(old), canonical(new)
    assert before != after  # the texts do differ in the model
    return differences(before, after)


def test_equal_elections_have_no_differences(seeds_dir: Path) -> None:
    text = BALTIMORE.read_text(encoding="utf-8")
    assert differences(canonical(text), canonical(text)) == []


def test_a_reordered_infobox_is_one_order_record(seeds_dir: Path) -> None:
    text = PORTLAND.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = lines.index("Infobox") + 1
    end = lines.index("", start)
    keys = [line[2:].partition(":")[0] for line in lines[start:end]]
    assert len(keys) == 22
    reordered = "\n".join([*lines[:start], *reversed(lines[start:end]), *lines[end:]])
    assert diff(text, reordered) == [
        {"path": "infobox", "change": "order", "old": keys, "new": keys[::-1]}
    ]


def test_one_changed_vote_is_one_record_named_by_stage_and_candidate(seeds_dir: Path) -> None:
    text = PORTLAND.read_text(encoding="utf-8")
    changed = text.replace("Tom Potter (Nonpartisan candidate): 168,377", "Tom Potter: 168,378")
    assert diff(text, changed) == [
        {"path": "stages[general].results[Tom Potter].votes", "old": 168377, "new": 168378}
    ]


def test_reordered_rows_and_a_changed_vote_in_one_table() -> None:
    text = (SAMPLES / "2004-portland.txt").read_text(encoding="utf-8")
    potter = "- Tom Potter (Nonpartisan candidate): 56,530 votes\n"
    francesconi = "- Jim Francesconi (Nonpartisan candidate): 45,970 votes\n"
    assert potter + francesconi in text
    swapped = text.replace(potter + francesconi, francesconi + potter.replace("530", "531"))
    found = diff(text, swapped)
    assert [record["path"] for record in found] == [
        "stages[primary].results",
        "stages[primary].results[Tom Potter].votes",
    ]
    order = found[0]
    assert order["change"] == "order"
    assert order["old"][:3] == ["Tom Potter", "Jim Francesconi", "Phil Busse"]
    assert order["new"][:3] == ["Jim Francesconi", "Tom Potter", "Phil Busse"]
    assert (found[1]["old"], found[1]["new"]) == (56530, 56531)


def test_a_stage_whose_date_changed_is_still_the_same_stage(seeds_dir: Path) -> None:
    text = BALTIMORE.read_text(encoding="utf-8")
    found = diff(text, text.replace("September 9, 2003", "September 10, 2003"))
    assert [(r["path"], r["old"], r["new"]) for r in found[1:]] == [
        ("stages[Democratic primary].date", "2003-09-09", "2003-09-10"),
        ("stages[Republican primary].date", "2003-09-09", "2003-09-10"),
    ]
    # The paragraph that states the date, found by its section once its text changed.
    assert found[0]["path"] == "paragraphs[In 1999, Baltimore citizens voted to mov…].text"
    assert "September 10, 2003" in found[0]["new"]


def test_a_removed_row_is_one_record(seeds_dir: Path) -> None:
    text = BALTIMORE.read_text(encoding="utf-8")
    row = "- Charles U. Smith (write-in) (Democratic Party (United States)): 4 votes\n"
    assert row in text
    (record,) = diff(text, text.replace(row, ""))
    assert record["path"] == "stages[general].results[Charles U. Smith]"
    assert record["old"]["votes"] == 4 and record["new"] is None


def test_a_name_written_another_way_is_the_same_person(seeds_dir: Path) -> None:
    text = PORTLAND.read_text(encoding="utf-8")
    respelled = text.replace("- Scot Campbell (", '- Scot "Extremo the Clown" Campbell (')
    assert diff(text, respelled) == [
        {
            "path": 'stages[primary].results[Scot "Extremo the Clown" Campbell].name',
            "old": "Scot Campbell",
            "new": 'Scot "Extremo the Clown" Campbell',
        }
    ]


def _general(day: int, votes: int) -> Stage:
    return Stage(
        kind="general",
        date=dt.date(2004, 11, day),
        results=(CandidateResult("Ann Lee", votes), CandidateResult("Bo Ray", 5)),
    )


def test_stages_of_one_kind_are_told_apart_by_date() -> None:
    old = Election("Town", stages=(_general(2, 10), _general(9, 12)))
    new = Election("Town", stages=(_general(9, 13),))
    found = differences(election_json(old, provenance=False), election_json(new, provenance=False))
    assert [record["path"] for record in found] == [
        "stages[general 2004-11-09].results[Ann Lee].votes",
        "stages[general 2004-11-02]",
    ]
    assert found[1]["new"] is None


def test_lists_without_an_identity_are_compared_by_position() -> None:
    assert differences({"notes": ["a", "b"]}, {"notes": ["b", "a"]}) == [
        {"path": "notes[0]", "old": "a", "new": "b"},
        {"path": "notes[1]", "old": "b", "new": "a"},
    ]
