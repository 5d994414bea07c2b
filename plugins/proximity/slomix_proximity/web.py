"""The proximity pages: an overview, a map, a gaming session, a player, a recorded round (with the
cross-check of a round recorded by the tracker and by a demo), and the files (admin).

Each analysis is defined on the page beside its figures. Heatmaps are PNGs drawn on the server
(embedded in the page). The stats plugin's session page gets a panel (``panel:session``) that
sums the session's telemetry up and links here; its round page one (``panel:round``) with the round's
telemetry per source and the cross-check's verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import msgspec

from slomix.kernel import NotFound, Page, Request, Route, Tier
from slomix_stats import api as stats

from . import crosscheck, queries
from .analytics import crossfire, engagements, heat, spawntiming, trades
from .analytics.cohesion import DEFINITION as COHESION
from .analytics.derive import ADVANTAGE_DEFINITION, FIRST_BLOOD_DEFINITION
from .routes import round_number
from .scope import Scope, sessions
from .service import Proximity

SOURCES = {"lua": "our tracker", "demo": "a demo"}
# What each capability lets the pages show (a round without it says "not recorded").
RECORDED = {"samples": "positions", "view": "view angles", "health": "health", "weapon": "weapons",
            "stance": "stances", "damage": "hits (engagements, crossfire)", "kills": "kills", "revives": "revives",
            "spawns": "spawns", "waves": "respawn waves (spawn timing)", "objectives": "objectives",
            "disconnects": "departures"}

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class MapQuery(msgspec.Struct, forbid_unknown_fields=True):
    session: Text | None = None
    player: Text | None = None


class PlayerQuery(msgspec.Struct, forbid_unknown_fields=True):
    map: Text | None = None


# -- building blocks (every value passes through escape here) ---------------------------------------


def _e(value: Any) -> str:
    return escape(str(value))


def _num(value: Any) -> str:
    return f'<td class="num" data-sort="{_e(value)}">{_e(value)}</td>'


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], empty: str = "Nothing recorded.") -> str:
    """Rows of ready ``<td>`` cells under headers (label, numeric)."""
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if numeric else f"<th>{_e(h)}</th>" for h, numeric in headers)
    return (f'<div class="scroll"><table class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def _cards(items: Iterable[tuple[str, Any]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div></div>'
        for label, value in items) + "</div>"


def _section(title: str, definition: str, body: str) -> str:
    return f'<section class="panel"><h2>{_e(title)}</h2><p class="muted">{_e(definition)}</p>{body}</section>'


def heatmap_src(scope: Scope, kind: str) -> str:
    """The picture's address (``/proximity/heatmap.png``, drawn on the server and cached)."""
    params = {"map": scope.map_name, "kind": kind, "player": scope.guid,
              "session": scope.session.isoformat(timespec="seconds") if scope.session else None}
    return "/proximity/heatmap.png?" + urlencode({k: v for k, v in params.items() if v})


def _a(href: str, label: str) -> str:
    return f'<a href="{_e(href)}">{_e(label)}</a>'


def _td_link(href: str, label: str) -> str:
    return f"<td>{_a(href, label)}</td>"


def map_href(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/proximity/maps/{quote(name, safe='')}" + (f"?{query}" if query else "")


def session_href(start: datetime) -> str:
    return f"/proximity/sessions/{start.isoformat(timespec='seconds')}"


def player_href(guid: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/proximity/players/{quote(guid, safe='')}" + (f"?{query}" if query else "")


def round_href(round_id: int) -> str:
    return f"/proximity/rounds/{round_id}"


def _m(value: float | None) -> str:
    return "not recorded" if value is None else f"{value:.1f}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


# -- sections shared by the pages ------------------------------------------------------------------


async def _players(service: Proximity, ids: list[int], scope: Scope) -> str:
    lines = await queries.player_lines(service.db, ids)
    sides = await queries.round_sides(service.db, ids, service.timezone)
    rows = [[_td_link(player_href(p.guid), p.name), _num(p.rounds), _num(p.kills), _num(p.deaths),
             _num(p.first_bloods), _num(_m(p.cohesion_m)), _num(_m(p.travelled_m)), _num(p.kills_up),
             _num(p.kills_even), _num(p.kills_down)] for p in lines]
    played = sides.up_ms + sides.even_ms
    figures = _cards([
        ("first blood converted", f"{sides.first_blood_converted} of {sides.first_blood_decided}"),
        ("rounds with first blood", sides.first_blood_rounds),
        ("time with a man advantage", _pct(sides.up_ms, played)),
    ])
    table = _table([("Player", False), ("Rounds", True), ("Kills", True), ("Deaths", True), ("First bloods", True),
                    ("Cohesion m", True), ("Travelled m / round", True), ("Kills up", True), ("Kills even", True),
                    ("Kills down", True)], rows)
    return (_section("First blood and man advantage", f"{FIRST_BLOOD_DEFINITION} {ADVANTAGE_DEFINITION}",
                     figures)
            + _section("Players: cohesion, movement, numbers", COHESION, table))


def _when(service: Proximity, unix: int) -> str:
    return f"{datetime.fromtimestamp(unix, ZoneInfo(service.timezone)):%Y-%m-%d %H:%M}"


async def _rounds(service: Proximity, ids: list[int], limit: int = 50) -> str:
    """The latest recorded rounds in scope, each linked to its page."""
    lines = await queries.rounds(service.db, ids[-limit:])
    rows = [[_td_link(round_href(r.id), f"{_when(service, r.end_unix)} {r.map_name} R{r.round_number}"),
             f"<td>{_e(SOURCES.get(r.source, r.source))}</td>", _num(r.players), _num(r.samples), _num(r.kills),
             f"<td>{'linked' if r.stats_round_id else 'waiting for its stats round'}</td>"] for r in reversed(lines)]
    return _section(f"Rounds recorded (latest {min(limit, len(ids))})", "Each round's telemetry: where it came from "
                    "(our tracker or a demo), what it holds, and the stats round it belongs to.",
                    _table([("Round", False), ("Source", False), ("Players", True), ("Samples", True),
                            ("Kills", True), ("Stats round", False)], rows))


def _crosscheck(check: crosscheck.CrossCheck | None, linked: bool, other: int | None) -> str:
    if check is None:
        text = ("Not linked to a stats round yet: nothing to cross-check." if not linked else
                "Its stats round was recorded by one source only: nothing to cross-check." if other is None else
                f"Recorded by the other source too ({_a(round_href(other), 'round ' + str(other))}).")
        return f'<section class="panel"><h2>Cross-check</h2><p class="muted">{text}</p></section>'
    verdict = ("The tracker and the demo agree." if check.agrees else
               "The tracker and the demo disagree: see below.")
    offset = "—" if check.clock_offset_ms is None else f"{check.clock_offset_ms / 1000:+.1f} s"
    figures = _cards([
        ("kills: tracker / demo / paired", f"{check.lua_kills} / {check.demo_kills} / {check.paired_kills}"),
        ("players: tracker / demo / paired",
         f"{check.lua_players} / {check.demo_players} / {check.paired_players}"),
        ("demo clock vs tracker", offset),
        ("median track gap", "—" if check.median_gap_m is None else f"{check.median_gap_m:.2f} m"),
        ("90th percentile gap", "—" if check.p90_gap_m is None else f"{check.p90_gap_m:.2f} m")])
    lonely = [[f'<td class="num" data-sort="{k.t_ms}">{_e(stats.duration(k.t_ms / 1000))}</td>',
               f"<td>{_e(k.killer or 'the world')}</td>", f"<td>{_e(k.victim)}</td>", f"<td>{_e(source)}</td>"]
              for source, kills in (("only the tracker", check.only_lua), ("only the demo", check.only_demo))
              for k in kills]
    gaps = [[f"<td>{_e(p.name)}</td>", _num(p.samples),
             _num("—" if p.median_gap_m is None else f"{p.median_gap_m:.2f}")] for p in check.players]
    unpaired = (f"<p>Found in one source only: {_e(', '.join(check.unpaired_players))}.</p>"
                if check.unpaired_players else "")
    links = (f"<p>{_a(round_href(check.lua_round), 'The tracker’s round')} · "
             f"{_a(round_href(check.demo_round), 'the demo’s round')}</p>")
    return _section("Cross-check: tracker and demo", crosscheck.DEFINITION,
                    f'<p><strong>{_e(verdict)}</strong></p>{figures}{unpaired}'
                    + "<h3>Kills seen by one source only</h3>"
                    + _table([("Time", True), ("Killer", False), ("Victim", False), ("Seen by", False)], lonely,
                             empty="None: every kill was seen by both.")
                    + "<h3>Track gap per player</h3>"
                    + _table([("Player", False), ("Samples compared", True), ("Median gap m", True)], gaps)
                    + links)


async def _engagements(service: Proximity, ids: list[int], guid: str | None) -> str:
    summary = await queries.engagements(service.db, ids, guid)
    figures = _cards([("engagements", summary.engagements), ("kills", summary.kills),
                      ("ended by a kill" if guid is None else "won", summary.won),
                      *([("lost", summary.lost)] if guid else []), ("third party", summary.third_party),
                      ("broken off", summary.broken), ("mean distance m", _m(summary.mean_distance_m))])
    rows = [[_td_link(player_href(o.guid), o.name), _td_link(player_href(o.opponent), o.opponent_name),
             _num(o.fights), _num(o.won), _num(o.lost), _num(_m(o.mean_distance_m))] for o in summary.opponents]
    table = _table([("Player", False), ("Against", False), ("Fights", True), ("Won", True), ("Lost", True),
                    ("Mean distance m", True)], rows)
    return _section("Engagements", engagements.DEFINITION, figures + table)


async def _trades(service: Proximity, ids: list[int]) -> str:
    board = await queries.trade_board(service.db, ids)
    rows = [[_td_link(player_href(p.guid), p.name), _num(p.trade_kills), _num(p.deaths), _num(p.deaths_traded),
             _num(f"{p.traded_pct:.0f} %")] for p in board.players]
    return _section("Trade kills", trades.DEFINITION, _cards([("trades", board.trades)]) + _table(
        [("Player", False), ("Trade kills", True), ("Deaths", True), ("Deaths traded", True), ("Traded", True)], rows))


async def _crossfire(service: Proximity, ids: list[int], guid: str | None) -> str:
    board = await queries.crossfire_board(service.db, ids, guid)
    if not board.recorded:
        return _section("Crossfire", crossfire.DEFINITION, '<p class="muted">Not recorded: no round here recorded '
                        "the hits crossfire is measured from.</p>")
    rows = [[f"<td>{_a(player_href(p.a), p.a_name)} + {_a(player_href(p.b), p.b_name)}</td>", _num(p.crossfires),
             _num(p.converted), _num(f"{p.mean_angle:.0f}°"), _num(p.damage)] for p in board.pairs]
    return _section("Crossfire", crossfire.DEFINITION, _cards(
        [("crossfires", board.crossfires), ("converted", board.converted)]) + _table(
        [("Pair", False), ("Crossfires", True), ("Converted", True), ("Mean angle", True), ("Damage", True)], rows))


async def _spawn_timing(service: Proximity, ids: list[int]) -> str:
    board = await queries.spawn_board(service.db, ids)
    if not board.recorded:
        return _section("Spawn timing", spawntiming.DEFINITION,
                        '<p class="muted">Not recorded: no round here recorded the respawn waves.</p>')
    rows = [[_td_link(player_href(p.guid), p.name), _num(p.kills), _num(f"{p.efficiency:.2f}"),
             _num(f"{p.denied_seconds:.0f}")] for p in board.players]
    return _section("Spawn timing", spawntiming.DEFINITION, _table(
        [("Player", False), ("Kills", True), ("Efficiency", True), ("Denied s", True)], rows))


def _figures(scope: Scope, kinds: Sequence[str], alt: str) -> str:
    return "".join(f'<figure><img class="figure" src="{_e(heatmap_src(scope, kind))}" loading="lazy" '
                   f'alt="{_e(kind)} heatmap of {_e(alt)}"></figure>' for kind in kinds)


def _heatmaps(scope: Scope, names: dict[str, str]) -> str:
    return _section("Heatmaps", heat.DEFINITION,
                    f'<div class="grid-2">{_figures(scope, heat.KINDS, scope.describe(names))}</div>')


# -- pages ---------------------------------------------------------------------------------------------


def build(get: Callable[[], Proximity]) -> list[Route]:
    async def overview(request: Request) -> Page:
        service = get()
        found = await queries.maps(service.db)
        recent = await sessions(service.db, service.timezone, limit=30)
        held = await service.db.fetchval("SELECT count(*) FROM proximity.rounds WHERE stats_round_id IS NULL")
        body = (_cards([("rounds recorded", sum(n for _, n in found)), ("maps", len(found)),
                        ("waiting for their stats round", held)])
                + '<div class="grid-2"><section class="panel"><h2>Maps</h2>'
                + _table([("Map", False), ("Rounds", True)], [[_td_link(map_href(m), m), _num(n)] for m, n in found])
                + '</section><section class="panel"><h2>Gaming sessions</h2>'
                + _table([("Session", False), ("Rounds recorded", True)],
                         [[_td_link(session_href(start), f"{start:%Y-%m-%d %H:%M}"), _num(n)] for start, n in recent],
                         empty="No telemetry is linked to a session yet.")
                + "</section></div>"
                + '<section class="panel"><h2>What is measured</h2><dl>' + "".join(
                    f"<dt>{_e(title)}</dt><dd>{_e(text)}</dd>" for title, text in (
                        ("Heatmaps", heat.DEFINITION), ("Engagements", engagements.DEFINITION),
                        ("Trade kills", trades.DEFINITION), ("Crossfire", crossfire.DEFINITION),
                        ("Spawn timing", spawntiming.DEFINITION), ("Team cohesion", COHESION),
                        ("First blood", FIRST_BLOOD_DEFINITION), ("Man advantage", ADVANTAGE_DEFINITION)))
                + "</dl></section>")
        return Page("Proximity", f"<h1>Proximity</h1>{body}")

    async def map_page(request: Request) -> Page:
        service = get()
        name = request.path_params["map"]
        scope, names = await service.scope(map_name=name, session=request.query.session, player=request.query.player)
        ids = await service.rounds(scope)
        if not ids:
            raise NotFound(f"no telemetry for {scope.describe(names)}")
        title = f"Proximity: {scope.describe(names)}"
        return Page(title, f"<h1>{_e(title)}</h1>" + _cards([("rounds", len(ids))])
                    + _heatmaps(scope, names) + await _engagements(service, ids, scope.guid)
                    + await _players(service, ids, scope) + await _rounds(service, ids))

    async def session_page(request: Request) -> Page:
        service = get()
        scope, _ = await service.scope(session=request.path_params["start"])
        ids = await service.rounds(scope)
        if not ids:
            raise NotFound(f"no telemetry for {scope.describe()}")
        played = await queries.rounds(service.db, ids)
        per_map: dict[str, int] = {}
        for line in played:
            per_map[line.map_name] = per_map.get(line.map_name, 0) + 1
        assert scope.session is not None
        maps_html = _table([("Map", False), ("Rounds recorded", True)], [
            [_td_link(map_href(m, session=scope.session.isoformat(timespec="seconds")), m), _num(n)]
            for m, n in per_map.items()])
        kills = "".join(_figures(Scope(session=scope.session, map_name=m), ("kills",), f"{m} in this session")
                        for m in per_map)
        heatmaps = _section("Where the kills were, per map", heat.DEFINITION, f'<div class="grid-2">{kills}</div>')
        title = f"Proximity: {scope.describe()}"
        return Page(title, f"<h1>{_e(title)}</h1>" + _cards([("rounds recorded", len(ids)), ("maps", len(per_map))])
                    + f'<section class="panel"><h2>Maps</h2>{maps_html}</section>'
                    + await _players(service, ids, scope) + await _engagements(service, ids, None)
                    + await _trades(service, ids) + await _crossfire(service, ids, None)
                    + await _spawn_timing(service, ids) + heatmaps + await _rounds(service, ids))

    async def player_page(request: Request) -> Page:
        service = get()
        guid = request.path_params["guid"].upper()
        named = await queries.names(service.db, [guid])
        if guid not in named:
            raise NotFound(f"no telemetry for player {guid}")
        everything = await service.rounds(Scope(guid=guid))
        per_map: dict[str, int] = {}
        for line in await queries.rounds(service.db, everything):
            per_map[line.map_name] = per_map.get(line.map_name, 0) + 1
        chosen = request.query.map or max(per_map, key=lambda m: per_map[m])
        scope = Scope(guid=guid, map_name=chosen)
        ids = await service.rounds(scope)
        if not ids:
            raise NotFound(f"no telemetry for {named[guid]} on {chosen}")
        picker = "".join(f"<li>{_a(player_href(guid, map=m), f'{m} ({n})')}</li>" for m, n in per_map.items())
        title = f"Proximity: {named[guid]}"
        return Page(title, f"<h1>{_e(title)}</h1>" + _cards([("rounds recorded", len(everything)),
                                                            ("maps", len(per_map))])
                    + f'<section class="panel"><h2>Maps</h2><ul class="inline">{picker}</ul></section>'
                    + _heatmaps(scope, named) + await _engagements(service, everything, guid)
                    + await _crossfire(service, everything, guid))

    async def round_page(request: Request) -> Page:
        service = get()
        found = await crosscheck.detail(service.db, round_number(request.path_params["round_id"]))
        if found is None:
            raise NotFound(f"no recorded round {request.path_params['round_id']}")
        r = found.round
        title = f"Proximity: {r.map_name} R{r.round_number}, {_when(service, r.end_unix)}"
        stats_round = (_a(f"/rounds/{r.stats_round_id}", f"round {r.stats_round_id}") if r.stats_round_id
                       else "waiting for its stats round")
        facts = _cards([("source", SOURCES.get(r.source, r.source)), ("length", stats.duration(r.duration_ms / 1000)),
                        ("players", r.players), ("samples", f"{r.samples:,}"), ("kills", r.kills),
                        ("left out", found.dropped)])
        recorded = ", ".join(label for key, label in RECORDED.items() if key in r.capabilities) or "nothing"
        missing = ", ".join(label for key, label in RECORDED.items() if key not in r.capabilities) or "nothing"
        about = (f"<p>From <code>{_e(found.file)}</code> ({_e(found.recorder)}; ended: {_e(found.ended)}). "
                 f"Stats round: {stats_round}.</p><p>Recorded: {_e(recorded)}.</p>"
                 f'<p class="muted">Not recorded (shown as such, never as zero): {_e(missing)}.</p>')
        more = f"<p>{_a(map_href(r.map_name), 'Heatmaps and fights on ' + r.map_name + ' →')}</p>"
        return Page(title, f"<h1>{_e(title)}</h1>{facts}"
                    + f'<section class="panel"><h2>What this round holds</h2>{about}{more}</section>'
                    + _crosscheck(found.crosscheck, r.stats_round_id is not None, found.other_source_round))

    async def files_page(request: Request) -> Page:
        found = await queries.files(get().db, None, 200)
        rows = [[f"<td>{_e(f.name)}</td>", f"<td>{_e(f.status)}</td>", f"<td>{_e(f.reason or '')}</td>",
                 f"<td>{_e(f.source)}</td>", f"<td>{_e(f.received_at)}</td>"] for f in found]
        return Page("Proximity files", "<h1>Proximity files</h1>" + _table(
            [("File", False), ("Status", False), ("Reason", False), ("Source", False), ("Received", False)], rows,
            empty="No proximity file received yet."))

    async def session_panel(request: Request) -> str:
        service = get()
        try:
            start = datetime.fromisoformat(request.path_params["start"])
        except ValueError:
            return ""
        ids = await service.rounds(Scope(session=start))
        if not ids:
            return ""
        summary = await queries.engagements(service.db, ids)
        board = await queries.trade_board(service.db, ids)
        fire = await queries.crossfire_board(service.db, ids)
        return ("<h2>Proximity</h2>" + _cards([("rounds recorded", len(ids)), ("engagements", summary.engagements),
                                               ("trades", board.trades),
                                               ("crossfires", fire.crossfires if fire.recorded else "not recorded")])
                + f"<p>{_a(session_href(start), 'Heatmaps, engagements, trades, crossfire and spawn timing →')}</p>")

    async def round_panel(request: Request) -> str:
        """On the stats round page: the round's telemetry (each source) and, when both, the cross-check."""
        service = get()
        text = request.path_params["round_id"]
        if not text.isdigit() or len(text) > 18:
            return ""
        rows = await service.db.fetch("SELECT id, source FROM proximity.rounds WHERE stats_round_id = $1 "
                                      "ORDER BY source <> 'lua', id", int(text))
        if not rows:
            return ""
        lines = {r.id: r for r in await queries.rounds(service.db, [r["id"] for r in rows])}
        names = {"lua": "tracker", "demo": "demo"}
        cards = [item for r in rows for item in (
            (f"samples ({names[r['source']]})", f"{lines[r['id']].samples:,}"),
            (f"kills ({names[r['source']]})", lines[r["id"]].kills))]
        check = await crosscheck.for_round(service.db, rows[0]["id"])
        verdict = ""
        if check is not None:
            cards.append(("tracker and demo", "agree" if check.agrees else "disagree"))
            unpaired = len(check.only_lua) + len(check.only_demo)
            gap = "—" if check.median_gap_m is None else f"{check.median_gap_m:.2f} m"
            worst = next((p for p in check.players if p.median_gap_m), None)
            largest = f" (largest: {_e(worst.name)}, {worst.median_gap_m:.2f} m)" if worst else ""
            verdict = (f"<p>Cross-check: {unpaired} kill{'s' * (unpaired != 1)} seen by one source only, "
                       f"{len(check.unpaired_players)} player{'s' * (len(check.unpaired_players) != 1)} found in "
                       f"one only, median track gap {_e(gap)}{largest}.</p>")
        links = " · ".join(_a(round_href(r["id"]), f"the {names[r['source']]}’s round") for r in rows)
        return f"<h2>Proximity</h2>{_cards(cards)}{verdict}<p>{links} →</p>"

    return [
        Route("GET", "/proximity", overview, "Proximity: maps, sessions, what is measured", kind="page",
              nav="Proximity", nav_order=50),
        Route("GET", "/proximity/maps/{map}", map_page, "Heatmaps and fights on a map", kind="page",
              query_type=MapQuery),
        Route("GET", "/proximity/sessions/{start}", session_page, "Proximity of a gaming session", kind="page"),
        Route("GET", "/proximity/players/{guid}", player_page, "A player's heatmaps and fights", kind="page",
              query_type=PlayerQuery),
        Route("GET", "/proximity/rounds/{round_id}", round_page, "A recorded round and its cross-check",
              kind="page"),
        Route("GET", "/proximity/files", files_page, "Proximity files: held and quarantined", kind="page",
              tier=Tier.ADMIN),
        Route("GET", "/proximity/panels/rounds/{round_id}", round_panel, kind="page", tags=("panel:round",),
              summary="Proximity panel of the stats round page (telemetry sources, cross-check)"),
        Route("GET", "/proximity/panels/sessions/{start}", session_panel, kind="page", tags=("panel:session",),
              summary="Proximity panel of the session page"),
    ]
