"""PNG charts (matplotlib, headless): the reliability diagram, a player's rating history, the leaderboard."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

BACK, PANEL, TEXT, EDGE = "#1e1f22", "#2b2d31", "#dbdee1", "#4e5058"
BLUE, ORANGE = "#4e79a7", "#f28e2b"


def _figure(width: float, height: float):
    # Imported here: matplotlib costs half a second to import and most commands never draw.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=90)


def _axes(figure, title: str):
    ax = figure.subplots()
    ax.set_facecolor(PANEL)
    ax.tick_params(colors=TEXT)
    for spine in ax.spines.values():
        spine.set_color(EDGE)
    ax.set_title(title, color="#ffffff")
    ax.xaxis.label.set_color(TEXT)
    ax.yaxis.label.set_color(TEXT)
    ax.grid(alpha=0.2)
    return ax


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=BACK)
    return buffer.getvalue()


def reliability(bins: Sequence[Sequence[float]], title: str) -> bytes:
    """Observed win rate against the mean predicted probability per bin; the diagonal is perfect."""
    figure = _figure(6, 6)
    ax = _axes(figure, title)
    ax.plot([0, 1], [0, 1], linestyle="--", color=EDGE, label="perfectly calibrated")
    if bins:
        xs, ys, _ = zip(*bins, strict=True)
        ax.plot(xs, ys, marker="o", color=ORANGE, label="model")
        for x, y, n in bins:
            ax.annotate(f"{int(n)}", (x, y), textcoords="offset points", xytext=(6, -12), color=TEXT, fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted P(team A wins)")
    ax.set_ylabel("observed share won (maps per bin)")
    ax.legend(loc="upper left", facecolor=PANEL, labelcolor=TEXT, edgecolor=EDGE)
    figure.subplots_adjust(left=0.13, right=0.96, top=0.92, bottom=0.1)
    return _png(figure)


def history(points: Sequence[tuple[datetime, float, float]], title: str) -> bytes:
    """μ over the player's maps with a ±σ band and the conservative μ − 3σ line."""
    figure = _figure(9, 4.5)
    ax = _axes(figure, title)
    xs = list(range(1, len(points) + 1))
    mus = [p[1] for p in points]
    sigmas = [p[2] for p in points]
    ax.fill_between(xs, [m - s for m, s in zip(mus, sigmas, strict=True)],
                    [m + s for m, s in zip(mus, sigmas, strict=True)], color=BLUE, alpha=0.3, label="μ ± σ")
    ax.plot(xs, mus, color=BLUE, marker="o", markersize=3, label="μ (skill)")
    ax.plot(xs, [m - 3 * s for m, s in zip(mus, sigmas, strict=True)], color=ORANGE, label="μ − 3σ (shown rating)")
    ax.set_xlabel("rated maps")
    ax.set_ylabel("rating")
    # Below the plot: inside, it would hide the end of a line.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, facecolor=PANEL, labelcolor=TEXT,
              edgecolor=EDGE)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.24)
    return _png(figure)
