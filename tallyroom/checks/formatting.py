"""Formatting: brackets opened and never closed (or closed and never opened) in the prose."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding

__all__ = ["CODES", "check_formatting"]

UNBALANCED_PARENTHESIS = CheckCode(
    "unbalanced-parenthesis",
    "formatting",
    "warning",
    "A parenthesis opened and never closed, or closed and never opened",
)

CODES = (UNBALANCED_PARENTHESIS,)

_PARENTHESIS = re.compile(r"[()]")


def check_formatting(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    texts: list[tuple[int | None, str, str]] = [
        (p.line, "prose", p.text) for p in election.paragraphs
    ]
    texts += [(c.line, "candidate list", c.description or "") for c in election.candidates]
    for line, field, text in texts:
        if "(" not in text and ")" not in text:
            continue
        depth, opened_at = 0, -1
        for found in _PARENTHESIS.finditer(text):
            position, char = found.start(), found.group()
            if char == "(":
                if depth == 0:
                    opened_at = position
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    yield UNBALANCED_PARENTHESIS.found(
                        election,
                        line,
                        field,
                        f"a ')' closes nothing: {_excerpt(text, position)!r}",
                        {"position": position + 1},
                        confidence="medium",
                    )
                    depth = 0
        if depth > 0:
            tail = text[opened_at:]
            stripped = tail.rstrip()
            end = stripped[-1] if stripped and stripped[-1] in ".!?" else ""
            fixed = f"{stripped[: len(stripped) - len(end)]}){end}"
            yield UNBALANCED_PARENTHESIS.found(
                election,
                line,
                field,
                f"a '(' is never closed: {_excerpt(text, opened_at)!r}",
                {"position": opened_at + 1},
                fix=fixed,
                confidence="medium",
            )


def _excerpt(text: str, position: int) -> str:
    start = max(0, position - 20)
    return (
        ("…" if start else "")
        + text[start : position + 30]
        + ("…" if position + 30 < len(text) else "")
    )
