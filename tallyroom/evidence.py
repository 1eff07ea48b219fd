"""What a document's figures support: the infobox's candidate columns, who is who, and what a
stage's true total can be (from its rows, the infobox's votes and percentages, or its stated
total, when that looks cut at its thousands separator).

Pure functions over the model, shared by the checks (which report what is damaged) and
:mod:`tallyroom.figures` (which shows the best-supported figure beside it). A range of totals is
a closed ``(low, high)`` pair of ints.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from tallyroom.model import Election, Stage, fast_init
from tallyroom.names import name_key, party_short

__all__ = [
    "NAMES_KEPT",
    "InfoboxColumn",
    "StageTotal",
    "TotalRange",
    "column_rows",
    "decimal_places",
    "implied_total_range",
    "infobox_columns",
    "intersect",
    "number_text",
    "party_name",
    "pct_text",
    "percent_consistent",
    "person_key",
    "row_for",
    "same_person",
    "stage_totals",
]

TotalRange = tuple[int, int]

#: "Popular Vote1" -> base "Popular Vote", index "1" (the base's spaces are normalised after).
_INDEXED_KEY = re.compile(r"^(?P<base>[A-Za-z ]+)\s*(?P<index>\d+)$")
_WHOLE = re.compile(r"^\s*(\d{1,3}(?:,\d{3})+|\d+)\s*$")

#: Votes that no row accounts for (write-ins, scattering) are rarely more than this share.
UNACCOUNTED_PLAUSIBLE = Fraction(5, 100)


def number_text(value: int) -> str:
    return f"{value:,}"


def pct_text(value: Fraction | Decimal, places: int = 2) -> str:
    from tallyroom.figures import percent

    share = Fraction(value) / 100
    return percent(share, places) or ""


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@dataclass(frozen=True, slots=True)
class InfoboxColumn:
    """One candidate column of the infobox ("Candidate1", "Popular Vote1", "Percentage1")."""

    index: int
    name: str
    name_line: int | None
    name_key: str | None
    votes: int | None = None
    votes_line: int | None = None
    votes_key: str | None = None
    votes_raw: str | None = None
    percentage: Decimal | None = None
    percentage_line: int | None = None
    percentage_key: str | None = None
    party: str | None = None


def infobox_columns(election: Election) -> tuple[InfoboxColumn, ...]:
    """The infobox's candidate columns with their lines; from ``nominees`` when no raw infobox."""
    if not election.infobox:
        return tuple(
            InfoboxColumn(
                index=i,
                name=n.name,
                name_line=None,
                name_key=None,
                votes=n.votes,
                percentage=n.stated_percentage,
                party=n.party,
            )
            for i, n in enumerate(election.nominees, start=1)
        )
    columns: dict[int, dict[str, tuple[str, str, int | None]]] = {}
    for item in election.infobox:
        # An indexed key ends in a digit ("Candidate1"); the others need no matching.
        indexed = _indexed_key(item.key) if item.key[-1:].isdigit() else None
        if indexed is not None:
            base, index = indexed
            column = columns.setdefault(index, {})
            column.setdefault(base, (item.key, item.value, item.line))
    found = []
    for index in sorted(columns):
        column = columns[index]
        who = column.get("candidate") or column.get("nominee")
        if who is None or not who[1]:
            continue
        votes = column.get("popular vote")
        pct = column.get("percentage")
        party = column.get("party")
        found.append(
            InfoboxColumn(
                index=index,
                name=who[1],
                name_line=who[2],
                name_key=who[0],
                votes=_whole(votes[1]) if votes else None,
                votes_line=votes[2] if votes else None,
                votes_key=votes[0] if votes else None,
                votes_raw=votes[1] if votes else None,
                percentage=_decimal(pct[1]) if pct else None,
                percentage_line=pct[2] if pct else None,
                percentage_key=pct[0] if pct else None,
                party=party[1] if party and party[1] else None,
            )
        )
    return tuple(found)


@functools.lru_cache(maxsize=4_096)
def _indexed_key(key: str) -> tuple[str, int] | None:
    """An indexed infobox key's base (case and spacing aside) and index: "Popular Vote1" ->
    ``("popular vote", 1)``; ``None`` for another key. Remembered: every infobox has the same
    few keys."""
    match = _INDEXED_KEY.match(key)
    if match is None:
        return None
    return " ".join(match["base"].casefold().split()), int(match["index"])


def _whole(text: str) -> int | None:
    match = _WHOLE.match(text)
    return int(match.group(1).replace(",", "")) if match else None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


#: How many names (and pairs of names) the name functions below remember. A document names each
#: person in several places, and its checks compare them again and again; another document
#: seldom names the same people. So the caches are a large document's size, not an archive's:
#: at 65,536 entries each they were filled by the first 10,000 articles of an import, held
#: 48 MB of its memory, and made the import about 5 % slower (lookups in tables far larger
#: than the processor's caches, and more objects for the cycle collector to scan).
NAMES_KEPT = 4_096


@functools.lru_cache(maxsize=NAMES_KEPT)
def person_key(name: str) -> str:
    """:func:`tallyroom.names.name_key`, remembered: the checks compare names many times."""
    return name_key(name)


@functools.lru_cache(maxsize=4_096)
def party_name(label: str | None) -> str | None:
    """:func:`tallyroom.names.party_short`, remembered: the same few labels recur everywhere."""
    return party_short(label)


@functools.lru_cache(maxsize=NAMES_KEPT)
def same_person(a: str, b: str) -> bool:
    """Whether two spellings name one person: equal keys (nicknames, dots and case aside), or
    the same first and last names where one adds middle names or initials the other lacks."""
    key_a, key_b = person_key(a), person_key(b)
    if key_a == key_b:
        return True
    tokens_a, tokens_b = key_a.split(), key_b.split()
    if len(tokens_a) < 2 or len(tokens_b) < 2:
        return False
    if tokens_a[0] != tokens_b[0] or tokens_a[-1] != tokens_b[-1]:
        return False
    middle_a, middle_b = tokens_a[1:-1], tokens_b[1:-1]
    if not middle_a or not middle_b:
        return True
    if len(middle_a) != len(middle_b):
        return False
    return all(
        x[0] == y[0] and (len(x) == 1 or len(y) == 1 or x == y)
        for x, y in zip(middle_a, middle_b, strict=True)
    )


def row_for(stage: Stage, name: str) -> int | None:
    """The index of the row of ``stage`` naming the same person as ``name``, else None."""
    key = person_key(name)
    for index, row in enumerate(stage.results):
        if person_key(row.name) == key:
            return index
    for index, row in enumerate(stage.results):
        if same_person(row.name, name):
            return index
    return None


def intersect(a: TotalRange | None, b: TotalRange | None) -> TotalRange | None:
    if a is None:
        return b
    if b is None:
        return a
    low, high = max(a[0], b[0]), min(a[1], b[1])
    return (low, high) if low <= high else None


def _scaled(stated: Decimal) -> tuple[int, int]:
    """``stated`` as an exact fraction ``(digits, scale)`` of whole numbers, with ``scale`` ten to
    the power of its decimal places: ``Decimal("53.45")`` -> ``(5345, 100)``."""
    sign, digits, exponent = stated.as_tuple()
    assert isinstance(exponent, int), "a finite percentage"
    whole = int("".join(map(str, digits)) or "0")
    if exponent >= 0:
        whole, scale = whole * 10**exponent, 1
    else:
        scale = 10**-exponent
    return (-whole if sign else whole), scale


def implied_total_range(votes: int, stated: Decimal) -> TotalRange | None:
    """The totals for which ``votes`` make the ``stated`` percentage.

    The true share (in percent) a stated percentage can come from is, at its decimal places,
    rounded half either way or cut (truncated): from ``stated - unit / 2`` to ``stated + unit``.
    Worked in whole numbers: with ``stated = n / scale``, the share lies between
    ``(2n - 1) / (2 scale)`` and ``(n + 1) / scale``.
    """
    n, scale = _scaled(stated)
    if votes <= 0 or n + 1 <= 0:
        return None
    hundredfold = votes * 100 * scale
    low = -(-hundredfold // (n + 1))
    high = 2 * hundredfold // (2 * n - 1) if 2 * n - 1 > 0 else 10**15
    # A bound hit exactly belongs to the open end of the interval; the margin keeps it fair.
    return (low, high) if low <= high else None


def percent_consistent(votes: int, stated: Decimal, total: TotalRange) -> bool:
    """Whether ``votes`` out of some total in ``total`` can be stated as ``stated`` percent."""
    if votes == 0:
        n, _ = _scaled(stated)
        return 2 * n - 1 <= 0
    implied = implied_total_range(votes, stated)
    return implied is not None and intersect(implied, total) is not None


@dataclass(frozen=True, slots=True)
class StageTotal:
    """What a stage's true total can be.

    ``rows``: the rows' sum (a floor: every row's votes are in the total). ``floor``: the rows'
    sum, or for a table without rows the infobox votes of its candidates. ``implied``: the totals
    the infobox percentages allow (deciding stage only). ``truncated``: when the stated total looks
    cut at a thousands separator, the range of the true total. ``likely``: the range the checks
    use as the true total (``None`` when unknown).
    """

    stated: int | None
    rows: int | None
    floor: int | None
    implied: TotalRange | None
    truncated: TotalRange | None
    truncation_basis: str | None
    likely: TotalRange | None


def column_rows(stage: Stage | None, columns: tuple[InfoboxColumn, ...]) -> tuple[int | None, ...]:
    """For each infobox column, the index of its candidate's row in ``stage`` (:func:`row_for`)."""
    return tuple(None if stage is None else row_for(stage, c.name) for c in columns)


def stage_totals(
    election: Election,
    columns: tuple[InfoboxColumn, ...] | None = None,
    rows: tuple[int | None, ...] | None = None,
) -> tuple[StageTotal, ...]:
    """A :class:`StageTotal` for each stage, in order. ``columns``: the election's
    :func:`infobox_columns`, and ``rows`` their :func:`column_rows` in the deciding stage, when
    already worked out."""
    if columns is None:
        columns = infobox_columns(election)
    deciding = election.deciding_stage
    if rows is None:
        rows = column_rows(deciding, columns)
    partial = [
        _stage_total(stage, columns, rows) if stage is deciding else _stage_total(stage, (), ())
        for stage in election.stages
    ]
    # A table without rows or infobox figures can still be judged by the scale of the others.
    scales = [t.likely[1] for t in partial if t.likely is not None and t.truncated is None]
    scales += [t.truncated[0] for t in partial if t.truncated is not None]
    finished = []
    for total in partial:
        stated = total.stated
        if total.likely is None and stated is not None and total.floor is None and scales:
            truncated = _truncated_by_scale(stated, max(scales))
            if truncated is not None:
                total = StageTotal(stated, None, None, None, truncated, "scale", truncated)
            else:
                total = StageTotal(stated, None, None, None, None, None, (stated, stated))
        elif total.likely is None and stated is not None:
            span = (stated, stated)
            total = StageTotal(stated, total.rows, total.floor, total.implied, None, None, span)
        finished.append(total)
    return tuple(finished)


def _stage_total(
    stage: Stage, columns: tuple[InfoboxColumn, ...], indexes: tuple[int | None, ...]
) -> StageTotal:
    """The stage's total; ``columns`` (with their rows' ``indexes``) only for the deciding
    stage."""
    rows = stage.computed_total
    floor = rows
    implied: TotalRange | None = None
    if columns:
        known = [c for c in columns if c.votes is not None]
        if (
            rows is None
            and known
            and all(i is None for c, i in zip(columns, indexes, strict=True) if c.votes is not None)
        ):
            floor = (
                sum(c.votes for c in known if c.votes is not None) if not stage.results else None
            )
        for column, index in zip(columns, indexes, strict=True):
            votes = column.votes
            if index is not None:
                votes = stage.results[index].votes
            if votes is not None and column.percentage is not None:
                each = implied_total_range(votes, column.percentage)
                implied = each if implied is None else intersect(implied, each)
                if implied is None:
                    break
    stated = stage.stated_total
    truncated, basis = None, None
    if stated is not None and stated >= 0:
        truncated, basis = _truncation(stated, floor, implied)
    likely: TotalRange | None
    if truncated is not None:
        likely = truncated
    elif rows is not None and stated is not None:
        likely = (max(rows, stated), max(rows, stated))
    elif rows is not None:
        likely = (rows, rows)
    elif implied is not None and stated is None:
        likely = implied
    else:
        likely = None
    return StageTotal(stated, rows, floor, implied, truncated, basis, likely)


def _truncation(
    stated: int, floor: int | None, implied: TotalRange | None
) -> tuple[TotalRange | None, str | None]:
    """The true total's range when ``stated`` is a total cut at a thousands separator."""
    if floor is None and implied is None:
        return None, None
    if floor is not None and stated >= floor:
        return None, None
    if floor is None and implied is not None and implied[0] <= stated <= implied[1]:
        return None, None
    for power in (1000, 1000**2, 1000**3):
        cut = (stated * power, stated * power + power - 1)
        if floor is not None and cut[1] < floor:
            continue
        if implied is not None:
            both = intersect(cut, implied)
            if both is None:
                continue
            if floor is not None:
                both = intersect(both, (floor, both[1]))
            if both is not None:
                return both, "percentages"
            continue
        assert floor is not None
        if cut[0] <= floor:
            return (floor, cut[1]), "rows"
        if cut[0] - floor <= floor * UNACCOUNTED_PLAUSIBLE:
            return cut, "rows"
        return None, None
    return None, None


def _truncated_by_scale(stated: int, scale: int) -> TotalRange | None:
    """A stated total a hundred times smaller than another stage's, cut at a separator."""
    if stated <= 0 or scale < 100 * stated:
        return None
    for power in (1000, 1000**2, 1000**3):
        low = stated * power
        if scale // 10 <= low <= scale * 10:
            return (low, low + power - 1)
    return None


# Made for every election checked: the model's faster construction.
for _kind in (InfoboxColumn, StageTotal):
    fast_init(_kind)
del _kind
