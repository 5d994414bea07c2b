"""Gaming sessions: the list, and one session with its players, rounds, charts and panels."""

from __future__ import annotations

from datetime import datetime
from itertools import accumulate

from slomix.kernel import Page, Request

from ..awards import mvp
from ..commands.common import State
from ..queries import SessionPlayer, SessionSeries
from .html import (
    card,
    cards,
    duration,
    link,
    num,
    player_link,
    round_href,
    session_href,
    table,
    team,
    text,
    weapon_bars,
    when,
)
from .svg import Series, legend, line_chart

CHART_PLAYERS = 6


def listing(state: State):
    async def handler(request: Request) -> Page:
        month = request.query.month
        found = await state.q.sessions(month=month, limit=100)
        rows = [[link(session_href(s.start), f"#{s.number}"), text(when(s.start)), text(duration(
            int((s.end - s.start).total_seconds()))), num(s.counted_rounds), num(s.players),
            text(", ".join(s.maps))] for s in found]
        title = f"Sessions of {month}" if month else "Sessions"
        form = ('<form class="search" method="get" action="/sessions"><input type="month" name="month" '
                f'aria-label="Month" value="{text(month or "")}"><button type="submit">Show</button>'
                + (' <a class="button" href="/sessions">All</a>' if month else "") + "</form>")
        body = table(["Session", "Started", "Length", ("Rounds", True), ("Players", True), "Maps"], rows)
        return Page(title, f"<h1>{text(title)}</h1>{form}{body}")

    return handler


def _start(text_value: str) -> datetime:
    try:
        return datetime.fromisoformat(text_value)
    except ValueError:
        raise LookupError(f"{text_value!r} is not a session start (like 2025-10-14T21:22:14)") from None


def map_labels(rounds: list[str], width: float = 428, char: float = 6.5) -> dict[float, str]:
    """The map at each map's first round (x: the 1-based round index), left out where it would
    overlap the label before it (``width``: the plot's pixels, ``char``: a character's)."""
    step = width / max(len(rounds) - 1, 1)
    labels: dict[float, str] = {}
    last_x, last_end = None, 0.0
    for index, name in enumerate(rounds, 1):
        map_name = name.rsplit(" R", 1)[0]
        if index > 1 and map_name == rounds[index - 2].rsplit(" R", 1)[0]:
            continue
        x = (index - 1) * step
        # The first label starts at its point, the others are centred on it (svg.line_chart).
        start = x if last_x is None else x - len(map_name) * char / 2
        fits = last_x is None or (start >= last_end + char and x + len(map_name) * char / 2 <= width + 10)
        if fits:
            labels[index] = map_name
            last_x, last_end = x, x + len(map_name) * char * (1 if last_x is None else 0.5)
    return labels


def _charts(series: SessionSeries, players: list[SessionPlayer]) -> str:
    chosen = [p for p in players if p.guid in series.players][:CHART_PLAYERS]
    lines = [(p.name, series.players[p.guid]) for p in chosen]
    dpm = [Series(n, [(i, d) for i, d, _, _ in points]) for n, points in lines]
    kills = [Series(n, list(zip([i for i, *_ in points], accumulate(k for _, _, k, _ in points), strict=True)))
             for n, points in lines]
    labels = map_labels(series.rounds)
    names = [p.name for p in chosen]
    return ('<div class="grid-2"><section class="panel"><h3>DPM per round</h3>'
            f"{line_chart(dpm, title='DPM per round', x_labels=labels)}{legend(names)}</section>"
            '<section class="panel"><h3>Kills over the session</h3>'
            f"{line_chart(kills, title='Cumulative kills', x_labels=labels)}{legend(names)}</section></div>")


def detail(state: State):
    async def handler(request: Request) -> Page:
        start = _start(request.path_params["start"])
        found = await state.q.session(start)
        if found is None:
            raise LookupError(f"no session started at {start.isoformat(sep=' ')}")
        s = found.summary
        best = mvp(found.players, s.counted_rounds)
        players = [[player_link(p.guid, p.name), num(p.rounds), num(p.kills), num(p.deaths), num(p.kd, 2),
                    num(p.dpm, 1), num(p.damage_given), num(p.damage_received), num(p.accuracy, 1),
                    num(p.headshot_kills), num(p.revives_given), num(p.gibs), text(duration(p.seconds))]
                   for p in found.players]
        rounds = [[link(round_href(r.id), f"{r.map} R{r.round_number}"), text(when(r.round_time)),
                   text(duration(r.duration_seconds)), team(r.winner_team), text(r.outcome),
                   text(r.status if r.is_valid else f"{r.status} (not counted)"), num(r.players)]
                  for r in found.rounds]
        series = await state.q.session_series(start)
        weapons = await state.q.session_weapons(start)
        panels = await request.panels("session", start=start.isoformat(timespec="seconds"))
        html = (
            f"<h1>Session #{s.number} <small>{text(when(s.start))}</small></h1>"
            + cards([card("Rounds", text(s.counted_rounds), f"{s.rounds} played"),
                     card("Length", text(duration(int((s.end - s.start).total_seconds())))),
                     card("Players", text(s.players)),
                     *([card("MVP", player_link(best.guid, best.name), f"{best.dpm:.1f} DPM, K/D {best.kd:.2f}")]
                       if best else []),
                     card("Maps", text(len(s.maps)), text(", ".join(s.maps)))])
            + panels
            + "<h2>Players</h2>"
            + table(["Player", ("Rounds", True), ("Kills", True), ("Deaths", True), ("K/D", True), ("DPM", True),
                     ("Damage", True), ("Taken", True), ("Acc %", True), ("HS kills", True), ("Revives", True),
                     ("Gibs", True), ("Time", True)], players)
            + "<h2>Charts</h2>" + _charts(series, found.players)
            + '<section class="panel"><h3>Kills by weapon</h3>'
            + weapon_bars(weapons, 10)
            + "</section><h2>Rounds</h2>"
            + table(["Round", "Time", "Length", "Winner", "Outcome", "Status", ("Players", True)], rounds,
                    sortable=False))
        return Page(f"Session #{s.number}", html)

    return handler
