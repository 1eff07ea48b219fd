"""Identity: the same candidate twice in a table; one person under two spellings (matched, and
reported as info); an incumbent marker that contradicts "Before Election"; a primary's loser who
ran again as a write-in."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding
from tallyroom.claims import stated_statuses
from tallyroom.evidence import NAMES_KEPT, person_key, same_person

__all__ = ["CODES", "check_identity"]

DUPLICATE_CANDIDATE = CheckCode(
    "duplicate-candidate", "identity", "error", "The same candidate twice in one results table"
)
NAME_VARIANT = CheckCode(
    "name-variant", "identity", "info", "One person under two spellings, matched"
)
INCUMBENT_MISMATCH = CheckCode(
    "incumbent-mismatch",
    "identity",
    "warning",
    "An incumbent marker on someone other than the holder before the election",
)
PRIMARY_LOSER_WRITE_IN = CheckCode(
    "primary-loser-write-in",
    "identity",
    "info",
    "A candidate who lost a primary and ran again as a write-in",
)

CODES = (DUPLICATE_CANDIDATE, NAME_VARIANT, INCUMBENT_MISMATCH, PRIMARY_LOSER_WRITE_IN)


def check_identity(context: CheckContext) -> Iterator[Finding]:
    yield from _duplicates(context)
    yield from _variants(context)
    yield from _incumbents(context)
    yield from _write_ins(context)


def _duplicates(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for stage in election.stages:
        seen: dict[str, int | None] = {}
        for row in stage.results:
            key = person_key(row.name)
            if key in seen:
                yield DUPLICATE_CANDIDATE.found(
                    election,
                    row.line,
                    f"row {row.name}",
                    f"{stage.label()}: {row.name} has a second row",
                    {"name": row.name, "first_line": seen[key], "votes": row.votes},
                    fix="remove the repeated row",
                    confidence="medium",
                )
            else:
                seen[key] = row.line


def _spellings(context: CheckContext) -> list[tuple[str, int | None, str]]:
    """Every spelling of a person in the document: (as written, line, where), in line order."""
    election = context.election
    found: list[tuple[str, int | None, str]] = []
    for candidate in election.candidates:
        found.append((candidate.display_name, candidate.line, "candidate list"))
    for column in context.columns:
        found.append((column.name, column.name_line, "infobox"))
    for stage in election.stages:
        where = f"{stage.label().lower()} table"
        for row in stage.results:
            found.append((row.name, row.line, where))
    return sorted(found, key=lambda item: item[1] if item[1] is not None else 0)


@functools.lru_cache(maxsize=NAMES_KEPT)
def _match_keys(name: str) -> tuple[str, tuple[str, str] | None]:
    """What two spellings of one person share (see :func:`same_person`): the same name key, or
    the same first and last names when both have at least two. Remembered, like
    :func:`person_key`: a document names each candidate in several places."""
    key = person_key(name)
    tokens = key.split()
    return key, ((tokens[0], tokens[-1]) if len(tokens) >= 2 else None)


def _variants(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    reported: set[tuple[str, str]] = set()
    spellings = _spellings(context)
    # The earlier spellings that can name the same person, by key and by first and last names:
    # only those are compared.
    by_key: dict[str, list[int]] = {}
    by_ends: dict[tuple[str, str], list[int]] = {}
    for position, (name, line, where) in enumerate(spellings):
        key, ends = _match_keys(name)
        same_key = by_key.setdefault(key, [])
        same_ends = by_ends.setdefault(ends, []) if ends is not None else []
        candidates = sorted({*same_key, *same_ends}) if same_key or same_ends else ()
        same_key.append(position)
        if ends is not None:
            same_ends.append(position)
        for earlier_position in candidates:
            earlier, earlier_line, earlier_where = spellings[earlier_position]
            if earlier == name or not same_person(earlier, name):
                continue
            pair = (earlier, name)
            if pair in reported or (name, earlier) in reported:
                break
            reported.add(pair)
            yield NAME_VARIANT.found(
                election,
                line,
                where,
                f"{name!r} ({where}) is taken to be {earlier!r} ({earlier_where}, "
                f"line {earlier_line})",
                {"spelling": name, "other_spelling": earlier, "other_line": earlier_line},
            )
            break


def _incumbents(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    holder = election.before_holder
    if holder is None:
        return
    for stage in election.stages:
        for row in stage.results:
            if row.incumbent and not same_person(row.name, holder):
                yield INCUMBENT_MISMATCH.found(
                    election,
                    row.line,
                    f"row {row.name}",
                    f"{row.name} is marked incumbent, but the holder before the election was "
                    f"{holder}",
                    {"marked": row.name, "before_holder": holder},
                    fix=f"move the marker to {holder}"
                    if any(same_person(r.name, holder) for r in stage.results)
                    else "remove the incumbent marker",
                    confidence="medium",
                )


def _write_ins(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for index, stage in enumerate(election.stages):
        if stage.kind != "primary" or not any(
            other.write_in
            for later in election.stages[index + 1 :]
            if later.kind != "primary"
            for other in later.results
        ):
            continue
        statuses = stated_statuses(election, index)
        for row in stage.results:
            if statuses.get(row.name) not in ("eliminated", "defeated"):
                continue
            for later in election.stages[index + 1 :]:
                if later.kind == "primary":
                    continue
                for other in later.results:
                    if other.write_in and same_person(other.name, row.name):
                        yield PRIMARY_LOSER_WRITE_IN.found(
                            election,
                            other.line,
                            f"row {other.name}",
                            f"{other.name} lost the {stage.label()} ({_votes(row.votes)}) and ran "
                            f"as a write-in in the {later.label().lower()}",
                            {
                                "primary_line": row.line,
                                "primary_votes": row.votes,
                                "write_in_votes": other.votes,
                            },
                        )


def _votes(votes: int | None) -> str:
    return "votes unknown" if votes is None else f"{votes:,} votes"
