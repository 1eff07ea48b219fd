"""The native TOML election file and ``tallyroom convert``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats import detect_format, read_path
from tallyroom.formats.article import read_article_file
from tallyroom.formats.native import read_native, write_native

from .conftest import ROOT, SEEDS, TEST_DATA

DOC_EXAMPLE = re.compile(r"```toml\n(.*?)```", re.DOTALL)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_native_write_then_read_is_identity(seed: Path, seeds_dir: Path) -> None:
    election = read_article_file(seed)
    assert read_native(write_native([election]).text, "x.toml") == (election,)


def test_documented_example_reads_with_its_returns_csv(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "formats.md").read_text()
    toml_text, csv_text = DOC_EXAMPLE.findall(doc)[0], re.findall(r"```csv\n(.*?)```", doc, re.S)[0]
    (tmp_path / "election.toml").write_text(toml_text)
    (tmp_path / "returns.csv").write_text(csv_text)
    (election,) = read_path(tmp_path / "election.toml")
    primary, general = election.stages
    assert primary.party == "Democratic"
    assert {r.name: r.votes for r in general.results} == {"Ann Lee": 1530, "Bo Diaz": 1180}
    assert len(general.unit_results) == 8
    assert detect_format(toml_text) == "native"


def test_unknown_key_names_file_line_and_key() -> None:
    text = (
        'format = "tallyroom-election"\nversion = 1\ntitle = "X"\n\n'
        '[[stages]]\nkind = "general"\nvotez = 3\n'
    )
    with pytest.raises(ValidationError, match=r"e\.toml:7: stages\[0\]\.votez: unknown key"):
        read_native(text, "e.toml")


def test_bad_values_are_refused_with_their_key() -> None:
    head = 'format = "tallyroom-election"\nversion = 1\ntitle = "X"\n[[stages]]\n'
    with pytest.raises(ValidationError, match=r"stages\[0\]\.kind: expected one of"):
        read_native(head + 'kind = "final"\n', "k.toml")
    with pytest.raises(ValidationError, match=r"votes: expected a whole number"):
        read_native(
            head + 'kind = "general"\n[[stages.results]]\nname = "A"\nvotes = "12"\n', "v.toml"
        )
    with pytest.raises(ParseError, match=r"t\.toml:2: expected TOML"):
        read_native('format = "tallyroom-election"\nversion = = 1\n', "t.toml")


def test_convert_openelections_to_nist_and_wikitext(tmp_path: Path) -> None:
    data = TEST_DATA / "openelections"
    out = tmp_path / "dc.json"
    args = [
        "convert",
        str(data / "20060912__dc__primary__precinct.csv"),
        str(data / "20061107__dc__general__precinct.csv"),
        "--precinct-map",
        str(data / "precinct_to_ward.csv"),
        "--office",
        "mayor",
        "--to",
        "nist-json",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert len(report["Election"]) == 2  # the primary date and the general date
    primaries = report["Election"][0]["Contest"]
    assert len(primaries) == 3 and all("PrimaryPartyIds" in c for c in primaries)
    wiki = CliRunner().invoke(main, ["convert", str(out), "--to", "wikitext"])
    assert wiki.exit_code == 0
    assert "| votes = 60,732 |" in wiki.stdout
    assert "reporting-unit rows not written" in wiki.stderr


def test_convert_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cut.json"
    bad.write_text('{"Election": [')
    result = CliRunner().invoke(main, ["convert", str(bad), "--to", "native"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}:1: expected JSON")
