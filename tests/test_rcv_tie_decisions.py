"""Ties left to the count's operator (stop-and-ask, previous-round-then-ask), answered.

The main ballot file (11 ballots, written by the tests) has a tie for last place in round 1
(Cy 2, Di 2; Ann 4, Bo 3) whose answer changes the outcome:

* Di eliminated: Di's ballots go to Bo (Bo 5, Ann 4, Cy 2); Cy goes, Cy's ballots exhaust
  (Di is out), and Bo wins round 3 with 5 of 9 votes.
* Cy eliminated: Cy's ballots go to Di (Ann 4, Di 4, Bo 3); Bo goes, Bo's ballots exhaust, and
  round 3 is Ann 4, Di 4: a tie for the win, nobody at the threshold of 5. Under
  previous-round-then-ask round 1 breaks it (Ann 4 to Di 2), so no one is asked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tallyroom.cli import main
from tallyroom.cli import rcv as rcv_command
from tallyroom.errors import TabulationError, TieUnbrokenError, ValidationError
from tallyroom.rcv import RcvOptions, read_ballots, tabulate
from tallyroom.rcv.options import TiebreakMode, TieDecision, TieRole
from tallyroom.rcv.tally import tabulate_traced
from tallyroom.rcv.types import BallotSet, TieBreak

BALLOTS = """\
ballot_id,rank1,rank2
1,Ann,
2,Ann,
3,Ann,
4,Ann,
5,Bo,
6,Bo,
7,Bo,
8,Cy,Di
9,Cy,Di
10,Di,Bo
11,Di,Bo
"""

OPERATOR = "chosen by the count's operator"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "ballots.csv"
    target.write_text(BALLOTS, encoding="utf-8")
    return target


@pytest.fixture
def cast(path: Path) -> BallotSet:
    return read_ballots(path)


def ask(*decisions: tuple[int, TieRole, str], mode: TiebreakMode = "stop-and-ask") -> RcvOptions:
    """Options of the mode ``mode`` with the decisions (round, role, name)."""
    chosen = tuple(TieDecision(r, role, name) for r, role, name in decisions)
    return RcvOptions(tiebreak=mode, tie_decisions=chosen)


# -- the count -----------------------------------------------------------------------------------


def test_without_a_decision_the_count_stops_at_round_1(cast: BallotSet) -> None:
    with pytest.raises(TieUnbrokenError) as raised:
        tabulate(cast, ask())
    assert (raised.value.round, raised.value.tied, raised.value.role) == (1, ("Cy", "Di"), "lose")


def test_eliminating_di_elects_bo(cast: BallotSet) -> None:
    result = tabulate(cast, ask((1, "lose", "Di")))
    assert result.winners == ("Bo",)
    assert [r.eliminated for r in result.rounds] == [("Di",), ("Cy",), ()]
    assert result.rounds[1].votes("Bo") == 5
    assert result.rounds[2].votes("Bo") == 5 and result.rounds[2].threshold == 5
    assert result.rounds[0].tiebreaks == (
        TieBreak("loser", ("Cy", "Di"), "Di", "stop-and-ask", OPERATOR),
    )
    assert result.rounds[1].tiebreaks == result.rounds[2].tiebreaks == ()


def test_eliminating_cy_leads_to_a_tie_for_the_win_in_round_3(cast: BallotSet) -> None:
    with pytest.raises(TieUnbrokenError) as raised:
        tabulate(cast, ask((1, "lose", "Cy")))
    assert (raised.value.round, raised.value.tied, raised.value.role) == (3, ("Ann", "Di"), "win")


@pytest.mark.parametrize("chosen", ["Ann", "Di"])
def test_the_tie_for_the_win_is_decided_either_way(cast: BallotSet, chosen: str) -> None:
    result = tabulate(cast, ask((1, "lose", "Cy"), (3, "win", chosen)))
    assert result.winners == (chosen,)
    final = result.rounds[2]
    assert final.tally == (("Ann", 4), ("Di", 4)) and final.elected == (chosen,)
    assert final.inactive.exhausted == 3
    assert final.tiebreaks == (TieBreak("winner", ("Ann", "Di"), chosen, "stop-and-ask", OPERATOR),)
    assert result.rounds[0].tiebreaks[0].selected == "Cy"


def test_a_decision_for_someone_not_tied_names_round_name_and_the_tied(cast: BallotSet) -> None:
    with pytest.raises(TabulationError) as raised:
        tabulate(cast, ask((1, "lose", "Bo")))
    assert not isinstance(raised.value, TieUnbrokenError)
    assert str(raised.value) == (
        "round 1: the decision names 'Bo', who is not among the tied candidates 'Cy', 'Di'"
    )


def test_a_decision_for_the_other_role_is_refused(cast: BallotSet) -> None:
    with pytest.raises(TabulationError, match=r"^round 1: .* who should lose, .*'Cy' to win$"):
        tabulate(cast, ask((1, "win", "Cy")))


def test_a_name_that_is_no_candidate_is_refused_before_counting(cast: BallotSet) -> None:
    with pytest.raises(ValidationError, match=r"tie_decisions: unknown candidate 'Dy'"):
        tabulate(cast, ask((1, "lose", "Dy")))


def test_a_decision_no_tie_used_is_an_error_after_the_count(cast: BallotSet) -> None:
    # Round 2 has no tie; round 7 is never reached (the count has 3 rounds).
    options = ask((1, "lose", "Di"), (2, "lose", "Ann"), (7, "win", "Bo"))
    expected = (
        "tie decisions were not used (round 2: 'Ann' to lose; round 7: 'Bo' to win): the count "
        "(3 rounds) had no tie for the operator to decide there"
    )
    with pytest.raises(TabulationError) as raised:
        tabulate(cast, options)
    assert str(raised.value) == expected
    with pytest.raises(TabulationError) as traced:
        tabulate_traced(cast, options)
    assert str(traced.value) == expected


def test_previous_round_then_ask_uses_a_decision_only_where_earlier_rounds_do_not_decide(
    cast: BallotSet,
) -> None:
    mode: TiebreakMode = "previous-round-then-ask"
    # Round 1 has no earlier round: the operator decides. Round 3's tie is broken by round 1.
    result = tabulate(cast, ask((1, "lose", "Cy"), mode=mode))
    assert result.winners == ("Ann",)
    assert result.rounds[0].tiebreaks == (
        TieBreak(
            "loser", ("Cy", "Di"), "Cy", mode, f"still tied in every earlier round; {OPERATOR}"
        ),
    )
    assert result.rounds[2].tiebreaks == (
        TieBreak("winner", ("Ann", "Di"), "Ann", mode, "had the most votes in round 1"),
    )
    # A decision for round 3 would overrule the rules: refused, not ignored.
    with pytest.raises(TabulationError) as raised:
        tabulate(cast, ask((1, "lose", "Cy"), (3, "win", "Di"), mode=mode))
    assert str(raised.value) == (
        "round 3: the tie among 'Ann', 'Di' is broken by the rules (Ann had the most votes in "
        "round 1); the decision naming 'Di' is not needed"
    )


def test_previous_round_then_ask_takes_a_decision_when_every_earlier_round_is_tied(
    tmp_path: Path,
) -> None:
    # Round 1: Ann 4, Bo 4, Cy 3 (out); Cy's ballots: one to Ann, one to Bo, one exhausts.
    # Round 2: Ann 5, Bo 5, as tied as in round 1, so the operator decides who wins.
    path = tmp_path / "level.csv"
    rows = ["Ann,"] * 4 + ["Bo,"] * 4 + ["Cy,Ann", "Cy,Bo", "Cy,"]
    path.write_text("rank1,rank2\n" + "\n".join(rows) + "\n", encoding="utf-8")
    cast = read_ballots(path)
    mode: TiebreakMode = "previous-round-then-ask"
    with pytest.raises(TieUnbrokenError) as raised:
        tabulate(cast, ask(mode=mode))
    assert (raised.value.round, raised.value.tied, raised.value.role) == (2, ("Ann", "Bo"), "win")
    result = tabulate(cast, ask((2, "win", "Bo"), mode=mode))
    assert result.winners == ("Bo",)
    assert result.rounds[1].tally == (("Ann", 5), ("Bo", 5))
    assert result.rounds[1].tiebreaks == (
        TieBreak(
            "winner", ("Ann", "Bo"), "Bo", mode, f"still tied in every earlier round; {OPERATOR}"
        ),
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            RcvOptions(tiebreak="candidate-order", tie_decisions=(TieDecision(1, "lose", "Cy"),)),
            "tie-break mode 'candidate-order' never asks",
        ),
        (
            RcvOptions(tiebreak="random", seed=3, tie_decisions=(TieDecision(1, "lose", "Cy"),)),
            "tie-break mode 'random' never asks",
        ),
        (
            RcvOptions(tie_decisions=(TieDecision(0, "lose", "Cy"),)),
            "round must be at least 1, not 0",
        ),
        (
            RcvOptions(tie_decisions=(TieDecision(2, "lose", "Cy"), TieDecision(2, "win", "Di"))),
            "round 2 is decided twice",
        ),
        (
            RcvOptions(
                seats=2,
                winner_mode="multi-pass-irv",
                tie_decisions=(TieDecision(1, "lose", "Cy"),),
            ),
            "not supported in multi-pass-irv mode",
        ),
    ],
)
def test_check_refuses_decisions_the_rules_cannot_take(options: RcvOptions, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        options.check("contest.json")
    assert str(raised.value).startswith("contest.json: tie_decisions: ")


# -- the command line ----------------------------------------------------------------------------


def test_cli_without_a_terminal_names_the_option_to_give(path: Path) -> None:
    result = CliRunner().invoke(main, ["rcv", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: round 1: tie among 'Cy', 'Di' needs a decision on who should lose; give it with "
        "--tie-decision 1:NAME\n"
    )
    later = CliRunner().invoke(main, ["rcv", str(path), "--tie-decision", "1:Cy"])
    assert later.exit_code == 2
    assert "error: round 3: tie among 'Ann', 'Di' needs a decision on who should win; " in (
        later.stderr
    )
    assert later.stderr.rstrip().endswith("--tie-decision 3:NAME")


def test_cli_tie_decisions_give_the_count_and_show_in_json(path: Path) -> None:
    args = ["rcv", str(path), "--json", "--tie-decision", "1:Cy", "--tie-decision", "3:Di"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert data["winners"] == ["Di"]
    assert data["rounds"][0]["tiebreaks"] == [
        {
            "kind": "loser",
            "tied": ["Cy", "Di"],
            "selected": "Cy",
            "method": "stop-and-ask",
            "explanation": OPERATOR,
        }
    ]
    assert data["rounds"][2]["tiebreaks"][0]["selected"] == "Di"
    assert data["rounds"][2]["tiebreaks"][0]["kind"] == "winner"
    other = CliRunner().invoke(main, ["rcv", str(path), "--tie-decision", "1:Di"])
    assert other.exit_code == 0 and "Winner: Bo" in other.stdout
    assert (
        "Round 1: tie among Cy, Di — Di loses (stop-and-ask: chosen by the count's operator)"
        in (other.stdout)
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tie-decision", "1:Cy", "--tie-decision", "3:Ann", "--tie-decision", "5:Bo"],
            "error: --tie-decision 5:Bo: the count (3 rounds) had no tie for the operator to "
            "decide in that round\n",
        ),
        (["--tie-decision", "1:Bo"], "error: round 1: the decision names 'Bo', who is not among"),
        (["--tie-decision", "1:Zed"], "round 1: 'Zed' is not a candidate"),
        (["--tie-decision", "Cy"], "expected ROUND:NAME (round 1 or more), got 'Cy'"),
        (["--tie-decision", "1:Cy", "--tie-decision", "1:Di"], "round 1 is given twice"),
        (["--tiebreak", "candidate-order", "--tie-decision", "1:Cy"], "never asks"),
        (["--method", "meek", "--tie-decision", "1:Cy"], "--tie-decision is for --method irv"),
    ],
)
def test_cli_refuses_decisions_it_cannot_use(path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["rcv", str(path), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_in_a_terminal_asks_and_prints_the_options_that_reproduce_the_count(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rcv_command, "_interactive", lambda: True)
    # A name not among the tied is asked again; then Cy is eliminated and Di elected.
    result = CliRunner().invoke(main, ["rcv", str(path)], input="Bo\nCy\nDi\n")
    assert result.exit_code == 0, result.output
    assert "Winner: Di" in result.stdout
    assert "Round 3: tie among Ann, Di — Di wins" in result.stdout
    prompts = result.stderr
    assert prompts.count("Round 1: Cy, Di are tied; who is eliminated? (Cy, Di): ") == 2
    assert "Error: 'Bo' is not one of 'Cy', 'Di'." in prompts
    assert prompts.count("Round 3: Ann, Di are tied; who is elected? (Ann, Di): ") == 1
    assert prompts.endswith(
        "to count again without asking, add: --tie-decision 1:Cy --tie-decision 3:Di\n"
    )
    again = CliRunner().invoke(
        main, ["rcv", str(path), "--tie-decision", "1:Cy", "--tie-decision", "3:Di"]
    )
    assert again.exit_code == 0 and again.stdout == result.stdout


def test_cli_asks_only_what_the_options_leave_open(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rcv_command, "_interactive", lambda: True)
    result = CliRunner().invoke(main, ["rcv", str(path), "--tie-decision", "1:Cy"], input="Ann\n")
    assert result.exit_code == 0, result.output
    assert "Winner: Ann" in result.stdout
    assert "Round 1" not in result.stderr
    assert "Round 3: Ann, Di are tied; who is elected? (Ann, Di): " in result.stderr
    assert result.stderr.endswith(
        "to count again without asking, add: --tie-decision 1:Cy --tie-decision 3:Ann\n"
    )
    given = CliRunner().invoke(main, ["rcv", str(path), "--tie-decision", "1:Di"], input="")
    assert given.exit_code == 0 and given.stderr == ""
