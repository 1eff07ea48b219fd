"""NIST ERR v2: exports validate against the official schema; NIST's files read and write back."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats.article import read_article_file
from tallyroom.formats.nist import read_nist_json, write_nist_json
from tallyroom.formats.nist_xml import read_nist_xml

from .conftest import SEEDS, TEST_DATA

DATA = TEST_DATA / "nist-err"
SCHEMA = json.loads((DATA / "NIST_V2_election_results_reporting.json").read_text())


def _valid(text: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(report)
    return report


def _counts(report: dict[str, Any]) -> Counter[tuple[object, ...]]:
    """(candidate names, unit, type, round) → count, over every candidate contest."""
    found: Counter[tuple[object, ...]] = Counter()
    for election in report["Election"]:
        names = {
            c["@id"]: c["BallotName"]["Text"][0]["Content"].strip()
            for c in election.get("Candidate", [])
        }
        for contest in election.get("Contest", []):
            if contest["@type"] != "ElectionResults.CandidateContest":
                continue
            for sel in contest["ContestSelection"]:
                who = " and ".join(names[c] for c in sel.get("CandidateIds", [])) or "Write-in"
                for vc in sel.get("VoteCounts", []):
                    key = (
                        contest["ElectionDistrictId"],
                        who,
                        vc["GpUnitId"],
                        vc["Type"],
                        vc.get("Round"),
                    )
                    found[key] += vc["Count"]
    return found


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_exports_validate_and_read_back(seed: Path, seeds_dir: Path) -> None:
    election = read_article_file(seed)
    written = write_nist_json([election])
    _valid(written.text)
    (back,) = read_nist_json(written.text, "export.json").elections
    for stage, again in zip(election.stages, back.stages, strict=True):
        assert [(r.name, r.votes) for r in stage.results] == [
            (r.name, r.votes) for r in again.results
        ]
        assert (stage.kind, stage.party) == (again.kind, again.party)
    # the article's stated percentages cannot be held: said so, not dropped silently
    if any(n.stated_percentage is not None for n in election.nominees):
        assert any("percentage" in w for w in written.warnings)


@pytest.mark.parametrize(
    "name", ["err-prim-03.json", "err-2022-11-08-Massachusetts-Cambridge.json"]
)
def test_nist_examples_read_then_write_keep_every_count(name: str) -> None:
    text = (DATA / name).read_text()
    original = json.loads(text)
    loaded = read_nist_json(text, name)
    rewritten = _valid(write_nist_json(loaded.elections).text)
    before, after = _counts(original), _counts(rewritten)
    missing = {k: v for k, v in before.items() if after.get(k) != v}
    assert not missing
    # ballot-measure contests cannot be held by the model: each is reported
    measures = sum(
        c["@type"] == "ElectionResults.BallotMeasureContest"
        for e in original["Election"]
        for c in e["Contest"]
    )
    assert sum("BallotMeasureContest" in w for w in loaded.warnings) == measures


def test_cambridge_is_certified_with_42_precincts_and_ballots_cast() -> None:
    name = "err-2022-11-08-Massachusetts-Cambridge.json"
    loaded = read_nist_json((DATA / name).read_text(), name)
    governor = next(e for e in loaded.elections if e.title.startswith("GOVERNOR"))
    (stage,) = governor.stages
    assert stage.status == "certified"
    precincts = {u.id for u in stage.units if u.kind == "precinct"}
    assert len(precincts) == 42
    # the rows of the 42 precincts sum to the stage's result
    healey = next(r for r in stage.results if r.name.startswith("HEALEY"))
    assert healey.votes == sum(
        r.votes
        for r in stage.unit_results
        if r.candidate == healey.name and r.unit in precincts and r.vote_type == "total"
    )
    assert any(r.candidate == "Ballots Cast" for r in stage.unit_results)


def test_primary_contests_become_party_stages_of_one_election() -> None:
    loaded = read_nist_json((DATA / "err-prim-03.json").read_text(), "prim-03")
    president = next(e for e in loaded.elections if e.title == "President of the United States")
    assert [(s.kind, s.party) for s in president.stages] == [
        ("primary", "Democratic"),
        ("primary", "Republican"),
    ]


def test_xml_ranked_choice_contest_reads_and_writes_back() -> None:
    text = (DATA / "err-gen-02.xml").read_text()
    loaded = read_nist_xml(text, "gen-02.xml")
    sheriff = next(e for e in loaded.elections if e.title.startswith("Sheriff"))
    (stage,) = sheriff.stages
    # the feed numbers its rounds from 0; the model numbers them from 1, and says so
    assert stage.rounds and stage.rounds[0].number == 1
    assert "rounds are numbered from 0; read as rounds numbered from 1" in loaded.warnings
    assert len({name for name, _ in stage.rounds[0].tally}) == len(stage.rounds[0].tally)
    rewritten = _valid(write_nist_json(loaded.elections).text)
    contest = next(
        c for e in rewritten["Election"] for c in e["Contest"] if c["Name"].startswith("Sheriff")
    )
    assert contest["VoteVariation"] == "rcv"
    rounds = [vc for s in contest["ContestSelection"] for vc in s["VoteCounts"] if "Round" in vc]
    assert len([vc for vc in rounds if vc["GpUnitId"].startswith("prec-")]) == 27
    president = next(e for e in loaded.elections if e.title.startswith("President"))
    assert [(r.name, r.votes) for r in president.stages[0].results] == [
        ("Albina Sepich", 30),
        ("Barbara Barrett Hicks", 21),
        ("Write-in", 6),
    ]


def test_truncated_json_names_the_line() -> None:
    text = (DATA / "err-prim-03.json").read_text()
    with pytest.raises(ParseError, match=r"cut\.json:\d+: expected JSON"):
        read_nist_json(text[: len(text) // 2], "cut.json")


def test_schema_invalid_report_lists_json_paths() -> None:
    report = json.loads((DATA / "err-prim-03.json").read_text())
    report["Status"] = "final"
    del report["Election"][0]["Contest"][0]["ElectionDistrictId"]
    with pytest.raises(ValidationError) as caught:
        read_nist_json(json.dumps(report), "bad.json")
    message = str(caught.value)
    assert "2 problems" in message
    assert "$.Status" in message
    assert "$.Election[0].Contest[0]" in message


def test_fractional_count_outside_a_round_is_refused() -> None:
    report = json.loads((DATA / "err-prim-03.json").read_text())
    vc = report["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][0]
    vc["Count"] = 2.5
    with pytest.raises(ValidationError, match=r"VoteCounts\[0\]\.Count: expected a whole"):
        read_nist_json(json.dumps(report), "frac.json")


def test_broken_xml_names_the_line() -> None:
    with pytest.raises(ParseError, match=r"x\.xml:3: expected XML"):
        read_nist_xml('<?xml version="1.0"?>\n<ElectionReport>\n<oops></ElectionReport>', "x.xml")


def test_ids_with_spaces_around_them_are_read() -> None:
    text = (DATA / "err-prim-03.json").read_text()
    clean = read_nist_json(text, "prim-03").elections
    report = json.loads(text)
    election = report["Election"][0]
    candidate = election["Candidate"][0]
    old_id = candidate["@id"]
    candidate["@id"] = old_id + " "
    for contest in election["Contest"]:
        for selection in contest.get("ContestSelection", []):
            if old_id in selection.get("CandidateIds", []):
                selection["CandidateIds"] = [f" {old_id}"]
    loaded = read_nist_json(json.dumps(report), "spaced.json")
    assert loaded.elections == clean
    assert any("spaces around them" in w for w in loaded.warnings)


def test_xml_without_the_namespace_is_read_with_a_warning() -> None:
    text = (DATA / "err-gen-02.xml").read_text()
    with_ns = read_nist_xml(text, "gen-02.xml").elections
    bare = text.replace('xmlns="http://itl.nist.gov/ns/voting/1500-100/v2"', "", 1)
    assert bare != text
    loaded = read_nist_xml(bare, "bare.xml")
    assert loaded.elections == with_ns
    assert any("not http://itl.nist.gov/ns/voting/1500-100/v2" in w for w in loaded.warnings)


def _mutations() -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(0, 10_000), st.integers(0, 4))


@settings(max_examples=60, deadline=None)
@given(_mutations())
def test_the_compiled_schema_never_passes_what_jsonschema_refuses(change: tuple[int, int]) -> None:
    """The fast check only decides "valid"; a report it passes has no problem for jsonschema."""
    import fastjsonschema

    from tallyroom.formats.nist import _fast_validator, _validator

    report = json.loads((TEST_DATA / "nist-err" / "err-prim-03.json").read_text(encoding="utf-8"))
    where, how = change
    places: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            places.extend((node, key) for key in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            places.extend((node, index) for index in range(len(node)))
            for value in node:
                walk(value)

    walk(report)
    parent, key = places[where % len(places)]
    if how == 0 and isinstance(parent, dict):
        del parent[key]
    else:
        parent[key] = [None, 3.5, "x", [], {}][how]
    try:
        _fast_validator()(report)
    except fastjsonschema.JsonSchemaException:
        return
    assert list(_validator().iter_errors(report)) == []
