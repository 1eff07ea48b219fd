"""Electoral rules as data: decide who wins and who advances, and verify what documents claim.

- :func:`load_rules` reads a preset (``"milwaukee"``) or a TOML rules file;
- :func:`decide` gives a stage's :class:`Outcome` under the rules, with its reasons;
  :func:`decide_ballots` counts ranked ballots with :func:`tallyroom.rcv.tabulate`;
- :func:`infer_rules` tells the rules from a document, saying what it was based on;
- :func:`verify` judges each stage's claims: agrees, disagrees or cannot tell;
  :func:`derive_outcomes` gives each stage's outcome without judging the claims;
- :func:`verdict_json` / :func:`outcome_json` give JSON-ready dicts of the results.
"""

from __future__ import annotations

from tallyroom.rules.deciding import decide
from tallyroom.rules.inference import choose_rules, infer_rules
from tallyroom.rules.loading import load_rules, parse_rules, preset_names
from tallyroom.rules.ranked import decide_ballots
from tallyroom.rules.report import outcome_json, rules_json, verdict_json
from tallyroom.rules.types import (
    ElectionVerdict,
    Outcome,
    Reason,
    RulesChoice,
    RulesOrigin,
    RulesSpec,
    StageRule,
    StageVerdict,
    TieBreak,
    TieBreakRecord,
)
from tallyroom.rules.verification import derive_outcomes, verify, verify_choice

__all__ = [
    "ElectionVerdict",
    "Outcome",
    "Reason",
    "RulesChoice",
    "RulesOrigin",
    "RulesSpec",
    "StageRule",
    "StageVerdict",
    "TieBreak",
    "TieBreakRecord",
    "choose_rules",
    "decide",
    "decide_ballots",
    "derive_outcomes",
    "infer_rules",
    "load_rules",
    "outcome_json",
    "parse_rules",
    "preset_names",
    "rules_json",
    "verdict_json",
    "verify",
    "verify_choice",
]
