"""Reading cast-vote-record XML (NIST SP 1500-103, Hart) with ElementTree, namespaces ignored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from tallyroom.errors import ParseError

__all__ = ["child", "children", "elements", "local", "parsed", "text"]


def _refused(error: ET.ParseError | LookupError, source: str) -> ParseError:
    """The one-line error for XML the parser cannot read: not well-formed, or declaring an
    encoding that Python does not know (``<?xml ... encoding="utf-89"?>``)."""
    if isinstance(error, ET.ParseError):
        line = error.position[0] if error.position else None
        return ParseError(f"not well-formed XML ({error})", source=source, line=line)
    return ParseError(
        f"the XML declaration names an encoding that is not known ({error}); expected UTF-8",
        source=source,
        line=1,
    )


def parsed(data: bytes, source: str) -> ET.Element:
    """The root element of the XML document ``data`` (read from ``source``)."""
    try:
        return ET.fromstring(data)
    except (ET.ParseError, LookupError) as error:  # nothing but the parser runs here
        raise _refused(error, source) from None


def elements(path: Path) -> Iterator[ET.Element]:
    """Each element of the XML file at ``path`` as its end tag is read (``iterparse``). The
    parser's errors are refused with one line; what the caller does with each element is not
    caught here."""
    events = ET.iterparse(path, events=("end",))
    while True:
        try:
            _, element = next(events)
        except StopIteration:
            return
        except (ET.ParseError, LookupError) as error:
            raise _refused(error, str(path)) from None
        yield element


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element | None, name: str) -> Iterator[ET.Element]:
    """The children of ``element`` named ``name`` (none when there is no element)."""
    if element is not None:
        for found in element:
            if local(found.tag) == name:
                yield found


def child(element: ET.Element, name: str) -> ET.Element | None:
    """The first child of ``element`` named ``name``."""
    return next(children(element, name), None)


def text(element: ET.Element, name: str) -> str | None:
    """The stripped text of the first child named ``name`` ("" when empty); None without one."""
    found = child(element, name)
    return None if found is None else (found.text or "").strip()
