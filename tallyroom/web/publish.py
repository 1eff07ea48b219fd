"""The static site kept up to date on election night: after each accepted change the site is
exported into a new folder, and a symlink is switched to it in one step, so that a static host
(or a CDN in front of it) serves either the old site or the new one, never half of each. The new
folder starts as a copy of the current one made of hard links, and the export writes into it
only what changed since (``since="last"``); without a current export it writes everything.

``export_to`` is the symlink (``site``); the exports are folders beside it
(``site.20261103T211500.123456``). The two newest are kept: the one the link points at and the
one before it, which a reader may still be in the middle of. Exports run in a thread of their
own, one at a time; changes made while one runs are taken up by the next. With several server
processes a lock file beside the link keeps them to one export at a time.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import threading
from pathlib import Path

from tallyroom.store import Store
from tallyroom.web.export import STAMP, export_site

__all__ = ["Publisher", "publish"]

log = logging.getLogger(__name__)
#: Export folders kept beside the link (the current one included).
KEEP = 2


def publish(store: Store, link: Path) -> Path:
    """Export the site into a new folder beside ``link`` and point ``link`` at it atomically;
    the folder. ``link`` must be a symlink or not exist yet."""
    link = link.absolute()
    if link.exists() and not link.is_symlink():
        raise FileExistsError(f"{link} exists and is not a symlink: give a new path")
    link.parent.mkdir(parents=True, exist_ok=True)
    with open(link.parent / f".{link.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")
        folder = link.parent / f"{link.name}.{stamp}"
        export_site(store, folder, since="last" if _linked_copy(link, folder) else None)
        temporary = link.parent / f".{link.name}.{stamp}.link"
        temporary.symlink_to(folder.name)
        os.replace(temporary, link)  # rename(2): readers see the old target or the new one
        _prune(link)
    return folder


def _linked_copy(link: Path, folder: Path) -> bool:
    """Make ``folder`` a copy of the export ``link`` points at, each file a hard link to its
    file there; whether it was made. The export then writes only what changed since (it
    replaces files whole and unlinks those it drops, so the copy it was made from, which
    readers may be in, is left as it was)."""
    if not link.is_symlink():
        return False
    current = link.resolve()
    if not (current / STAMP).is_file():
        return False
    try:
        shutil.copytree(
            current,
            folder,
            symlinks=True,
            copy_function=os.link,
            ignore=shutil.ignore_patterns(".*.partial"),  # left by an export that failed
        )
    except (OSError, shutil.Error):
        shutil.rmtree(folder, ignore_errors=True)
        return False
    return True


def _prune(link: Path) -> None:
    exports = sorted(
        (p for p in link.parent.glob(f"{link.name}.*") if p.is_dir() and not p.is_symlink()),
        key=lambda p: p.name,
    )
    current = link.resolve()
    for old in exports[:-KEEP]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


class Publisher:
    """Exports in the background: :meth:`request` after a change; at most one export runs,
    and requests made meanwhile are served by one more export after it."""

    def __init__(self, store: Store, link: Path) -> None:
        self.store = store
        self.link = link
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: The last export's folder, or the error that stopped it.
        self.last: Path | Exception | None = None

    def request(self) -> None:
        with self._lock:
            self._wanted.set()
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="publish", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no export is wanted or running; ``False`` on timeout."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted.is_set():
                    self._idle.set()
                    self._thread = None
                    return
                self._wanted.clear()
            try:
                self.last = publish(self.store, self.link)
            except Exception as error:  # the site stays as it was; the next change tries again
                log.exception("exporting the static site to %s failed", self.link)
                self.last = error
