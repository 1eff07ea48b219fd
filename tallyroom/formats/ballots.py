"""Ranked-choice results as elections: tallyroom's count JSON, RCTab configurations and reports.

Three files read into an :class:`~tallyroom.model.Election` with one general-election stage that
carries every round (:attr:`Stage.rounds`), the ballots cast (:attr:`Stage.ballots_cast`) and
one results row per candidate holding the candidate's **first-round votes** (first choices):

- ``rcv-json``: what ``tallyroom rcv --format json`` prints (:func:`read_rcv_json`);
- ``rctab-config``: an RCTab contest configuration, counted here with its cast-vote records
  exactly as RCTab would (:func:`read_rctab_file`);
- ``rctab-report``: RCTab's summary-report JSON (:func:`read_rctab_report`).

:func:`read_ballots` counts a ballot file under a rules preset (``tallyroom import BALLOTS.csv
--rules NAME``).

Every round's inactive ballots include blank ballots (reason ``undervote``), so continuing votes
plus inactive ballots give the ballots cast. RCTab's own report leaves blank ballots out of its
rounds (it gives their number once, as ``undervotes``) and also leaves out ballots that ran out of
rankings with more rankings unused than skips allowed; reading a report puts the blank ballots
back under ``undervote`` and books the rest as ``exhausted``, with a warning naming the round.

The contest name becomes the title; RCTab's contest jurisdiction, office and date (ISO
``YYYY-MM-DD``) fill the election's. Errors name the file and the JSON key or line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tallyroom.errors import ParseError, ValidationError
from tallyroom.formats.conversion import Loaded
from tallyroom.formats.states import US_STATES
from tallyroom.limits import load_json
from tallyroom.model import (
    CandidateResult,
    Election,
    InactiveReason,
    Jurisdiction,
    Round,
    Stage,
    Transfer,
)

__all__ = [
    "BALLOT_FORMATS",
    "detect_ballot_format",
    "rcv_election",
    "read_ballots",
    "read_rctab_file",
    "read_rctab_report",
    "read_rcv_json",
]

#: The formats of this module, as :func:`tallyroom.formats.read_text` names them.
BALLOT_FORMATS: tuple[str, ...] = ("rcv-json", "rctab-config", "rctab-report")

#: Keys of an inactive-ballots table of ``tallyroom rcv --format json``, by model reason.
_RCV_REASONS: dict[str, InactiveReason] = {
    "exhausted_choices": "exhausted",
    "overvote": "overvote",
    "skipped_rankings": "skipped",
    "repeated_ranking": "repeated",
    "undervote": "undervote",
}
#: Keys of an RCTab ``inactiveBallots`` table, by model reason.
_RCTAB_REASONS: dict[str, InactiveReason] = {
    "exhaustedChoices": "exhausted",
    "exhaustedChoicesFullyRanked": "exhausted",
    "exhaustedChoicesPartiallyRanked": "exhausted",
    "overvotes": "overvote",
    "skippedRankings": "skipped",
    "repeatedRankings": "repeated",
    # The surplus of the last winners, set aside in the final round (RCTab 2.x): no candidate
    # holds it, so it counts with the exhausted votes.
    "finalRoundSurplus": "exhausted",
}
_ORDER: tuple[InactiveReason, ...] = ("exhausted", "overvote", "skipped", "repeated", "undervote")
_RESIDUAL = "residual surplus"


def detect_ballot_format(text: str) -> str | None:
    """``rcv-json``, ``rctab-config`` or ``rctab-report`` when ``text`` is one; else ``None``."""
    if not text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    if re.search(r'"cvrFileSources"\s*:', text):
        return "rctab-config"
    if re.search(r'"tallyResults"\s*:', text) and re.search(r'"totalNumBallots"\s*:', text):
        return "rctab-report"
    if re.search(r'"total_ballots"\s*:', text) and re.search(r'"rounds"\s*:', text):
        return "rcv-json"
    return None


# -- the election ------------------------------------------------------------------------------


def _first_round_rows(first: Round) -> tuple[CandidateResult, ...]:
    rows = []
    for name, votes in sorted(first.tally, key=lambda item: (-item[1], item[0])):
        whole = int(votes) if votes == votes.to_integral_value() else None
        rows.append(CandidateResult(name, whole, write_in=name == "Undeclared Write-ins"))
    return tuple(rows)


def _jurisdiction(text: str | None) -> Jurisdiction:
    """``"Portland, Oregon"`` -> city and state; a state's name alone -> the state."""
    if not text:
        return Jurisdiction()
    city, _, state = (part.strip() for part in text.partition(","))
    if not state and city in US_STATES:
        return Jurisdiction(state=city)
    return Jurisdiction(city=city or None, state=state or None)


def rcv_election(
    rounds: Sequence[Round],
    ballots_cast: int,
    *,
    title: str,
    source: str,
    jurisdiction: str | None = None,
    office: str | None = None,
    date: dt.date | None = None,
    rules: str | None = None,
) -> Election:
    """An election of one ranked-choice general election with ``rounds``."""
    stage = Stage(
        kind="general",
        date=date,
        caption="Ranked-choice count",
        results=_first_round_rows(rounds[0]) if rounds else (),
        ballots_cast=ballots_cast,
        rounds=tuple(rounds),
    )
    return Election(
        title=title,
        jurisdiction=_jurisdiction(jurisdiction),
        office=office,
        date=date,
        stages=(stage,),
        rules=rules,
        source=source,
    )


# -- JSON helpers -------------------------------------------------------------------------------


class _Json:
    """Typed access to a parsed JSON document, failing with the file and the key path."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.data = load_json(text, source)
        if not isinstance(self.data, dict):
            raise ParseError("expected a JSON object", source=source, line=1)

    def fail(self, key: str, message: str) -> ValidationError:
        return ValidationError(message, source=self.source, key=key)

    def get(self, data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
        path = f"{where}.{key}" if where else key
        if key not in data:
            raise self.fail(path, "missing")
        value = data[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(path, f"expected a whole number, found {value!r}")
        if kind is not int and not isinstance(value, kind):
            raise self.fail(path, f"expected {kind.__name__}, found {value!r}")
        return value

    def decimal(self, value: Any, path: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(path, f"expected a number as text, found {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(path, f"expected a number, found {value!r}") from None
        if not number.is_finite() or number < 0:
            raise self.fail(path, f"expected a non-negative number, found {value!r}")
        return number

    def whole(self, value: Any, path: str) -> int:
        number = self.decimal(value, path)
        if number != number.to_integral_value():
            raise self.fail(path, f"expected a whole number, found {value!r}")
        return int(number)

    def names(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        items = self.get(data, key, list, where)
        if not all(isinstance(item, str) for item in items):
            raise self.fail(f"{where}.{key}", "expected a list of names")
        return tuple(items)

    def tally(self, data: Mapping[str, Any], where: str) -> tuple[tuple[str, Decimal], ...]:
        table = self.get(data, "tally", dict, where)
        return tuple(
            (name, self.decimal(votes, f"{where}.tally.{name}")) for name, votes in table.items()
        )

    def date(self, value: Any, path: str) -> dt.date | None:
        if value in (None, ""):
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(path, f"expected a date YYYY-MM-DD, found {value!r}") from None

    def round(
        self,
        where: str,
        number: int,
        tally: tuple[tuple[str, Decimal], ...],
        reasons: dict[InactiveReason, Decimal],
        **fields: Any,
    ) -> Round:
        by_reason = tuple((reason, reasons.get(reason, Decimal(0))) for reason in _ORDER)
        total = sum((votes for _, votes in by_reason), Decimal(0))
        try:
            return Round(number, tally, inactive=total, inactive_by_reason=by_reason, **fields)
        except ValueError as error:  # pragma: no cover - the totals are built to agree
            raise self.fail(where, str(error)) from None


# -- tallyroom rcv --format json -----------------------------------------------------------------


def read_rcv_json(text: str, source: str) -> Loaded:
    """The election of a ``tallyroom rcv --format json`` report (title: the file's name)."""
    doc = _Json(text, source)
    data = doc.data
    total = doc.get(data, "total_ballots", int, "")
    items = doc.get(data, "rounds", list, "")
    if not items:
        raise doc.fail("rounds", "expected at least one round")
    rounds = []
    for index, item in enumerate(items):
        where = f"rounds[{index}]"
        if not isinstance(item, dict):
            raise doc.fail(where, "expected an object")
        inactive = doc.get(item, "inactive", dict, where)
        reasons: dict[InactiveReason, Decimal] = {}
        for key, votes in inactive.items():
            reason = _RCV_REASONS.get(key)
            if reason is None:
                raise doc.fail(f"{where}.inactive.{key}", "unknown reason")
            reasons[reason] = doc.decimal(votes, f"{where}.inactive.{key}")
        transfers = []
        for t, moved in enumerate(doc.get(item, "transfers", list, where)):
            at = f"{where}.transfers[{t}]"
            if not isinstance(moved, dict):
                raise doc.fail(at, "expected an object")
            transfers.append(
                Transfer(
                    doc.get(moved, "from", str, at),
                    doc.get(moved, "to", str, at),
                    doc.decimal(doc.get(moved, "votes", str, at), f"{at}.votes"),
                )
            )
        threshold = item.get("threshold")
        rounds.append(
            doc.round(
                where,
                index + 1,
                doc.tally(item, where),
                reasons,
                elected=doc.names(item, "elected", where),
                eliminated=doc.names(item, "eliminated", where),
                threshold=None
                if threshold is None
                else doc.decimal(threshold, f"{where}.threshold"),
                transfers=tuple(transfers),
            )
        )
    title = Path(source).stem if source and not source.startswith("<") else "Ranked-choice count"
    return Loaded((rcv_election(rounds, total, title=title, source=source),))


# -- RCTab --------------------------------------------------------------------------------------


def read_rctab_report(text: str, source: str) -> Loaded:
    """The election of an RCTab summary report (see the module's note on inactive ballots)."""
    doc = _Json(text, source)
    data = doc.data
    config = doc.get(data, "config", dict, "")
    summary = doc.get(data, "summary", dict, "")
    if "totalNumBallots" not in summary:
        raise doc.fail("summary.totalNumBallots", "missing")
    total = doc.whole(summary["totalNumBallots"], "summary.totalNumBallots")
    blank = doc.whole(summary.get("undervotes", 0), "summary.undervotes")
    items = doc.get(data, "results", list, "")
    if not items:
        raise doc.fail("results", "expected at least one round")
    rounds = []
    warnings = []
    residual = Decimal(0)
    for index, item in enumerate(items):
        where = f"results[{index}]"
        if not isinstance(item, dict):
            raise doc.fail(where, "expected an object")
        number = doc.get(item, "round", int, where)
        tally = doc.tally(item, where)
        reasons: dict[InactiveReason, Decimal] = {"undervote": Decimal(blank)}
        for key, votes in doc.get(item, "inactiveBallots", dict, where).items():
            reason = _RCTAB_REASONS.get(key)
            if reason is None:
                raise doc.fail(f"{where}.inactiveBallots.{key}", "unknown reason")
            amount = doc.decimal(votes, f"{where}.inactiveBallots.{key}")
            reasons[reason] = reasons.get(reason, Decimal(0)) + amount
        elected: list[str] = []
        eliminated: list[str] = []
        transfers: list[Transfer] = []
        for r, result in enumerate(doc.get(item, "tallyResults", list, where)):
            at = f"{where}.tallyResults[{r}]"
            if not isinstance(result, dict):
                raise doc.fail(at, "expected an object")
            if "elected" in result:
                name = doc.get(result, "elected", str, at)
                elected.append(name)
            else:
                name = doc.get(result, "eliminated", str, at)
                eliminated.append(name)
            for target, votes in (result.get("transfers") or {}).items():
                transfers.append(
                    Transfer(name, target, doc.decimal(votes, f"{at}.transfers.{target}"))
                )
        continuing = sum((votes for _, votes in tally), Decimal(0))
        hidden = total - continuing - sum(reasons.values(), Decimal(0)) - residual
        if hidden > 0:
            reasons["exhausted"] = reasons.get("exhausted", Decimal(0)) + hidden
            warnings.append(
                f"{source}: {where}: {hidden} ballots the report gives under no reason "
                "are counted as exhausted"
            )
        threshold = item.get("threshold")
        rounds.append(
            doc.round(
                where,
                number,
                tally,
                reasons,
                elected=tuple(elected),
                eliminated=tuple(eliminated),
                threshold=None
                if threshold is None
                else doc.decimal(threshold, f"{where}.threshold"),
                transfers=tuple(transfers),
            )
        )
        residual += sum((t.votes for t in transfers if t.target == _RESIDUAL), Decimal(0))
    election = rcv_election(
        rounds,
        total,
        title=str(config.get("contest") or Path(source).stem),
        source=source,
        jurisdiction=config.get("jurisdiction") or None,
        office=config.get("office") or None,
        date=doc.date(config.get("date"), "config.date"),
    )
    return Loaded((election,), tuple(warnings))


def read_rctab_file(text: str, source: str) -> Loaded:
    """Count the contest of the RCTab configuration at ``source`` (its ballot files beside it)."""
    from tallyroom.rcv import read_rctab_config, tabulate

    path = Path(source)
    if not path.is_file():
        raise ParseError(
            "an RCTab configuration is read from its file (its ballot files are found beside it)",
            source=source,
        )
    contest = read_rctab_config(path)
    result = tabulate(contest.load(), contest.options)
    date = _Json(text, source).date(contest.contest_date, "outputSettings.contestDate")
    election = rcv_election(
        result.to_model_rounds(),
        result.total_ballots,
        title=contest.contest_name,
        source=source,
        jurisdiction=contest.jurisdiction,
        office=contest.office,
        date=date,
    )
    return Loaded((election,))


# -- ballots and rules ------------------------------------------------------------------------


def read_ballots(path: str | Path, rules_name: str) -> Election:
    """Count the ballot file at ``path`` (CSV, ES&S .xlsx, NIST CVR, ...) under the rules preset
    or rules file ``rules_name``; the election is titled after the file and names its rules."""
    from tallyroom.rcv import read_ballots as read_ballot_file
    from tallyroom.rcv import tabulate
    from tallyroom.rules.loading import load_rules
    from tallyroom.rules.ranked import rcv_options

    options = rcv_options(load_rules(rules_name), "general")
    result = tabulate(read_ballot_file(path), options)
    return rcv_election(
        result.to_model_rounds(),
        result.total_ballots,
        title=Path(path).stem,
        source=str(path),
        rules=rules_name,
    )
