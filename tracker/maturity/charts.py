"""Server-rendered, accessible SVG charts. Pure: data in, markup out.

No script and no style attributes (the CSP forbids them): presentation attributes only. Every
series is told apart by its line pattern and a text legend as well as by colour, every chart has a
title and description for screen readers, and the pages put a text summary and a table beside it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
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
ORANGE_DARK = "#b35900"  # an organisation's own line on a fan: 4.6:1 on white, apart from the blues

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
        # About 6.5 px a character at 11 px: a label that would run off either edge is pinned to it.
        half = 6.5 * len(label) / 2
        anchor, tx = "middle", x
        if x + half > WIDTH - 2:
            anchor, tx = "end", WIDTH - 2.0
        elif x - half < 2:
            anchor, tx = "start", 2.0
        c.parts.append(
            f'<text x="{tx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" font-size="11" '
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


STRIP_WIDTH = 400
STRIP_HEIGHT = 104
STRIP_FONT = 16


def strip_labels(cut_points: Sequence[float], x: Callable[[float], float], gap: float = 64) -> list[int]:
    """Which of the 10th, 50th and 90th percentile labels to draw under the strip (1-based cut
    numbers): left to right, dropping any that would sit within `gap` (about a label's width) of
    the one before or run off the chart, whose edges are 16 px beyond the strip's ends."""
    shown: list[int] = []
    last = float("-inf")
    low, high = x(0) - 16, x(100) + 16
    for i in (1, 5, 9):
        at = x(cut_points[i - 1])
        if at - last >= gap and at - gap / 2 >= low and at + gap / 2 <= high:
            shown.append(i)
            last = at
    return shown


def position_strip(title: str, description: str, cut_points: Sequence[float], value: float, label: str) -> Markup:
    """A 0-100 strip split into the ten deciles of a distribution, with a marker for one value.
    The marker and its label sit above the strip and the percentile labels below it, so the
    marker never covers a label; the marker's label turns to stay inside the chart."""
    _, parts = _open_sized(title, description, STRIP_WIDTH, STRIP_HEIGHT)
    left, right = 16.0, STRIP_WIDTH - 16.0

    def x(v: float) -> float:
        return left + (right - left) * min(100.0, max(0.0, v)) / 100

    top, bottom = 34, 60
    edges = [0.0, *cut_points, 100.0]
    for i in range(10):
        x1, x2 = x(edges[i]), x(edges[i + 1])
        shade = "#e8edee" if i % 2 else "#d8dde0"
        parts.append(
            f'<rect x="{x1:.1f}" y="{top}" width="{max(x2 - x1, 0.5):.1f}" height="{bottom - top}" fill="{shade}" />'
        )
    for i in strip_labels(cut_points, x):
        cut = cut_points[i - 1]
        parts.append(
            f'<line x1="{x(cut):.1f}" x2="{x(cut):.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="{DARK}" />'
            f'<text x="{x(cut):.1f}" y="{bottom + 21}" text-anchor="middle" font-size="{STRIP_FONT - 1}" '
            f'fill="{DARK}">{i * 10}th: {cut:.0f}</text>'
        )
    at = x(value)
    parts.append(f'<path d="M{at:.1f},{top} L{at - 7:.1f},{top - 12} L{at + 7:.1f},{top - 12} Z" fill="{BLUE}" />')
    parts.append(f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{top}" y2="{bottom}" stroke="{BLUE}" stroke-width="3" />')
    # About 0.6 of the font size a character: anchored so the whole label stays inside the chart.
    width = 0.6 * STRIP_FONT * len(label)
    if at + width <= right:
        anchor, tx = "start", max(at - 10, 2)
    elif at - width >= left:
        anchor, tx = "end", min(at + 10, STRIP_WIDTH - 2)
    else:
        anchor, tx = "middle", STRIP_WIDTH / 2
    parts.append(
        f'<text x="{tx:.1f}" y="16" text-anchor="{anchor}" font-size="{STRIP_FONT}" font-weight="bold" '
        f'fill="{DARK}">{escape(label)}</text>'
    )
    parts.append(f'<text x="{left}" y="{STRIP_HEIGHT - 4}" font-size="{STRIP_FONT - 1}" fill="{DARK}">0</text>')
    parts.append(
        f'<text x="{right}" y="{STRIP_HEIGHT - 4}" text-anchor="end" font-size="{STRIP_FONT - 1}" '
        f'fill="{DARK}">100</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def _open_sized(
    title: str, description: str, width: int, height: int, classes: str = "app-chart"
) -> tuple[str, list[str]]:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    head = [
        f'<svg class="{classes}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{tid}" aria-describedby="{did}" xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{tid}">{escape(title)}</title>',
        f'<desc id="{did}">{escape(description)}</desc>',
    ]
    return tid, head


# --- The decile fan (OpenPrescribing's chart of one organisation against everyone) -------------

FAN_WIDTH = 400
FAN_HEIGHT = 240
FAN_LEFT = 50
FAN_RIGHT = 32  # room for half the last period's label
FAN_TOP = 12
FAN_BOTTOM = 50
FAN_FONT = 17  # the chart is drawn at about 280 px wide on a phone: the text must stay readable
# Nested bands, outermost first: 10th-90th, 20th-80th, 30th-70th, 40th-60th percentiles (indexes
# into the nine cut points), each darker than the one around it.
FAN_LAYERS: tuple[tuple[int, int, float], ...] = ((0, 8, 0.12), (1, 7, 0.2), (2, 6, 0.28), (3, 5, 0.38))
PROVISIONAL_DASH = "5 4"


@dataclass(frozen=True)
class FanPeriod:
    """One period of a fan chart: the nine cut points of everyone's values (None: no values that
    period), the organisation's own value, and whether the period's figures can still change."""

    label: str
    cuts: Sequence[float] | None
    value: float | None
    provisional: bool = False


@dataclass(frozen=True)
class FanScale:
    """Where values and periods fall on the fan chart's canvas."""

    count: int
    y_min: float = 0
    y_max: float = 100

    def x(self, index: float) -> float:
        span = max(self.count - 1, 1)
        if self.count == 1:
            return (FAN_LEFT + FAN_WIDTH - FAN_RIGHT) / 2
        return FAN_LEFT + (FAN_WIDTH - FAN_LEFT - FAN_RIGHT) * index / span

    def y(self, value: float) -> float:
        span = (self.y_max - self.y_min) or 1
        value = min(self.y_max, max(self.y_min, value))
        return FAN_TOP + (FAN_HEIGHT - FAN_TOP - FAN_BOTTOM) * (1 - (value - self.y_min) / span)


def fan_runs(periods: Sequence[FanPeriod]) -> list[list[int]]:
    """The runs of consecutive periods that have cut points: a band is one shape per run, never
    bridging a period without values."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, p in enumerate(periods):
        if p.cuts:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def fan_band_polygons(periods: Sequence[FanPeriod], scale: FanScale) -> list[tuple[float, list[tuple[float, float]]]]:
    """(opacity, corner points) of every band shape, outermost first: along the upper percentile
    from left to right, back along the lower one. A single period is drawn as a short bar."""
    out = []
    for low, high, opacity in FAN_LAYERS:
        for run in fan_runs(periods):
            xs = [scale.x(i) for i in run]
            if len(run) == 1:
                xs = [xs[0] - 6, xs[0] + 6]
                run = run * 2
            upper = [(x, scale.y(periods[i].cuts[high])) for x, i in zip(xs, run, strict=True)]  # type: ignore[index]
            lower = [(x, scale.y(periods[i].cuts[low])) for x, i in zip(xs, run, strict=True)]  # type: ignore[index]
            out.append((opacity, upper + list(reversed(lower))))
    return out


def fan_segments(points: Sequence[tuple[float | None, bool]]) -> list[tuple[int, int, bool]]:
    """(from index, to index, provisional) of each line segment between consecutive known values:
    a segment into a provisional period is provisional (drawn dashed), never as if final."""
    out = []
    previous: int | None = None
    for i, (value, provisional) in enumerate(points):
        if value is None:
            previous = None
            continue
        if previous is not None:
            out.append((previous, i, provisional or points[previous][1]))
        previous = i
    return out


def short_period(label: str) -> tuple[str, str]:
    """'2016/17 Q1' as two short lines ('Q1', '2016/17') so period labels fit side by side."""
    parts = label.replace("-", " ").split()
    if len(parts) == 2 and parts[1].startswith("Q"):
        return parts[1], parts[0]
    return label, ""


def _fan_line(
    parts: list[str],
    scale: FanScale,
    values: Sequence[tuple[float | None, bool]],
    colour: str,
    width: float,
    markers: bool,
) -> None:
    for a, b, provisional in fan_segments(values):
        ya, yb = values[a][0], values[b][0]
        assert ya is not None and yb is not None
        dash = f' stroke-dasharray="{PROVISIONAL_DASH}"' if provisional else ""
        parts.append(
            f'<line x1="{scale.x(a):.1f}" y1="{scale.y(ya):.1f}" x2="{scale.x(b):.1f}" y2="{scale.y(yb):.1f}" '
            f'stroke="{colour}" stroke-width="{width}" stroke-linecap="round"{dash} />'
        )
    if not markers:
        return
    for i, (value, provisional) in enumerate(values):
        if value is None:
            continue
        # Final values are filled dots; provisional ones hollow rings with a dashed edge.
        fill, dash = ("#ffffff", f' stroke-dasharray="{PROVISIONAL_DASH[0]} 2"') if provisional else (colour, "")
        parts.append(
            f'<circle cx="{scale.x(i):.1f}" cy="{scale.y(value):.1f}" r="5" fill="{fill}" '
            f'stroke="{colour}" stroke-width="2.5"{dash} />'
        )


def fan_chart(
    title: str,
    description: str,
    periods: Sequence[FanPeriod],
    y_max: float = 100,
    y_unit: str = "%",
    target: float | None = None,
) -> Markup:
    """An organisation's values over time (a thick line with dots) on top of the national fan:
    the 10th to 90th percentiles of everyone's values as nested shaded bands, lighter outwards,
    and the median as a dark line. Segments into a provisional period are dashed and its dots
    hollow. The legend is the page's (one for a set of charts, in HTML, so it wraps on a phone);
    period labels are shortened, each with its full wording as a tooltip."""
    _, parts = _open_sized(title, description, FAN_WIDTH, FAN_HEIGHT, "app-chart app-chart--fan")
    scale = FanScale(len(periods), 0, y_max)
    for i in range(5):
        value = y_max * i / 4
        y = scale.y(value)
        parts.append(
            f'<line x1="{FAN_LEFT}" x2="{FAN_WIDTH - FAN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dde0" />'
        )
        parts.append(
            f'<text x="{FAN_LEFT - 5}" y="{y + 5:.1f}" text-anchor="end" font-size="{FAN_FONT - 1}" '
            f'fill="{DARK}">{value:.0f}{escape(y_unit)}</text>'
        )
    base = FAN_HEIGHT - FAN_BOTTOM
    parts.append(f'<line x1="{FAN_LEFT}" x2="{FAN_WIDTH - FAN_RIGHT}" y1="{base}" y2="{base}" stroke="{DARK}" />')
    step = max(1, -(-len(periods) // 5))  # at most 5 labels of about 60 px each
    for i, p in enumerate(periods):
        if p.provisional:
            x = scale.x(i)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{FAN_TOP}" y2="{base}" stroke="{GREY}" '
                f'stroke-width="1" stroke-dasharray="2 3" />'
            )
        if i % step and i != len(periods) - 1:
            continue
        if i != len(periods) - 1 and (len(periods) - 1 - i) < step:
            continue  # the last period is always labelled: leave room for it
        x = scale.x(i)
        first, second = short_period(p.label)
        star = "*" if p.provisional else ""
        parts.append(
            f'<text x="{x:.1f}" y="{base + 17}" text-anchor="middle" font-size="{FAN_FONT - 1}" fill="{DARK}">'
            f"<title>{escape(p.label)}{' (provisional)' if p.provisional else ''}</title>"
            f'<tspan x="{x:.1f}">{escape(first)}{star}</tspan>'
            + (f'<tspan x="{x:.1f}" dy="{FAN_FONT + 1}">{escape(second)}</tspan>' if second else "")
            + "</text>"
        )
    for opacity, corners in fan_band_polygons(periods, scale):
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in corners) + " Z"
        parts.append(f'<path d="{d}" fill="{BLUE}" fill-opacity="{opacity}" stroke="none" />')
    if target is not None:
        y = scale.y(target)
        parts.append(
            f'<line x1="{FAN_LEFT}" x2="{FAN_WIDTH - FAN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{RED}" '
            f'stroke-width="2" stroke-dasharray="{DASHES["dashdot"]}" />'
        )
    medians = [(p.cuts[4] if p.cuts else None, p.provisional) for p in periods]
    _fan_line(parts, scale, medians, DARK, 2.5, markers=False)
    _fan_line(parts, scale, [(p.value, p.provisional) for p in periods], ORANGE_DARK, 3.5, markers=True)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def fan_legend_items(own: str, target: bool = True) -> list[dict[str, Markup | str]]:
    """The fan chart's legend, each entry a small drawing of its mark and its words: the page
    shows it once above a set of fan charts, in HTML so it wraps at any width."""

    def swatch(inner: str) -> Markup:
        return Markup(  # noqa: S704 (fixed markup)
            f'<svg width="36" height="16" viewBox="0 0 36 16" aria-hidden="true" focusable="false" '
            f'class="app-fan-swatch">{inner}</svg>'
        )

    items: list[dict[str, Markup | str]] = [
        {
            "swatch": swatch(
                f'<line x1="2" x2="34" y1="8" y2="8" stroke="{ORANGE_DARK}" stroke-width="3.5" />'
                f'<circle cx="18" cy="8" r="5" fill="{ORANGE_DARK}" stroke="{ORANGE_DARK}" stroke-width="2.5" />'
            ),
            "text": f"{own} (thick line, filled dots)",
        },
        {
            "swatch": swatch(
                f'<line x1="2" x2="34" y1="8" y2="8" stroke="{ORANGE_DARK}" stroke-width="3.5" '
                f'stroke-dasharray="{PROVISIONAL_DASH}" />'
                f'<circle cx="18" cy="8" r="5" fill="#ffffff" stroke="{ORANGE_DARK}" stroke-width="2.5" />'
            ),
            "text": "Provisional: the period is still open and its figures can change (dashed line, hollow dot, *)",
        },
        {
            "swatch": swatch(f'<line x1="2" x2="34" y1="8" y2="8" stroke="{DARK}" stroke-width="2.5" />'),
            "text": "National median (the middle value)",
        },
        {
            "swatch": swatch(
                "".join(
                    f'<rect x="{2 + 4 * k}" y="{1 + 2 * k}" width="{32 - 8 * k}" height="{14 - 4 * k}" '
                    f'fill="{BLUE}" fill-opacity="{opacity}" />'
                    for k, (_, _, opacity) in enumerate(FAN_LAYERS)
                )
            ),
            "text": "National spread: the shading runs from the 10th to the 90th percentile, darker towards the middle",
        },
    ]
    if target:
        items.append(
            {
                "swatch": swatch(
                    f'<line x1="2" x2="34" y1="8" y2="8" stroke="{RED}" stroke-width="2" '
                    f'stroke-dasharray="{DASHES["dashdot"]}" />'
                ),
                "text": "Target",
            }
        )
    return items
