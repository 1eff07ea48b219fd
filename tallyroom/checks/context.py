"""What every family of checks is given: the election, its stages' totals, and the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tallyroom.evidence import (
    InfoboxColumn,
    StageTotal,
    column_rows,
    infobox_columns,
    stage_totals,
)
from tallyroom.model import Election, InfoboxField

if TYPE_CHECKING:
    from tallyroom.rules.types import Outcome, RulesSpec

__all__ = ["CheckContext", "make_context"]


@dataclass(frozen=True, slots=True)
class CheckContext:
    election: Election
    totals: tuple[StageTotal, ...]
    columns: tuple[InfoboxColumn, ...]
    rules: RulesSpec | None
    #: For each of ``columns``, the index of its candidate's row in the deciding stage.
    column_rows: tuple[int | None, ...] = ()
    #: What one check works out and another reads again (the rules' outcomes), by name.
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def field(self, key: str) -> InfoboxField | None:
        """The infobox field named ``key`` (case and spacing aside), first occurrence."""
        wanted = " ".join(key.casefold().split())
        for item in self.election.infobox:
            if " ".join(item.key.casefold().split()) == wanted:
                return item
        return None

    def field_line(self, key: str) -> int | None:
        item = self.field(key)
        return item.line if item else None


def make_context(
    election: Election,
    rules: RulesSpec | None = None,
    outcomes: tuple[Outcome, ...] | None = None,
) -> CheckContext:
    """The context of the checks of ``election``. ``outcomes``: each stage's outcome under the
    rules the checks would apply (``rules``, else the document's own or inferred ones), when
    already derived (:func:`tallyroom.service.decide` has them), so as not to derive them twice."""
    columns = infobox_columns(election)
    rows = column_rows(election.deciding_stage, columns)
    context = CheckContext(election, stage_totals(election, columns, rows), columns, rules, rows)
    if outcomes is not None and election.stages:
        if len(outcomes) != len(election.stages):
            raise ValueError("one outcome per stage is needed")
        context.memo["outcomes"] = outcomes
    return context
