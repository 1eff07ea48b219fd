"""The states of the United States, to find a jurisdiction's state in prose."""

from __future__ import annotations

import re

__all__ = ["TOP_TWO_STATES", "US_STATES", "find_state", "nonpartisan_primary"]

US_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois",
    "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts",
    "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
    "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina",
    "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming",
)  # fmt: skip


def _state_pattern() -> re.Pattern[str]:
    """``\\b(Name|...)\\b`` over the states, longest first, written with each name's first
    letter outside its group and the word boundary before it as a look-behind after it
    (``N(?<!\\wN)(?:orth Carolina|ew York|...)``): the same matches, but a pattern opening
    with literal letters, which the regex engine finds by a quick scan instead of trying the
    whole pattern at every position of a long text."""
    by_letter: dict[str, list[str]] = {}
    for name in sorted((re.escape(s) for s in US_STATES), key=len, reverse=True):
        by_letter.setdefault(name[0], []).append(name[1:])
    branches = (
        rf"{letter}(?<!\w{letter})(?:{'|'.join(rests)})" for letter, rests in by_letter.items()
    )
    return re.compile(rf"({'|'.join(branches)})\b")


_STATE = _state_pattern()


def find_state(text: str) -> str | None:
    """The first US state named in ``text``, else None."""
    match = _STATE.search(text)
    return match.group(1) if match else None


#: States (postal codes) whose primaries put every candidate on one ballot, whatever the party
#: ("top-two" or "jungle" primaries), so a primary there is not one contest per party.
TOP_TWO_STATES = frozenset({"CA", "WA", "LA"})


def nonpartisan_primary(state: str | None, office: str) -> bool:
    """Whether a primary for ``office`` in ``state`` (a postal code) is one contest for every
    party: so in a top-two state, except for President (each party still holds its own)."""
    if state is None or state.upper() not in TOP_TWO_STATES:
        return False
    return office.strip().lower() not in ("president", "president of the united states")
