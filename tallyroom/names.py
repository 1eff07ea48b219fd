"""People and parties as documents spell them.

The same person appears as 'David "The Ack" Ackerman' in a list and "David Ackerman" in a table;
:func:`name_key` makes both the same key. Party labels come long ("Democratic Party (United
States)") or short ("Democratic"); :func:`party_short` gives the short name.
"""

from __future__ import annotations

import functools
import re

__all__ = ["NONPARTISAN_LABELS", "name_key", "party_short", "split_nickname"]

_NICKNAME = re.compile(r'\s*["“”]([^"“”]+)["“”]\s*')
_LAST_GROUP = re.compile(r"\s*\([^()]*\)\s*$")
_PARTY_WORD = re.compile(r"\s+Party$")
#: A state's affiliate of a national party ("Pennsylvania Democratic", "Vermont Progressive",
#: "New York Republican"): the state's name (one to three words) before the national name.
_AFFILIATE = re.compile(
    r"^(?:[A-Z][a-z]+\.?\s+){1,3}?(?P<party>Democratic|Republican|Progressive|Green|Libertarian)$"
)
#: Words that make a party of their own with a national name after them, not a state.
_NOT_STATES = frozenset({"National", "Liberal", "Conservative", "Silver", "Social", "Christian"})

#: Labels that mean "no party" in a results table.
NONPARTISAN_LABELS = frozenset(
    {"nonpartisan candidate", "nonpartisan", "non-partisan", "non-partisan candidate"}
)


def split_nickname(text: str) -> tuple[str, str | None]:
    """'David "The Ack" Ackerman' -> ("David Ackerman", "The Ack")."""
    match = _NICKNAME.search(text) if ('"' in text or "“" in text) else None
    if match is None:
        return " ".join(text.split()), None
    name = f"{text[: match.start()]} {text[match.end() :]}"
    return " ".join(name.split()), match.group(1).strip() or None


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """A key under which spellings of one person's name compare equal (memoised: one name is
    keyed many times over an import)."""
    bare, _ = split_nickname(name)
    bare = bare.replace(".", "").replace(",", " ")
    return " ".join(bare.casefold().split())


@functools.lru_cache(maxsize=1 << 12)
def party_short(label: str | None) -> str | None:
    """ "Democratic Party (United States)" -> "Democratic"; a state's affiliate goes to the
    national party ("Pennsylvania Democratic Party" -> "Democratic"); ``None`` stays ``None``."""
    if label is None:
        return None
    short = _LAST_GROUP.sub("", label).strip()
    short = _PARTY_WORD.sub("", short).strip()
    affiliate = _AFFILIATE.match(short)
    if affiliate is not None and short.split()[0] not in _NOT_STATES:
        return affiliate["party"]
    return short or label.strip()
