"""Reading cast-vote-record XML (NIST SP 1500-103, Hart) with ElementTree, namespaces ignored."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

__all__ = ["child", "children", "local", "text"]


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
