"""Heatmap images (PNG, matplotlib, headless), drawn over the map.

The map is an admin-supplied overview image placed by its coordinate bounds, or else its shape
drawn from the data: every square where anyone has ever been, shaded by how much. Axes are in
metres; north (game +y) is up.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from .analytics import heat
from .settings import Overview
from .telemetry import METRES_PER_UNIT

UNITS = {"kills": "kills", "deaths": "deaths", "presence": "seconds"}
COLOURS = {"kills": "autumn", "deaths": "cool", "presence": "viridis"}
BACKGROUND = "#1e1f22"
PANEL = "#2b2d31"
TEXT = "#dbdee1"


def _figure(width: float, height: float, box: tuple[float, float, float, float]) -> tuple[Any, Any]:
    """A dark figure and its axes at ``box`` (imported here: matplotlib costs half a second to import)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    figure.patch.set_facecolor(BACKGROUND)
    ax = figure.add_axes(box)
    ax.set_facecolor(PANEL)
    return figure, ax


def _finish(figure: Any, ax: Any, title: str, *, size: int = 11, tight: bool = False) -> bytes:
    ax.tick_params(colors=TEXT, labelsize=size)
    for spine in ax.spines.values():
        spine.set_color("#4e5058")
    ax.set_title(title, color="#ffffff", fontsize=size + 2)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=BACKGROUND,
                   **({"bbox_inches": "tight", "pad_inches": 0.15} if tight else {}))
    return buffer.getvalue()


def _blocks(values: np.ndarray, x0: int, y0: int, factor: int) -> tuple[np.ndarray, int, int]:
    """Cells summed into squares of ``factor`` × ``factor`` (aligned to multiples of the factor)."""
    if factor == 1 or values.size == 0:
        return values, x0, y0
    bx0, by0 = x0 // factor * factor, y0 // factor * factor
    height = -(-(y0 - by0 + values.shape[0]) // factor) * factor
    width = -(-(x0 - bx0 + values.shape[1]) // factor) * factor
    padded = np.zeros((height, width))
    padded[y0 - by0:y0 - by0 + values.shape[0], x0 - bx0:x0 - bx0 + values.shape[1]] = values
    summed = padded.reshape(height // factor, factor, width // factor, factor).sum(axis=(1, 3))
    return summed, bx0 // factor, by0 // factor


def _extent(x0: int, y0: int, shape: tuple[int, int], cell: int) -> list[float]:
    scale = cell * METRES_PER_UNIT
    return [x0 * scale, (x0 + shape[1]) * scale, y0 * scale, (y0 + shape[0]) * scale]


def heatmap_png(grid: heat.Grid, shape: heat.Grid, *, kind: str, title: str, overview: Overview | None = None,
                width_inches: float = 8.0) -> bytes:
    """``grid`` (of ``kind``) over the map: the overview image, else ``shape`` (presence of everyone)."""
    factor = 1 if kind == "presence" else 2  # kills and deaths are sparse: count them in 6.5 m squares
    values, x0, y0 = _blocks(*grid.dense(), factor)
    cell = heat.CELL_UNITS * factor
    ground, gx0, gy0 = shape.dense()
    reference = ground if ground.size else values
    # As tall as the map is, so that a narrow phone screen wastes no height on margins.
    aspect = min(1.6, max(0.45, reference.shape[0] / reference.shape[1])) if reference.size else 0.8
    figure, ax = _figure(width_inches, width_inches * 0.78 * aspect + 1.0, (0.09, 0.1, 0.74, 0.82))
    bounds: list[list[float]] = []
    if overview is not None:
        from matplotlib.image import imread

        (left, top), (right, bottom) = overview.mins, overview.maxs
        box = [left * METRES_PER_UNIT, right * METRES_PER_UNIT, bottom * METRES_PER_UNIT, top * METRES_PER_UNIT]
        ax.imshow(imread(overview.image), extent=box, origin="upper", zorder=0)
        bounds.append(box)
    elif ground.size:
        box = _extent(gx0, gy0, ground.shape, heat.CELL_UNITS)
        shaded = np.ma.masked_equal(np.log1p(ground), 0)
        ax.imshow(shaded, extent=box, origin="lower", cmap="Greys_r", alpha=0.55, interpolation="nearest", zorder=1,
                  vmin=0, vmax=float(shaded.max()) * 1.6 if shaded.count() else 1)
        bounds.append(box)
    if values.size:
        box = _extent(x0, y0, values.shape, cell)
        shown = np.ma.masked_less_equal(values, 0)
        # Counts start at 0 (a single kill is then not the bottom of the scale) and end on a whole number.
        top = float(values.max()) if kind == "presence" else max(1.0, float(np.ceil(values.max())))
        image = ax.imshow(shown, extent=box, origin="lower", cmap=COLOURS[kind], interpolation="nearest", zorder=2,
                          alpha=0.9, vmin=0, vmax=top)
        bounds.append(box)
        bar = figure.colorbar(image, cax=figure.add_axes((0.86, 0.1, 0.03, 0.82)))
        bar.set_label(f"{UNITS[kind]} per {cell * METRES_PER_UNIT:.1f} m square", color=TEXT, fontsize=12)
        bar.ax.tick_params(colors=TEXT, labelsize=11)
        if kind != "presence":
            bar.set_ticks(np.arange(0, top + 1, max(1, int(np.ceil(top / 6)))))  # counts: whole numbers
    else:
        ax.text(0.5, 0.5, f"no {kind} recorded", transform=ax.transAxes, ha="center", va="center", color=TEXT)
    if bounds:
        ax.set_xlim(min(b[0] for b in bounds), max(b[1] for b in bounds))
        ax.set_ylim(min(b[2] for b in bounds), max(b[3] for b in bounds))
    ax.set_aspect("equal")
    ax.set_xlabel("metres (east)", color=TEXT, fontsize=12)
    ax.set_ylabel("metres (north)", color=TEXT, fontsize=12)
    return _finish(figure, ax, title, tight=True)


def distance_png(distances_m: list[float], title: str) -> bytes:
    """How far apart fights were settled: a histogram of engagement distances (metres)."""
    figure, ax = _figure(8, 4, (0.09, 0.15, 0.88, 0.73))
    if distances_m:
        top = max(5.0, float(np.ceil(max(distances_m) / 5) * 5))
        ax.hist(distances_m, bins=np.arange(0, top + 5, 5), color="#f28e2b", edgecolor=BACKGROUND)
    else:
        ax.text(0.5, 0.5, "no engagements ended with a kill", transform=ax.transAxes, ha="center", color=TEXT)
    ax.set_xlabel("distance between the two players at the last exchange (metres)", color=TEXT)
    ax.set_ylabel("engagements won", color=TEXT)
    return _finish(figure, ax, title)


def bars_png(rows: list[tuple[str, float]], *, title: str, xlabel: str, limit: float | None = None) -> bytes:
    """One horizontal bar per row (label, value), top row first; ``limit`` fixes the scale's end."""
    shown = rows[:15]
    figure, ax = _figure(8, 1.2 + 0.38 * max(1, len(shown)), (0.25, 0.12, 0.7, 0.76))
    if shown:
        labels = [label for label, _ in shown][::-1]
        values = [value for _, value in shown][::-1]
        ax.barh(labels, values, color="#4e79a7")
        if limit is not None:
            ax.set_xlim(0, limit)
        if all(float(v).is_integer() for v in values):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    else:
        ax.text(0.5, 0.5, "nothing recorded", transform=ax.transAxes, ha="center", color=TEXT)
        ax.set_yticks([])
    ax.set_xlabel(xlabel, color=TEXT)
    return _finish(figure, ax, title, tight=True)
