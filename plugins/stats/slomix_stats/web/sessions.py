"""Gaming sessions: the list, and one session with its players, rounds, charts and panels."""

from __future__ import annotations

from datetime import datetime
from itertools import accumulate

from slomix.kernel import Page, Request

from ..api import MatchTeam, SessionMatch
from ..awards import MVP_RULE, mvp
from ..commands.common import State
from ..matches import attack, attacker, by_team, scored, session_matches, sessions_matches, verdict
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


def team_name(team: MatchTeam | None, index: int | None = None) -> str:
    """A team's name in its colour: the community's colour as a swatch (the page's CSP allows no
    inline style), the A/B palette class otherwise."""
    if team is None:
        return "—"
    swatch = (f'<svg class="swatch" width="10" height="10" aria-hidden="true"><rect width="10" height="10" rx="2" '
              f'fill="#{team.colour:06x}"/></svg> ' if team.colour is not None else "")
    cls = f' class="team-{"ab"[index]}"' if index is not None else ""
    return f"{swatch}<strong{cls}>{text(team.name)}</strong>"


def match_block(match: SessionMatch, *, heading: str = "h2") -> str:
    """One match as a player reads it: the teams and the score, the winner, the lineups, and each
    map with both attack times, who attacked and the points (linked to its rounds)."""
    a, b = match.teams
    which = f"Match {match.number} of {match.of} · " if match.of > 1 else ""
    title = (f'<{heading} class="match-score">{team_name(a, 0)} <span class="score">{text(match.score)}</span> '
             f"{team_name(b, 1)}</{heading}>"
             f'<p class="verdict">{which}<strong>{text(verdict(match))}</strong> · {text(match.format)} · '
             f"{text(when(match.start))}–{text(match.end.strftime('%H:%M'))}</p>")
    lineups = "".join(f"<li>{team_name(t, i)}: {', '.join(text(n) for n in t.players) or '—'}</li>"
                      for i, t in enumerate(match.teams))
    rows = []
    for m in match.maps:
        r1 = link(round_href(m.r1_round_id), attack(m, 1))
        r2 = link(round_href(m.r2_round_id), attack(m, 2)) if m.r2_round_id else text(attack(m, 2))
        first, second = attacker(match, m, 1), attacker(match, m, 2)
        # The points right after the map: on a phone they are what shows before the table scrolls.
        rows.append([text(m.map_name), num(m.points[0]), num(m.points[1]),
                     f"{r1} <small class=muted>{text(first.name if first else '')}</small>",
                     f"{r2} <small class=muted>{text(second.name if second else '')}</small>", text(m.description)])
    maps = table(["Map", (a.name, True), (b.name, True), "R1 attack", "R2 attack", "How"], rows, sortable=False)
    # The rule under the table, not as its caption: a caption scrolls away with a wide table on a phone.
    return (f'<section class="match">{title}<ul class="plain lineups">{lineups}</ul>{maps}'
            f'<p class="muted rule">{text(match.rule)}</p></section>')


def mvp_card(players: list[SessionPlayer], counted_rounds: int) -> list[str]:
    best = mvp(players, counted_rounds)
    if best is None:
        return []
    return [card("MVP", player_link(best.guid, best.name), f"{best.dpm:.1f} DPM, K/D {best.kd:.2f}"
                 f'<br><span class="muted">{text(MVP_RULE)}</span>')]


def listing(state: State):
    async def handler(request: Request) -> Page:
        month = request.query.month
        found = await state.q.sessions(month=month, limit=100)
        rows = []
        scored_by = await sessions_matches(request.kernel, [s.start for s in found])
        for s in found:
            results = scored_by.get(s.start, [])
            rows.append([link(session_href(s.start), f"#{s.number}"), text(when(s.start)),
                         "<br>".join(_result_line(m) for m in results) or '<span class="muted">—</span>',
                         text(duration(int((s.end - s.start).total_seconds()))), num(s.counted_rounds),
                         num(s.players), text(", ".join(s.maps))])
        title = f"Sessions of {month}" if month else "Sessions"
        form = ('<form class="search" method="get" action="/sessions"><input type="month" name="month" '
                f'aria-label="Month" value="{text(month or "")}"><button type="submit">Show</button>'
                + (' <a class="button" href="/sessions">All</a>' if month else "") + "</form>")
        body = table(["Session", "Started", "Result", "Length", ("Rounds", True), ("Players", True), "Maps"], rows)
        return Page(title, f"<h1>{text(title)}</h1>{form}{body}")

    return handler


def _result_line(match: SessionMatch) -> str:
    a, b = match.teams
    if not scored(match):
        return f'<span class="muted">{text(verdict(match))}</span>'
    return f"{team_name(a, 0)} {text(match.score)} {team_name(b, 1)}"


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


PLAYER_COLUMNS = ["Player", ("Rounds", True), ("Kills", True), ("Deaths", True), ("K/D", True), ("DPM", True),
                  ("Damage", True), ("Taken", True), ("Acc %", True), ("HS kills", True), ("Revives", True),
                  ("Gibs", True), ("Time", True)]


def _player_row(p: SessionPlayer) -> list:
    return [player_link(p.guid, p.name), num(p.rounds), num(p.kills), num(p.deaths), num(p.kd, 2), num(p.dpm, 1),
            num(p.damage_given), num(p.damage_received), num(p.accuracy, 1), num(p.headshot_kills),
            num(p.revives_given), num(p.gibs), text(duration(p.seconds))]


COMPACT_COLUMNS = ["Player", ("Kills", True), ("Deaths", True), ("K/D", True), ("DPM", True)]


def _compact_row(p: SessionPlayer) -> list:
    return [player_link(p.guid, p.name), num(p.kills), num(p.deaths), num(p.kd, 2), num(p.dpm, 1)]


def players_by_team(players: list[SessionPlayer], matches: list[SessionMatch], *, compact: bool = False) -> str:
    """The session's players, one table per team (the lineups of the matches), then the rest;
    ``compact``: the home page's few columns."""
    columns, row = (COMPACT_COLUMNS, _compact_row) if compact else (PLAYER_COLUMNS, _player_row)
    indexes = {id(t): i for m in matches for i, t in enumerate(m.teams)}
    parts = []
    for group, members in by_team(players, matches):
        if matches:  # without teams, one table needs no heading
            label = team_name(group, indexes[id(group)]) if group else "Not in a team"
            parts.append(f'<h3 class="team-table">{label}</h3>')
        parts.append(table(columns, [row(p) for p in members]))
    return "".join(parts)


def detail(state: State):
    async def handler(request: Request) -> Page:
        start = _start(request.path_params["start"])
        found = await state.q.session(start)
        if found is None:
            raise LookupError(f"no session started at {start.isoformat(sep=' ')}")
        s = found.summary
        results = await session_matches(request.kernel, s.start)
        rounds = [[link(round_href(r.id), f"{r.map} R{r.round_number}"), text(when(r.round_time)),
                   text(duration(r.duration_seconds)), team(r.winner_team), text(r.outcome),
                   text(r.status if r.is_valid else f"{r.status} (not counted)"), num(r.players)]
                  for r in found.rounds]
        series = await state.q.session_series(start)
        weapons = await state.q.session_weapons(start)
        panels = await request.panels("session", start=start.isoformat(timespec="seconds"))
        html = (
            f"<h1>Session #{s.number} <small>{text(when(s.start))}</small></h1>"
            + "".join(match_block(m) for m in results)
            + cards([*mvp_card(found.players, s.counted_rounds),
                     card("Rounds", text(s.counted_rounds), f"{s.rounds} played"),
                     card("Length", text(duration(int((s.end - s.start).total_seconds())))),
                     card("Players", text(s.players)),
                     card("Maps", text(len(s.maps)), text(", ".join(s.maps)))])
            + panels
            + "<h2>Players</h2>" + players_by_team(found.players, results)
            + "<h2>Charts</h2>" + _charts(series, found.players)
            + '<section class="panel"><h3>Kills by weapon</h3>'
            + weapon_bars(weapons, 10)
            + "</section><h2>Rounds</h2>"
            + table(["Round", "Time", "Length", "Winner", "Outcome", "Status", ("Players", True)], rounds,
                    sortable=False))
        return Page(f"Session #{s.number}", html)

    return handler
