"""Golden test: a real published cast-vote record, counted as RCTab counted it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tallyroom.rcv import read_rctab_config, tabulate
from tallyroom.rcv.reports import to_rctab_json

DATA = Path(__file__).resolve().parent / "data" / "rcv" / "alaska_2024"


def test_alaska_2024_reproduces_rctab_round_by_round() -> None:
    contest = read_rctab_config(DATA / "alaska_2024_config.json")
    ballots = contest.load()
    result = tabulate(ballots, contest.options)
    expected = json.loads((DATA / "alaska_2024_expected_detailed_report.json").read_text())

    assert result.total_ballots == int(expected["summary"]["totalNumBallots"])
    assert result.undervotes == expected["summary"]["undervotes"]
    assert len(result.candidates) == expected["summary"]["numCandidates"]
    assert len(result.rounds) == len(expected["results"])
    for record, published in zip(result.rounds, expected["results"], strict=True):
        assert record.number == published["round"]
        assert dict(record.tally) == {k: Decimal(v) for k, v in published["tally"].items()}
        assert record.threshold == Decimal(published["threshold"])
        inactive = published["inactiveBallots"]
        assert record.inactive.exhausted_choices == Decimal(inactive["exhaustedChoices"])
        assert record.inactive.overvotes == Decimal(inactive["overvotes"])
        assert record.inactive.skipped_rankings == Decimal(inactive["skippedRankings"])
        assert record.inactive.repeated_rankings == Decimal(inactive["repeatedRankings"])
        elected = [t["elected"] for t in published["tallyResults"] if "elected" in t]
        eliminated = [t["eliminated"] for t in published["tallyResults"] if "eliminated" in t]
        assert list(record.elected) == elected
        assert list(record.eliminated) == eliminated
    assert result.winners == ("Begich, Nick",)


def test_alaska_2024_rctab_json_matches_published_results_section() -> None:
    contest = read_rctab_config(DATA / "alaska_2024_config.json")
    result = tabulate(contest.load(), contest.options)
    expected = json.loads((DATA / "alaska_2024_expected_detailed_report.json").read_text())
    ours = to_rctab_json(
        result,
        contest=contest.contest_name,
        date=contest.contest_date,
        jurisdiction=contest.jurisdiction,
        office=contest.office,
    )
    assert ours["results"] == expected["results"]
    summary = dict(expected["summary"])
    assert ours["summary"] == summary
    assert {k: v for k, v in ours["config"].items() if k != "generatedBy"} == {
        k: v for k, v in expected["config"].items() if k != "generatedBy"
    }
