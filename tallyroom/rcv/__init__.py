"""Ranked-choice tabulation: instant runoff and STV from cast-vote records, as RCTab counts.

Read ballots with :func:`read_ballots` (CSV, ES&S .xlsx, NIST SP 1500-103 JSON/XML, Clear
Ballot), or a whole RCTab contest configuration with :func:`read_rctab_config`; count them with
:func:`tabulate`; render the :class:`RcvResult` with :mod:`tallyroom.rcv.reports`. Each name is
imported on first use, so that importing one module of the package (the options, say, for a
command's ``--help``) does not load numpy and every reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tallyroom.lazy import exports

if TYPE_CHECKING:
    from tallyroom.rcv.cells import CandidateSpec, CellLabels
    from tallyroom.rcv.options import RcvOptions
    from tallyroom.rcv.rctab_config import RctabContest, read_rctab_config
    from tallyroom.rcv.readers import BallotSource, read_ballot_sources, read_ballots
    from tallyroom.rcv.tally import tabulate
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

#: The module of this package that defines each public name.
_HOMES = {
    **dict.fromkeys(("CandidateSpec", "CellLabels"), ".cells"),
    "RcvOptions": ".options",
    **dict.fromkeys(("RctabContest", "read_rctab_config"), ".rctab_config"),
    **dict.fromkeys(("BallotSource", "read_ballot_sources", "read_ballots"), ".readers"),
    "tabulate": ".tally",
    **dict.fromkeys(
        (
            "EXHAUSTED",
            "OVERVOTE",
            "RESIDUAL_SURPLUS",
            "UNDECLARED_WRITE_INS",
            "BallotSet",
            "InactiveBallots",
            "RcvResult",
            "RoundRecord",
            "TieBreak",
            "Transfer",
        ),
        ".types",
    ),
}


__getattr__, __dir__ = exports(__name__, __all__, _HOMES)
