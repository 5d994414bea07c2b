"""Small server-side SVG charts: lines over rounds and horizontal bars.

Shapes carry classes (``line s-0``, ``grid``) and the site's stylesheet colours them, so the
charts follow the theme and need no inline style (the Content-Security-Policy forbids it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

SERIES_CLASSES = 6


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]


def nice_ceiling(value: float) -> float:
    """The next 1, 2, 2.5 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


def legend(names: Sequence[str]) -> str:
    items = "".join(f'<span><span class="swatch s-{i % SERIES_CLASSES}"></span>{escape(n)}</span>'
                    for i, n in enumerate(names))
    return f'<div class="legend">{items}</div>'


def line_chart(series: Sequence[Series], *, title: str, width: int = 480, height: int = 220,
               x_labels: dict[float, str] | None = None, ticks: int = 4) -> str:
    """Lines sharing one y axis from zero; ``x_labels`` names some x positions."""
    points = [p for s in series for p in s.points]
    if not points:
        return f'<p class="muted">No data for {escape(title.lower())}.</p>'
    left, right, top, bottom = 40, 12, 10, 24
    xs = [x for x, _ in points]
    x_min, x_max = min(xs), max(xs)
    y_max = nice_ceiling(max(y for _, y in points) / ticks) * ticks  # round numbers on every grid line
    span_x = (x_max - x_min) or 1.0

    def px(x: float) -> float:
        return left + (x - x_min) / span_x * (width - left - right)

    def py(y: float) -> float:
        return top + (1 - y / y_max) * (height - top - bottom)

    parts = []
    for i in range(ticks + 1):
        value = y_max * i / ticks
        y = py(value)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(value)}</text>')
    for x, label in (x_labels or {}).items():
        # Labels at either end lean inwards so that they stay inside the picture.
        anchor = "start" if x == x_min else "end" if x == x_max else "middle"
        parts.append(f'<text x="{px(x):.1f}" y="{height - 6}" text-anchor="{anchor}">{escape(label)}</text>')
    for index, s in enumerate(series):
        cls = f"s-{index % SERIES_CLASSES}"
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s.points)
        parts.append(f'<polyline class="line {cls}" points="{coords}"><title>{escape(s.name)}</title></polyline>')
        if len(s.points) <= 40:
            parts.extend(f'<circle class="dot {cls}" cx="{px(x):.1f}" cy="{py(y):.1f}" r="3">'
                         f"<title>{escape(s.name)}: {_fmt(y)}</title></circle>" for x, y in s.points)
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(parts)}</svg>")


def bar_chart(bars: Sequence[tuple[str, float, str]], *, title: str, width: int = 480, bar: int = 22) -> str:
    """Horizontal bars: (label, value, text shown at the end of the bar)."""
    if not bars:
        return f'<p class="muted">No data for {escape(title.lower())}.</p>'
    label_width, gap = 130, 6
    top = max(v for _, v, _ in bars) or 1.0
    height = len(bars) * (bar + gap)
    room = width - label_width - 60
    parts = []
    for i, (label, value, shown) in enumerate(bars):
        y = i * (bar + gap)
        length = max(1.0, value / top * room)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">{escape(label[:16])}</text>'
            f'<rect class="s-{i % SERIES_CLASSES if len(bars) <= 3 else 0}" x="{label_width}" y="{y}" '
            f'width="{length:.1f}" height="{bar}" rx="3"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text class="bar-label" x="{label_width + length + 6:.1f}" y="{y + bar * 0.7:.1f}">'
            f"{escape(shown)}</text>")
    return (f'<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(parts)}</svg>")
