"""Readers and writers of election formats.

:func:`read_path` reads any supported file into elections, detecting the format from content.
Each format lives in its own module; the article format of encyclopedia pages is
:mod:`tallyroom.formats.article`. :func:`load_text` also returns what a file held that the model
cannot (e.g. a ballot-measure contest of a NIST report); :func:`write_text` renders elections
in a target format and returns what the target could not hold.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tallyroom.errors import ConversionError, ParseError
from tallyroom.formats.conversion import Loaded, Written
from tallyroom.model import Election

__all__ = [
    "FORMATS",
    "WRITE_FORMATS",
    "Loaded",
    "Streamed",
    "Written",
    "detect_format",
    "load_path",
    "load_path_streamed",
    "load_text",
    "read_path",
    "read_text",
    "write_text",
]

#: Formats :func:`read_path` understands, by name.
FORMATS: tuple[str, ...] = (
    "text",
    "nist-json",
    "nist-xml",
    "openelections-csv",
    "wikitext",
    "native",
    "rcv-json",
    "rctab-config",
    "rctab-report",
)
#: Formats :func:`write_text` renders, by name.
WRITE_FORMATS: tuple[str, ...] = ("nist-json", "openelections-csv", "wikitext", "text", "native")


def read_bytes(path: Path) -> str:
    """A file's text, with a clear error for unreadable, binary or non-UTF-8 files."""
    from tallyroom.limits import read_limited

    data = read_limited(path)
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
    from tallyroom.formats.ballots import detect_ballot_format
    from tallyroom.formats.native import looks_like_native
    from tallyroom.formats.openelections import looks_like_openelections
    from tallyroom.formats.wikitext import looks_like_wikitext

    head = text.lstrip("\ufeff \t\r\n")
    ranked = detect_ballot_format(head)
    if ranked is not None:
        return ranked
    if head.startswith("{") or name.endswith(".json"):
        return "nist-json"
    if head.startswith("<") and "ElectionReport" in head[:2000]:
        return "nist-xml"
    if looks_like_native(text):
        return "native"
    if looks_like_openelections(text):
        return "openelections-csv"
    if looks_like_wikitext(text):
        return "wikitext"
    return "text"


def load_text(
    text: str, source: str, fmt: str | None = None, *, date: dt.date | None = None
) -> Loaded:
    """Elections from ``text`` and what of it they could not hold; ``fmt`` forces a format;
    ``date`` is the election date of a precinct file that states none.

    Every count read is within :data:`tallyroom.limits.MAX_VOTES`."""
    from tallyroom.limits import check_figures, check_file_size

    check_file_size(len(text), source)
    fmt = fmt or detect_format(text, source)
    loaded = _load_text(text, source, fmt, date)
    if fmt not in ("text", "openelections-csv"):  # these readers check their own figures
        check_figures(loaded.elections, source)
    return loaded


#: How much of a file :func:`load_path` reads to tell its format before reading it all.
HEAD_BYTES = 65536


def load_path(path: Path, fmt: str | None = None, *, date: dt.date | None = None) -> Loaded:
    """:func:`load_text` of the file at ``path`` (read as :func:`read_bytes` reads it).

    A file whose first :data:`HEAD_BYTES` say it is an OpenElections precinct file (or that
    ``fmt`` says is one) is read from disk a line at a time, never held whole: a statewide
    file of a million rows is read in the memory of its figures. Any other file is read
    whole, and so is a precinct file that cannot be read so (too large, not UTF-8, a failed
    read): the whole read then gives the error :func:`read_bytes` gives, with its line."""
    loaded = _read_streamed(path, fmt, date)
    if loaded is not None:
        return loaded
    return load_text(read_bytes(path), str(path), fmt, date=date)


@dataclass(frozen=True, slots=True)
class Streamed:
    """A file read from disk a line at a time: what it holds, and its text's SHA-256 and length
    in UTF-8 (of its bytes, less a byte-order mark: the text :func:`read_bytes` gives)."""

    loaded: Loaded
    sha256: str
    size: int


def load_path_streamed(path: Path, *, date: dt.date | None = None) -> Streamed | None:
    """:func:`load_path` of a file it reads a line at a time (a precinct file), with the digest
    of its text; ``None`` for any other file, and for one that cannot be read so (read it whole:
    :func:`read_bytes` words what is wrong)."""
    digest, size = hashlib.sha256(), 0

    def feed(data: memoryview) -> None:
        nonlocal size
        digest.update(data)
        size += len(data)

    loaded = _read_streamed(path, None, date, feed)
    return None if loaded is None else Streamed(loaded, digest.hexdigest(), size)


def _read_streamed(
    path: Path,
    fmt: str | None,
    date: dt.date | None,
    feed: Callable[[memoryview], None] | None = None,
) -> Loaded | None:
    """The file read from disk a line at a time, when its first :data:`HEAD_BYTES` say it is an
    OpenElections precinct file (or ``fmt`` says so) and it is within the size limit; ``feed``
    is given its bytes as they are read. ``None`` for any other file, and for one that cannot be
    read so (too large, not UTF-8, a failed read)."""
    if fmt not in (None, "openelections-csv"):
        return None
    head = _head(path)
    if head is None or (fmt or detect_format(head, path.name)) != "openelections-csv":
        return None
    from tallyroom import limits
    from tallyroom.formats.openelections import read_openelections_file

    try:
        if path.stat().st_size > limits.MAX_FILE_BYTES:
            return None
        return read_openelections_file(path, str(path), date=date, feed=feed)
    except (OSError, UnicodeDecodeError):
        return None


def _head(path: Path) -> str | None:
    """The text of the file's first :data:`HEAD_BYTES` (less a character they cut); ``None``
    when they are not text (:func:`read_bytes` then gives the error)."""
    try:
        with path.open("rb") as file:
            data = file.read(HEAD_BYTES)
        if b"\x00" in data[:8192]:
            return None
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data, final=False)
    except (OSError, UnicodeDecodeError):
        return None


def _load_text(text: str, source: str, fmt: str, date: dt.date | None) -> Loaded:
    match fmt:
        case "text":
            from tallyroom.formats.article import read_article

            _refuse_unknown_table(text, source)
            read = read_article(text, source=source)
            return Loaded(
                (read.election,),
                tuple(f"{source}:{w.line}: {w.message}" for w in read.warnings),
            )
        case "nist-json":
            from tallyroom.formats.nist import read_nist_json

            return read_nist_json(text, source)
        case "nist-xml":
            from tallyroom.formats.nist_xml import read_nist_xml

            return read_nist_xml(text, source)
        case "openelections-csv":
            from tallyroom.formats.openelections import read_openelections

            return read_openelections(text, source, date=date)
        case "wikitext":
            from tallyroom.formats.wikitext import read_wikitext

            return Loaded((read_wikitext(text, source),))
        case "native":
            from tallyroom.formats.native import read_native

            return Loaded(read_native(text, source))
        case "rcv-json":
            from tallyroom.formats.ballots import read_rcv_json

            return read_rcv_json(text, source)
        case "rctab-config":
            from tallyroom.formats.ballots import read_rctab_file

            return read_rctab_file(text, source)
        case "rctab-report":
            from tallyroom.formats.ballots import read_rctab_report

            return read_rctab_report(text, source)
    raise ParseError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", source=source)


#: Column names of a table of ranked ballots (one ballot a row, one column a ranking).
_RANKING_COLUMN = re.compile(r"(?i)^\s*(rank|choice|preference|pref)\w*\s*\d*\s*$|^\s*\d+\s*$")


def _refuse_unknown_table(text: str, source: str) -> None:
    """Refuse a delimited table that no reader knows with what it looks like and the command
    that reads it, instead of reading it as an article ("expected a title line")."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("="):
        return
    lines = head.split("\n", 2)
    first = lines[0].rstrip("\r")
    delimiter = max((",", "\t", ";", "|"), key=first.count)
    columns = [column.strip().strip('"') for column in first.split(delimiter)]
    second = lines[1].rstrip("\r") if len(lines) > 1 else ""
    if len(columns) < 3 or second.count(delimiter) != first.count(delimiter):
        return
    shown = ", ".join(columns[:6]) + (", …" if len(columns) > 6 else "")
    if sum(1 for column in columns if _RANKING_COLUMN.match(column)) >= 2:
        raise ParseError(
            f"this looks like a table of ranked ballots (columns {shown}); count it with "
            "`tallyroom rcv FILE`, or store it with `tallyroom import --rules PRESET FILE`",
            source=source,
            line=1,
        )
    raise ParseError(
        f"expected an election file (an article, OpenElections or NIST results); this looks like "
        f"a table with columns {shown}, which no reader of tallyroom knows (see `tallyroom "
        "convert --help` for the formats)",
        source=source,
        line=1,
    )


def read_text(text: str, source: str, fmt: str | None = None) -> tuple[Election, ...]:
    """Read elections from ``text``; ``fmt`` forces a format, else it is detected."""
    return load_text(text, source, fmt).elections


def read_path(path: Path, fmt: str | None = None) -> tuple[Election, ...]:
    """Read every election in the file at ``path``."""
    return load_path(path, fmt).elections


def write_text(elections: Sequence[Election], fmt: str) -> Written:
    """``elections`` rendered in ``fmt`` (one of :data:`WRITE_FORMATS`), with what was lost."""
    match fmt:
        case "nist-json":
            from tallyroom.formats.nist import write_nist_json

            return write_nist_json(elections)
        case "openelections-csv":
            from tallyroom.formats.openelections import write_openelections

            return write_openelections(elections)
        case "wikitext":
            from tallyroom.formats.wikitext import write_wikitext

            return write_wikitext(elections)
        case "native":
            from tallyroom.formats.native import write_native

            return write_native(elections)
        case "text":
            from tallyroom.formats.article_writer import article_losses, render_article

            return Written(
                "\n".join(render_article(e) for e in elections),
                tuple(f"{e.title}: {loss}" for e in elections for loss in article_losses(e)),
            )
    raise ConversionError(
        f"unknown target format {fmt!r}; expected one of {', '.join(WRITE_FORMATS)}"
    )
