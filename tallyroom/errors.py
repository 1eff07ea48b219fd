"""Every error tallyroom raises on purpose.

The class tree::

    TallyroomError                 anything tallyroom refuses to do, with a one-line message
    ├── InputError                 a file or text that cannot be used (exit code 2)
    │   ├── ParseError             a document that cannot be read (file, line, what was expected)
    │   └── ValidationError        a well-formed file whose content breaks a rule (file, key)
    ├── TabulationError            counting cannot go on (e.g. a ballot ranks past the maximum)
    │   └── TieUnbrokenError       a tie the count's rules leave to a decision (round, tied)
    ├── ConversionError            a target format cannot hold what the election has
    ├── StorageError               the database refused a write or a query
    │   ├── NotFoundError          no stored election (or version) answers to that name
    │   └── StaleEdit              an edit made against returns another user changed since
    ├── AuthError                  a sign-in or session that is not accepted
    └── PermissionDenied           a signed-in user whose role or assignment does not allow it

The command line turns each into one line on stderr and an exit code; the web app into a 4xx
response with the same words. A traceback means a bug in tallyroom, never bad input.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "AuthError",
    "ConversionError",
    "InputError",
    "NotFoundError",
    "ParseError",
    "PermissionDenied",
    "StaleEdit",
    "StorageError",
    "TabulationError",
    "TallyroomError",
    "TieUnbrokenError",
    "ValidationError",
]


class TallyroomError(Exception):
    """Base class: ``str(error)`` is a complete one-line message."""


class InputError(TallyroomError):
    """Input that cannot be used. Carries where it came from when known."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        text: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.text = text
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        quoted = f" (got {self.text.strip()[:80]!r})" if self.text and self.text.strip() else ""
        return f"{where}: {self.message}{quoted}"


class ParseError(InputError):
    """A document that cannot be read as the format it claims to be."""


class ValidationError(InputError):
    """A file that reads but breaks a rule: an unknown key, a value out of range."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        key: str | None = None,
        text: str | None = None,
    ) -> None:
        self.key = key
        if key is not None:
            message = f"{key}: {message}"
        super().__init__(message, source=source, line=line, text=text)


class TabulationError(TallyroomError):
    """Counting cannot continue; the message names the ballot file and row when known."""


class TieUnbrokenError(TabulationError):
    """A tie the count cannot break by its options: someone has to decide who wins (or loses).

    ``round`` is the round of the tie and ``tied`` the tied candidates, in the count's order;
    ``role`` is what the decision picks, ``"win"`` or ``"lose"``.
    """

    def __init__(self, round: int, tied: tuple[str, ...], role: Literal["win", "lose"]) -> None:
        self.round = round
        self.tied = tied
        self.role = role
        names = ", ".join(repr(name) for name in tied)
        super().__init__(
            f"round {round}: tie among {names} needs a decision on who should {role}; rerun "
            "with a recorded order (candidate-order tie-break) or a seeded random tie-break"
        )


class ConversionError(TallyroomError):
    """A conversion that would lose figures the target format cannot hold."""


class StorageError(TallyroomError):
    """The database refused an operation."""


class NotFoundError(StorageError):
    """No stored election, or no such version of one: ``ref`` is what was asked for."""

    def __init__(self, message: str, *, ref: int | str, version: int | None = None) -> None:
        self.ref = ref
        self.version = version
        super().__init__(message)


class StaleEdit(StorageError):
    """An edit made against revision ``expected`` of a unit's returns, which another user has
    changed since (to ``found``, by ``by``): nothing was stored. Reload and enter it again."""

    def __init__(self, message: str, *, expected: int, found: int, by: str | None) -> None:
        self.expected = expected
        self.found = found
        self.by = by
        super().__init__(message)


class AuthError(TallyroomError):
    """A sign-in that failed (unknown name, wrong password, disabled account) or a session that
    is unknown or expired. The message never says which."""


class PermissionDenied(TallyroomError):
    """A signed-in user whose role, or whose assigned elections, do not allow the action."""
