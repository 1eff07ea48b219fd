"""The one home of every derived figure: shares and their rounding, person keys, turnout, margins.

Every layer that shows a percentage calls :func:`percent`; every layer that matches people by name
calls :func:`person_key`. The rounding rule, documented once:

    A percentage is the exact share (a :class:`~fractions.Fraction` of two integers) times 100,
    rounded to two decimals *half up* (0.125 % -> "0.13"), and written as text, so no float
    ever carries a figure.

One exception, kept here beside the rule: :func:`rctab_percent` writes shares the way RCTab's
own CSV reports do (the share cut, not rounded, to four places of the fraction: "33.33%"), used
only to reproduce those reports exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Literal

from tallyroom.claims import stage_participants, stated_statuses
from tallyroom.evidence import StageTotal, stage_totals
from tallyroom.model import Election, Stage, StageDecision, StageKind, Status, builder, fast_init
from tallyroom.names import name_key, party_short

__all__ = [
    "PLACES",
    "ElectionFigures",
    "RowFigures",
    "StageFigures",
    "TotalFigures",
    "TurnoutFigures",
    "election_figures",
    "percent",
    "person_key",
    "ratio_percent",
    "rctab_percent",
    "stage_figures",
    "total_figures",
    "turnout",
]

#: Decimal places of every percentage tallyroom shows.
PLACES = 2


def percent(value: Fraction | None, places: int = PLACES) -> str | None:
    """A share as a percentage string rounded half up (half away from zero for a negative
    share): ``Fraction(1, 800)`` -> ``"0.13"``. The one rounding rule of tallyroom."""
    if value is None:
        return None
    return _rounded(value.numerator, value.denominator, places)


def ratio_percent(part: int | None, whole: int | None, places: int = PLACES) -> str | None:
    """:func:`percent` of ``part / whole``; ``None`` when either is unknown or the whole is 0."""
    if part is None or not whole:
        return None
    return _rounded(part, whole, places)


def _rounded(numerator: int, denominator: int, places: int) -> str:
    # Integer arithmetic: |n| * 100 * 10^places / d, half up, then the sign.
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    scale = 10**places
    whole, rest = divmod(abs(numerator) * 100 * scale, denominator)
    if 2 * rest >= denominator:
        whole += 1
    sign = "-" if numerator < 0 and whole else ""
    if places == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole // scale}.{whole % scale:0{places}d}"


def rctab_percent(votes: Decimal, active: Decimal) -> str:
    """A share as RCTab's CSV reports write it: ``votes / active`` cut (not rounded) to four
    places of the fraction, as a percentage with at least one decimal: ``1/3`` -> ``"33.33%"``,
    ``1/2`` -> ``"50.0%"``; ``""`` when nothing is active. Only for reproducing those files."""
    if active == 0:
        return ""
    cut = (votes / active).quantize(Decimal("0.0001"), rounding=ROUND_DOWN) * 100
    text = f"{cut.normalize():f}" if cut else "0"
    if "." not in text:
        text += ".0"
    return f"{text}%"


def person_key(name: str) -> str:
    """The key under which spellings of one person's name compare equal (see
    :func:`tallyroom.names.name_key`): the only way tallyroom matches people."""
    return name_key(name)


# -- an election's figures, decided once -----------------------------------------------------

#: Where a shown vote figure comes from: the stage's own table, or (for a table whose rows were
#: lost) the document's infobox.
FigureBasis = Literal["table", "infobox"]
#: A candidate's status as the rules decide it; ``tied`` while a tie stands unbroken.
RowStatus = Literal["elected", "advanced", "eliminated", "defeated", "tied"]


@dataclass(frozen=True, slots=True)
class RowFigures:
    """One candidate of one stage, with the best-supported figures and the rules' status.

    ``votes`` is what to show: the table's figure, or the infobox's when the table lost it
    (``basis`` says which); ``stated_votes`` is the table's own figure (``None`` when lost).
    ``status`` is the rules' decision, never a document's claim (that is ``stated_status``).
    """

    name: str
    key: str
    party: str | None
    party_label: str | None
    votes: int | None
    stated_votes: int | None
    basis: FigureBasis | None
    percent: str | None
    status: RowStatus | None
    stated_status: Status | None
    incumbent: bool
    acting: bool
    write_in: bool
    line: int | None


@dataclass(frozen=True, slots=True)
class TotalFigures:
    """A stage's total: the best-supported figure (the percentages' denominator), the one the
    source states, the rows' sum, and whether the stated one is damaged and how."""

    counted: int | None
    stated: int | None
    computed: int | None
    other_votes: int | None
    damaged: bool
    note: str | None
    """For a damaged total, e.g. ``"cut; 161,791–161,812"`` for a total cut at its comma: the
    range the document's other figures allow (:func:`tallyroom.evidence.stage_totals`)."""


@dataclass(frozen=True, slots=True)
class TurnoutFigures:
    """Turnout in percent: computed from ballots cast and registered voters when both are known
    (``basis="computed"``), else as the source states it (``"stated"``)."""

    percent: str
    basis: Literal["computed", "stated"]
    ballots_cast: int | None
    registered_voters: int | None


@dataclass(frozen=True, slots=True)
class StageFigures:
    index: int
    kind: StageKind
    party: str | None
    label: str
    date: dt.date | None
    date_source: str | None
    caption: str | None
    rows: tuple[RowFigures, ...]
    total: TotalFigures
    ballots_cast: int | None
    registered_voters: int | None
    status: str | None
    """The results' status (unofficial, complete, certified) as the source gives it."""
    deciding: bool
    decision: StageDecision | None
    rounds: tuple[RoundFigures, ...] = ()


@dataclass(frozen=True, slots=True)
class ElectionFigures:
    """Every figure and the outcome of one election, as shown everywhere.

    ``winner`` is the single winner of the deciding stage under the rules (``None`` when it is
    tied, undecided, or several win); ``winner_percent`` is their share of the deciding stage's
    counted votes (for ranked choice, of the final round's continuing ballots). ``tied`` names
    an unbroken tie of the deciding stage.
    """

    winner: str | None
    winners: tuple[str, ...]
    winner_percent: str | None
    tied: tuple[str, ...] | None
    outcome: Literal["decided", "tied", "cannot-tell", "no-rules"]
    margin_votes: int | None
    margin_percent: str | None
    deciding_stage: int | None
    decided_in: StageKind | None
    year: int | None
    date: dt.date | None
    turnout: TurnoutFigures | None
    stages: tuple[StageFigures, ...]


# Made for every row of every stage an import decides: the model's faster construction.
for _kind in (RowFigures, TotalFigures, TurnoutFigures, StageFigures, ElectionFigures):
    fast_init(_kind)
del _kind
#: Makes a :class:`RowFigures` without calling the class (one per row of every stage).
_new_row = builder(RowFigures)


def turnout(election: Election) -> TurnoutFigures | None:
    """Turnout of the deciding stage (see :class:`TurnoutFigures`); ``None`` when unknown."""
    stage = election.deciding_stage
    registered = (stage.registered_voters if stage else None) or election.registered_voters
    ballots = stage.ballots_cast if stage is not None else None
    computed = ratio_percent(ballots, registered)
    if computed is not None:
        return TurnoutFigures(computed, "computed", ballots, registered)
    if election.stated_turnout is not None:
        return TurnoutFigures(str(election.stated_turnout), "stated", None, registered)
    return None


def total_figures(
    stage: Stage, rows: Sequence[RowFigures], analysis: StageTotal | None = None
) -> TotalFigures:
    """The stage's total from its best-supported rows (see :class:`TotalFigures`). ``analysis``
    is what the document's figures say the true total can be
    (:func:`tallyroom.evidence.stage_totals`): a stated total that looks cut at its thousands
    separator is marked with the range it stands for, and never counts as the total."""
    return _total(stage, [row.votes for row in rows], analysis)


def _total(stage: Stage, known: Sequence[int | None], analysis: StageTotal | None) -> TotalFigures:
    """:func:`total_figures` of rows of these votes."""
    computed = sum(v for v in known if v is not None) if known and None not in known else None
    stated = stage.stated_total
    cut = analysis.truncated if analysis is not None and analysis.stated == stated else None
    if cut is not None or stated is None or (computed is not None and stated <= computed):
        counted = computed
    else:
        counted = stated
    damaged = cut is not None or (stated is not None and computed is not None and stated < computed)
    note = None
    if cut is not None:
        low, high = cut
        note = f"cut; {low:,}" if low == high else f"cut; {low:,}–{high:,}"
    elif damaged:
        note = f"less than the rows' sum, {computed:,}"
    other = stated - computed if stated is not None and computed is not None else None
    return TotalFigures(
        counted=counted,
        stated=stated,
        computed=computed,
        other_votes=other if other is not None and other > 0 and cut is None else None,
        damaged=damaged,
        note=note,
    )


def _row_statuses(decision: StageDecision | None, deciding: bool) -> dict[str, RowStatus]:
    """The rules' status of each person the decision names, by :func:`person_key` (a key it
    does not name has none). A person named in two of its lists takes the first of: tied,
    won, advanced, eliminated."""
    if decision is None:
        return {}
    won: RowStatus = (
        "advanced" if not deciding and decision.further_stage is not False else "elected"
    )
    lost: RowStatus = "defeated" if deciding or decision.further_stage is False else "eliminated"
    statuses: dict[str, RowStatus] = {}
    # Least binding first: a later list overrides an earlier one.
    lists: tuple[tuple[tuple[str, ...] | None, RowStatus], ...] = (
        (decision.eliminated, lost),
        (decision.advanced, "advanced"),
        (decision.winners, won),
        (decision.tied, "tied"),
    )
    for names, status in lists:
        if names is not None:
            for name in names:
                statuses[name_key(name)] = status
    return statuses


def stage_rows(
    election: Election,
    index: int,
    decision: StageDecision | None,
    analysis: StageTotal | None = None,
) -> tuple[tuple[RowFigures, ...], TotalFigures]:
    """The stage's candidates with best-supported votes, shares and the rules' statuses, and the
    stage's total (:func:`total_figures` of those rows)."""
    stage = election.stages[index]
    deciding = stage is election.deciding_stage
    statuses = stated_statuses(election, index)
    decided = _row_statuses(decision, deciding)
    table = {row.name: row for row in stage.results}
    lost_rows = not stage.results
    infobox = (
        {name_key(n.name): n.votes for n in election.nominees} if deciding and lost_rows else {}
    )
    before = name_key(election.before_holder) if election.before_holder else None
    acting = election.before_acting
    drafted = []
    for name, stated in stage_participants(election, index):
        key = name_key(name)
        row = table.get(name)
        votes = stated
        basis: FigureBasis | None = "table" if stated is not None else None
        if votes is None and lost_rows:
            votes = infobox.get(key)
            basis = "infobox" if votes is not None else None
        incumbent = bool(row and row.incumbent) or key == before
        drafted.append((name, key, row, stated, votes, basis, incumbent))
    total = _total(stage, [votes for _, _, _, _, votes, _, _ in drafted], analysis)
    denominator = total.counted
    rows = tuple(
        _new_row(
            name=name,
            key=key,
            party=party_short(row.party) if row else None,
            party_label=row.party if row else None,
            votes=votes,
            stated_votes=stated,
            basis=basis,
            percent=ratio_percent(votes, denominator),
            status=decided.get(key),
            stated_status=statuses.get(name),
            incumbent=incumbent,
            acting=incumbent and acting,
            write_in=bool(row and row.write_in),
            line=row.line if row else None,
        )
        for name, key, row, stated, votes, basis, incumbent in drafted
    )
    return rows, total


def _rounds(stage: Stage) -> tuple[RoundFigures, ...]:
    if not stage.rounds:
        return ()
    return round_figures(stage)


def stage_figures(
    election: Election,
    index: int,
    decision: StageDecision | None,
    analysis: StageTotal | None = None,
) -> StageFigures:
    stage = election.stages[index]
    rows, total = stage_rows(election, index, decision, analysis)
    return StageFigures(
        index=index,
        kind=stage.kind,
        party=stage.party,
        label=stage.label(),
        date=stage.date,
        date_source=stage.date_source,
        caption=stage.caption,
        rows=rows,
        total=total,
        ballots_cast=stage.ballots_cast,
        registered_voters=stage.registered_voters,
        status=stage.status,
        deciding=stage is election.deciding_stage,
        decision=decision,
        rounds=_rounds(stage),
    )


def election_figures(
    election: Election,
    decisions: Sequence[StageDecision] | None,
    totals: Sequence[StageTotal] | None = None,
) -> ElectionFigures:
    """Every figure of ``election`` given the rules' ``decisions`` (one per stage; ``None`` when
    the rules could not be applied). ``totals``: the election's
    :func:`~tallyroom.evidence.stage_totals`, when already worked out (the checks have them).
    Pure: the same inputs give the same figures."""
    if decisions is not None and len(decisions) != len(election.stages):
        raise ValueError("one decision per stage is needed")
    analysis = stage_totals(election) if totals is None else totals
    if len(analysis) != len(election.stages):
        raise ValueError("one total per stage is needed")
    stages = tuple(
        stage_figures(election, i, decisions[i] if decisions is not None else None, analysis[i])
        for i in range(len(election.stages))
    )
    deciding = next((s for s in stages if s.deciding), None)
    decision = deciding.decision if deciding is not None else None
    winners = decision.winners if decision is not None else ()
    winner = winners[0] if len(winners) == 1 else None
    outcome: Literal["decided", "tied", "cannot-tell", "no-rules"]
    outcome = decision.status if decision is not None else "no-rules"
    winner_percent = margin_votes = margin_percent = None
    if deciding is not None and winner is not None:
        stage = election.stages[deciding.index]
        key = person_key(winner)
        if stage.rounds:
            winner_percent = percent(final_round_share(stage, winner))
        rows = deciding.rows
        mine = next((r for r in rows if r.key == key), None)
        if winner_percent is None and mine is not None:
            winner_percent = mine.percent
        others = [r.votes for r in rows if r.key != key]
        if mine is not None and mine.votes is not None and others and None not in others:
            margin_votes = mine.votes - max(v for v in others if v is not None)
            if margin_votes < 0:
                margin_votes = None
            margin_percent = ratio_percent(margin_votes, deciding.total.counted)
    date = deciding.date if deciding is not None and deciding.date else election.date
    return ElectionFigures(
        winner=winner,
        winners=winners,
        winner_percent=winner_percent,
        tied=decision.tied if decision is not None else None,
        outcome=outcome,
        margin_votes=margin_votes,
        margin_percent=margin_percent,
        deciding_stage=deciding.index if deciding is not None else None,
        decided_in=deciding.kind if deciding is not None else None,
        year=election.year,
        date=date,
        turnout=turnout(election),
        stages=stages,
    )


# Imported last: round_figures rounds with this module's percent(), defined above.
from tallyroom.round_figures import RoundFigures, final_round_share, round_figures  # noqa: E402
