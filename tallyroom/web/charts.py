"""Charts drawn on the server as SVG: readable without JavaScript, with text alternatives.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that states the figures
in words, and every page that shows one also has the same figures in an HTML table. Colours come
from :data:`PALETTE`, each of which has a contrast of at least 4.5:1 with white (WCAG AA for
text, so white labels on a bar and the bar on the white page are both legible); bars are told
apart by their labels, not by colour alone.

Figures arrive as integers (votes) or exact decimals (ranked-choice tallies); only the drawing
coordinates are rounded, to one tenth of a pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from html import escape

__all__ = [
    "BACKGROUND",
    "INK",
    "PALETTE",
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
#: Dark, distinct colours; each has a contrast of at least 4.5:1 with white.
PALETTE: tuple[str, ...] = (
    "#1f4e79",
    "#a3391a",
    "#2e6b30",
    "#6b3a7d",
    "#7a5600",
    "#00616b",
    "#a0153e",
    "#4d4d4d",
)
INACTIVE = "#6e6e6e"

WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 130
ROW = 28
BAR = 18


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


def _clip(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(width: int, height: int, ident: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        f'aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="13">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>',
    ]


@dataclass(frozen=True, slots=True)
class Bar:
    """One candidate's bar: votes (``None`` when unknown) and the share shown beside them."""

    label: str
    votes: int | None
    percent: str | None


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
            f'<text x="{LABEL_WIDTH - 8}" y="{_px(middle)}" fill="{INK}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_clip(bar.label))}</text>'
        )
        if bar.votes is None:
            parts.append(
                f'<text x="{LABEL_WIDTH}" y="{_px(middle)}" fill="{MUTED}" '
                f'dominant-baseline="middle">votes unknown</text>'
            )
            continue
        length = Fraction(bar.votes, top) * span if top else Fraction(0)
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_px(length)}" height="{BAR}" '
            f'fill="{colour}"/>'
        )
        value = f"{bar.votes:,}" + (f" ({bar.percent}%)" if bar.percent else "")
        parts.append(
            f'<text x="{_px(LABEL_WIDTH + length + 6)}" y="{_px(middle)}" fill="{INK}" '
            f'dominant-baseline="middle">{escape(value)}</text>'
        )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="{GRID}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class RoundBar:
    """One round of a ranked-choice count: each continuing candidate's tally, and the inactive."""

    number: int
    tally: tuple[tuple[str, Decimal], ...]
    inactive: Decimal


def rounds_chart(ident: str, title: str, rounds: Sequence[RoundBar]) -> str:
    """A stacked bar per round: candidates' tallies in a fixed colour each, inactive ballots
    last in grey; all bars on one scale, so exhausted ballots show as the bar's grey tail."""
    names: list[str] = []
    for item in rounds:
        for name, _ in item.tally:
            if name not in names:
                names.append(name)
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    totals = [sum((v for _, v in r.tally), Decimal(0)) + r.inactive for r in rounds]
    top = max(totals, default=Decimal(0))
    left, right = 90, 20
    span = WIDTH - left - right
    legend_rows = (len(names) + 1 + 2) // 3
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
            f'<text x="{left - 8}" y="{_px(y + BAR / 2)}" fill="{INK}" text-anchor="end" '
            f'dominant-baseline="middle">Round {item.number}</text>'
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
                f'stroke="{BACKGROUND}" stroke-width="1"><title>{escape(name)}: {votes}</title>'
                "</rect>"
            )
            x += length
    legend_y = 4 + len(rounds) * ROW + 12
    for i, (name, fill) in enumerate([*colour.items(), ("Inactive", INACTIVE)]):
        lx = 10 + (i % 3) * 210
        ly = legend_y + (i // 3) * 22
        parts.append(f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{fill}"/>')
        parts.append(
            f'<text x="{lx + 20}" y="{ly + 7}" fill="{INK}" dominant-baseline="middle">'
            f"{escape(_clip(name, 26))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One election of a city: its year, the winner's share and the turnout (percent text)."""

    year: int
    winner_share: str | None
    turnout: str | None


def series_chart(ident: str, title: str, points: Sequence[SeriesPoint]) -> str:
    """Winners' shares (circles, solid line) and turnout (squares, dashed line) by year, 0-100%."""
    left, right, top_pad, bottom = 48, 20, 16, 56
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

    words = "; ".join(
        f"{p.year}: winner {p.winner_share + '%' if p.winner_share else 'unknown'}, "
        f"turnout {p.turnout + '%' if p.turnout else 'unknown'}"
        for p in points
    )
    parts = _open(WIDTH, height, ident, title, words or "No elections.")
    for tick in (0, 25, 50, 75, 100):
        y = y_of(str(tick))
        parts.append(
            f'<line x1="{left}" y1="{_px(y)}" x2="{WIDTH - right}" y2="{_px(y)}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{_px(y)}" fill="{INK}" text-anchor="end" '
            f'dominant-baseline="middle">{tick}%</text>'
        )
    shown_years = sorted(set(years))
    step = max(1, len(shown_years) // 8)
    for year in shown_years[::step]:
        parts.append(
            f'<text x="{_px(x_of(year))}" y="{height - bottom + 18}" fill="{INK}" '
            f'text-anchor="middle">{year}</text>'
        )
    for attr, fill, dash, square in (
        ("winner_share", PALETTE[0], "", False),
        ("turnout", PALETTE[1], ' stroke-dasharray="6 4"', True),
    ):
        placed = [(x_of(p.year), y_of(v)) for p in points if (v := getattr(p, attr)) is not None]
        if len(placed) > 1:
            path = " ".join(f"{_px(x)},{_px(y)}" for x, y in placed)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{fill}" stroke-width="2"{dash}/>'
            )
        for x, y in placed:
            if square:
                parts.append(
                    f'<rect x="{_px(x - 4)}" y="{_px(y - 4)}" width="8" height="8" fill="{fill}"/>'
                )
            else:
                parts.append(f'<circle cx="{_px(x)}" cy="{_px(y)}" r="4.5" fill="{fill}"/>')
    legend_y = height - 18
    parts.append(
        f'<circle cx="{left + 7}" cy="{legend_y}" r="5" fill="{PALETTE[0]}"/>'
        f'<text x="{left + 18}" y="{legend_y}" fill="{INK}" dominant-baseline="middle">'
        "Winner's share of the vote</text>"
        f'<rect x="{left + 240}" y="{legend_y - 5}" width="10" height="10" fill="{PALETTE[1]}"/>'
        f'<text x="{left + 256}" y="{legend_y}" fill="{INK}" dominant-baseline="middle">'
        "Turnout</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
