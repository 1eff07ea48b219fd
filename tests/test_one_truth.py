"""One truth: every figure and winner is decided once, stored, and shown the same everywhere.

For every sample, seed and test document (and ranked-choice ballots), the figures that
``tabulate --json`` prints, that ``show --json`` prints, that the stored row holds, that the
website's JSON twin and the static export serve, and the votes the NIST export carries agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tallyroom.store import Store
from tallyroom.store import schema as t
from tests.conftest import ROOT, SEEDS, SEEDS_DIR
from tests.conftest import run_cli as run

SAMPLES = sorted((ROOT / "tallyroom" / "data" / "samples").glob("*.txt"))
DOCUMENTS = sorted((ROOT / "tests" / "data" / "checks").glob("*.txt"))
#: Ranked ballots whose first-round leader loses (see tests/data/rcv/README.md).
COMEBACK = ROOT / "tests" / "data" / "rcv" / "comeback.csv"
SAMPLE_BALLOTS = ROOT / "tallyroom" / "data" / "rcv" / "sample_mayor.csv"


def as_data(*args: str) -> Any:
    return json.loads(run(*args).stdout)


def fixture_files() -> list[Path]:
    files = [*SAMPLES, *DOCUMENTS]
    if SEEDS_DIR.is_dir():
        files.extend(SEEDS)
    return files


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """Every fixture imported into one database, each file its own election (seeds and
    samples of one election are imported into databases of their own, below)."""
    folder = tmp_path_factory.mktemp("truth")
    ids: dict[str, int] = {}
    for n, path in enumerate(fixture_files()):
        db = str(folder / f"{n}.db")
        out = as_data("import", str(path), "--db", db, "--json")
        (entry,) = out["files"]
        assert entry["status"] == "stored", entry
        ids[str(path)] = entry["elections"][0]["election_id"]
    for n, path in enumerate((COMEBACK, SAMPLE_BALLOTS)):
        db = str(folder / f"ballots-{n}.db")
        out = as_data("import", str(path), "--rules", "ranked-choice", "--db", db, "--json")
        assert out["refused"] == 0, out
    yield str(folder), ids


def _db(folder: str, path: Path) -> str:
    files = fixture_files()
    if path in files:
        return str(Path(folder) / f"{files.index(path)}.db")
    return str(Path(folder) / f"ballots-{(COMEBACK, SAMPLE_BALLOTS).index(path)}.db")


def _cases() -> list[Path]:
    return [*fixture_files(), COMEBACK, SAMPLE_BALLOTS]


@pytest.mark.parametrize("path", _cases(), ids=lambda p: p.name)
def test_every_output_shows_the_same_figures(
    path: Path, database: tuple[str, dict[str, int]], tmp_path: Path
) -> None:
    folder, _ = database
    db = _db(folder, path)
    shown = as_data("show", "1", "--db", db, "--json")
    figures = shown["figures"]

    # tabulate --json decides with the same service: the same figures.
    if path.suffix == ".txt":
        tabulated = as_data("tabulate", str(path), "--json")
        assert tabulated["figures"] == figures
        assert [s["winners"] for s in tabulated["stages"]] == [
            s["decision"]["winners"] for s in figures["stages"]
        ]

    # The stored row holds the winner and its share that the figures give.
    with Store.open(db) as store:
        record = store.record(1)
        from tallyroom.store.codec import to_json

        assert to_json(record.figures) == figures
        with store.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.versions.c.winner, t.versions.c.winner_percent, t.versions.c.outcome)
            ).one()
        assert (row.winner, row.winner_percent, row.outcome) == (
            figures["winner"],
            figures["winner_percent"],
            figures["outcome"],
        )
        (summary,) = store.list_elections().rows
        assert (summary.winner, summary.winner_percent) == (row.winner, row.winner_percent)

    # The website's JSON twin and the static export serve the stored figures.
    from fastapi.testclient import TestClient

    from tallyroom.web import create_app, export_site

    with TestClient(create_app(db)) as client:
        page = client.get("/elections/1.json")
        assert page.status_code == 200
        assert page.json()["figures"] == figures
        (listed,) = client.get("/index.json").json()["elections"]
        assert (listed["winner"], listed["winner_percent"], listed["outcome"]) == (
            figures["winner"],
            figures["winner_percent"],
            figures["outcome"],
        )
    with Store.open(db, migrate=False) as store:
        export_site(store, tmp_path / "site")
    exported = json.loads((tmp_path / "site" / "elections" / "1.json").read_text("utf-8"))
    assert exported["figures"] == figures

    # The NIST export carries every vote the tables state, as the figures give them.
    if path.suffix == ".txt":
        nist = as_data("convert", str(path), "--to", "nist-json")
        counts = _nist_counts(nist)
        for stage in figures["stages"]:
            for row in stage["rows"]:
                if row["basis"] == "table":
                    assert row["votes"] in counts.get(row["name"], ()), (stage["label"], row)


def _nist_counts(report: dict[str, Any]) -> dict[str, set[int]]:
    """Each candidate's vote counts in a NIST results report, by ballot name."""
    found: dict[str, set[int]] = {}
    for election in report["Election"]:
        names = {
            c["@id"]: c["BallotName"]["Text"][0]["Content"] for c in election.get("Candidate", ())
        }
        for contest in election.get("Contest", ()):
            for selection in contest.get("ContestSelection", ()):
                for candidate in selection.get("CandidateIds", ()):
                    counts = found.setdefault(names[candidate], set())
                    counts.update(v["Count"] for v in selection.get("VoteCounts", ()))
    return found


def test_a_tie_is_shown_tied_everywhere(database: tuple[str, dict[str, int]]) -> None:
    folder, _ = database
    tiedale = next(p for p in SAMPLES if "tiedale" in p.name)
    figures = as_data("show", "1", "--db", _db(folder, tiedale), "--json")["figures"]
    assert figures["winner"] is None and figures["outcome"] == "tied"
    assert figures["tied"] == ["Dana Reyes", "Eli Novak"]
    statuses = {row["name"]: row["status"] for row in figures["stages"][0]["rows"]}
    assert statuses == {"Dana Reyes": "tied", "Eli Novak": "tied", "Fay Ortiz": "defeated"}
    decision = figures["stages"][0]["decision"]
    assert "no tie-break" in decision["tie_break"]
    # The document claims Dana Reyes won: a claim, judged, never the answer.
    assert "elected: Dana Reyes" in decision["claims"]


def test_ranked_choice_the_first_round_leader_can_lose(
    database: tuple[str, dict[str, int]],
) -> None:
    folder, _ = database
    shown = as_data("show", "1", "--db", _db(folder, COMEBACK), "--json")
    figures = shown["figures"]
    (stage,) = figures["stages"]
    first, last = stage["rounds"][0], stage["rounds"][-1]
    leader = max(first["candidates"], key=lambda c: Decimal(c["votes"]))["name"]
    assert figures["winner"] != leader
    # The winner's share is the final round's, of its continuing ballots.
    (mine,) = [c for c in last["candidates"] if c["name"] == figures["winner"]]
    assert figures["winner_percent"] == mine["percent"]
    # Every round accounts for every ballot: continuing + inactive = ballots cast.
    for item in stage["rounds"]:
        assert Decimal(item["continuing"]) + Decimal(item["inactive"]) == item["ballots_cast"]


def test_ranked_choice_rounds_equal_the_counts(database: tuple[str, dict[str, int]]) -> None:
    folder, _ = database
    counted = as_data("rcv", str(SAMPLE_BALLOTS), "--format", "json")
    figures = as_data("show", "1", "--db", _db(folder, SAMPLE_BALLOTS), "--json")["figures"]
    (stage,) = figures["stages"]
    assert len(stage["rounds"]) == len(counted["rounds"])
    exhausted = []
    for stored, count in zip(stage["rounds"], counted["rounds"], strict=True):
        assert {c["name"]: c["votes"] for c in stored["candidates"]} == {
            name: str(votes) for name, votes in _tally(count).items()
        }
        reasons = {item["reason"]: item["ballots"] for item in stored["inactive_by_reason"]}
        exhausted.append(reasons["exhausted"])
    assert exhausted[0] == "0" and exhausted[-1] != "0"


def _tally(count: dict[str, Any]) -> dict[str, Any]:
    tally = count["tally"]
    if isinstance(tally, dict):
        return tally
    return {item["name"]: item["votes"] for item in tally}


def test_ballot_files_of_other_formats_import_with_rules(tmp_path: Path) -> None:
    """ABIF (Burlington, Vermont, 2009: Bob Kiss won in the final round) and a NIST
    cast-vote-record report are counted under the rules named on the command line."""
    db = str(tmp_path / "ballots.db")
    abif = ROOT / "tests" / "data" / "rcv" / "burlington_2009" / "burl2009.abif"
    cvr = next((ROOT / "tests" / "data" / "rcv" / "rctab_exhaust_at_overvote").glob("*_cvr.json"))
    refused = run("import", str(abif), "--db", db, code=2)
    assert "refused:" in refused.stderr
    out = as_data("import", str(abif), str(cvr), "--rules", "ranked-choice", "--db", db, "--json")
    assert [f["status"] for f in out["files"]] == ["stored", "stored"]
    figures = as_data("show", "burl2009", "--db", db, "--json")["figures"]
    assert figures["winner"] == "Kiss"
    (stage,) = figures["stages"]
    assert len(stage["rounds"]) >= 3
    last = stage["rounds"][-1]
    assert {c["name"] for c in last["candidates"]} == {"Kiss", "Wright"}
    assert Decimal(last["continuing"]) + Decimal(last["inactive"]) == last["ballots_cast"] == 8980
