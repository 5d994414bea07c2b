"""The greatshot pages: demos (with the upload form), a demo (kill timeline, players, highlights
with clip, video and preview, jobs with progress), community topshots, and a round's demos."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Annotated, Any

import msgspec

from slomix.kernel import NotFound, Page, Request, Response, Route

from . import queries
from .describe import KIND_NAMES, clock
from .render.frames import ALLIES, AXIS
from .service import Greatshot

SCRIPT = Path(__file__).parent / "static" / "upload.js"
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class TopshotsQuery(msgspec.Struct, forbid_unknown_fields=True):
    map: Text | None = None
    days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None


def _e(value: Any) -> str:
    return escape(str(value))


def _num(value: Any) -> str:
    return f'<td class="num">{_e(value)}</td>'


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], empty: str) -> str:
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if numeric else f"<th>{_e(h)}</th>" for h, numeric in headers)
    return (f'<div class="scroll"><table class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def _card(label: str, value: str) -> str:
    """A figure with its label (the site's card); ``value`` is trusted HTML."""
    return f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{value}</div></div>'


def _demo_link(demo_id: int, label: str) -> str:
    return f'<a href="/greatshot/demos/{demo_id}">{_e(label)}</a>'


def _rgb(colour: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in colour)


def timeline(kills: Sequence[queries.KillLine], start: int, end: int, width: int = 800) -> str:
    """The kills as an SVG strip: one tick per kill at its time, coloured by the killer's team,
    tall for a headshot; presentation attributes only (the site's CSP allows no style)."""
    span = max(1, end - start)
    ticks = []
    for k in kills:
        x = round(10 + (width - 20) * (k.time_ms - start) / span, 1)
        colour = _rgb(AXIS if k.attacker_team == "axis" else ALLIES if k.attacker_team == "allies" else (150,) * 3)
        top = 6 if k.headshot else 16
        title = f"{clock(k.time_ms, start)} {k.attacker_name} [{k.weapon}] {k.victim_name}"
        ticks.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="44" stroke="{colour}" stroke-width="2">'
                     f"<title>{_e(title)}</title></line>")
    minutes = range(0, span // 60000 + 1)
    labels = "".join(f'<text x="{round(10 + (width - 20) * m * 60000 / span, 1)}" y="58" font-size="10" '
                     f'fill="currentColor">{m}:00</text>' for m in minutes)
    return (f'<svg class="chart" viewBox="0 0 {width} 62" width="100%" role="img" '
            f'aria-label="kill timeline, {len(kills)} kills"><line x1="10" y1="44" x2="{width - 10}" y2="44" '
            f'stroke="currentColor" stroke-width="1"/>{"".join(ticks)}{labels}</svg>')


def build(get: Callable[[], Greatshot]) -> list[Route]:
    async def demos_page(request: Request) -> Page:
        service = get()
        found = await queries.demos(service.db, limit=100)
        rows = [[f"<td>{_demo_link(d.id, str(d.id))}</td>", f"<td>{_demo_link(d.id, d.filename)}</td>",
                 f"<td>{_e(d.map_name or '?')}</td>", f"<td>{_e(d.status)}</td>", _num(d.kill_count or 0),
                 _num(d.highlights),
                 f"<td>{_round(d)}</td>"] for d in found]
        limit = service.settings.max_upload_bytes // (1024 * 1024)
        form = ('<form id="greatshot-upload" action="/api/greatshot/demos" method="post" '
                'enctype="multipart/form-data">'
                f'<label>Demos (.dm_84, .tv_84; up to {service.settings.max_files_per_request} files, {limit} MB each) '
                '<input type="file" name="demo" accept=".dm_84,.tv_84" multiple required></label> '
                '<button class="button" type="submit">Upload</button></form><p id="greatshot-upload-result" '
                'class="muted" aria-live="polite"></p><script src="/greatshot/upload.js" defer></script>')
        html = ["<h1>Demos</h1>", "<p>Upload a demo (signed in) and Greatshot finds its highlights, cuts each to "
                "a clip and draws it top-down.</p>", form,
                _table([("#", True), ("File", False), ("Map", False), ("Status", False), ("Kills", True),
                        ("Highlights", True), ("Stats round", False)], rows, "No demo stored yet.")]
        return Page("Demos", "".join(html))

    async def demo_page(request: Request) -> Page:
        service = get()
        text = request.path_params["demo_id"]
        found = await queries.detail(service.db, int(text)) if text.isdigit() and len(text) < 18 else None
        if found is None:
            raise NotFound(f"no demo {text}")
        d = found.demo
        start = found.start_ms or 0
        html = [f"<h1>{_e(d.filename)} <small>{_e(d.map_name or 'unknown map')}</small></h1>",
                '<div class="cards">' + "".join(
                    _card(label, value) for label, value in (
                        ("Status", _e(d.status)), ("Kills", _e(d.kill_count or 0)),
                        ("Headshots", _e(d.headshot_count or 0)), ("Highlights", _e(d.highlights)),
                        ("Stats round", _round(d)))) + "</div>"]
        if d.error:
            html.append(f'<p class="error">{_e(d.error)}</p>')
        active = [j for j in found.jobs if j.status in ("queued", "running", "failed")]
        if active:
            html.append("<h2>Jobs</h2>" + _table(
                [("Job", True), ("Stage", False), ("Status", False), ("Progress", False), ("Now", False)],
                [[_num(j.id), f"<td>{_e(j.stage)}</td>", f"<td>{_e(j.status)}</td>",
                  f'<td><progress max="100" value="{j.progress or 0:.0f}">{j.progress or 0:.0f} %</progress></td>',
                  f"<td>{_e(j.error or j.message or '')}</td>"] for j in active], ""))
        if found.end_ms:
            html.append("<h2>Kill timeline</h2>" + timeline(found.kills, start, found.end_ms))
        html.append("<h2>Players</h2>" + _table(
            [("Player", False), ("Team", False), ("Kills", True), ("Deaths", True), ("HS %", True),
             ("Stats kills", True)],
            [[f"<td>{_e(p.name)}</td>", f"<td>{_e(p.team)}</td>", _num(p.kills), _num(p.deaths),
              _num(p.headshot_percent), _num("—" if p.stats_kills is None else p.stats_kills)]
             for p in found.players if p.team in ("axis", "allies")], "No players (not analysed yet)."))
        html.append("<h2>Highlights</h2>")
        if not found.highlights:
            html.append('<p class="muted">No highlight found (yet).</p>')
        for h in found.highlights:
            base = f"/api/greatshot/highlights/{h.id}"
            parts = [f"<h3>{_e(KIND_NAMES.get(h.kind, h.kind))}: {_e(h.player)} <small>{h.kills} "
                     f"kill{'s' if h.kills != 1 else ''}, "
                     f"{h.headshots} HS, at {clock(h.start_ms, start)}, score {h.score:.0f}</small></h3>",
                     f"<p>{_e(', '.join(h.detail.get('victims', [])))}</p>"]
            if h.video_path:
                poster = f' poster="{base}/preview"' if h.preview_path else ""
                parts.append(f'<video controls preload="none" width="320" height="320"{poster} src="{base}/video">'
                             "</video>")
            links = [f'<a href="{base}/clip">clip (.dm_84)</a>'] if h.clip_path else []
            if h.preview_path:
                links.append(f'<a href="{base}/preview">preview (WebP)</a>')
            if h.game_video_path:
                links.append(f'<a href="{base}/game-video">game render (MP4)</a>')
            parts.append(f"<p>{' · '.join(links) or '<span class=muted>clip not cut yet</span>'}</p>")
            html.append(f'<div class="panel">{"".join(parts)}</div>')
        if found.link_candidates and d.link_state != "auto":
            html.append("<h2>Stats round candidates</h2>" + _table(
                [("Round", True), ("Map", False), ("Time", False), ("Confidence", True), ("Why", False)],
                [[_num(c["round_id"]), f"<td>{_e(c['map'])}</td>", f"<td>{_e(c['round_time'])}</td>",
                  _num(c["confidence"]), f"<td>{_e('; '.join(c['why']))}</td>"] for c in found.link_candidates], ""))
        return Page(f"Demo {d.id}", "".join(html))

    async def topshots_page(request: Request) -> Page:
        service = get()
        q = request.query
        since = datetime.now(UTC) - timedelta(days=q.days) if q.days else None
        html = ["<h1>Topshots</h1><p>The best moments of every demo anyone uploaded"
                + (f" on {_e(q.map)}" if q.map else "") + (f" in the last {q.days} days" if q.days else "") + ".</p>"]
        for category, label, unit in (("multikills", "Multi-kills", "Kills"), ("sprees", "Sprees", "Kills"),
                                      ("clutches", "Clutches", "Kills"),
                                      ("headshots", "Headshot % (at least 10 kills)", "HS %"),
                                      ("kills", "Most kills", "Kills")):
            found = await queries.topshots(service.db, category, map_name=q.map, since=since)
            rows = [[_num(t.rank), f"<td>{_e(t.player)}</td>", _num(int(t.value) if t.value.is_integer() else t.value),
                     f"<td>{_demo_link(t.demo_id, t.map_name or str(t.demo_id))}</td>" if t.demo_id
                     else _num(t.demos)] for t in found]
            last = ("Demo", False) if category in ("multikills", "sprees", "clutches") else ("Demos", True)
            html.append(f"<h2>{label}</h2>" + _table([("#", True), ("Player", False), (unit, True), last], rows,
                                                     "Nothing yet."))
        return Page("Topshots", "".join(html))

    async def round_panel(request: Request) -> str:
        text = request.path_params["round_id"]
        found = await queries.demos_of_round(get().db, int(text)) if text.isdigit() and len(text) < 18 else []
        if not found:
            return ""
        items = []
        for d in found:
            best = await queries.highlights(get().db, demo_id=d.id, limit=3)
            clips = "".join(f'<li>{_e(KIND_NAMES.get(h.kind, h.kind))}: {_e(h.player)}'
                            + (f' · <a href="/api/greatshot/highlights/{h.id}/clip">clip</a>' if h.clip_path else "")
                            + (f' · <a href="/api/greatshot/highlights/{h.id}/video">video</a>' if h.video_path else "")
                            + "</li>" for h in best)
            items.append(f"<li>{_demo_link(d.id, d.filename)} ({d.kill_count or 0} kills)<ul>{clips}</ul></li>")
        return f'<div class="panel"><h2>Demo</h2><ul>{"".join(items)}</ul></div>'

    async def script(request: Request) -> Response:
        return Response(SCRIPT.read_text(), content_type="text/javascript; charset=utf-8",
                        headers={"cache-control": "public, max-age=3600"})

    return [
        Route("GET", "/greatshot", demos_page, kind="page", nav="Demos", nav_order=60),
        Route("GET", "/greatshot/demos/{demo_id}", demo_page, kind="page"),
        Route("GET", "/topshots", topshots_page, kind="page", nav="Topshots", nav_order=61,
              query_type=TopshotsQuery),
        Route("GET", "/greatshot/panels/rounds/{round_id}", round_panel, kind="page", tags=("panel:round",)),
        Route("GET", "/greatshot/upload.js", script, kind="asset"),
    ]


def _round(d: queries.DemoLine) -> str:
    if d.round_id is None:
        return _e({"candidates": "to confirm", "none": "none found"}.get(d.link_state or "", "—"))
    return f'<a href="/rounds/{d.round_id}">{d.round_id}</a> ({_e(d.link_state)}, {d.link_confidence or 0:.0f} %)'
