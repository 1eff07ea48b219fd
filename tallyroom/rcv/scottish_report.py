"""Stage records of a single-transferable-vote count, and their text and JSON renderings.

Both STV counts that are not RCTab's (:mod:`tallyroom.rcv.scottish`, the count of the Scottish
Local Government Elections Order 2007, and :mod:`tallyroom.rcv.meek`, Meek's method) give an
:class:`StvResult`: the quota, the winners in the order they were elected, and one
:class:`StvStage` per stage of the count, numbered as a declaration sheet numbers them (stage 1
holds the first preferences; every later stage is one surplus transfer or one exclusion for the
Scottish count, one converged iteration for Meek's method).

Votes are exact decimals with the count's number of places: 5 for the Scottish count (the
Order's transfer values are truncated to five places), 9 for Meek's method.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

__all__ = ["StageKind", "StvResult", "StvStage", "StvTieBreak", "render_text", "to_json"]

StageKind = Literal["first-preferences", "surplus", "exclusion", "iteration"]


@dataclass(frozen=True, slots=True)
class StvTieBreak:
    """A tie decided during the count: who was tied, who was picked and how."""

    stage: int
    kind: Literal["surplus-order", "exclusion"]
    tied: tuple[str, ...]
    selected: str
    method: Literal["earlier-stage", "lot"]
    explanation: str


@dataclass(frozen=True, slots=True)
class StvStage:
    """One stage of the count, with the state at its end."""

    number: int
    kind: StageKind
    source: str | None
    """The candidate whose surplus was transferred or who was excluded (``None`` for stage 1 and
    for Meek iterations)."""
    tally: tuple[tuple[str, Decimal], ...]
    """Votes credited to every candidate at the end of the stage (excluded candidates hold 0,
    candidates whose surplus was transferred hold the quota)."""
    changes: tuple[tuple[str, Decimal], ...]
    """What the stage added to (or took from) each candidate, as a declaration sheet's
    transfer column shows it."""
    quota: Decimal
    non_transferable: Decimal
    """Value of ballot papers with no further usable preference, to the end of this stage."""
    rounding_loss: Decimal
    """Value lost to the truncation of transfer values (or of Meek's fixed-point products), to the
    end of this stage."""
    elected: tuple[str, ...] = ()
    """Candidates deemed elected at the end of this stage, in the order they were elected."""
    excluded: tuple[str, ...] = ()
    transfer_values: tuple[Decimal, ...] = ()
    """Transfer values of a surplus transfer, one per value at which papers were held."""
    keep_factors: tuple[tuple[str, Decimal], ...] = ()
    """Meek's keep factors of the candidates still in the count."""
    iterations: int = 0
    """Meek's iterations to convergence within the stage."""
    tiebreaks: tuple[StvTieBreak, ...] = ()

    def votes(self, candidate: str) -> Decimal:
        for name, votes in self.tally:
            if name == candidate:
                return votes
        raise KeyError(candidate)


@dataclass(frozen=True, slots=True)
class StvResult:
    """The outcome of an STV count."""

    method: Literal["scottish-stv", "meek"]
    candidates: tuple[str, ...]
    seats: int
    valid_papers: int
    quota: Decimal
    """The quota of stage 1 (Meek's method lowers it as papers become non-transferable; each
    stage carries its own)."""
    places: int
    winners: tuple[str, ...]
    stages: tuple[StvStage, ...]

    @property
    def tiebreaks(self) -> tuple[StvTieBreak, ...]:
        return tuple(t for stage in self.stages for t in stage.tiebreaks)


def _num(value: Decimal) -> str:
    return format(value, "f")


def to_json(result: StvResult) -> dict[str, Any]:
    """The count as JSON data (votes as exact decimal strings)."""
    return {
        "method": result.method,
        "seats": result.seats,
        "valid_papers": result.valid_papers,
        "quota": _num(result.quota),
        "winners": list(result.winners),
        "stages": [
            {
                "stage": stage.number,
                "kind": stage.kind,
                "source": stage.source,
                "quota": _num(stage.quota),
                "tally": {name: _num(votes) for name, votes in stage.tally},
                "changes": {name: _num(votes) for name, votes in stage.changes},
                "non_transferable": _num(stage.non_transferable),
                "rounding_loss": _num(stage.rounding_loss),
                "elected": list(stage.elected),
                "excluded": list(stage.excluded),
                "transfer_values": [_num(v) for v in stage.transfer_values],
                "keep_factors": {name: _num(k) for name, k in stage.keep_factors},
                "iterations": stage.iterations,
                "tiebreaks": [
                    {
                        "kind": t.kind,
                        "tied": list(t.tied),
                        "selected": t.selected,
                        "method": t.method,
                        "explanation": t.explanation,
                    }
                    for t in stage.tiebreaks
                ],
            }
            for stage in result.stages
        ],
    }


def _describe(stage: StvStage) -> str:
    match stage.kind:
        case "first-preferences":
            return "first preferences"
        case "surplus":
            values = ", ".join(_num(v) for v in stage.transfer_values)
            return f"surplus of {stage.source} (transfer value {values})"
        case "exclusion":
            return f"exclusion of {stage.source}"
        case "iteration":
            excluded = f", after excluding {', '.join(stage.excluded)}" if stage.excluded else ""
            plural = "" if stage.iterations == 1 else "s"
            return f"{stage.iterations} iteration{plural}{excluded}"


def render_text(result: StvResult, title: str | None = None) -> str:
    """A declaration-sheet style table: one column per stage, one row per candidate."""
    heading = "Scottish STV" if result.method == "scottish-stv" else "Meek STV"
    lines = [title or heading]
    lines.append(
        f"{heading}: {result.seats} seats, {result.valid_papers} valid papers, "
        f"quota {_num(result.quota)}"
    )
    for stage in result.stages:
        lines.append(f"Stage {stage.number}: {_describe(stage)}")
    width = max(len(name) for name in (*result.candidates, "Non-transferable", "Candidate"))
    cells = [[f"{s.number:>16}" for s in result.stages]]
    header = f"{'Candidate':<{width}} " + " ".join(c for c in cells[0])
    lines.append(header)
    for name in result.candidates:
        row = " ".join(f"{_num(s.votes(name)):>16}" for s in result.stages)
        lines.append(f"{name:<{width}} {row}")
    lost = " ".join(f"{_num(s.non_transferable + s.rounding_loss):>16}" for s in result.stages)
    lines.append(f"{'Non-transferable':<{width}} {lost}")
    lines.append("Elected: " + ", ".join(result.winners))
    for tie in result.tiebreaks:
        lines.append(f"Tie at stage {tie.stage}: {tie.explanation}")
    return "\n".join(lines) + "\n"
