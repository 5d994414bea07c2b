"""Players: search and list, and a player's profile."""

from __future__ import annotations

import math

from slomix.kernel import Page, Request

from .. import achievements
from ..commands.common import State
from ..formatting import won_lost
from ..queries import MAIN_RANKS, MIN_ROUNDS_TOGETHER
from .html import (
    card,
    cards,
    duration,
    link,
    num,
    pager,
    player_link,
    session_href,
    shown,
    table,
    text,
    weapon_bars,
    weapon_name,
    when,
)
from .svg import Series, legend, line_chart

PER_PAGE = 25


def listing(state: State):
    async def handler(request: Request) -> Page:
        q, page = request.query.q.strip(), request.query.page
        found, total = await state.q.players(q, page=page, per_page=PER_PAGE)
        rows = [[player_link(p.guid, p.name), num(p.rounds), text(when(p.last_seen)), f"<code>{text(p.guid)}</code>"]
                for p in found]
        form = ('<form class="search" method="get" action="/players" role="search">'
                f'<input type="search" name="q" value="{text(q)}" placeholder="Name" aria-label="Player name" '
                'maxlength=64><button type="submit">Search</button></form>')
        heading = f"Players matching “{text(q)}”" if q else "Players"
        return Page("Players", f"<h1>{heading} <small>{total:,}</small></h1>{form}"
                    + table(["Player", ("Rounds", True), "Last seen", "GUID"], rows)
                    + pager("/players", page, max(1, math.ceil(total / PER_PAGE)), q=q))

    return handler


def _achievements(kills: int, deaths: int, rounds: int) -> str:
    reached = achievements.milestones(kills, deaths, rounds)
    upcoming = achievements.next_milestones(kills, deaths, rounds)
    badges = "".join(f'<span class="chip badge">{text(m.label)}</span>' for m in reached)
    nxt = "".join(f"<li>{text(m)}</li>" for m in upcoming)
    return ('<section class="panel"><h3>Achievements</h3>'
            + (f'<div class="chips">{badges}</div>' if badges else '<p class="muted">None yet.</p>')
            + (f"<p class=muted>Next:</p><ul>{nxt}</ul>" if nxt else "") + "</section>")


def _ranks(found) -> str:
    """``#1 of 10 DPM 309.3`` for the main boards the player is on (a zero figure places nobody: everyone
    ties there); the other boards in a table below the figures."""
    ranks = {r.category: r for r in found.ranks if r.value}
    chips = "".join(
        f'<a class="chip" href="/leaderboards?category={text(r.category)}">'
        f"<strong>#{r.rank}</strong> of {r.of} {text(label)} {text(r.display)}</a>"
        for name, label in MAIN_RANKS.items() if (r := ranks.get(name)))
    return f'<div class="chips ranks" aria-label="Leaderboard places">{chips}</div>' if chips else ""


def _other_ranks(found) -> str:
    rows = [[link(f"/leaderboards?category={r.category}", r.title), text(f"#{r.rank} of {r.of}"),
             shown(r.display, r.value)] for r in found.ranks if r.value and r.category not in MAIN_RANKS]
    return ("<h2>On the other boards</h2>" + table(["Board", "Place", ("Figure", True)], rows, sortable=False)
            if rows else "")


def _versus(found) -> str:
    if found.versus_note:
        return f'<p class="muted">{text(found.versus_note)}</p>'

    def rows(opponents):
        return [[player_link(o.guid, o.name), num(o.deaths), num(o.kills), num(o.rounds)] for o in opponents]

    name = text(found.totals.name)
    head = ["Opponent", (f"Killed {found.totals.name}", True), (f"Killed by {found.totals.name}", True),
            ("Rounds met", True)]
    return (f'<div class="grid-2"><section class="panel"><h3>Who killed {name} most</h3>'
            + table(head, rows(found.killed_by), sortable=False)
            + f'</section><section class="panel"><h3>Whom {name} killed most</h3>'
            + table(head, rows(found.killed), sortable=False) + "</section></div>")


def profile(state: State):
    async def handler(request: Request) -> Page:
        guid = request.path_params["guid"].upper()
        found = await state.q.player(guid)
        if found is None:
            raise LookupError(f"no player with GUID {guid}")
        t = found.totals
        decided = found.wins + found.losses
        figures = cards([
            card("Rounds", text(f"{t.rounds:,}"), f"{text(duration(t.seconds))} played"),
            card("Rounds won–lost", text(f"{found.wins}–{found.losses}"),
                 (f"{found.wins * 100 / decided:.0f} % of decided rounds · " if decided else "")
                 + f"{found.sessions_played} session{'s' * (found.sessions_played != 1)}"),
            card("K/D", text(f"{t.kd:.2f}"), f"{t.kills:,} kills, {t.deaths:,} deaths"),
            card("DPM", text(f"{t.dpm:.1f}"), f"{t.damage_given:,} damage"),
            card("Accuracy", text(f"{t.accuracy:.1f} %"), f"head hits {t.headshot_accuracy:.1f} %"),
            card("Headshot kills", text(f"{t.headshot_kills:,}"), f"{t.headshot_kill_rate:.1f} % of kills"),
            card("Revives", text(f"{t.revives_given:,}"), f"revived {t.times_revived:,} times"),
            card("Gibs", text(f"{t.gibs:,}"), f"best spree {t.best_spree}"),
            # One figure for what its line below lists (it read 0 above "34 planted, 3 defused").
            card("Objective play", text(f"{t.dynamites_planted + t.dynamites_defused + t.objectives:,}"),
                 f"{t.dynamites_planted} dynamites planted, {t.dynamites_defused} defused, "
                 f"{t.objectives} objectives taken or returned"),
        ])
        # Oldest first, each session named by its number (as its page is).
        points = list(enumerate(reversed(found.sessions), start=1))
        labels = {i: f"#{f.number}" for i, f in points}
        form_chart = line_chart([Series("DPM", [(i, f.dpm) for i, f in points])],
                                title="DPM over the last sessions", x_labels=labels)
        results_chart = line_chart(
            [Series("Won", [(i, f.wins) for i, f in points]), Series("Lost", [(i, f.losses) for i, f in points])],
            title="Rounds won and lost over the last sessions", x_labels=labels)
        maps = [[text(m.map), num(m.rounds), text(won_lost(m.wins, m.losses)), num(m.kills), num(m.deaths),
                 num(m.kd, 2), num(m.dpm, 1)] for m in found.maps]
        favourites = "".join(f'<span class="chip">{text(m.map)} <small>{m.rounds} rounds</small></span>'
                             for m in found.maps[:3])
        sessions = [[f'<a href="{session_href(f.start)}">#{f.number} · {text(f.start.strftime("%Y-%m-%d"))}</a>',
                     num(f.rounds), text(won_lost(f.wins, f.losses)), num(f.kd, 2), num(f.dpm, 1),
                     text(", ".join(f.maps))] for f in found.sessions]
        mates = [[player_link(m.guid, m.name), num(m.rounds), text(won_lost(m.wins, m.losses))]
                 for m in found.teammates]
        weapons = [[text(weapon_name(w.weapon)), num(w.kills), num(w.deaths), num(w.hits), num(w.shots),
                    text("—") if w.accuracy is None else num(w.accuracy, 1), num(w.headshots)] for w in found.weapons]
        # Since the first round under any name, counted or not: the aliases' dates say the same.
        since = min((a.first_seen for a in found.aliases), default=t.first_seen)
        aliases = [[text(a.alias), text(when(a.first_seen)), text(when(a.last_seen))] for a in found.aliases]
        html = (
            f"<h1>{text(t.name)} <small><code>{text(t.guid)}</code></small></h1>"
            f'<p class="muted">Playing since {text(when(since))}, last seen {text(when(t.last_seen))}</p>'
            + _ranks(found) + figures
            + f"<h2>Form: the last sessions <small>{found.sessions_played} played</small></h2>"
            + table(["Session", ("Rounds", True), "Won–lost", ("K/D", True), ("DPM", True), "Maps"], sessions,
                    sortable=False)
            + '<div class="grid-2"><section class="panel"><h3>DPM per session</h3>'
            + form_chart + '</section><section class="panel"><h3>Rounds won and lost per session</h3>'
            + results_chart + legend(["Won", "Lost"]) + "</section></div>"
            + "<h2>Per map</h2>"
            + (f'<p class="chips favourites">Favourite maps: {favourites}</p>' if favourites else "")
            + table(["Map", ("Rounds", True), "Won–lost", ("Kills", True), ("Deaths", True), ("K/D", True),
                     ("DPM", True)], maps)
            + f"<h2>Teammates they win most with <small>{MIN_ROUNDS_TOGETHER}+ rounds together</small></h2>"
            + table(["Teammate", ("Rounds", True), "Won–lost together"], mates, sortable=False)
            + "<h2>Opponents</h2>" + _versus(found)
            + _other_ranks(found)
            + "<h2>Weapons</h2>"
            + weapon_bars(found.weapons, 8)
            + table(["Weapon", ("Kills", True), ("Deaths", True), ("Hits", True), ("Shots", True), ("Acc %", True),
                     ("Head hits", True)], weapons)
            + '<div class="grid-2"><section class="panel"><h3>Aliases</h3>'
            + table(["Name", "First seen", "Last seen"], aliases, sortable=False) + "</section>"
            + _achievements(t.kills, t.deaths, t.rounds) + "</div>")
        return Page(t.name, html)

    return handler
