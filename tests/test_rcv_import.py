"""Ranked-choice results imported: tallyroom's count JSON, RCTab configs and reports, ballots."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats import detect_format, load_text, read_bytes, read_path, read_text
from tallyroom.formats.ballots import read_ballots
from tallyroom.formats.native import read_native, write_native
from tallyroom.model import Election, Round, Stage
from tallyroom.rcv import read_rctab_config, tabulate
from tallyroom.rcv.reports import to_json
from tallyroom.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tallyroom" / "data" / "rcv" / "sample_mayor.csv"
DATA = Path(__file__).resolve().parent / "data" / "rcv"
COMEBACK = DATA / "comeback.csv"
CONFIGS = sorted(DATA.glob("*/*_config.json"))


def _rcv_json(path: Path) -> str:
    result = CliRunner().invoke(main, ["rcv", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.output


def _stage(election: Election) -> Stage:
    (stage,) = election.stages
    return stage


def _balances(stage: Stage) -> None:
    """Every round: continuing votes + inactive ballots (+ surplus lost) = ballots cast."""
    assert stage.ballots_cast is not None
    lost = Decimal(0)
    for item in stage.rounds:
        assert item.continuing + item.inactive + lost == stage.ballots_cast, item.number
        assert sum(v for _, v in item.inactive_by_reason) == item.inactive
        lost += sum(t.votes for t in item.transfers if t.target == "residual surplus")


def test_sample_ballots_exhausted_not_undervote() -> None:
    stage = _stage(read_ballots(SAMPLE, "ranked-choice"))
    assert stage.ballots_cast == 400
    first, final = stage.rounds
    assert (first.continuing, first.inactive) == (Decimal(400), Decimal(0))
    assert (final.continuing, final.inactive) == (Decimal(389), Decimal(11))
    assert final.inactive_for("exhausted") == 11
    assert final.inactive_for("undervote") == 0
    assert first.threshold == 201 and final.threshold == 195
    assert final.elected == ("Alvarez",) and first.eliminated == ("Eze",)
    moved = {t.target: t.votes for t in first.transfers if t.source == "Eze"}
    assert moved == {"Brooks": 4, "Alvarez": 8, "Dubois": 4, "Chen": 2, "exhausted": 11}
    # Results rows are first-round votes.
    assert [(r.name, r.votes) for r in stage.results][:2] == [("Alvarez", 189), ("Brooks", 71)]
    _balances(stage)


def test_text_report_shows_exhausted_ballots_as_inactive() -> None:
    result = CliRunner().invoke(main, ["rcv", str(SAMPLE)])
    assert "Inactive         0       11" in result.output
    assert "undervote" not in result.output


def test_blank_ballots_are_inactive_undervotes_from_round_one() -> None:
    stage = _stage(read_ballots(COMEBACK, "ranked-choice"))
    first, final = stage.rounds
    assert stage.ballots_cast == 100
    assert first.inactive_for("undervote") == 2 and first.inactive == 2
    assert final.inactive_for("exhausted") == 3 and final.inactive == 5
    _balances(stage)


def test_rcv_json_import_equals_the_count() -> None:
    text = _rcv_json(SAMPLE)
    assert detect_format(text, "sample_mayor.json") == "rcv-json"
    (election,) = read_text(text, "sample_mayor.json")
    counted = read_ballots(SAMPLE, "ranked-choice")
    assert election.title == "sample_mayor"
    assert _stage(election).rounds == _stage(counted).rounds
    assert _stage(election).results == _stage(counted).results
    assert _stage(election).ballots_cast == 400


def test_import_through_the_store_and_read_back(tmp_path: Path) -> None:
    from tallyroom.service import import_elections

    text = _rcv_json(SAMPLE)
    elections = read_text(text, "sample_mayor.json")
    with Store.open(tmp_path / "t.db") as store:
        (stored,) = import_elections(store, elections, text, "sample_mayor.json")
        back = store.get_election(stored.election_id)
    assert back == elections[0]
    rounds = _stage(back).rounds
    published = json.loads(text)["rounds"]
    assert len(rounds) == len(published) == 2
    for item, shown in zip(rounds, published, strict=True):
        assert dict(item.tally) == {k: Decimal(v) for k, v in shown["tally"].items()}
        assert item.threshold == Decimal(shown["threshold"])
        assert [(t.source, t.target, str(t.votes)) for t in item.transfers] == [
            (t["from"], t["to"], t["votes"]) for t in shown["transfers"]
        ]
    _balances(_stage(back))


@pytest.mark.parametrize("config", CONFIGS, ids=[c.parent.name for c in CONFIGS])
def test_rctab_config_imports_with_its_contest(config: Path) -> None:
    assert detect_format(read_bytes(config), config.name) == "rctab-config"
    (election,) = read_path(config)
    contest = read_rctab_config(config)
    result = tabulate(contest.load(), contest.options)
    stage = _stage(election)
    assert election.title == contest.contest_name
    assert election.office == contest.office
    assert str(election.date) == contest.contest_date
    assert stage.rounds == result.to_model_rounds()
    assert stage.ballots_cast == result.total_ballots
    _balances(stage)


def test_rctab_config_jurisdiction_of_a_state() -> None:
    (election,) = read_path(DATA / "alaska_2024" / "alaska_2024_config.json")
    assert (election.jurisdiction.city, election.jurisdiction.state) == (None, "Alaska")
    assert _stage(election).rounds[0].inactive_for("undervote") == 8


@pytest.mark.parametrize("config", CONFIGS, ids=[c.parent.name for c in CONFIGS])
def test_rctab_report_reads_as_the_count_of_its_config(config: Path) -> None:
    (report,) = [p for p in config.parent.glob("*expected_detailed_report.json")]
    loaded = load_text(read_bytes(report), str(report))
    assert detect_format(read_bytes(report), report.name) == "rctab-report"
    (from_report,) = loaded.elections
    (from_config,) = read_path(config)
    assert from_report.title == from_config.title
    mine, theirs = _stage(from_report).rounds, _stage(from_config).rounds
    assert [r.tally for r in mine] == [tuple(sorted(r.tally)) for r in theirs]
    assert [r.inactive_by_reason for r in mine] == [r.inactive_by_reason for r in theirs]
    assert [(r.elected, r.eliminated, r.threshold) for r in mine] == [
        (r.elected, r.eliminated, r.threshold) for r in theirs
    ]
    _balances(_stage(from_report))


def test_rctab_report_sets_the_final_surplus_aside_with_the_exhausted() -> None:
    folder = DATA / "rctab_multi_winner_fractional"
    report = folder / "test_set_multi_winner_fractional_threshold_expected_detailed_report.json"
    loaded = load_text(read_bytes(report), str(report))
    assert loaded.warnings == ()
    last = _stage(loaded.elections[0]).rounds[-1]
    # RCTab 2.0.1: 0.1874 exhausted choices + 5.8741 final-round surplus set aside.
    assert last.inactive_for("exhausted") == Decimal("6.0615")
    assert last.inactive_for("skipped") == Decimal("2.1874")


def test_a_first_round_leader_who_loses(tmp_path: Path) -> None:
    from tallyroom.round_figures import final_round_share

    election = read_ballots(COMEBACK, "ranked-choice")
    stage = _stage(election)
    assert stage.ranked()[0].name == "Avery"
    assert stage.rounds[-1].elected == ("Blake",)
    assert str(final_round_share(stage, "Blake")) == "11/19"  # 55 of 95
    assert election.rules == "ranked-choice"


def test_native_round_trip_keeps_every_round_field() -> None:
    election = read_ballots(COMEBACK, "ranked-choice")
    text = write_native([election]).text
    assert "inactive_by_reason" in text and "transfers" in text and "threshold" in text
    (back,) = read_native(text, "comeback.toml")
    assert back == election
    assert [len(r.transfers) for r in back.stages[0].rounds] == [2, 0]


def test_native_refuses_reasons_that_do_not_add_up() -> None:
    election = read_ballots(COMEBACK, "ranked-choice")
    text = write_native([election]).text.replace(
        '"undervote",\n        "2",', '"undervote",\n        "7",', 1
    )
    assert '"7"' in text
    with pytest.raises(
        ValidationError,
        match=r"^comeback\.toml:\d+: stages\[0\]\.rounds\[0\]: round 1: .* sum to 7, not 2$",
    ):
        read_native(text, "comeback.toml")


def test_model_round_checks_its_reasons() -> None:
    with pytest.raises(ValueError, match="sum to 3, not 4"):
        Round(
            1,
            (("A", Decimal(1)),),
            inactive=Decimal(4),
            inactive_by_reason=(("exhausted", Decimal(3)),),
        )


def test_bad_json_fails_with_file_and_key(tmp_path: Path) -> None:
    report = json.loads(_rcv_json(SAMPLE))
    report["rounds"][1]["tally"]["Brooks"] = "many"
    with pytest.raises(
        ValidationError, match=r"^x\.json: rounds\[1\]\.tally\.Brooks: expected a number"
    ):
        read_text(json.dumps(report), "x.json")
    report["rounds"][1]["tally"]["Brooks"] = "75"
    report["rounds"][0]["inactive"]["lost"] = "0"
    with pytest.raises(ValidationError, match=r"rounds\[0\]\.inactive\.lost: unknown reason"):
        read_text(json.dumps(report), "x.json")
    with pytest.raises(ParseError, match=r"^y\.json:3: expected JSON"):
        read_text('{"total_ballots": 4,\n "rounds": [\n oops', "y.json")


def test_rctab_config_is_read_from_its_file() -> None:
    text = read_bytes(CONFIGS[0])
    with pytest.raises(ParseError, match="read from its file"):
        read_text(text, "<stdin>")


def test_ballots_under_rules_that_are_not_ranked() -> None:
    with pytest.raises(ValidationError, match="ballots need a 'ranked-choice' rule"):
        read_ballots(SAMPLE, "plurality")


def test_to_json_counts_unused_rankings_as_exhausted() -> None:
    from tallyroom.rcv import read_ballots as read_ballot_file
    from tallyroom.rcv.options import RcvOptions

    result = tabulate(read_ballot_file(SAMPLE), RcvOptions())
    shown = to_json(result)["rounds"][1]["inactive"]
    assert (shown["exhausted_choices"], shown["undervote"]) == ("11", "0")
