"""Charts drawn on the server as SVG: readable without JavaScript, with text alternatives.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that states the figures
in words, and every page that shows one also has the same figures in an HTML table. Bars take
their party's colour (:mod:`tallyroom.views.colours`: colour-blind safe, at least 3:1 against
the light and the dark page); text is drawn in :data:`INK` beside the bars, never on them, and
bars are told apart by their labels, not by colour alone.

Charts are drawn :data:`WIDTH` units wide with :data:`FONT_SIZE` text; the stylesheet never
shows them narrower than 22rem, so a label is at least about 10 CSS pixels high on any screen
(a narrower screen scrolls the chart inside its own box, not the page). Elements carry classes
(``bg``, ``ink``, ``muted``, ``grid``) so that the page's dark scheme can recolour an inline
chart; the attributes are the light scheme, which a chart opened alone keeps.

Figures arrive as integers (votes) or exact decimals (ranked-choice tallies); only the drawing
coordinates are rounded, to one tenth of a pixel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from html import escape

from tallyroom.views.colours import NEUTRAL, SEQUENCE

__all__ = [
    "BACKGROUND",
    "FONT_SIZE",
    "INK",
    "PALETTE",
    "WIDTH",
    "Bar",
    "RoundBar",
    "SeriesPoint",
    "bar_chart",
    "contrast_ratio",
    "rounds_chart",
    "series_chart",
]

BACKGROUND = "#ffffff"
INK = "#1a1a1a"
MUTED = "#595959"
GRID = "#767676"
#: Colours for candidates without a party, in order (see :mod:`tallyroom.views.colours`).
PALETTE: tuple[str, ...] = SEQUENCE
INACTIVE = "#6e6e6e"

WIDTH = 480
FONT_SIZE = 14
LABEL_WIDTH = 170
VALUE_WIDTH = 125
ROW = 28
BAR = 18
LABEL_CHARS = 22


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _px(value: Fraction | int | float) -> str:
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clip(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(width: int, height: int, ident: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        f'aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<rect class="bg" width="{width}" height="{height}" fill="{BACKGROUND}"/>',
    ]


def _text(x: object, y: object, text: str, *, cls: str = "ink", extra: str = "") -> str:
    fill = MUTED if cls == "muted" else INK
    return f'<text class="{cls}" x="{x}" y="{y}" fill="{fill}"{extra}>{escape(text)}</text>'


@dataclass(frozen=True, slots=True)
class Bar:
    """One candidate's bar: votes (``None`` when unknown), the share shown beside them, and the
    colour of the candidate's party."""

    label: str
    votes: int | None
    percent: str | None
    colour: str = NEUTRAL


def bar_chart(ident: str, title: str, bars: Sequence[Bar]) -> str:
    """A horizontal bar per candidate, longest for the most votes; unknown votes get no bar."""
    known = [bar.votes for bar in bars if bar.votes is not None]
    top = max(known, default=0)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = max(ROW * len(bars) + 8, 36)
    words = "; ".join(
        f"{bar.label}: "
        + (
            "votes unknown"
            if bar.votes is None
            else f"{bar.votes:,} votes" + (f" ({bar.percent}%)" if bar.percent else "")
        )
        for bar in bars
    )
    parts = _open(WIDTH, height, ident, title, words or "No results.")
    for index, bar in enumerate(bars):
        y = 4 + index * ROW
        middle = y + BAR / 2
        parts.append(
            _text(
                LABEL_WIDTH - 8,
                _px(middle),
                _clip(bar.label),
                extra=' text-anchor="end" dominant-baseline="middle"',
            )
        )
        if bar.votes is None:
            parts.append(
                _text(
                    LABEL_WIDTH + 6,
                    _px(middle),
                    "votes unknown",
                    cls="muted",
                    extra=' dominant-baseline="middle"',
                )
            )
            continue
        # Integers divided once: the float nearest the exact length, as a Fraction's would be.
        length = bar.votes * span / top if top else 0
        end = ((LABEL_WIDTH + 6) * top + bar.votes * span) / top if top else LABEL_WIDTH + 6
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_px(length)}" height="{BAR}" '
            f'fill="{bar.colour}"/>'
        )
        value = f"{bar.votes:,}" + (f" ({bar.percent}%)" if bar.percent else "")
        parts.append(
            _text(
                _px(end),
                _px(middle),
                value,
                extra=' dominant-baseline="middle"',
            )
        )
    parts.append(
        f'<line class="grid" x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" '
        f'stroke="{GRID}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class RoundBar:
    """One round of a ranked-choice count: each continuing candidate's tally, and the inactive."""

    number: int
    tally: tuple[tuple[str, Decimal], ...]
    inactive: Decimal


def rounds_chart(
    ident: str,
    title: str,
    rounds: Sequence[RoundBar],
    colours: Mapping[str, str] | None = None,
) -> str:
    """A stacked bar per round: candidates' tallies in a fixed colour each (their party's, from
    ``colours``, else one of :data:`PALETTE` in order), inactive ballots last in grey; all bars
    on one scale, so exhausted ballots show as the bar's grey tail."""
    names: list[str] = []
    for item in rounds:
        for name, _ in item.tally:
            if name not in names:
                names.append(name)
    given = colours or {}
    colour = {name: given.get(name) or PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    totals = [sum((v for _, v in r.tally), Decimal(0)) + r.inactive for r in rounds]
    top = max(totals, default=Decimal(0))
    left, right = 90, 12
    span = WIDTH - left - right
    legend_rows = (len(names) + 1 + 1) // 2
    height = ROW * len(rounds) + 12 + legend_rows * 22 + 8
    words = " ".join(
        f"Round {r.number}: "
        + ", ".join(f"{name} {votes}" for name, votes in r.tally)
        + (f", inactive {r.inactive}" if r.inactive else "")
        + "."
        for r in rounds
    )
    parts = _open(WIDTH, height, ident, title, words or "No rounds.")
    for row, item in enumerate(rounds):
        y = 4 + row * ROW
        parts.append(
            _text(
                left - 8,
                _px(y + BAR / 2),
                f"Round {item.number}",
                extra=' text-anchor="end" dominant-baseline="middle"',
            )
        )
        x = Fraction(left)
        segments = [(name, votes, colour[name]) for name, votes in item.tally]
        if item.inactive:
            segments.append(("Inactive", item.inactive, INACTIVE))
        for name, votes, fill in segments:
            if not top or votes <= 0:
                continue
            length = Fraction(votes) / Fraction(top) * span
            parts.append(
                f'<rect x="{_px(x)}" y="{y}" width="{_px(length)}" height="{BAR}" fill="{fill}" '
                f'class="gap" stroke="{BACKGROUND}" stroke-width="1">'
                f"<title>{escape(name)}: {votes}</title></rect>"
            )
            x += length
    legend_y = 4 + len(rounds) * ROW + 12
    for i, (name, fill) in enumerate([*colour.items(), ("Inactive", INACTIVE)]):
        lx = 10 + (i % 2) * 235
        ly = legend_y + (i // 2) * 22
        parts.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{fill}"/>')
        parts.append(_text(lx + 20, ly + 7, _clip(name, 24), extra=' dominant-baseline="middle"'))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One election of a city: its year, the winner's share, the turnout and the winner's margin
    (percent text, as stored)."""

    year: int
    winner_share: str | None
    turnout: str | None
    margin: str | None = None


#: The series of a city's chart: field, words, colour, dash pattern, marker.
SERIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("winner_share", "Winner's share", SEQUENCE[0], "", "circle"),
    ("margin", "Margin", SEQUENCE[2], "2 3", "diamond"),
    ("turnout", "Turnout", SEQUENCE[1], "6 4", "square"),
)


def _marker(kind: str, x: Fraction, y: Fraction, fill: str) -> str:
    if kind == "square":
        return f'<rect x="{_px(x - 4)}" y="{_px(y - 4)}" width="8" height="8" fill="{fill}"/>'
    if kind == "diamond":
        corners = ((x, y - 5), (x + 5, y), (x, y + 5), (x - 5, y))
        points = " ".join(f"{_px(cx)},{_px(cy)}" for cx, cy in corners)
        return f'<polygon points="{points}" fill="{fill}"/>'
    return f'<circle cx="{_px(x)}" cy="{_px(y)}" r="4.5" fill="{fill}"/>'


def series_chart(ident: str, title: str, points: Sequence[SeriesPoint]) -> str:
    """Winners' shares (circles, solid line), margins (diamonds, dotted) and turnout (squares,
    dashed) by year, on one 0-100% scale."""
    left, right, top_pad, bottom = 48, 28, 16, 64
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    years = [p.year for p in points]
    first, last = (min(years), max(years)) if years else (0, 0)

    def x_of(year: int) -> Fraction:
        if last == first:
            return Fraction(left + plot_w / 2)
        return left + Fraction(year - first, last - first) * plot_w

    def y_of(percent: str) -> Fraction:
        value = min(max(Fraction(Decimal(percent)), Fraction(0)), Fraction(100))
        return top_pad + (1 - value / 100) * plot_h

    def said(value: str | None) -> str:
        return f"{value}%" if value else "unknown"

    words = "; ".join(
        f"{p.year}: winner {said(p.winner_share)}, margin {said(p.margin)}, "
        f"turnout {said(p.turnout)}"
        for p in points
    )
    parts = _open(WIDTH, height, ident, title, words or "No elections.")
    for tick in (0, 25, 50, 75, 100):
        y = y_of(str(tick))
        parts.append(
            f'<line class="grid" x1="{left}" y1="{_px(y)}" x2="{WIDTH - right}" y2="{_px(y)}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
        )
        parts.append(
            _text(
                left - 6, _px(y), f"{tick}%", extra=' text-anchor="end" dominant-baseline="middle"'
            )
        )
    shown_years = sorted(set(years))
    step = max(1, -(-len(shown_years) // 6))
    for year in shown_years[::step]:
        parts.append(
            _text(_px(x_of(year)), height - bottom + 20, str(year), extra=' text-anchor="middle"')
        )
    for attr, _words, fill, dash, marker in SERIES:
        placed = [(x_of(p.year), y_of(v)) for p in points if (v := getattr(p, attr)) is not None]
        if len(placed) > 1:
            path = " ".join(f"{_px(x)},{_px(y)}" for x, y in placed)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{fill}" stroke-width="2"{dashed}/>'
            )
        parts.extend(_marker(marker, x, y, fill) for x, y in placed)
    legend_y = height - 16
    for i, (_attr, label, fill, _dash, marker) in enumerate(SERIES):
        lx = left + i * 140
        parts.append(_marker(marker, Fraction(lx + 6), Fraction(legend_y), fill))
        parts.append(_text(lx + 16, legend_y, label, extra=' dominant-baseline="middle"'))
    parts.append("</svg>")
    return "".join(parts)
