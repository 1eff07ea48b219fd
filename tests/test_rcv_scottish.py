"""The Scottish STV count against two real council wards' declared stage figures, and its rules.

Data and sources: ``tests/data/stv/README.md``.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from tallyroom.errors import ParseError, TabulationError, TieUnbrokenError
from tallyroom.rcv.scottish import count, droop_quota, preference_lists
from tallyroom.rcv.scottish_blt import parse_blt, read_blt
from tallyroom.rcv.scottish_report import render_text, to_json
from tallyroom.rcv.types import OVERVOTE, BallotSet
from tests.strategies import letter_ballots, ranked_profiles

STV_DATA = Path(__file__).resolve().parent / "data" / "stv"
WARDS = ("renfrewshire_2017_ward11", "east_ayrshire_2017_ward1")


def _declared(ward: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (STV_DATA / f"{ward}_declared.json").read_text(encoding="utf-8")
    )
    return data


def _places(figure: str) -> int:
    return len(figure.partition(".")[2])


def _at_published_places(value: Decimal, figure: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-_places(figure)), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("ward", WARDS)
def test_declared_stage_figures_are_reproduced_to_the_last_published_decimal(ward: str) -> None:
    contest = read_blt(STV_DATA / f"{ward}.blt")
    declared = _declared(ward)
    result = count(contest.ballots, contest.seats)
    assert contest.seats == declared["seats"]
    assert result.valid_papers == declared["valid_poll"]
    assert result.quota == Decimal(declared["quota"])
    assert len(result.stages) == len(declared["stages"])
    for stage, figures in zip(result.stages, declared["stages"], strict=True):
        for name, figure in figures.items():
            ours = _at_published_places(stage.votes(name), figure)
            assert ours == Decimal(figure), f"stage {stage.number}, {name}: {ours} != {figure}"
    assert list(result.winners) == declared["elected"]
    excluded = [name for stage in result.stages for name in stage.excluded]
    assert excluded == declared["excluded"]


def test_renfrewshire_transfer_values_follow_rule_48() -> None:
    contest = read_blt(STV_DATA / "renfrewshire_2017_ward11.blt")
    result = count(contest.ballots, contest.seats)
    kinds = [(s.kind, s.source) for s in result.stages]
    assert kinds == [
        ("first-preferences", None),
        ("surplus", "James Maclaren"),
        ("surplus", "Natalie Don"),
        ("exclusion", "Ellen Höfer-Franz"),
    ]
    # 1148 / 2552 and 379 / 1783, truncated to five places.
    assert result.stages[1].transfer_values == (Decimal("0.44984"),)
    assert result.stages[2].transfer_values == (Decimal("0.21256"),)
    harrison = dict(result.stages[1].changes)["Elliot Alexander Harrison"]
    assert harrison == Decimal("325.68416")  # 724 papers at 0.44984


def test_annick_exclusion_passes_papers_on_at_the_values_they_were_received() -> None:
    contest = read_blt(STV_DATA / "east_ayrshire_2017_ward1.blt")
    result = count(contest.ballots, contest.seats)
    singh = result.stages[2]
    assert singh.kind == "exclusion" and singh.source == "Amrik Singh"
    assert dict(singh.changes)["Amrik Singh"] == Decimal("-29.33714")
    # The last vacancies: three continuing candidates for three seats, no further transfer.
    last = result.stages[-1]
    assert set(last.elected) == {"Gordon Jenkins", "Ellen Freel", "John Mcghee"}
    assert last.votes("Gordon Jenkins") > result.quota


@pytest.mark.parametrize("ward", WARDS)
def test_every_stage_accounts_for_every_valid_paper(ward: str) -> None:
    contest = read_blt(STV_DATA / f"{ward}.blt")
    result = count(contest.ballots, contest.seats)
    for stage in result.stages:
        held = sum(votes for _, votes in stage.tally)
        assert held + stage.non_transferable + stage.rounding_loss == result.valid_papers


def test_quota_is_rule_46() -> None:
    assert droop_quota(5613, 3) == 1404
    assert droop_quota(6191, 4) == 1239
    assert droop_quota(100, 1) == 51


def test_exclusion_tie_is_decided_at_the_most_recent_earlier_stage_then_by_lot() -> None:
    # Quota 19 // 3 + 1 = 7. A's surplus of 3 goes on at 3/10 = 0.3 to D: B, C and D all hold 4.
    # At stage 1 D had 1, fewer than B and C: D is excluded. B and C then tie at every stage.
    ballots = letter_ballots((10, "AD"), (4, "B"), (4, "C"), (1, "D"))
    with pytest.raises(TieUnbrokenError) as caught:
        count(ballots, 2)
    assert caught.value.tied == ("B", "C") and caught.value.role == "lose"
    result = count(ballots, 2, seed=7)
    stage3 = result.stages[2]
    assert stage3.source == "D" and stage3.tiebreaks[0].method == "earlier-stage"
    assert stage3.tiebreaks[0].tied == ("B", "C", "D")
    lot = result.stages[3].tiebreaks[0]
    assert lot.method == "lot" and lot.tied == ("B", "C")
    assert result.winners == ("A", {"B": "C", "C": "B"}[lot.selected])
    assert count(ballots, 2, seed=7) == result


def test_equal_surpluses_are_ordered_by_the_earlier_stage() -> None:
    # Quota 39 // 5 + 1 = 8. Stage 1: X 16 and A 9 are elected. X's surplus (the larger) goes
    # on at 8 / 16 = 0.5, passing over A: B 2 + 7 = 9. A and B now have equal surpluses of 1;
    # A had more votes at stage 1, so A's surplus is transferred first.
    ballots = letter_ballots(
        (2, "XAC"), (14, "XBD"), (9, "AC"), (2, "BD"), (5, "C"), (4, "D"), (3, "E")
    )
    result = count(ballots, 4)
    assert [(s.kind, s.source) for s in result.stages[:4]] == [
        ("first-preferences", None),
        ("surplus", "X"),
        ("surplus", "A"),
        ("surplus", "B"),
    ]
    assert result.stages[1].transfer_values == (Decimal("0.50000"),)
    tie = result.stages[2].tiebreaks[0]
    assert tie.kind == "surplus-order" and tie.tied == ("A", "B")
    assert tie.selected == "A" and tie.method == "earlier-stage"
    assert result.winners == ("X", "A", "B", "C")


def test_a_candidate_exactly_at_the_quota_has_no_surplus_to_transfer() -> None:
    # Quota 9 // 3 + 1 = 4: A holds exactly 4, so the next stage is an exclusion.
    result = count(letter_ballots((4, "AB"), (3, "B"), (2, "C")), 2)
    assert [s.kind for s in result.stages] == ["first-preferences", "exclusion"]
    assert result.winners == ("A", "B")


def test_papers_stop_at_a_gap_an_overvote_or_a_double_mark() -> None:
    ballots = BallotSet(
        candidates=("A", "B", "C"),
        rankings=(
            ((1, (0,)), (3, (1,))),
            ((1, (1,)), (2, (0, 2))),
            ((1, (2,)), (2, (OVERVOTE,))),
            ((1, (0,)), (2, (0,)), (3, (2,))),
            (),
            ((2, (1,)),),
        ),
        counts=(1, 2, 3, 4, 5, 6),
    )
    assert dict(preference_lists(ballots)) == {(0,): 1, (1,): 2, (2,): 3, (0, 2): 4}


def test_more_seats_than_candidates_elects_everyone_and_bad_counts_are_refused() -> None:
    result = count(letter_ballots((3, "AB"), (2, "B")), 5)
    assert set(result.winners) == {"A", "B"}
    with pytest.raises(TabulationError, match="at least 1"):
        count(letter_ballots((1, "A")), 0)
    with pytest.raises(TabulationError, match="no valid ballot paper"):
        count(BallotSet(candidates=("A",), rankings=((),), counts=(3,)), 1)


def test_renderings_carry_the_stages() -> None:
    contest = read_blt(STV_DATA / "renfrewshire_2017_ward11.blt")
    result = count(contest.ballots, contest.seats)
    text = render_text(result, contest.title)
    assert "Stage 2: surplus of James Maclaren (transfer value 0.44984)" in text
    assert "Stage 4: exclusion of Ellen Höfer-Franz" in text
    assert "1407.34264" in text
    data = to_json(result)
    assert data["winners"] == ["James Maclaren", "Natalie Don", "Colin Mcculloch"]
    assert data["stages"][3]["tally"]["Colin Mcculloch"] == "1407.34264"
    assert json.loads(json.dumps(data)) == data
    tied = count(letter_ballots((10, "AD"), (4, "B"), (4, "C"), (1, "D")), 2, seed=1)
    assert "drawn by lot" in render_text(tied)
    assert to_json(tied)["stages"][3]["tiebreaks"][0]["method"] == "lot"


def test_blt_reader_reads_withdrawn_candidates_names_and_title() -> None:
    contest = parse_blt('3 1\n-2\n4 1 2 3 0\n3 2 3 0\n0\n"A ""x"""\n"B"\n"C"\n"T"\n', "w.blt")
    assert contest.ballots.candidates == ('A "x"', "C")
    assert contest.ballots.rankings == (((1, (0,)), (2, (1,))), ((1, (1,)),))
    assert contest.seats == 1 and contest.title == "T"
    assert count(contest.ballots, 1).winners == ('A "x"',)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "empty file"),
        ("x 1\n", 1, "candidates seats"),
        ("2\n", 1, "candidates seats"),
        ("2 1\n1 1 2\n0\n", 2, "ballot line"),
        ("2 1\n1 3 0\n0\n", 2, "candidate numbers 1 to 2"),
        ("2 1\n1 1 0\n", None, "do not end with a line holding 0"),
        ('2 1\n1 1 0\n0\n"A"\n', None, "2 quoted candidate names"),
        ("2 1\n1 1 0\n0\nA\nB\n", 4, "quoted name"),
    ],
)
def test_blt_errors_name_the_line(text: str, line: int | None, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        parse_blt(text, "bad.blt")
    assert caught.value.source == "bad.blt" and caught.value.line == line


def test_blt_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.blt"
    bad.write_bytes(b'1 1\n1 1 0\n0\n"\xe9"\n')
    with pytest.raises(ParseError, match="not UTF-8"):
        read_blt(bad)
    many = tmp_path / "many.blt"
    many.write_text("1 1\n1 " + "1 " * 1001 + '0\n0\n"A"\n', encoding="utf-8")
    with pytest.raises(ParseError, match="more than the limit"):
        read_blt(many)


@settings(max_examples=150, deadline=None)
@given(ranked_profiles(max_count=40))
def test_properties_quota_conservation_and_seats(case: tuple[BallotSet, int]) -> None:
    ballots, seats = case
    result = count(ballots, seats, seed=3)
    assert result.quota == droop_quota(ballots.total, seats)
    assert len(result.winners) == seats == len(set(result.winners))
    assert result.stages[0].kind == "first-preferences"
    for number, stage in enumerate(result.stages, start=1):
        assert stage.number == number
        held = sum(votes for _, votes in stage.tally)
        assert held + stage.non_transferable + stage.rounding_loss == ballots.total
        assert stage.rounding_loss >= 0 and stage.non_transferable >= 0
        assert all(votes >= 0 for _, votes in stage.tally)
    # Truncation loses less than 10**-5 per paper per surplus transfer.
    surpluses = sum(1 for s in result.stages if s.kind == "surplus")
    assert result.stages[-1].rounding_loss * 100_000 <= ballots.total * surpluses
