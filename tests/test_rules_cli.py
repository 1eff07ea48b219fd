"""``tallyroom tabulate`` and ``tallyroom rules``, through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tallyroom.cli import main
from tests.conftest import BALTIMORE, MILWAUKEE, PORTLAND


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_tabulate_json_for_the_three_seeds(seeds_dir: Path) -> None:
    code, out, _ = run("tabulate", str(MILWAUKEE), str(PORTLAND), str(BALTIMORE), "--json")
    assert code == 0
    milwaukee, portland, baltimore = json.loads(out)
    assert [s["verdict"] for s in milwaukee["stages"]] == ["cannot-tell", "agrees"]
    assert milwaukee["rules"]["how"] == "inferred" and milwaukee["rules"]["based_on"]
    assert portland["stages"][0]["advanced"] == ["Tom Potter", "Jim Francesconi"]
    assert portland["stages"][1]["winners"] == ["Tom Potter"]
    assert [(s["kind"], s["party"]) for s in baltimore["stages"]] == [
        ("primary", "Democratic"),
        ("primary", "Republican"),
        ("general", None),
    ]
    assert baltimore["verdict"] == "agrees"


def test_tabulate_with_a_named_preset(seeds_dir: Path) -> None:
    code, out, _ = run("tabulate", str(PORTLAND), "--rules", "portland-2004", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["rules"]["name"] == "portland-2004" and data["rules"]["how"] == "named"
    assert data["stages"][0]["reasons"][1].startswith("Tom Potter has 56,530 of 133,259 votes")


def test_tabulate_text(seeds_dir: Path) -> None:
    code, out, _ = run("tabulate", str(PORTLAND))
    assert code == 0
    assert "rules: portland-2004 (inferred)" in out
    assert "the preset for Portland, Oregon in 2004" in out
    assert "advanced: Tom Potter, Jim Francesconi" in out
    assert "overall: agrees" in out


def test_tabulate_with_a_rules_file_that_does_not_fit(seeds_dir: Path) -> None:
    code, out, err = run("tabulate", str(PORTLAND), "--rules", "baltimore")
    assert code == 2 and out == ""
    assert err.startswith("error: preset baltimore: primary.kind: 'partisan-primary' needs")
    assert "Traceback" not in err


def test_tabulate_with_a_bad_rules_file(tmp_path: Path, seeds_dir: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('title = "x"\nlaw = "y"\n[general]\nkind = "plurality"\nseats = 0\n')
    code, _, err = run("tabulate", str(PORTLAND), "--rules", str(rules))
    assert code == 2
    assert err.strip() == (
        f"error: {rules}:5: general.seats: must be a whole number of 1 or more, not 0"
    )


def test_rules_list_and_show() -> None:
    code, out, _ = run("rules", "list")
    assert code == 0
    for name in ("milwaukee", "portland-2004", "portland-2024", "baltimore", "top-two"):
        assert f"\n{name}: " in f"\n{out}"
    code, out, _ = run("rules", "show", "milwaukee")
    assert code == 0
    assert "Wisconsin Statutes § 8.11" in out
    assert "Primary: The 2 leading candidates advance to the next stage" in out
    code, _, err = run("rules", "show", "nowhere")
    assert code == 2 and "no preset and no file of that name" in err


def test_the_demo_shows_outcomes() -> None:
    from rich.console import Console

    from tallyroom.cli.demo import sample_elections
    from tallyroom.cli.rules import demo_outcomes

    elections = sample_elections()
    console = Console(record=True, width=120)
    demo_outcomes(console, elections)
    text = console.export_text()
    assert "Outcomes under the rules" in text
    assert text.count("overall: ") == len(elections)
