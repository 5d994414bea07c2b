"""The synergy pages: best duos with a duo lookup, and lineup against lineup."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

import msgspec

from slomix.kernel import Page, Request, Route, UsageError
from slomix_predictions import api as predictions
from slomix_stats import api as stats_api

from . import figures
from .commands import pct, record_text, signed

Name = Annotated[str, msgspec.Meta(max_length=64)]


class DuoQuery(msgspec.Struct, forbid_unknown_fields=True):
    a: Name = ""
    b: Name = ""


class MatchupQuery(msgspec.Struct, forbid_unknown_fields=True):
    teams: Annotated[str, msgspec.Meta(max_length=400)] = ""


def _e(value: Any) -> str:
    return escape(str(value))


def _rows(rows: list[list[Any]], numeric: set[int]) -> str:
    return "".join("<tr>" + "".join(f'<td class="num">{_e(v)}</td>' if i in numeric else f"<td>{_e(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)


def _table(headers: list[str], rows: list[list[Any]], numeric: set[int], empty: str) -> str:
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(headers))
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{_rows(rows, numeric)}</tbody>'
            "</table></div>")


def _problem(text: str) -> str:
    return f'<section class="panel"><p class="tag bad">{_e(text)}</p></section>'


async def duos_page(request: Request) -> Page:
    pool = request.kernel.db.pool
    q: DuoQuery = request.query
    found = ""
    if q.a and q.b:
        try:
            (a, name_a), (b, name_b) = await predictions.find_players(pool, [q.a, q.b])
            d = figures.duo(await predictions.maps(pool, [a, b]), a, b)
            found = (f'<section class="panel"><h2>{_e(name_a)} + {_e(name_b)}</h2>'
                     f"<p><strong>Together:</strong> {_e(record_text(d.together))}</p>"
                     f"<p><strong>Apart:</strong> {_e(record_text(d.apart))}</p></section>")
        except predictions.UnknownPlayer as problem:
            found = _problem(str(problem))
    duos = figures.best_duos(await predictions.maps(pool))[:25]
    names = await stats_api.display_names(pool, {g for d in duos for g in (d.a, d.b)})
    rows = [[i, f"{names.get(d.a, d.a)} + {names.get(d.b, d.b)}", d.together.maps, pct(d.together.win_rate),
             f"{pct(d.together.win_low)}–{pct(d.together.win_high)}", pct(d.apart.win_rate),
             "—" if d.together.delta_mu is None else signed(d.together.delta_mu)] for i, d in enumerate(duos, 1)]
    form = (f'<form class="search" method="get" action="/synergy"><input type="text" name="a" value="{_e(q.a)}" '
            f'placeholder="player" aria-label="first player"><input type="text" name="b" value="{_e(q.b)}" '
            'placeholder="player" aria-label="second player"><button class="button primary">Duo</button></form>')
    html = (f"<h1>Synergy</h1><p class=\"muted\">Stopwatch maps two players played on the same team, against "
            f"their maps apart (either one without the other on his team). A double fullhold counts as half a win; "
            f"intervals are 95 % (Wilson); Δμ is the rating change per map.</p>{form}{found}"
            f'<section class="panel"><h2>Best duos</h2><p class="muted">At least {figures.MIN_DUO_MAPS} maps '
            f"together, by the low end of the interval.</p>"
            + _table(["#", "Duo", "Maps", "Won", "95 %", "Apart", "Δμ/map"], rows, {0, 2, 3, 4, 5, 6},
                     "No pair has enough rated maps together yet.")
            + '</section><p><a href="/synergy/matchup">Lineup against lineup →</a></p>')
    return Page("Synergy", html)


async def matchup_page(request: Request) -> Page:
    pool = request.kernel.db.pool
    q: MatchupQuery = request.query
    found = ""
    if q.teams:
        try:
            a_terms, b_terms, _ = predictions.matchup(q.teams)
            players = await predictions.find_players(pool, a_terms + b_terms)
            a = [g for g, _ in players[: len(a_terms)]]
            b = [g for g, _ in players[len(a_terms):]]
            names = dict(players)
            m = figures.matchup(await predictions.maps(pool, a + b), a, b)
            p = await predictions.win_probability(pool, a, b)
            rows = [[day, map_name, {1: "won", 0.5: "draw", 0: "lost"}[r]] for day, map_name, r in m.maps[:30]]
            found = (f'<section class="panel"><h2>{_e(", ".join(names[g] for g in a))} vs '
                     f'{_e(", ".join(names[g] for g in b))}</h2><p>{_e(record_text(m.record))}</p>'
                     f"<p>Prediction now: {pct(p)} for the first lineup.</p>"
                     + _table(["Date", "Map", "Result"], rows, set(), "These lineups never met on a rated map.")
                     + "</section>")
        except (predictions.UnknownPlayer, UsageError) as problem:
            found = _problem(str(problem))
    form = (f'<form class="search" method="get" action="/synergy/matchup"><input type="text" name="teams" '
            f'value="{_e(q.teams)}" placeholder="vid,endekk vs .olz,qmr" aria-label="lineups">'
            '<button class="button primary">Compare</button></form>')
    html = (f"<h1>Matchup</h1><p class=\"muted\">Maps where every player of the first lineup was on one team "
            f"and every player of the second on the other.</p>{form}{found}")
    return Page("Matchup", html)


def build() -> list[Route]:
    return [
        Route("GET", "/synergy", duos_page, "Duos: how pairs do together and apart", kind="page", nav="Synergy",
              nav_order=45, query_type=DuoQuery),
        Route("GET", "/synergy/matchup", matchup_page, "One lineup against another", kind="page",
              query_type=MatchupQuery),
    ]
