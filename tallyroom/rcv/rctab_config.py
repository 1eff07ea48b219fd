"""RCTab contest configuration files, accepted as they are.

An office that counts with RCTab keeps its ``contest_config.json``; :func:`read_rctab_config`
reads it (RCTab 1.x and 2.x spellings), resolves the ballot files beside it and gives the ballot
sources, the declared candidates and the :class:`RcvOptions`. Unknown keys and contradictory
values are refused with the key's path in the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tallyroom.errors import ParseError, ValidationError
from tallyroom.limits import load_json, read_limited
from tallyroom.rcv.cells import CandidateSpec, CellLabels
from tallyroom.rcv.options import OvervoteRule, RcvOptions, TiebreakMode, WinnerMode
from tallyroom.rcv.readers import BallotFormat, BallotSource, read_ballot_sources
from tallyroom.rcv.types import BallotSet

__all__ = ["RctabContest", "read_rctab_config"]

_TOP = {"tabulatorVersion", "outputSettings", "cvrFileSources", "candidates", "rules"}
_OUTPUT = {
    "contestName",
    "outputDirectory",
    "contestDate",
    "contestJurisdiction",
    "contestOffice",
    "tabulateByBatch",
    "tabulateByPrecinct",
    "tabulateByBatchId",
    "generateCdfJson",
}
#: Formats whose records RCTab reads with every ranking the contest has, past the rules'
#: ``maxRankingsAllowed`` (its CSV readers refuse such a ranking; its ES&S reader reads only so
#: many columns, as ``rank_limit`` does here).
_OWN_RANKS = ("dominion", "hart")

_SOURCE = {
    "filePath",
    "contestId",
    "firstVoteColumnIndex",
    "firstVoteRowIndex",
    "idColumnIndex",
    "batchColumnIndex",
    "precinctColumnIndex",
    "overvoteDelimiter",
    "provider",
    "overvoteLabel",
    "skippedRankLabel",
    "undervoteLabel",
    "undeclaredWriteInLabel",
    "treatBlankAsUndeclaredWriteIn",
}
_CANDIDATE = {"name", "code", "excluded", "aliases"}
_RULES = {
    "tiebreakMode",
    "overvoteRule",
    "winnerElectionMode",
    "randomSeed",
    "numberOfWinners",
    "multiSeatBottomsUpPercentageThreshold",
    "decimalPlacesForVoteArithmetic",
    "minimumVoteThreshold",
    "maxSkippedRanksAllowed",
    "maxRankingsAllowed",
    "nonIntegerWinningThreshold",
    "doesFirstRoundDetermineThreshold",
    "hareQuota",
    "batchElimination",
    "cutoffElimination",
    "continueUntilTwoCandidatesRemain",
    "stopTabulationEarlyAfterRound",
    "exhaustOnDuplicateCandidate",
    "rulesDescription",
    "treatBlankAsUndeclaredWriteIn",
    "overvoteLabel",
    "undervoteLabel",
    "undeclaredWriteInLabel",
}
_WINNER_MODES: dict[str, WinnerMode] = {
    "singleWinnerMajority": "single-winner",
    "standard": "single-winner",  # multi-winner when numberOfWinners > 1 (RCTab's migration)
    "singleSeat": "single-winner",  # spelling used by configs in RCTab's own 2019-20 test data
    "singleSeatContinueUntilTwoCandidatesRemain": "single-winner",  # + continue until two
    "multiWinnerAllowOnlyOneWinnerPerRound": "multi-winner-one-per-round",
    "multiSeatAllowOnlyOneWinnerPerRound": "multi-winner-one-per-round",
    "multiWinnerAllowMultipleWinnersPerRound": "multi-winner",
    "multiSeatAllowMultipleWinnersPerRound": "multi-winner",
    "bottomsUp": "bottoms-up",
    "multiSeatBottomsUp": "bottoms-up",
    "bottomsUpUsingPercentageThreshold": "bottoms-up-threshold",
    "multiSeatBottomsUpUsingPercentageThreshold": "bottoms-up-threshold",
    "multiPassIrv": "multi-pass-irv",
    "multiSeatSequentialWinnerTakesAll": "multi-pass-irv",
}
_TIEBREAKS: dict[str, TiebreakMode] = {
    "random": "random",
    "stopCountingAndAsk": "stop-and-ask",
    "interactive": "stop-and-ask",
    "previousRoundCountsThenRandom": "previous-round-then-random",
    "previousRoundCountsThenAsk": "previous-round-then-ask",
    "previousRoundCountsThenInteractive": "previous-round-then-ask",
    "useCandidateOrder": "candidate-order",
    "usePermutationInConfig": "candidate-order",  # older name, as RCTab's migration maps it
    "generatePermutation": "generate-permutation",
}
_OVERVOTES: dict[str, OvervoteRule] = {
    "exhaustImmediately": "exhaust-immediately",
    "alwaysSkipToNextRank": "skip-to-next-rank",
    "exhaustIfMultipleContinuing": "exhaust-if-multiple-continuing",
}


@dataclass(frozen=True, slots=True)
class RctabContest:
    """A contest as an RCTab configuration describes it."""

    path: Path
    contest_name: str
    contest_date: str | None
    jurisdiction: str | None
    office: str | None
    sources: tuple[BallotSource, ...]
    candidates: tuple[CandidateSpec, ...]
    options: RcvOptions
    tabulate_by_precinct: bool
    write_ins_declared: bool
    tabulate_by_batch: bool = False
    generate_cdf_json: bool = False
    source_entries: tuple[tuple[str, str], ...] = ()
    """Each ballot file's path and provider as the configuration writes them."""

    def load(self, *, keep_ballots: bool = False) -> BallotSet:
        """Read every ballot file of the contest (with ``keep_ballots``, listing each ballot)."""
        return read_ballot_sources(
            self.sources,
            candidates=self.candidates,
            write_ins_declared=self.write_ins_declared,
            keep_ballots=keep_ballots,
        )


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ValidationError:
        return ValidationError(message, source=self.source, key=key)

    def check_keys(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(f"{where}{key}", f"unknown option (known here: {known})")

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(f"{where}{key}", f"expected text, got {value!r}")
        value = str(value).strip()
        return value or None

    def flag(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key}", f"expected true or false, got {value!r}")
        return value

    def integer(
        self, data: Mapping[str, Any], key: str, where: str, special: str | None = None
    ) -> int | None:
        value = self.text(data, key, where)
        if value is None or (special is not None and value.lower() == special):
            return None
        try:
            return int(value)
        except ValueError:
            expected = f"a whole number or {special!r}" if special else "a whole number"
            raise self.fail(f"{where}{key}", f"expected {expected}, got {value!r}") from None

    def choice(self, data: Mapping[str, Any], key: str, table: Mapping[str, Any]) -> Any:
        value = self.text(data, key, "rules.")
        if value is None:
            raise self.fail(f"rules.{key}", "is required")
        if value not in table:
            raise self.fail(f"rules.{key}", f"unknown value {value!r} (known: {', '.join(table)})")
        return table[value]


def read_rctab_config(path: str | Path) -> RctabContest:
    """Read an RCTab contest configuration file; ballot paths resolve beside it."""
    config_path = Path(path)
    name = str(config_path)
    if not config_path.is_file():
        raise ParseError("no such configuration file", source=name)
    try:
        text = read_limited(config_path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(f"not UTF-8 text ({error.reason})", source=name) from None
    try:
        data = load_json(text, name)
    except ParseError as error:
        message = error.message.replace("expected JSON: ", "not valid JSON: ", 1)
        raise ParseError(message, source=name, line=error.line) from None
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object", source=name)
    reader = _Reader(name)
    reader.check_keys(data, _TOP, "")
    output = data.get("outputSettings") or {}
    reader.check_keys(output, _OUTPUT, "outputSettings.")
    rules = data.get("rules")
    if not isinstance(rules, dict):
        raise reader.fail("rules", "is required")
    reader.check_keys(rules, _RULES, "rules.")

    candidates: list[CandidateSpec] = []
    excluded: list[str] = []
    for i, raw in enumerate(data.get("candidates") or []):
        where = f"candidates[{i}]."
        reader.check_keys(raw, _CANDIDATE, where)
        cname = reader.text(raw, "name", where)
        if cname is None:
            raise reader.fail(f"{where}name", "a name is required for each candidate")
        aliases = [str(a) for a in raw.get("aliases") or []]
        code = reader.text(raw, "code", where)
        if code is not None and code != cname:
            aliases.append(code)
        candidates.append(CandidateSpec(cname, tuple(aliases)))
        if reader.flag(raw, "excluded", where):
            excluded.append(cname)

    sources: list[BallotSource] = []
    write_ins_declared = False
    # An ES&S export has one column per allowed ranking; columns after them are other data.
    rank_limit = reader.integer(rules, "maxRankingsAllowed", "rules.", "max")
    if rank_limit is None:
        rank_limit = len(candidates)
    raw_sources = data.get("cvrFileSources") or []
    if not raw_sources:
        raise reader.fail("cvrFileSources", "at least one cast vote record file is required")
    for i, raw in enumerate(raw_sources):
        where = f"cvrFileSources[{i}]."
        reader.check_keys(raw, _SOURCE, where)
        source = _source(reader, raw, rules, where, config_path.parent, rank_limit)
        if source.labels.undeclared_write_in_label is not None:
            write_ins_declared = True
        sources.append(source)

    options = _options(reader, rules, excluded)
    if any(source.format in _OWN_RANKS for source in sources):
        options = replace(options, count_past_max_rankings=True)
    options.check(name)
    return RctabContest(
        path=config_path,
        contest_name=reader.text(output, "contestName", "outputSettings.") or config_path.stem,
        contest_date=reader.text(output, "contestDate", "outputSettings."),
        jurisdiction=reader.text(output, "contestJurisdiction", "outputSettings."),
        office=reader.text(output, "contestOffice", "outputSettings."),
        sources=tuple(sources),
        candidates=tuple(candidates),
        options=options,
        tabulate_by_precinct=reader.flag(output, "tabulateByPrecinct", "outputSettings."),
        write_ins_declared=write_ins_declared,
        tabulate_by_batch=reader.flag(output, "tabulateByBatch", "outputSettings."),
        generate_cdf_json=reader.flag(output, "generateCdfJson", "outputSettings."),
        source_entries=tuple(
            (
                reader.text(raw, "filePath", "") or "",
                reader.text(raw, "provider", "") or "",
            )
            for raw in raw_sources
        ),
    )


def _source(
    reader: _Reader,
    raw: Mapping[str, Any],
    rules: Mapping[str, Any],
    where: str,
    base: Path,
    rank_limit: int | None,
) -> BallotSource:
    file_path = reader.text(raw, "filePath", where)
    if file_path is None:
        raise reader.fail(f"{where}filePath", "is required")
    path = Path(file_path)
    if not path.is_absolute():
        path = base / path
    provider = (reader.text(raw, "provider", where) or "").lower()
    fmt: BallotFormat
    if provider in ("ess", "es&s"):
        fmt = "xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    elif provider == "cdf":
        fmt = "nist-xml" if path.suffix.lower() == ".xml" else "nist-json"
    elif provider in ("clearballot", "clear_ballot", "clear ballot"):
        fmt = "clear-ballot"
    elif provider in ("csv", "genericcsv"):
        fmt = "candidate-columns-csv"
    elif provider == "dominion":
        fmt = "dominion"  # the file path names the export folder
    elif provider == "hart":
        fmt = "hart"  # the file path names the folder of record files
    elif provider == "":
        fmt = "auto"
    else:
        raise reader.fail(f"{where}provider", f"unknown provider {provider!r}")

    def label(key: str) -> str | None:
        return reader.text(raw, key, where) or reader.text(rules, key, "rules.")

    labels = CellLabels(
        overvote_label=label("overvoteLabel"),
        overvote_delimiter=reader.text(raw, "overvoteDelimiter", where),
        skipped_rank_label=label("skippedRankLabel") or label("undervoteLabel"),
        undeclared_write_in_label=label("undeclaredWriteInLabel"),
        treat_blank_as_undeclared_write_in=reader.flag(raw, "treatBlankAsUndeclaredWriteIn", where)
        or reader.flag(rules, "treatBlankAsUndeclaredWriteIn", "rules."),
    )
    if labels.overvote_label and labels.overvote_delimiter:
        raise reader.fail(f"{where}overvoteDelimiter", "cannot be used with an overvote label")
    return BallotSource(
        path=path,
        format=fmt,
        contest_id=reader.text(raw, "contestId", where),
        first_vote_column=reader.integer(raw, "firstVoteColumnIndex", where),
        first_vote_row=reader.integer(raw, "firstVoteRowIndex", where),
        id_column=reader.integer(raw, "idColumnIndex", where),
        precinct_column=reader.integer(raw, "precinctColumnIndex", where),
        labels=labels,
        batch_column=reader.integer(raw, "batchColumnIndex", where),
        rank_limit=rank_limit if fmt in ("xlsx", "csv") else None,
    )


def _options(reader: _Reader, rules: Mapping[str, Any], excluded: list[str]) -> RcvOptions:
    mode: WinnerMode = reader.choice(rules, "winnerElectionMode", _WINNER_MODES)
    tiebreak: TiebreakMode = reader.choice(rules, "tiebreakMode", _TIEBREAKS)
    overvote: OvervoteRule = reader.choice(rules, "overvoteRule", _OVERVOTES)
    seats = reader.integer(rules, "numberOfWinners", "rules.")
    decimals = reader.integer(rules, "decimalPlacesForVoteArithmetic", "rules.")
    # Old mode names, read as RCTab's ContestConfigMigration reads them.
    old_mode = rules.get("winnerElectionMode")
    if old_mode == "standard" and seats is not None and seats > 1:
        mode = "multi-winner"
    if old_mode == "multiSeatBottomsUp" and (
        seats == 0 or reader.text(rules, "multiSeatBottomsUpPercentageThreshold", "rules.")
    ):
        mode = "bottoms-up-threshold"
    continue_until_two = reader.flag(rules, "continueUntilTwoCandidatesRemain", "rules.")
    if old_mode == "singleSeatContinueUntilTwoCandidatesRemain":
        continue_until_two = True

    def decimal(key: str) -> Decimal | None:
        value = reader.text(rules, key, "rules.")
        if value is None:
            return None
        try:
            return Decimal(value)
        except InvalidOperation:
            raise reader.fail(f"rules.{key}", f"expected a number, got {value!r}") from None

    return RcvOptions(
        seats=seats if seats is not None else 1,
        winner_mode=mode,
        overvote_rule=overvote,
        max_skipped_ranks=reader.integer(rules, "maxSkippedRanksAllowed", "rules.", "unlimited"),
        max_rankings=reader.integer(rules, "maxRankingsAllowed", "rules.", "max"),
        exhaust_on_duplicate=reader.flag(rules, "exhaustOnDuplicateCandidate", "rules."),
        batch_elimination=reader.flag(rules, "batchElimination", "rules."),
        continue_until_two=continue_until_two,
        first_round_determines_threshold=reader.flag(
            rules, "doesFirstRoundDetermineThreshold", "rules."
        ),
        stop_after_round=reader.integer(rules, "stopTabulationEarlyAfterRound", "rules."),
        quota="hare" if reader.flag(rules, "hareQuota", "rules.") else "droop",
        non_integer_threshold=reader.flag(rules, "nonIntegerWinningThreshold", "rules."),
        decimal_places=decimals if decimals is not None else 4,
        minimum_vote_threshold=decimal("minimumVoteThreshold") or Decimal(0),
        bottoms_up_percentage=decimal("multiSeatBottomsUpPercentageThreshold"),
        tiebreak=tiebreak,
        seed=reader.integer(rules, "randomSeed", "rules."),
        excluded=tuple(excluded),
        cutoff_elimination=reader.flag(rules, "cutoffElimination", "rules."),
    )
