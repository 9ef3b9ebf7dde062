"""Server-rendered, accessible SVG charts. Pure: data in, markup out.

No script and no style attributes (the CSP forbids them): presentation attributes only. Every
series is told apart by its line pattern and a text legend as well as by colour, every chart has a
title and description for screen readers, and the pages put a text summary and a table beside it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 300
LEFT = 48
RIGHT = 16
TOP = 16
BOTTOM = 40

# NHS colours: blue, dark grey, warm yellow (on dark), green, red, purple.
BLUE = "#005eb8"
DARK = "#212b32"
GREY = "#768692"
GREEN = "#007f3b"
RED = "#d5281b"
ORANGE = "#ed8b00"
PURPLE = "#330072"
PALE_BLUE = "#41b6e6"

DASHES = {"solid": "", "dashed": "8 5", "dotted": "2 4", "dashdot": "10 4 2 4"}

_ids = itertools.count(1)


@dataclass(frozen=True)
class Line:
    name: str
    points: Sequence[tuple[float, float | None]]  # (x, y); None breaks the line
    colour: str = BLUE
    pattern: str = "solid"
    markers: bool = False
    width: float = 2.5


@dataclass(frozen=True)
class Band:
    name: str
    low: Sequence[tuple[float, float]]
    high: Sequence[tuple[float, float]]
    colour: str = PALE_BLUE
    opacity: float = 0.25
    legend: bool = True


@dataclass(frozen=True)
class Reference:
    name: str
    y: float
    colour: str = RED
    pattern: str = "dashed"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as words or a number, drawn beside the bar
    colour: str = BLUE
    hatched: bool = False


@dataclass
class _Canvas:
    x_count: int
    y_min: float
    y_max: float
    parts: list[str] = field(default_factory=list)

    def x(self, index: float) -> float:
        span = max(self.x_count - 1, 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * index / span

    def y(self, value: float) -> float:
        span = (self.y_max - self.y_min) or 1
        value = min(self.y_max, max(self.y_min, value))
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - self.y_min) / span)


def _open(title: str, description: str, height: int = HEIGHT) -> tuple[str, list[str]]:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    head = [
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{tid}" aria-describedby="{did}" xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(description)}</desc>',
    ]
    return tid, head


def _path(c: _Canvas, points: Sequence[tuple[float, float | None]]) -> str:
    out = []
    pen_up = True
    for xi, yv in points:
        if yv is None:
            pen_up = True
            continue
        out.append(f"{'M' if pen_up else 'L'}{c.x(xi):.1f},{c.y(yv):.1f}")
        pen_up = False
    return " ".join(out)


def _axes(c: _Canvas, x_labels: Sequence[str], y_unit: str, ticks: int = 5) -> None:
    c.parts.append(_axes_svg(tuple(x_labels), c.y_min, c.y_max, y_unit, ticks))


@functools.lru_cache(maxsize=256)
def _axes_svg(x_labels: tuple[str, ...], y_min: float, y_max: float, y_unit: str, ticks: int) -> str:
    """The grid, ticks and labels: the same for every chart over the same periods and scale (a
    practice dashboard draws a dozen), so drawn once."""
    c = _Canvas(len(x_labels), y_min, y_max)
    for i in range(ticks + 1):
        value = c.y_min + (c.y_max - c.y_min) * i / ticks
        y = c.y(value)
        c.parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dde0" />')
        label = f"{value:.0f}{y_unit}"
        c.parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" fill="{DARK}">{label}</text>'
        )
    step = max(1, -(-len(x_labels) // 7))  # at most 7 labels: they must not overlap
    for i, label in enumerate(x_labels):
        if i % step:
            continue
        x = c.x(i)
        c.parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM + 4}" stroke="{DARK}" />'
        )
        c.parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="11" '
            f'fill="{DARK}">{escape(label)}</text>'
        )
    c.parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" stroke="{DARK}" />'
    )
    return "".join(c.parts)


def time_chart(
    title: str,
    description: str,
    x_labels: Sequence[str],
    lines: Sequence[Line] = (),
    bands: Sequence[Band] = (),
    references: Sequence[Reference] = (),
    y_min: float = 0,
    y_max: float = 100,
    y_unit: str = "%",
) -> Markup:
    """Quarters along the bottom; lines, shaded bands (deciles, forecast ranges) and reference
    lines (targets). The legend under the chart names each series with its own line pattern."""
    _, parts = _open(title, description, HEIGHT + 24 * _legend_rows(lines, bands, references))
    c = _Canvas(len(x_labels), y_min, y_max, parts)
    _axes(c, x_labels, y_unit)
    for band in bands:
        upper = [(x, y) for x, y in band.high]
        lower = [(x, y) for x, y in reversed(band.low)]
        if not upper or not lower:
            continue
        d = _path(c, upper) + " " + _path(c, lower).replace("M", "L", 1) + " Z"
        parts.append(f'<path d="{d}" fill="{band.colour}" fill-opacity="{band.opacity}" stroke="none" />')
    for ref in references:
        y = c.y(ref.y)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{ref.colour}" '
            f'stroke-width="2" stroke-dasharray="{DASHES[ref.pattern]}" />'
        )
    for line in lines:
        d = _path(c, line.points)
        if not d:
            continue
        dash = DASHES[line.pattern]
        parts.append(
            f'<path d="{d}" fill="none" stroke="{line.colour}" stroke-width="{line.width}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + " />"
        )
        if line.markers:
            for xi, yv in line.points:
                if yv is not None:
                    parts.append(
                        f'<circle cx="{c.x(xi):.1f}" cy="{c.y(yv):.1f}" r="3.5" fill="#ffffff" '
                        f'stroke="{line.colour}" stroke-width="2" />'
                    )
    _legend(parts, lines, bands, references)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def _legend_rows(lines: Sequence[Line], bands: Sequence[Band], references: Sequence[Reference]) -> int:
    entries = len(lines) + len([b for b in bands if b.legend]) + len(references)
    return (entries + 2) // 3


def _legend(parts: list[str], lines: Sequence[Line], bands: Sequence[Band], references: Sequence[Reference]) -> None:
    entries: list[str] = []
    for line in lines:
        dash = DASHES[line.pattern]
        entries.append(
            f'<line x1="0" x2="28" y1="0" y2="0" stroke="{line.colour}" stroke-width="{line.width}"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + f' /><text x="34" y="4" font-size="12" fill="{DARK}">{escape(line.name)}</text>'
        )
    for band in bands:
        if band.legend:
            entries.append(
                f'<rect x="0" y="-6" width="28" height="12" fill="{band.colour}" fill-opacity="{band.opacity}" />'
                f'<text x="34" y="4" font-size="12" fill="{DARK}">{escape(band.name)}</text>'
            )
    for ref in references:
        entries.append(
            f'<line x1="0" x2="28" y1="0" y2="0" stroke="{ref.colour}" stroke-width="2" '
            f'stroke-dasharray="{DASHES[ref.pattern]}" />'
            f'<text x="34" y="4" font-size="12" fill="{DARK}">{escape(ref.name)}</text>'
        )
    for i, entry in enumerate(entries):
        x = LEFT + (i % 3) * 220
        y = HEIGHT + 4 + (i // 3) * 24
        parts.append(f'<g transform="translate({x},{y})">{entry}</g>')


LABEL_CHARACTERS = 30  # about what fits in a bar label's 200 px at 13 px


def wrap_label(text: str, width: int = LABEL_CHARACTERS) -> list[str]:
    """A label in lines of at most `width` characters, broken between words (a longer word on a
    line of its own, broken only if it must be): every character kept, never cut off."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line or not lines:
        lines.append(line)
    return lines


def bar_chart(title: str, description: str, bars: Sequence[Bar], maximum: float | None = None) -> Markup:
    """Horizontal bars, each labelled with its name and its value in words (never colour alone);
    hatched bars carry a pattern as well as a colour. Long names wrap onto more lines (the bar's
    row grows to fit) and each bar carries its full name and value as a tooltip."""
    line_height = 16
    label_width = 210
    labels = [wrap_label(bar.label) for bar in bars]
    rows = [max(30, line_height * len(lines) + 14) for lines in labels]
    height = TOP + sum(rows) + 8
    _, parts = _open(title, description, height)
    n = next(_ids)
    hatch = f"hatch-{n}"
    parts.append(
        f'<defs><pattern id="{hatch}" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#ffffff" />'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{DARK}" stroke-width="4" /></pattern></defs>'
    )
    top = max([maximum or 0.0] + [b.value for b in bars]) or 1.0
    span = WIDTH - label_width - 120
    y = TOP
    for bar, lines, row in zip(bars, labels, rows, strict=True):
        width = span * bar.value / top
        middle = y + row / 2
        first = middle - (len(lines) - 1) * line_height / 2 + 5
        tspans = "".join(
            f'<tspan x="{label_width - 8}" y="{first + i * line_height:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f"<g><title>{escape(bar.label)}: {escape(bar.text)}</title>")
        parts.append(f'<text text-anchor="end" font-size="13" fill="{DARK}">{tspans}</text>')
        fill = f"url(#{hatch})" if bar.hatched else bar.colour
        parts.append(
            f'<rect x="{label_width}" y="{middle - 10:.1f}" width="{width:.1f}" height="20" fill="{fill}" '
            f'stroke="{bar.colour}" stroke-width="2" />'
        )
        parts.append(
            f'<text x="{label_width + width + 6:.1f}" y="{middle + 5:.1f}" font-size="13" '
            f'fill="{DARK}">{escape(bar.text)}</text></g>'
        )
        y += row
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def position_strip(title: str, description: str, cut_points: Sequence[float], value: float, label: str) -> Markup:
    """A 0-100 strip split into the ten deciles of a distribution, with a marker for one value."""
    height = 84
    _, parts = _open(title, description, height)
    c = _Canvas(101, 0, 1, parts)
    edges = [0.0, *cut_points, 100.0]
    for i in range(10):
        x1, x2 = c.x(edges[i]), c.x(edges[i + 1])
        shade = "#e8edee" if i % 2 else "#d8dde0"
        parts.append(f'<rect x="{x1:.1f}" y="20" width="{max(x2 - x1, 0.5):.1f}" height="24" fill="{shade}" />')
    for i, cut in enumerate(cut_points, start=1):
        if i in (1, 5, 9):
            parts.append(
                f'<text x="{c.x(cut):.1f}" y="60" text-anchor="middle" font-size="11" fill="{DARK}">'
                f"{i * 10}th: {cut:.0f}</text>"
            )
    x = c.x(value)
    parts.append(f'<path d="M{x:.1f},44 L{x - 7:.1f},56 L{x + 7:.1f},56 Z" fill="{BLUE}" />')
    parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="14" y2="44" stroke="{BLUE}" stroke-width="3" />')
    anchor = "start" if value < 70 else "end"
    parts.append(
        f'<text x="{x + (6 if anchor == "start" else -6):.1f}" y="12" text-anchor="{anchor}" font-size="12" '
        f'fill="{DARK}">{escape(label)}</text>'
    )
    parts.append(f'<text x="{LEFT}" y="78" font-size="11" fill="{DARK}">0</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="78" text-anchor="end" font-size="11" fill="{DARK}">100</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)
