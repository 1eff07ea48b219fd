"""Party colours: one palette for the tables' swatches and the charts' bars and lines.

The colours are the Okabe–Ito palette (Okabe and Ito, "Color Universal Design", 2008), made for
readers with any common form of colour blindness, with orange darkened to keep a contrast of at
least 3:1 (WCAG 2.1, 1.4.11, graphical objects) against both the light and the dark page. A
colour follows the party, never the row's position: a Democrat is blue in every table and chart,
a Republican vermillion. Candidates without a party, and parties without a colour of their own,
share the neutral slate; they are told apart by their labels, as every bar and line is labelled.

Ranked-choice rounds charts, whose candidates usually have no party, colour each candidate from
:data:`SEQUENCE` in the order of the first round, so the stacked segments stay distinct.
"""

from __future__ import annotations

__all__ = [
    "DARK_BACKGROUND",
    "LIGHT_BACKGROUND",
    "NEUTRAL",
    "PARTY_COLOURS",
    "SEQUENCE",
    "party_colour",
    "party_key",
]

#: The page backgrounds the colours are checked against (light and dark scheme).
LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#121417"

#: Parties with a colour of their own, by :func:`party_key`.
PARTY_COLOURS: dict[str, str] = {
    "democratic": "#0072B2",  # blue
    "republican": "#D55E00",  # vermillion
    "green": "#009E73",  # bluish green
    "libertarian": "#A66F00",  # orange, darkened
    "independent": "#CC79A7",  # reddish purple
}
#: No party, or a party without a colour of its own.
NEUTRAL = "#5F6B7A"
#: Distinct colours for candidates without parties (ranked-choice rounds), in this order.
SEQUENCE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#A66F00",
    "#CC79A7",
    NEUTRAL,
)

_ALIASES = {
    "democrat": "democratic",
    "democratic-farmer-labor": "democratic",
    "dfl": "democratic",
    "gop": "republican",
    "green-rainbow": "green",
    "nonpartisan": "",
    "non-partisan": "",
}


def party_key(party: str | None) -> str:
    """A party's short name as the palette knows it: "Democratic" -> "democratic"; "" for none."""
    if not party:
        return ""
    key = "-".join(party.casefold().replace("party", " ").split())
    return _ALIASES.get(key, key)


def party_colour(party: str | None) -> str:
    """The colour of a party (``#rrggbb``); :data:`NEUTRAL` for none or one without a colour."""
    return PARTY_COLOURS.get(party_key(party), NEUTRAL)
