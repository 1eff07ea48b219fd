"""Readers and writers of election formats.

:func:`read_path` reads any supported file into elections, detecting the format from content.
Each format lives in its own module; the article format of encyclopedia pages is
:mod:`tallyroom.formats.article`.
"""

from __future__ import annotations

from pathlib import Path

from tallyroom.errors import ParseError
from tallyroom.model import Election

__all__ = ["FORMATS", "detect_format", "read_path", "read_text"]

#: Formats :func:`read_path` understands, by name.
FORMATS: tuple[str, ...] = ("text",)


def read_bytes(path: Path) -> str:
    """A file's text, with a clear error for unreadable, binary or non-UTF-8 files."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(f"cannot read file: {error.strerror}", source=str(path)) from None
    if b"\x00" in data[:8192]:
        raise ParseError("expected a text file, found binary data", source=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ParseError(
            f"expected UTF-8 text, found byte 0x{data[error.start]:02x}",
            source=str(path),
            line=line,
        ) from None
    return text


def detect_format(text: str, name: str = "") -> str:
    """The name of the format ``text`` is in (one of :data:`FORMATS`)."""
    return "text"


def read_text(text: str, source: str, fmt: str | None = None) -> tuple[Election, ...]:
    """Read elections from ``text``; ``fmt`` forces a format, else it is detected."""
    fmt = fmt or detect_format(text, source)
    if fmt == "text":
        from tallyroom.formats.article import parse_article

        return (parse_article(text, source=source),)
    raise ParseError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", source=source)


def read_path(path: Path, fmt: str | None = None) -> tuple[Election, ...]:
    """Read every election in the file at ``path``."""
    return read_text(read_bytes(path), str(path), fmt)
