"""Links and words the pages share: slugs, site paths, markers and how figures are written."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from tallyroom.figures import person_key

__all__ = [
    "FINDINGS_NOTE",
    "INFOBOX_MARKER",
    "INFOBOX_NOTE",
    "TOTAL_MARKER",
    "candidate_slug",
    "candidate_url",
    "city_slug",
    "city_url",
    "compare_url",
    "election_url",
    "names_text",
    "slug",
    "source_url",
    "votes_text",
]

#: Beside a vote figure taken from the infobox because the table lost its row.
INFOBOX_MARKER = "†"
INFOBOX_NOTE = "from the infobox; the table lost this row"
#: Beside a total the source states damaged.
TOTAL_MARKER = "‡"
FINDINGS_NOTE = "as found when imported"


# -- addresses ---------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A URL and file-name safe form: "São Paulo, SP" -> "sao-paulo-sp"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "unnamed"


@functools.lru_cache(maxsize=65536)
def city_slug(city: str, state: str | None) -> str:
    return slug(f"{city} {state}" if state else city)


@functools.lru_cache(maxsize=65536)
def candidate_slug(name: str) -> str:
    """The slug of a person's page: spellings of one name (and accents) give the same slug."""
    return slug(person_key(name))


def election_url(election_id: int) -> str:
    return f"/elections/{election_id}"


def source_url(election_id: int) -> str:
    """The page of the source an election's current version was read from."""
    return f"{election_url(election_id)}/source"


def compare_url(first: int, second: int) -> str:
    """The page comparing two elections side by side."""
    return f"/compare/{first}/{second}"


def candidate_url(name: str) -> str:
    return f"/candidates/{candidate_slug(name)}"


def city_url(city: str, state: str | None) -> str:
    return f"/cities/{city_slug(city, state)}"


def votes_text(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def names_text(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
