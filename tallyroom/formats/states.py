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

_STATE = re.compile(
    r"\b(" + "|".join(sorted((re.escape(s) for s in US_STATES), key=len, reverse=True)) + r")\b"
)


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
