"""Charts as PNG (matplotlib, headless): session graphs, the compare radar, leaderboard bars."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from .queries import Leaderboard, PlayerTotals, SessionSeries

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c")


def _figure(width: float, height: float):
    # Imported here: matplotlib costs half a second to import and most commands never draw.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # No constrained layout: it costs more than drawing the chart itself.
    return Figure(figsize=(width, height), dpi=90)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="#1e1f22")
    return buffer.getvalue()


def _style(ax) -> None:
    ax.set_facecolor("#2b2d31")
    ax.tick_params(colors="#dbdee1")
    for spine in ax.spines.values():
        spine.set_color("#4e5058")
    ax.title.set_color("#ffffff")
    ax.xaxis.label.set_color("#dbdee1")
    ax.yaxis.label.set_color("#dbdee1")


def session_graphs(series: SessionSeries, names: dict[str, str], title: str, top: int = 8) -> bytes:
    """DPM per round, cumulative K/D and cumulative kills over the session for the busiest players
    (``names``: GUID → display name); the x axis names each round's map."""
    chosen = sorted(series.players, key=lambda guid: -sum(p[1] for p in series.players[guid]))[:top]
    figure = _figure(11, 8.6)
    axes = figure.subplots(3, 1, sharex=True)
    figure.suptitle(title, color="#ffffff")
    # The legend sits in its own band above the charts, never over the lines.
    figure.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.14, hspace=0.12)
    for colour, guid in zip(PALETTE, chosen, strict=False):
        points = series.players[guid]
        xs = [p[0] for p in points]
        kills = [sum(p[2] for p in points[: i + 1]) for i in range(len(points))]
        deaths = [sum(p[3] for p in points[: i + 1]) for i in range(len(points))]
        axes[0].plot(xs, [p[1] for p in points], marker="o", color=colour, label=names.get(guid, guid[:8]))
        axes[1].plot(xs, [k / d if d else k for k, d in zip(kills, deaths, strict=True)], color=colour)
        axes[2].plot(xs, kills, color=colour)
    for ax, label in zip(axes, ("DPM", "K/D (cumulative)", "Kills (cumulative)"), strict=True):
        _style(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.2)
    axes[2].set_xticks(range(1, len(series.rounds) + 1), series.rounds, rotation=35, ha="right", fontsize=8)
    figure.legend(*axes[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.945),
                  fontsize=8, ncols=4, facecolor="#2b2d31", labelcolor="#dbdee1", frameon=False)
    return _png(figure)


RADAR_AXES = ("K/D", "Accuracy", "DPM", "Headshot %", "Experience")


def radar_values(t: PlayerTotals) -> list[float]:
    """The predecessor's 0–10 normalisation (spec §5)."""
    return [min(t.kd, 5) * 2, min(t.accuracy, 50) / 5, min(t.dpm, 1000) / 100, min(t.headshot_accuracy, 50) / 5,
            min(t.rounds, 500) / 50]


def compare_radar(a: PlayerTotals, b: PlayerTotals) -> bytes:
    figure = _figure(6, 6)
    ax = figure.add_subplot(projection="polar")
    figure.subplots_adjust(left=0.1, right=0.9, top=0.88, bottom=0.08)
    angles = [i * 2 * math.pi / len(RADAR_AXES) for i in range(len(RADAR_AXES))]
    for player, colour in ((a, PALETTE[0]), (b, PALETTE[1])):
        values = radar_values(player)
        ax.plot([*angles, angles[0]], [*values, values[0]], color=colour, label=player.name)
        ax.fill([*angles, angles[0]], [*values, values[0]], color=colour, alpha=0.25)
    ax.set_xticks(angles, RADAR_AXES)
    ax.set_ylim(0, 10)
    _style(ax)
    ax.set_title(f"{a.name} vs {b.name}")
    ax.legend(loc="lower right", facecolor="#2b2d31", labelcolor="#dbdee1")
    return _png(figure)


def leaderboard_bars(board: Leaderboard) -> bytes:
    rows: Sequence = board.rows
    figure = _figure(8, 0.45 * max(len(rows), 3) + 1)
    figure.subplots_adjust(left=0.3, right=0.92, top=0.9, bottom=0.08)
    ax = figure.add_subplot()
    ax.barh([f"{r.rank}. {r.name}" for r in rows][::-1], [r.value for r in rows][::-1], color=PALETTE[0])
    for index, row in enumerate(rows[::-1]):
        ax.text(row.value, index, f" {row.display}", va="center", color="#dbdee1", fontsize=9)
    _style(ax)
    where = f"{board.period_title}{f', {board.map}' if board.map else ''}"
    ax.set_title(f"{board.title} — {where} — page {board.page}/{board.pages}")
    return _png(figure)
