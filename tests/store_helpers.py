"""Importing through the application service (read -> decide -> check -> store), for tests."""

from __future__ import annotations

from pathlib import Path

from tallyroom import service
from tallyroom.model import Election
from tallyroom.store import ImportResult, Store


def import_election(
    store: Store,
    election: Election,
    text: str,
    name: str,
    *,
    user: str | None = None,
    replace: bool = False,
) -> ImportResult:
    """Decide and store one election read from ``text``."""
    (result,) = service.import_elections(store, [election], text, name, user=user, replace=replace)
    return result


def import_file(store: Store, path: Path, *, replace: bool = False) -> tuple[ImportResult, ...]:
    """Import one file; fails the test when the file is refused."""
    (outcome,) = service.import_files(store, [path], replace=replace)
    assert outcome.error is None, outcome.error
    return outcome.results
