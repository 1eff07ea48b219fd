"""Reading: each part of the source the reader kept but did not understand (an
:class:`~tallyroom.model.Unread` note) is a warning, so that nothing left unread goes unseen."""

from __future__ import annotations

from collections.abc import Iterator

from tallyroom.checks.context import CheckContext
from tallyroom.checks.types import CheckCode, Finding

__all__ = ["CODES", "check_reading"]

NOT_READ = CheckCode(
    "not-read",
    "reading",
    "warning",
    "A line, row or column of the source that the reader kept but did not read",
)

CODES = (NOT_READ,)


def check_reading(context: CheckContext) -> Iterator[Finding]:
    election = context.election
    for note in election.unread:
        where = f"line {note.line}" if note.line is not None else "the source"
        yield NOT_READ.found(
            election,
            note.line,
            None,
            f"{where}: not read ({note.reason}): {note.text}",
            {"text": note.text, "reason": note.reason},
        )
