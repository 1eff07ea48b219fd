"""``tallyroom rcv``: count ranked ballots (or run an RCTab contest configuration unchanged).

The command imports only what a count needs, when it counts: its options and ``--help`` need
click and the option names alone; a count adds the reader of its ballot file, the tabulation
and numpy. The RCTab configuration reader, the terminal tables of the demo and the other
counting methods are imported when used.
"""

from __future__ import annotations

import importlib
import json
import os
import shlex
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import click

from tallyroom.errors import ParseError, TabulationError, TieUnbrokenError, ValidationError
from tallyroom.rcv.options import (
    OVERVOTE_RULES,
    TIEBREAK_MODES,
    WINNER_MODES,
    RcvOptions,
    TieDecision,
    WinnerMode,
)
from tallyroom.rcv.readers import BallotFormat

if TYPE_CHECKING:
    from rich.console import Console

    from tallyroom.model import Election
    from tallyroom.rcv.types import BallotSet, RcvResult

__all__ = ["demo_rcv", "rcv"]

#: Counting methods: ``irv`` is :func:`tallyroom.rcv.tally.tabulate`; each other one is the
#: ``count(ballots, seats=...)`` function of its own module, imported when chosen.
METHODS = ("irv", "scottish-stv", "meek")
_METHOD_MODULES = {"scottish-stv": "tallyroom.rcv.scottish", "meek": "tallyroom.rcv.meek"}

_RULE_OPTIONS = (
    "seats",
    "winner_mode",
    "overvote_rule",
    "max_skipped",
    "max_rankings",
    "exhaust_on_duplicate",
    "batch_elimination",
    "continue_until_two",
    "first_round_threshold",
    "stop_after_round",
    "hare",
    "non_integer_threshold",
    "decimal_places",
    "minimum_threshold",
    "bottoms_up_percentage",
    "tiebreak",
    "seed",
    "candidate_order",
    "exclude",
)


def _is_rctab_config(path: Path) -> bool:
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(65536)
    return b'"cvrFileSources"' in head or b'"tabulatorVersion"' in head


def _decimal(name: str, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"expected a number, got {value!r}", param_hint=name) from None


@click.command()
@click.argument("ballots_or_config", type=click.Path(path_type=Path), required=False)
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path), help="RCTab contest configuration."
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="irv",
    show_default=True,
    help="irv: instant runoff, or STV with --seats (RCTab's rules); scottish-stv; meek.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "rctab-json"]), default="text"
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), help="Write the report into DIR."
)
@click.option("--input-format", type=click.Choice(list(get_args(BallotFormat))), default="auto")
@click.option("--contest-id", help="Contest to count in a file holding several.")
@click.option("--first-vote-column", type=int, help="1-based column of the first ranking.")
@click.option("--first-vote-row", type=int, help="1-based row of the first ballot.")
@click.option("--id-column", type=int)
@click.option("--precinct-column", type=int)
@click.option("--weight-column", type=int)
@click.option("--overvote-label")
@click.option("--overvote-delimiter")
@click.option("--skipped-rank-label")
@click.option("--write-in-label", help="Cell text of an undeclared write-in.")
@click.option("--blank-is-write-in", is_flag=True)
@click.option("--candidate", "candidates", multiple=True, help="Declared candidate (repeat).")
@click.option("--alias", "aliases", multiple=True, help="ALIAS=NAME (repeat).")
@click.option("--write-ins-allowed", is_flag=True, help="Pool unknown names as write-ins.")
@click.option("--seats", type=int, default=1)
@click.option("--winner-mode", type=click.Choice(WINNER_MODES), default=None)
@click.option("--overvote-rule", type=click.Choice(OVERVOTE_RULES), default="exhaust-immediately")
@click.option("--max-skipped", default="1", help="Skipped rankings allowed, or 'unlimited'.")
@click.option("--max-rankings", type=int)
@click.option("--exhaust-on-duplicate", is_flag=True)
@click.option("--batch-elimination", is_flag=True)
@click.option("--continue-until-two", is_flag=True)
@click.option("--first-round-threshold", is_flag=True)
@click.option("--stop-after-round", type=int)
@click.option("--hare", is_flag=True, help="Hare quota instead of Droop.")
@click.option("--non-integer-threshold", is_flag=True)
@click.option("--decimal-places", type=int, default=4)
@click.option("--minimum-threshold")
@click.option("--bottoms-up-percentage")
@click.option("--tiebreak", type=click.Choice(TIEBREAK_MODES), default="stop-and-ask")
@click.option("--seed", type=int)
@click.option(
    "--meek-rule",
    type=click.Choice(["nz", "openstv"]),
    default="nz",
    show_default=True,
    help="--method meek: nz (nine places, stages converged) or openstv (OpenSTV 1.7's rounds).",
)
@click.option("--candidate-order", help="Comma-separated tie-break order.")
@click.option(
    "--tie-decision",
    "tie_decisions",
    multiple=True,
    metavar="ROUND:NAME",
    help="Answer a tie the rules leave to the operator (stop-and-ask, previous-round-then-ask): "
    "NAME is the tied candidate elected in round ROUND if that round's tie is for the win, "
    "eliminated if it is for last place (repeat for several rounds).",
)
@click.option("--exclude", multiple=True)
@click.pass_context
def rcv(
    ctx: click.Context, /, ballots_or_config: Path | None, config_path: Path | None, **kw: Any
) -> None:
    """Count ranked ballots round by round (instant runoff or STV)."""
    if ballots_or_config is not None and config_path is not None:
        raise click.UsageError("give either BALLOTS_OR_CONFIG or --config, not both")
    target = config_path or ballots_or_config
    if target is None:
        raise click.UsageError("give a ballot file or an RCTab contest configuration")
    _one_blas_thread()
    if kw["as_json"]:
        if _given(ctx, "output_format"):
            raise click.UsageError("give either --json or --format, not both")
        kw["output_format"] = "json"
    method = kw["method"]
    if method != "meek" and _given(ctx, "meek_rule"):
        raise click.UsageError("--meek-rule is for --method meek")
    if method != "irv" and kw["tie_decisions"]:
        raise click.UsageError("--tie-decision is for --method irv")
    count_of = _method_count(method) if method != "irv" else None
    contest = {"contest": target.stem, "date": None, "jurisdiction": None, "office": None}
    if config_path is not None or _is_rctab_config(target):
        if count_of is not None:
            raise click.UsageError(f"an RCTab configuration is counted by its rules, not {method}")
        given = [name for name in _RULE_OPTIONS if _given(ctx, name)]
        if given:
            flags = ", ".join("--" + g.replace("_", "-") for g in given)
            raise click.UsageError(f"the configuration sets the rules; remove {flags}")
        from tallyroom.rcv.rctab_config import read_rctab_config

        config = read_rctab_config(target)
        ballots = config.load()
        options = config.options
        contest = {
            "contest": config.contest_name,
            "date": config.contest_date,
            "jurisdiction": config.jurisdiction,
            "office": config.office,
        }
    elif target.suffix.lower() == ".blt":
        if count_of is None:
            raise click.UsageError("a BLT file is counted by --method scottish-stv or meek")
        from tallyroom.rcv.scottish_blt import read_blt

        blt = read_blt(target)
        seats = kw["seats"] if _given(ctx, "seats") else blt.seats
        _emit_stv(count_of(blt.ballots, seats=seats, **_seed(kw)), kw, blt.title or target.stem)
        return
    else:
        ballots, options = _from_options(target, kw)
    if count_of is not None:
        _emit_stv(count_of(ballots, seats=options.seats, **_seed(kw)), kw, target.stem)
        return
    answers = _tie_decisions(kw["tie_decisions"])
    result, decisions, asked = _count(ballots, options, answers)
    _emit(result, kw["output_format"], kw["out_dir"], contest)
    if asked:
        flags = " ".join(
            f"--tie-decision {shlex.quote(f'{d.round}:{d.selected}')}" for d in decisions
        )
        click.echo(f"to count again without asking, add: {flags}", err=True)


def _tie_decisions(given: tuple[str, ...]) -> dict[int, str]:
    """The ``--tie-decision ROUND:NAME`` options, by round."""
    parsed: dict[int, str] = {}
    for item in given:
        number, sep, name = item.partition(":")
        if not sep or not number.strip().isdigit() or not name or int(number) < 1:
            raise click.BadParameter(
                f"expected ROUND:NAME (round 1 or more), got {item!r}", param_hint="--tie-decision"
            )
        if int(number) in parsed:
            raise click.BadParameter(
                f"round {int(number)} is given twice (a round has one tie)",
                param_hint="--tie-decision",
            )
        parsed[int(number)] = name
    return parsed


def _interactive() -> bool:
    """Whether the operator can be asked: standard input and output are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _count(
    ballots: BallotSet, options: RcvOptions, given: dict[int, str]
) -> tuple[RcvResult, tuple[TieDecision, ...], bool]:
    """The count, with the operator's decisions: the result, the decisions it used and whether
    the operator was asked for any.

    A ``--tie-decision`` names a round and a candidate; the role (to win or to lose) is that of
    the round's tie, known when the count reaches it. So the count runs, and each time it stops
    at a tie it runs again with the decision given for that round, or else the one the operator
    picks when asked (in a terminal); without either the count stops with a one-line error
    naming the option to give. A ``--tie-decision`` for a round with no such tie is an error.
    """
    from dataclasses import replace

    from tallyroom.rcv.tally import tabulate

    for number, name in given.items():
        if name not in ballots.candidates:
            raise click.BadParameter(
                f"round {number}: {name!r} is not a candidate", param_hint="--tie-decision"
            )
    if given:  # these rules take decisions at all? (any role will do for the question)
        provisional = tuple(TieDecision(r, "lose", n) for r, n in given.items())
        replace(options, tie_decisions=provisional).check(ballots.source)
    pending = dict(given)
    decisions = list(options.tie_decisions)
    asked = False
    while True:
        try:
            result = tabulate(ballots, replace(options, tie_decisions=tuple(decisions)))
            break
        except TieUnbrokenError as tie:
            if options.winner_mode == "multi-pass-irv":
                raise
            if tie.round in pending:
                name = pending.pop(tie.round)
            elif _interactive():
                name = _ask(tie)
                asked = True
            else:
                names = ", ".join(repr(n) for n in tie.tied)
                raise TabulationError(
                    f"round {tie.round}: tie among {names} needs a decision on who should "
                    f"{tie.role}; give it with --tie-decision {tie.round}:NAME"
                ) from None
            decisions.append(TieDecision(tie.round, tie.role, name))
    if pending:
        unused = ", ".join(f"--tie-decision {r}:{n}" for r, n in sorted(pending.items()))
        where = "that round" if len(pending) == 1 else "those rounds"
        raise TabulationError(
            f"{unused}: the count ({len(result.rounds)} rounds) had no tie for the operator to "
            f"decide in {where}"
        )
    return result, tuple(sorted(decisions, key=lambda d: d.round)), asked


def _ask(tie: TieUnbrokenError) -> str:
    """The tied candidate the operator picks, asked on the terminal."""
    outcome = "elected" if tie.role == "win" else "eliminated"
    return str(
        click.prompt(
            f"Round {tie.round}: {', '.join(tie.tied)} are tied; who is {outcome}?",
            type=click.Choice(list(tie.tied)),
            err=True,
        )
    )


def _one_blas_thread() -> None:
    """Let numpy's linear algebra library start no worker threads, unless told otherwise.

    A count uses no matrix algebra, yet importing numpy starts the library's thread pool, which
    costs a count more processor time than it reads a small ballot file in. Only an import not
    yet done is affected (and only in this process and its children).
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT


def _seed(kw: dict[str, Any]) -> dict[str, Any]:
    """The keyword options of an STV method's ``count``: the seed, and Meek's rule."""
    given = {"seed": kw["seed"]} if kw["seed"] is not None else {}
    return given | ({"rule": kw["meek_rule"]} if kw["method"] == "meek" else {})


def _emit_stv(result: Any, kw: dict[str, Any], title: str) -> None:
    """The report of a Scottish STV or Meek count (stages, as declaration sheets show them)."""
    from tallyroom.rcv import scottish_report

    match kw["output_format"]:
        case "text":
            text, name = scottish_report.render_text(result, title), "stages.txt"
        case "json":
            data = scottish_report.to_json(result)
            text, name = json.dumps(data, indent=2, ensure_ascii=False) + "\n", "stages.json"
        case other:
            raise click.UsageError(f"--format {other} is for instant runoff and RCTab's STV")
    _write(text, name, kw["out_dir"])


def _method_count(method: str) -> Any:
    """The ``count`` function of a counting method's module; an error when it is not there."""
    name = _METHOD_MODULES[method]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        raise TabulationError(f"method {method} is not available") from None
    count = getattr(module, "count", None)
    if not callable(count):
        raise TabulationError(f"method {method} is not available")
    return count


def _from_options(path: Path, kw: dict[str, Any]) -> tuple[BallotSet, RcvOptions]:
    from tallyroom.rcv.cells import CandidateSpec, CellLabels
    from tallyroom.rcv.readers import BallotSource, read_ballots

    aliases: dict[str, list[str]] = {}
    for item in kw["aliases"]:
        alias, sep, name = item.partition("=")
        if not sep or not alias or not name:
            raise click.BadParameter(f"expected ALIAS=NAME, got {item!r}", param_hint="--alias")
        aliases.setdefault(name, []).append(alias)
    unknown = set(aliases) - set(kw["candidates"])
    if unknown and kw["candidates"]:
        raise click.BadParameter(
            f"alias for undeclared candidate {sorted(unknown)[0]!r}", param_hint="--alias"
        )
    names = list(kw["candidates"]) or list(aliases)
    specs = [CandidateSpec(n, tuple(aliases.get(n, ()))) for n in names]
    labels = CellLabels(
        overvote_label=kw["overvote_label"],
        overvote_delimiter=kw["overvote_delimiter"],
        skipped_rank_label=kw["skipped_rank_label"],
        undeclared_write_in_label=kw["write_in_label"],
        treat_blank_as_undeclared_write_in=kw["blank_is_write_in"],
    )
    source = BallotSource(
        path=path,
        format=kw["input_format"],
        contest_id=kw["contest_id"],
        first_vote_column=kw["first_vote_column"],
        first_vote_row=kw["first_vote_row"],
        id_column=kw["id_column"],
        precinct_column=kw["precinct_column"],
        weight_column=kw["weight_column"],
        labels=labels,
    )
    ballots = read_ballots(
        path, source, candidates=specs, unknown_as_write_in=kw["write_ins_allowed"]
    )
    max_skipped_text = str(kw["max_skipped"]).strip().lower()
    if max_skipped_text == "unlimited":
        max_skipped: int | None = None
    elif max_skipped_text.isdigit():
        max_skipped = int(max_skipped_text)
    else:
        raise click.BadParameter("expected a number or 'unlimited'", param_hint="--max-skipped")
    seats = kw["seats"]
    mode: WinnerMode = kw["winner_mode"] or ("single-winner" if seats == 1 else "multi-winner")
    order = (
        tuple(n.strip() for n in kw["candidate_order"].split(",")) if kw["candidate_order"] else ()
    )
    options = RcvOptions(
        seats=seats,
        winner_mode=mode,
        overvote_rule=kw["overvote_rule"],
        max_skipped_ranks=max_skipped,
        max_rankings=kw["max_rankings"] or ballots.rank_columns,
        exhaust_on_duplicate=kw["exhaust_on_duplicate"],
        batch_elimination=kw["batch_elimination"],
        continue_until_two=kw["continue_until_two"],
        first_round_determines_threshold=kw["first_round_threshold"],
        stop_after_round=kw["stop_after_round"],
        quota="hare" if kw["hare"] else "droop",
        non_integer_threshold=kw["non_integer_threshold"],
        decimal_places=kw["decimal_places"],
        minimum_vote_threshold=_decimal("--minimum-threshold", kw["minimum_threshold"])
        or Decimal(0),
        bottoms_up_percentage=_decimal("--bottoms-up-percentage", kw["bottoms_up_percentage"]),
        tiebreak=kw["tiebreak"],
        seed=kw["seed"],
        candidate_order=order,
        excluded=tuple(kw["exclude"]),
    )
    return ballots, options


def _emit(
    result: RcvResult, output_format: str, out_dir: Path | None, contest: dict[str, Any]
) -> None:
    from tallyroom.rcv.reports import render_text, to_json, to_rctab_json

    match output_format:
        case "text":
            text = render_text(result, title=contest["contest"])
            name = "rounds.txt"
        case "json":
            text = json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n"
            name = "rounds.json"
        case _:
            text = json.dumps(to_rctab_json(result, **contest), indent=2, ensure_ascii=False) + "\n"
            name = "detailed_report.json"
    _write(text, name, out_dir)


def _write(text: str, name: str, out_dir: Path | None) -> None:
    """``text`` on stdout, or into ``out_dir/name`` whole (never a half-written report)."""
    if out_dir is None:
        click.echo(text, nl=False)
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / name
        partial = target.with_suffix(target.suffix + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as error:
        raise ValidationError(
            f"cannot write the report ({error.strerror})", source=str(out_dir)
        ) from error
    click.echo(str(target))


def sample_ballots_path() -> Path:
    """The ranked-choice sample shipped with tallyroom."""
    from importlib import resources

    return Path(str(resources.files("tallyroom") / "data" / "rcv" / "sample_mayor.csv"))


def demo_rcv(console: Console, elections: tuple[Election, ...]) -> None:
    """Demo section: count the shipped ranked-choice sample and show its rounds."""
    from tallyroom.rcv.readers import read_ballots
    from tallyroom.rcv.tally import tabulate

    del elections
    path = sample_ballots_path()
    try:
        ballots = read_ballots(path)
    except ParseError as error:  # pragma: no cover - the sample ships with the package
        console.print(f"[red]ranked-choice sample unreadable: {error}[/red]")
        return
    options = RcvOptions(
        max_rankings=ballots.rank_columns, tiebreak="previous-round-then-random", seed=2024
    )
    result = tabulate(ballots, options)
    from rich.table import Table

    table = Table(title=f"Ranked-choice sample: {ballots.total} ballots, instant runoff")
    table.add_column("Candidate")
    for record in result.rounds:
        table.add_column(f"R{record.number}", justify="right")
    order = [name for name, _ in sorted(result.rounds[0].tally, key=lambda t: -t[1])]
    for name in order:
        cells = []
        for record in result.rounds:
            votes = record.votes(name)
            if votes is None:
                cells.append("")
            elif name in record.elected:
                cells.append(f"[bold green]{votes}[/bold green]")
            elif name in record.eliminated:
                cells.append(f"[red]{votes}[/red]")
            else:
                cells.append(str(votes))
        table.add_row(name, *cells)
    table.add_row("Inactive", *[str(r.inactive.total) for r in result.rounds])
    table.add_row("Blank / undervote", *[str(r.inactive.undervotes) for r in result.rounds])
    console.print(table)
    console.print(f"Winner: {', '.join(result.winners)}")
