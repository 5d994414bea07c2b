"""The start page: the latest session, the top players, the state of the pipeline."""

from __future__ import annotations

from typing import Any

from slomix.kernel import Page, Request

from ..commands.common import State
from ..matches import session_matches
from ..queries import Leaderboard
from .html import card, cards, link, num, player_link, session_href, shown, table, text, when
from .sessions import match_block, mvp_card, players_by_team

TOP = ("kills", "dpm", "kd")


def _board(board: Leaderboard) -> str:
    rows = [[num(r.rank), player_link(r.guid, r.name), shown(r.display, r.value)] for r in board.rows]
    more = link(f"/leaderboards?category={board.category}", "Full leaderboard →")
    return (f'<section class="panel"><h3>{text(board.title)}</h3>'
            f"{table([('#', True), 'Player', ('Value', True)], rows, sortable=False)}<p>{more}</p></section>")


def _status(health: dict[str, Any]) -> str:
    stats = next((p.get("detail") or {} for p in health["plugins"] if p["name"] == "stats"), {})
    loaded = [p for p in health["plugins"] if p["status"] in ("loaded", "active")]
    running = sum(bool(p.get("declares")) for p in loaded)
    idle = [p["name"] for p in loaded if not p.get("declares")]  # loaded, but they do nothing
    failed = [p["name"] for p in health["plugins"] if p["status"] == "failed"]
    state = "good" if health["status"] == "ok" else "bad"
    return cards([
        card("Status", f'<span class="tag {state}">{text(health["status"])}</span>',
             f"database {text(health['database']['status'])}, {running} plugin{'' if running == 1 else 's'} running"
             + (f", declaring nothing: {text(', '.join(idle))}" if idle else "")
             + (f", failed: {text(', '.join(failed))}" if failed else "")),
        card("Rounds", text(f"{stats.get('rounds', 0):,}"), f"latest {text(stats.get('latest_round') or '—')}"),
        card("Waiting", text(stats.get("held", 0)), "R2 files held for their R1"),
        card("Quarantined", text(stats.get("quarantined", 0)), "files refused, with a reason"),
    ])


def page(state: State):
    async def handler(request: Request) -> Page:
        q = state.q
        latest = await q.sessions(limit=1)
        parts = ['<h1>Slomix</h1><form class="search" action="/players" method="get" role="search">'
                 '<input type="search" name="q" placeholder="Find a player" aria-label="Player name" maxlength=64>'
                 '<button type="submit">Search</button></form>']
        if latest:
            detail = await q.session(latest[0].start)
            summary = detail.summary if detail else latest[0]
            results = await session_matches(request.kernel, summary.start)
            parts.append(f"<h2>Latest session <small>{text(when(summary.start))}</small></h2>")
            parts.extend(match_block(m, heading="h3") for m in results)
            parts.append(cards([
                *(mvp_card(detail.players, summary.counted_rounds) if detail else []),
                card("Session", link(session_href(summary.start), f"#{summary.number}")),
                card("Rounds", text(summary.counted_rounds), f"{summary.rounds} played"),
                card("Maps", text(len(summary.maps)), text(", ".join(summary.maps[:4]))),
                card("Players", text(summary.players)),
            ]))
            if detail and detail.players:
                parts.append(players_by_team(detail.players, results, compact=True))
        else:
            parts.append('<p class="muted">No rounds yet: import the game server\'s files with '
                         "<code>slomix import</code>.</p>")
        boards = [b for b in [await q.leaderboard(name, per_page=5) for name in TOP] if b and b.rows]
        if boards:
            parts.append('<h2>Top players</h2><div class="boards">' + "".join(_board(b) for b in boards) + "</div>")
        parts.append(await request.panels("home"))  # other plugins' cards (the game servers' live status)
        parts.append("<h2>Server status</h2>" + _status(await request.kernel.health()))
        return Page("Home", "".join(parts))

    return handler
