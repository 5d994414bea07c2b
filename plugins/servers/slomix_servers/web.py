"""Pages: the Servers page (a live card per server and its player-count chart), the home page's
live card, and the RCON audit log on the admin page. Every value passes through ``escape``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from slomix.kernel import Page, Request, Route, Tier

from .commands import TEAM_ORDER, team_name
from .service import AuditLine, Live, Sample, Servers

CHART_HOURS = 24
_W, _H, _PAD = 640, 160, 28


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _card(label: str, value: str, sub: str = "") -> str:
    extra = f'<div class="sub">{escape(sub)}</div>' if sub else ""
    # A long map name (etl_adlernest) would run out of its card at the card's big type.
    size = "value long" if len(value) > 10 else "value"
    return (f'<div class="card"><div class="label">{escape(label)}</div>'
            f'<div class="{size}">{escape(value)}</div>{extra}</div>')


def _state(live: Live) -> str:
    return ('<span class="tag good">online</span>' if live.online
            else f'<span class="tag bad">offline</span> <span class="muted">{escape(live.error or "")}</span>')


def _teams(live: Live) -> str:
    """One table per team, best score first."""
    teams: dict[str, list] = {}
    for p in sorted(live.players, key=lambda p: -p.score):
        teams.setdefault(p.team, []).append(p)
    parts = []
    for team in sorted(teams, key=lambda t: TEAM_ORDER.get(t, 9)):
        rows = [[p.name + (" (bot)" if p.bot else ""), p.score, p.ping] for p in teams[team]]
        total = sum(p.score for p in teams[team])
        parts.append(f'<section class="panel"><h3 class="{escape(team)}">{escape(team_name(team))} '
                     f'<small>{len(rows)} · {total} XP</small></h3>'
                     + _table(["Player", "Score", "Ping"], rows, "") + "</section>")
    return f'<div class="boards">{"".join(parts)}</div>' if parts else '<p class="muted">Nobody is on.</p>'


def chart(samples: list[Sample], max_clients: int, gap_seconds: float) -> str:
    """Players over the last hours as an SVG line (humans dashed); offline samples, and no sample for
    longer than ``gap_seconds`` (Slomix was not running), break the line."""
    if len(samples) < 2:
        return '<p class="muted">Not enough samples yet for a chart (one per poll).</p>'
    t0, t1 = samples[0].at.timestamp(), samples[-1].at.timestamp()
    top = max(max_clients, max(s.players for s in samples), 1)

    def xy(s: Sample, value: int) -> str:
        x = _PAD + (s.at.timestamp() - t0) / max(t1 - t0, 1) * (_W - 2 * _PAD)
        return f"{x:.1f},{_H - _PAD - value / top * (_H - 2 * _PAD):.1f}"

    def lines(value: Callable[[Sample], int], style: str) -> str:
        runs, run, previous = [], [], None
        for s in samples:
            if previous is not None and (s.at - previous).total_seconds() > gap_seconds and run:
                runs.append(run)
                run = []
            previous = s.at
            if s.online:
                run.append(xy(s, value(s)))
            elif run:
                runs.append(run)
                run = []
        runs.append(run)
        # A lone sample (Slomix ran briefly) is a dot: a one-point line would draw nothing.
        return "".join(f'<polyline fill="none" stroke="currentColor" {style} points="{" ".join(r)}"/>' if len(r) > 1
                       else '<circle r="2" fill="currentColor" cx="{}" cy="{}"/>'.format(*r[0].split(","))
                       for r in runs if r)

    peak = max(s.players for s in samples)
    first, last = (escape(s.at.strftime("%H:%M")) for s in (samples[0], samples[-1]))
    return (f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" width="100%" '
            f'aria-label="players over the last {CHART_HOURS} hours, peak {peak}">'
            f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="currentColor" '
            f'stroke-opacity="0.3"/>'
            f'<text x="2" y="{_PAD}" font-size="11" fill="currentColor">{top}</text>'
            f'<text x="2" y="{_H - _PAD}" font-size="11" fill="currentColor">0</text>'
            f'<text x="{_PAD}" y="{_H - 6}" font-size="11" fill="currentColor">{first}</text>'
            f'<text x="{_W - _PAD}" y="{_H - 6}" font-size="11" fill="currentColor" text-anchor="end">'
            f'{last}</text>'
            + lines(lambda s: s.players, 'stroke-width="2"')
            + lines(lambda s: s.humans, 'stroke-width="1.5" stroke-dasharray="4 3" stroke-opacity="0.7"')
            + "</svg>")


def live_card(live: Live) -> str:
    """A server's card: name, state, map, gametype, players."""
    players = f"{len(live.players)}/{live.max_clients}" if live.online else "—"
    return (f'<h2>{escape(live.hostname or live.server)} <small>{escape(live.server)} · {escape(live.address)}</small> '
            f"{_state(live)}</h2>"
            + '<div class="cards">' + _card("Map", live.map or "—") + _card("Gametype", live.gametype or "—")
            + _card("Players", players, f"{live.humans} human" if live.online else "")
            + _card("Seen (UTC)", _when(live.at)[11:16] if live.at else "never", _when(live.at)[:10] if live.at else "")
            + "</div>")


def _reply(text: str) -> str:
    """The first line, and the whole reply folded under it."""
    text = text.strip()
    if not text:
        return '<span class="muted">(no output)</span>'
    first = text.splitlines()[0]
    if text == first:
        return escape(first)
    return f"<details><summary>{escape(first[:80])}</summary><pre>{escape(text[:4000])}</pre></details>"


def audit_table(lines: list[AuditLine]) -> str:
    if not lines:
        return '<p class="muted">No RCON call or SSH action yet.</p>'
    head = "".join(f"<th>{h}</th>" for h in ("When", "Server", "Who", "Via", "Command", "Result", "Reply"))
    rows = "".join(
        f"<tr><td>{escape(_when(a.at))}</td><td>{escape(a.server)}</td>"
        f"<td>{escape(a.actor_name)} <small>{escape(a.actor_id)}</small></td><td>{escape(a.adapter)}</td>"
        f"<td><code>{escape(a.command)}</code></td>"
        f'<td><span class="tag {"good" if a.ok else "bad"}">{"ok" if a.ok else "failed"}</span></td>'
        f"<td>{_reply(a.reply)}</td></tr>" for a in lines)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def build(get: Callable[[], Servers]) -> list[Route]:
    async def servers_page(request: Request) -> Page:
        service = get()
        everything = await service.live()
        if not everything:
            return Page("Servers", '<h1>Servers</h1><p class="muted">No game server is configured: add '
                        "<code>[plugins.servers.servers.&lt;name&gt;]</code> with host and port.</p>")
        parts = ["<h1>Servers</h1>"]
        for live in everything:
            samples = await service.history(service.clients[live.server], CHART_HOURS)
            parts.append(f'<section class="server" data-server="{escape(live.server)}">' + live_card(live)
                         + (_teams(live) if live.online else "")
                         + f"<h3>Players, last {CHART_HOURS} hours <small>solid: all, dashed: humans</small></h3>"
                         + chart(samples, live.max_clients, 3 * service.settings.poll_seconds) + "</section>")
        return Page("Servers", "".join(parts))

    async def home_panel(request: Request) -> str:
        everything = await get().live()
        if not everything:
            return ""
        return "".join(live_card(live) for live in everything) + '<p><a href="/servers">Servers →</a></p>'

    async def admin_panel(request: Request) -> str:
        return "<h2>Game-server audit log <small>RCON and SSH</small></h2>" + audit_table(await get().audit(50))

    return [
        Route("GET", "/servers", servers_page, "Game servers: live status and player history", kind="page",
              nav="Servers", nav_order=60),
        Route("GET", "/servers/panels/home", home_panel, "The servers' live card on the home page", kind="page",
              tags=("panel:home",)),
        Route("GET", "/servers/panels/admin", admin_panel, "The RCON audit log on the admin page", kind="page",
              tier=Tier.ADMIN, tags=("panel:admin",)),
    ]
