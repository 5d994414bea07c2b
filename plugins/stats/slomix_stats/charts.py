"""Charts as PNG (matplotlib, headless): session graphs, the compare bars, leaderboard bars."""

from __future__ import annotations

import io
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


# A session's two teams in two families of colours (warm for the first, cool for the second), so a
# line says its team at a glance; the first of each is the team's colour on the web pages.
TEAM_PALETTES = (("#f0a030", "#e15759", "#edc948", "#ff9da7", "#9c755f", "#f28e2b"),
                 ("#4ca3f0", "#76b7b2", "#59a14f", "#b07aa1", "#1f77b4", "#bab0ac"))


def session_graphs(series: SessionSeries, names: dict[str, str], title: str, top: int = 8,
                   teams: Sequence[tuple[str, Sequence[str]]] = ()) -> bytes:
    """DPM per round, cumulative K/D and cumulative kills over the session for the busiest players
    (``names``: GUID → display name); the x axis names each round's map. With ``teams`` (name,
    GUIDs) the lines take their team's colours and the legend has a column per team."""
    chosen = sorted(series.players, key=lambda guid: -sum(p[1] for p in series.players[guid]))[:top]
    team_of = {guid: index for index, (_, guids) in enumerate(teams[:2]) for guid in guids}
    chosen.sort(key=lambda guid: team_of.get(guid, 2))
    used = [0, 0, 0]
    colours = {}
    for guid in chosen:
        index = team_of.get(guid, 2)
        family = TEAM_PALETTES[index] if index < 2 else PALETTE
        colours[guid] = family[used[index] % len(family)]
        used[index] += 1
    figure = _figure(11, 8.6)
    axes = figure.subplots(3, 1, sharex=True)
    figure.suptitle(title, color="#ffffff")
    # The legend sits in its own band above the charts, never over the lines.
    figure.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.14, hspace=0.12)
    lines = {}
    for guid in chosen:
        points = series.players[guid]
        xs = [p[0] for p in points]
        kills = [sum(p[2] for p in points[: i + 1]) for i in range(len(points))]
        deaths = [sum(p[3] for p in points[: i + 1]) for i in range(len(points))]
        [lines[guid]] = axes[0].plot(xs, [p[1] for p in points], marker="o", color=colours[guid],
                                     label=names.get(guid, guid[:8]))
        axes[1].plot(xs, [k / d if d else k for k, d in zip(kills, deaths, strict=True)], color=colours[guid])
        axes[2].plot(xs, kills, color=colours[guid])
    for ax, label in zip(axes, ("DPM", "K/D (cumulative)", "Kills (cumulative)"), strict=True):
        _style(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.2)
    axes[2].set_xticks(range(1, len(series.rounds) + 1), series.rounds, rotation=35, ha="right", fontsize=8)
    style = {"fontsize": 8, "facecolor": "#2b2d31", "labelcolor": "#dbdee1", "frameon": False}
    groups = [(name, [g for g in chosen if team_of.get(g) == index]) for index, (name, _) in enumerate(teams[:2])]
    groups = [(name, members) for name, members in groups if members]
    if not groups:
        figure.legend(*axes[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.945),
                      ncols=4, **style)
        return _png(figure)
    others = [g for g in chosen if g not in team_of]
    if others:
        groups.append(("others", others))
    for position, (name, members) in enumerate(groups):
        legend = figure.legend([lines[g] for g in members], [names.get(g, g[:8]) for g in members],
                               loc="upper center", bbox_to_anchor=((position + 0.5) / len(groups), 0.955),
                               ncols=min(len(members), 4), title=name, **style)
        legend.get_title().set_color("#ffffff")
    return _png(figure)


# What the compare chart sets side by side: label, PlayerTotals attribute, how a value reads.
COMPARED = (("K/D", "kd", "{:.2f}"), ("Damage per minute", "dpm", "{:.1f}"), ("Accuracy", "accuracy", "{:.1f} %"),
            ("Headshot accuracy", "headshot_accuracy", "{:.1f} %"), ("Kills", "kills", "{:,}"),
            ("Revives given", "revives_given", "{:,}"), ("Counted rounds", "rounds", "{:,}"))


def compare_chart(a: PlayerTotals, b: PlayerTotals) -> bytes:
    """Two players' real figures, one small bar chart per measure (each on its own labelled scale:
    a K/D and a kill count share no axis), every bar with its value written at its end."""
    figure = _figure(7, 0.95 * len(COMPARED) + 1.1)
    axes = figure.subplots(len(COMPARED), 1)
    figure.subplots_adjust(left=0.2, right=0.86, top=0.9, bottom=0.03, hspace=0.9)
    figure.suptitle(f"{a.name} vs {b.name}", color="#ffffff")
    for ax, (label, key, shown) in zip(axes, COMPARED, strict=True):
        values = [float(getattr(a, key)), float(getattr(b, key))]
        ax.barh([1, 0], values, color=[PALETTE[0], PALETTE[1]], height=0.7)
        ax.set_yticks([1, 0], [a.name, b.name], fontsize=8)
        ax.set_xlim(0, max(max(values) * 1.25, 1e-9))
        for y, value in zip([1, 0], values, strict=True):
            ax.text(value, y, f" {shown.format(getattr(a if y else b, key))}", va="center", color="#dbdee1",
                    fontsize=8)
        _style(ax)
        ax.set_title(label, fontsize=9, loc="left", color="#ffffff")
        ax.tick_params(axis="x", labelsize=7)
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
