"""Golden test: the 2009 Burlington (Vermont) mayoral election, reproduced round by round.

Ballots: the city's published cast-vote records, grouped as ABIF lines; expected figures: the
city's official round-by-round report (sources and licences in tests/data/rcv/README.md).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tallyroom.errors import ParseError
from tallyroom.rcv import RcvOptions, read_ballots, tabulate

DATA = Path(__file__).resolve().parent / "data" / "rcv" / "burlington_2009"

# The rules the city's tabulator (ChoicePlus Pro) applied: candidates whose defeat is
# mathematically inevitable are dropped together; an overvote is skipped over when only one of
# the candidates marked at that rank is still continuing; blank rankings are skipped.
RULES = RcvOptions(
    batch_elimination=True,
    overvote_rule="exhaust-if-multiple-continuing",
    max_skipped_ranks=None,
)


def test_burlington_2009_reproduces_official_rounds() -> None:
    ballots = read_ballots(DATA / "burl2009.abif")
    official = json.loads((DATA / "burlington_2009_official_rounds.json").read_text())
    result = tabulate(ballots, RULES)

    assert ballots.total == official["valid_ballots"]
    assert len(result.rounds) == len(official["rounds"])
    for record, published in zip(result.rounds, official["rounds"], strict=True):
        assert record.number == published["round"]
        assert dict(record.tally) == {k: Decimal(v) for k, v in published["tally"].items()}
        assert record.inactive.total == published["exhausted"]
        assert sorted(record.eliminated) == sorted(published["eliminated"])
        assert list(record.elected) == published["elected"]
        continuing = sum(v for _, v in record.tally)
        assert continuing + record.inactive.total == official["valid_ballots"]
    assert result.winners == (official["winner"],)


def test_burlington_2009_overvote_rule_matters() -> None:
    """Exhausting every overvote at once loses one ballot for Wright in round 3."""
    ballots = read_ballots(DATA / "burl2009.abif")
    strict = RcvOptions(
        batch_elimination=True, overvote_rule="exhaust-immediately", max_skipped_ranks=None
    )
    final = tabulate(ballots, strict).rounds[-1]
    assert dict(final.tally) == {"Kiss": Decimal(4313), "Wright": Decimal(4060)}


def test_abif_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.abif"
    path.write_text("=A:[Alice]\n3:A>B\nthree:A\n")
    with pytest.raises(ParseError, match=r"bad\.abif:3: expected 'count:ranking'"):
        read_ballots(path)
    path.write_text("2:A/5>B/3\n")
    with pytest.raises(ParseError, match=r"bad\.abif:1: scored ballots are not supported"):
        read_ballots(path)
