"""Ranked-choice tabulation: instant runoff and STV from cast-vote records, as RCTab counts.

Read ballots with :func:`read_ballots` (CSV, ES&S .xlsx, NIST SP 1500-103 JSON/XML, Clear
Ballot), or a whole RCTab contest configuration with :func:`read_rctab_config`; count them with
:func:`tabulate`; render the :class:`RcvResult` with :mod:`tallyroom.rcv.reports`.
"""

from __future__ import annotations

from tallyroom.rcv.builder import CandidateSpec, CellLabels
from tallyroom.rcv.options import RcvOptions
from tallyroom.rcv.rctab_config import RctabContest, read_rctab_config
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
