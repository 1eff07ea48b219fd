"""Ranked-choice tabulation: instant runoff and STV from cast-vote records, as RCTab counts.

Read ballots with :func:`read_ballots` (CSV, ES&S .xlsx, NIST SP 1500-103 JSON/XML, Clear
Ballot), or a whole RCTab contest configuration with :func:`read_rctab_config`; count them with
:func:`tabulate`; render the :class:`RcvResult` with :mod:`tallyroom.rcv.reports`. The
configuration reader is imported on first use (a count of one ballot file does not need it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from tallyroom.rcv.builder import CandidateSpec, CellLabels
from tallyroom.rcv.options import RcvOptions
from tallyroom.rcv.readers import BallotSource, read_ballot_sources, read_ballots
from tallyroom.rcv.tabulate import tabulate
from tallyroom.rcv.types import (
    EXHAUSTED,
    OVERVOTE,
    RESIDUAL_SURPLUS,
    UNDECLARED_WRITE_INS,
    BallotSet,
    InactiveBallots,
    RcvResult,
    RoundRecord,
    TieBreak,
    Transfer,
)

if TYPE_CHECKING:
    from tallyroom.rcv.rctab_config import RctabContest, read_rctab_config

__all__ = [
    "EXHAUSTED",
    "OVERVOTE",
    "RESIDUAL_SURPLUS",
    "UNDECLARED_WRITE_INS",
    "BallotSet",
    "BallotSource",
    "CandidateSpec",
    "CellLabels",
    "InactiveBallots",
    "RctabContest",
    "RcvOptions",
    "RcvResult",
    "RoundRecord",
    "TieBreak",
    "Transfer",
    "read_ballot_sources",
    "read_ballots",
    "read_rctab_config",
    "tabulate",
]


def __getattr__(name: str) -> Any:
    if name in ("RctabContest", "read_rctab_config"):
        value = getattr(import_module("tallyroom.rcv.rctab_config"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tallyroom.rcv' has no attribute {name!r}")
