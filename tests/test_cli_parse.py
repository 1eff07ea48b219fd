"""``tallyroom parse``, ``render`` and ``demo`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tests.conftest import BALTIMORE, PORTLAND, ROOT, SEEDS

SCHEMA = json.loads((ROOT / "schemas" / "election.schema.json").read_text(encoding="utf-8"))
SAMPLES = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_parse_json_of_several_files_is_an_array_valid_against_the_schema(
    seeds_dir: Path,
) -> None:
    data = json.loads(invoke("parse", "--json", *map(str, SEEDS)).stdout)
    assert isinstance(data, list) and len(data) == 3
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for item in data:
        validator.validate(item)
    milwaukee, portland, baltimore = data
    assert milwaukee["date"] == "2004-04-06" and milwaukee["winner"] == "Tom Barrett"
    assert portland["jurisdiction"] == {"city": "Portland", "state": "Oregon"}
    dem, _rep, general = baltimore["stages"]
    assert (dem["kind"], dem["party"], dem["date"]) == ("primary", "Democratic", "2003-09-09")
    assert (dem["stated_total"], dem["computed_total"]) == (89, 89423)
    omalley = general["candidates"][0]
    assert omalley == {
        "name": "Martin O'Malley",
        "party": "Democratic",
        "party_label": "Democratic Party (United States)",
        "votes": 173030,
        "percent": "87.21",
        "incumbent": True,
        "acting": False,
        "write_in": False,
        "status": "elected",
        "line": 58,
    }
    assert general["candidates"][2]["write_in"] is True
    assert baltimore["infobox"]["Popular Vote1"] == "173,030"


def test_parse_json_of_samples_is_valid() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    data = json.loads(invoke("parse", "--json", *map(str, SAMPLES)).stdout)
    for item in data:
        validator.validate(item)


def test_parse_summary_shows_derived_percentages(seeds_dir: Path) -> None:
    out = invoke("parse", str(PORTLAND)).stdout
    assert "Tom Potter" in out and "56,530" in out and "42.42" in out
    assert "stated total 133 · rows sum to 133,259" in out


def test_render_round_trips_through_the_command_line(seeds_dir: Path, tmp_path: Path) -> None:
    rendered = invoke("render", str(BALTIMORE), "--to", "text").stdout
    path = tmp_path / "again.txt"
    path.write_text(rendered, encoding="utf-8")
    assert invoke("render", str(path)).stdout == rendered


def test_parse_warns_on_stderr_and_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "warn.txt"
    path.write_text("= 2004 X mayoral election =\n\nInfobox\n- Turnout: lots\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 0
    assert f"warning: {path}:4: Turnout: expected a percentage" in result.stderr


def test_demo_shows_every_sample() -> None:
    out = invoke("demo").stdout
    for title in ("2004 Milwaukee mayoral election", "2023 Sampleton, Oregon mayoral election"):
        assert title in out


@pytest.mark.parametrize("args", [["--help"], ["parse", "--help"], ["--version"]])
def test_help(args: list[str]) -> None:
    assert invoke(*args).stdout


def test_render_to_another_format(seeds_dir: Path) -> None:
    out = invoke("render", str(BALTIMORE), "--to", "wikitext").stdout
    assert out.startswith("{{Infobox election") and "173,030" in out


def test_text_target_reports_what_it_cannot_hold(tmp_path: Path) -> None:
    precincts = ROOT / "tests" / "data" / "openelections" / "20181106__dc__general__precinct.csv"
    result = CliRunner().invoke(main, ["convert", str(precincts), "--to", "text"])
    assert result.exit_code == 0, result.output
    assert (
        "warning: MAYOR OF THE DISTRICT OF COLUMBIA: General election: results by reporting unit "
        "are not written, only totals"
    ) in result.stderr
