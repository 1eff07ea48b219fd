"""A source's text as it is stored: whole when short, in pieces when long.

``sources.text`` holds a text's first piece and ``source_pieces`` the rest (migration 0013), so
that neither tallyroom, the database driver nor the database holds a long text whole. The text
of an imported source comes as a ``str``, or as a :class:`SourceFile`: a file read from disk a
line at a time (a statewide precinct file), whose text is read again, a piece at a time, as it
is stored, and refused if it is no longer the text that was read.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tallyroom.errors import StorageError
from tallyroom.store import schema as t
from tallyroom.store.codec import sha256_text, utf8_size
from tallyroom.store.driver import insert_values

__all__ = [
    "PIECE_CHARS",
    "SourceFile",
    "SourceText",
    "full_text",
    "source_pieces",
    "source_sha256",
    "source_size",
    "store_pieces",
]

#: The most characters of a ``str`` text in one piece (a mebibyte of characters).
PIECE_CHARS = 1 << 20
#: A :class:`SourceFile` is read this many bytes a piece.
PIECE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The text of a UTF-8 file left on disk: its bytes, less a byte-order mark."""

    path: Path
    sha256: str
    """Of the text, as it was read."""
    size: int
    """The text's length in UTF-8 (bytes)."""


#: A source's text, held or on disk.
SourceText = str | SourceFile


def source_sha256(text: SourceText) -> str:
    return text.sha256 if isinstance(text, SourceFile) else sha256_text(text)


def source_size(text: SourceText) -> int:
    """The text's length in UTF-8."""
    return text.size if isinstance(text, SourceFile) else utf8_size(text)


def source_pieces(text: SourceText, name: str) -> Iterator[str]:
    """The text's pieces in order: one at least (``""`` for an empty text), none empty but
    that one. A :class:`SourceFile` is read again from disk; :class:`StorageError` when it
    cannot be, or when its text is no longer the one that was read (after the pieces before)."""
    if isinstance(text, str):
        yield text[:PIECE_CHARS]
        for start in range(PIECE_CHARS, len(text), PIECE_CHARS):
            yield text[start : start + PIECE_CHARS]
        return
    digest, size, first = hashlib.sha256(), 0, True
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with text.path.open("rb") as file:
            while data := file.read(PIECE_BYTES):
                if first and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8) :]
                digest.update(data)
                size += len(data)
                piece = decoder.decode(data)
                if piece or first:
                    yield piece
                first = False
            if first:
                yield ""  # an empty file
            if tail := decoder.decode(b"", final=True):
                yield tail
    except (OSError, UnicodeDecodeError):
        raise StorageError(f"{name}: the file can no longer be read as it was") from None
    if size != text.size or digest.hexdigest() != text.sha256:
        raise StorageError(f"{name}: the file changed while it was imported")


def store_pieces(conn: sa.Connection, source_id: int, pieces: Iterator[str]) -> None:
    """Insert a source's pieces after its first (``source_id``'s row holds that one), a
    statement each: each is a mebibyte."""
    for number, piece in enumerate(pieces, start=1):
        insert_values(
            conn, t.source_pieces, ("source_id", "number", "text"), [(source_id, number, piece)]
        )


@functools.cache
def _pieces_query() -> sa.Select[Any]:
    p = t.source_pieces
    wanted = sa.bindparam("source_id", type_=sa.Integer)
    return sa.select(p.c.text).where(p.c.source_id == wanted).order_by(p.c.number)


def full_text(conn: sa.Connection, source_id: int, first: str) -> str:
    """A stored source's whole text, from its first piece (``sources.text``) and the others."""
    rest = conn.execute(_pieces_query(), {"source_id": source_id}).scalars().all()
    return first + "".join(rest) if rest else first
