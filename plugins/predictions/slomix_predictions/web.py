"""The ratings pages: the leaderboard with uncertainty bars, a player's rating history, the model's
record with its reliability diagram, and the balance tool (pick players → teams)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import msgspec

from slomix.kernel import NotFound, Page, Request, Route

from . import balance, charts, lineups, queries, service, store
from .commands import evaluation_note, pct
from .model import MIN_MAPS, Z

Text = Annotated[str, msgspec.Meta(max_length=200)]


class BalanceQuery(msgspec.Struct, forbid_unknown_fields=True):
    players: list[Annotated[str, msgspec.Meta(max_length=64)]] = []
    together: Text = ""
    apart: Text = ""


def _e(value: Any) -> str:
    return escape(str(value))


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], empty: str) -> str:
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    if not body:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if num else f"<th>{_e(h)}</th>" for h, num in headers)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _td(value: Any, num: bool = False) -> str:
    return f'<td class="num">{_e(value)}</td>' if num else f"<td>{_e(value)}</td>"


def _player(guid: str, name: str) -> str:
    return f'<td><a href="/ratings/players/{quote(guid, safe="")}">{_e(name)}</a></td>'


def _png(data: bytes, alt: str) -> str:
    return f'<img class="chart" src="data:image/png;base64,{base64.b64encode(data).decode()}" alt="{_e(alt)}">'


def uncertainty_bars(board: Sequence[queries.RatingRow]) -> str:
    """One row per player: μ ± 3σ (thin), μ ± σ (thick), μ − 3σ marked (the shown rating)."""
    if not board:
        return ""
    low = min(r.mu - Z * r.sigma for r in board)
    high = max(r.mu + Z * r.sigma for r in board)
    left, width, row = 120, 300, 24
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return left + (value - low) / span * width

    parts = []
    for i, r in enumerate(board):
        y = 20 + i * row
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" class="bar-label">{_e(r.name[:16])}</text>'
                     f'<line class="grid" x1="{x(r.mu - Z * r.sigma):.1f}" x2="{x(r.mu + Z * r.sigma):.1f}" '
                     f'y1="{y}" y2="{y}"/>'
                     f'<rect class="s-0" x="{x(r.mu - r.sigma):.1f}" y="{y - 4}" height="8" '
                     f'width="{x(r.mu + r.sigma) - x(r.mu - r.sigma):.1f}"/>'
                     f'<circle class="dot s-1" cx="{x(r.conservative):.1f}" cy="{y}" r="5"/>'
                     f'<line class="axis" x1="{x(r.mu):.1f}" x2="{x(r.mu):.1f}" y1="{y - 7}" y2="{y + 7}"/>')
    height = 30 + len(board) * row
    ticks = "".join(f'<text x="{x(v):.1f}" y="{height - 2}" text-anchor="middle">{v:.0f}</text>'
                    for v in (low, (low + high) / 2, high))
    return (f'<svg class="chart bars" viewBox="0 0 {left + width + 20} {height + 6}" role="img" '
            f'aria-label="skill with its uncertainty per player">{"".join(parts)}{ticks}</svg>')


async def leaderboard_page(request: Request) -> Page:
    pool = request.kernel.db.pool
    board = await queries.leaderboard(pool, limit=50)
    e = await store.evaluation(pool)
    rows = [[_td(i, True), _player(r.guid, r.name), _td(f"{r.conservative:.1f}", True),
             _td(f"{r.mu:.1f}", True), _td(f"± {r.sigma:.1f}", True), _td(r.maps, True),
             _td(f"{r.wins}-{r.draws}-{r.losses}", True)] for i, r in enumerate(board, 1)]
    table = _table([("#", True), ("Player", False), ("Rating", True), ("Skill μ", True), ("σ", True),
                    ("Maps", True), ("W-D-L", True)], rows, f"Nobody has {MIN_MAPS} rated stopwatch maps yet.")
    html = (f"<h1>Ratings</h1><p class=\"muted\">Skill per stopwatch map (two rounds, sides swapped; a double "
            f"fullhold is a draw), with its uncertainty. The rating shown is μ − {Z:g}σ; players with at least "
            f"{MIN_MAPS} rated maps. A sub counts for the time he played.</p>"
            f'<section class="panel"><h2>Leaderboard</h2>{table}</section>'
            f'<section class="panel"><h2>Skill and uncertainty</h2><p class="muted">Thick bar μ ± σ, thin line '
            f"μ ± 3σ, large dot the rating shown (μ − 3σ).</p>{uncertainty_bars(board)}</section>"
            f'<section class="panel"><h2>Predictions</h2><p>{_e(evaluation_note(e))}</p>'
            '<p><a href="/ratings/record">The model\'s record and calibration →</a> · '
            '<a href="/ratings/balance">Balance teams →</a></p></section>')
    return Page("Ratings", html)


async def player_page(request: Request) -> Page:
    pool = request.kernel.db.pool
    guid = request.path_params["guid"]
    row = await queries.rating(pool, guid)
    if row is None:
        raise NotFound(f"no rated player with GUID {guid}")
    points = await queries.history(pool, guid)
    calls = await queries.calls_for(pool, guid, limit=30)
    cards = "".join(f'<div class="card"><div class="label">{_e(k)}</div><div class="value">{_e(v)}</div></div>'
                    for k, v in (("rating", f"{row.conservative:.1f}"), ("skill μ", f"{row.mu:.2f}"),
                                 ("uncertainty σ", f"{row.sigma:.2f}"), ("maps", row.maps),
                                 ("W-D-L", f"{row.wins}-{row.draws}-{row.losses}"),
                                 ("rank", f"#{row.rank}" if row.rank else f"needs {MIN_MAPS} maps")))
    rows = [[_td(f"{c.played_at:%Y-%m-%d}"), _td(c.map_name), _td(pct(c.p_mine), True), _td(c.result),
             _td("—" if c.right is None else "✔" if c.right else "✘")] for c in calls]
    table = _table([("Date", False), ("Map", False), ("P(his team)", True), ("Result", False), ("Called", False)],
                   rows, "No rated map.")
    html = (f"<h1>{_e(row.name)}</h1><div class=\"cards\">{cards}</div>"
            f'<section class="panel"><h2>Rating per map</h2>'
            f"{_png(charts.history(points, f'{row.name}: rating per map'), 'rating history')}</section>"
            f'<section class="panel"><h2>How the model called his maps</h2><p class="muted">Each map predicted '
            f"from earlier maps only.</p>{table}</section>")
    return Page(row.name, html)


async def record_page(request: Request) -> Page:
    pool = request.kernel.db.pool
    e = await store.evaluation(pool)
    live = await queries.live_record(pool)
    if e is None or e.n == 0:
        return Page("Prediction record", f"<h1>Prediction record</h1><p>{_e(evaluation_note(e))}</p>")
    scores = [["model", e.model]] + [[k, v] for k, v in e.baselines.items()]
    rows = [[_td(name), _td(f"{s.brier:.4f}", True), _td(f"{s.log_loss:.4f}", True), _td(pct(s.accuracy), True)]
            for name, s in scores]
    table = _table([("", False), ("Brier", True), ("Log loss", True), ("Accuracy", True)], rows, "")
    bins = _table([("Mean predicted", True), ("Observed", True), ("Maps", True)],
                  [[_td(pct(p), True), _td(pct(o), True), _td(int(n), True)] for p, o, n in e.reliability], "")
    html = (f"<h1>Prediction record</h1><p>{_e(evaluation_note(e))}</p>"
            f'<section class="panel"><h2>Walk-forward on {e.n} maps</h2><p class="muted">Every stopwatch map '
            f"predicted from earlier maps only, then learnt; {e.draws} draws left out of the scores. Baselines: "
            f"a coin flip, the previous bot's DPM-share heuristic (0.44 + 0.12 × share), plain Elo on team means. "
            f"Lower Brier and log loss are better. The model mixes openskill ratings at {len(e.weights)} noise "
            f"levels, each weighted by how well it predicted the earlier maps (now "
            f"{', '.join(f'β {b:.1f}: {100 * w:.0f} %' for b, w in e.weights)}).</p>{table}</section>"
            f'<section class="panel"><h2>Reliability</h2><div class="grid-2"><div>'
            f"{_png(charts.reliability(e.reliability, 'Reliability'), 'reliability diagram')}</div>"
            f"<div>{bins}</div></div></section>"
            f'<section class="panel"><h2>Live predictions</h2><p>{live["resolved"]} resolved, {live["right"]} '
            f'called right, {live["open"]} waiting.</p></section>')
    return Page("Prediction record", html)


async def balance_page(request: Request) -> Page:
    pool = request.kernel.db.pool
    q: BalanceQuery = request.query
    chosen = list(dict.fromkeys(q.players))
    board = await pool.fetch("SELECT guid, maps FROM predictions.ratings ORDER BY maps DESC, guid LIMIT 60")
    names = await queries.names(pool, [r["guid"] for r in board] + chosen)
    boxes = "".join(
        f'<label class="chip"><input type="checkbox" name="players" value="{_e(r["guid"])}"'
        f'{" checked" if r["guid"] in chosen else ""}> {_e(names.get(r["guid"], r["guid"]))}</label>'
        for r in board)
    form = (f'<form method="get" action="/ratings/balance"><div class="chips">{boxes}</div>'
            f'<p><label>Together <input type="text" name="together" value="{_e(q.together)}" '
            f'placeholder="vid+carniee, a+b"></label></p><p><label>Apart <input type="text" name="apart" '
            f'value="{_e(q.apart)}" placeholder="a+b"></label></p><button class="button primary">Balance</button>'
            "</form>")
    result = ""
    if chosen:
        result = await _balanced(pool, chosen, names, q)
    html = (f"<h1>Balance teams</h1><p class=\"muted\">Pick who plays: every split is tried (up to "
            f"{balance.MAX_PLAYERS} players) and the one closest to 50 % wins. Constraints name players as "
            f"a+b, separated by commas.</p>{result}<section class=\"panel\"><h2>Players</h2>{form}</section>")
    return Page("Balance teams", html)


def _pairs(text: str, names: dict[str, str]) -> list[tuple[str, str]]:
    by_name = {n.lower(): g for g, n in names.items()} | {g.lower(): g for g in names}
    pairs = []
    for part in lineups.names(text):
        x, _, y = part.partition("+")
        if x.strip().lower() not in by_name or y.strip().lower() not in by_name:
            raise balance.BalanceError(f"{part!r}: name two of the players picked, as a+b")
        pairs.append((by_name[x.strip().lower()], by_name[y.strip().lower()]))
    return pairs


async def _balanced(pool: Any, chosen: list[str], names: dict[str, str], q: BalanceQuery) -> str:
    try:
        ratings = await service.current(pool, chosen)
        found = balance.splits(chosen, ratings.predictor(datetime.now()), together=_pairs(q.together, names),
                               apart=_pairs(q.apart, names))
    except balance.BalanceError as problem:
        return f'<section class="panel"><p class="tag bad">{_e(problem)}</p></section>'

    def team(guids: list[str]) -> str:
        return ", ".join(_e(names.get(g, g)) for g in guids)

    best = found[0]
    nxt = (f"<p class=\"muted\">Next best: {team(found[1].team_a)} vs {team(found[1].team_b)} · "
           f"{pct(found[1].p_a)}</p>" if len(found) > 1 else "")
    again = "/ratings/balance?" + urlencode([("players", g) for g in chosen])
    return (f'<section class="panel"><h2>{pct(best.p_a)} – {pct(1 - best.p_a)}</h2><div class="grid-2">'
            f'<div class="card"><div class="label">Team A · {pct(best.p_a)}</div><p>{team(best.team_a)}</p></div>'
            f'<div class="card"><div class="label">Team B · {pct(1 - best.p_a)}</div><p>{team(best.team_b)}</p>'
            f"</div></div>{nxt}<p class=\"muted\">{len(found)} allowed splits tried. "
            f'<a href="{_e(again)}">Link to these players</a></p></section>')


def build() -> list[Route]:
    return [
        Route("GET", "/ratings", leaderboard_page, "Ratings: skill with uncertainty per stopwatch map", kind="page",
              nav="Ratings", nav_order=40),
        Route("GET", "/ratings/players/{guid}", player_page, "A player's rating history", kind="page"),
        Route("GET", "/ratings/record", record_page, "The prediction model's record and calibration", kind="page"),
        Route("GET", "/ratings/balance", balance_page, "Balance two teams from the players picked", kind="page",
              query_type=BalanceQuery),
    ]
