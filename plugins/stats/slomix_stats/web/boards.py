"""Leaderboards (every category, filtered by period, map and minimum rounds) and the record book."""

from __future__ import annotations

from urllib.parse import urlencode

from slomix.kernel import Page, Request

from ..commands.common import State
from ..queries import CATEGORIES, PERIODS, FastestAttack, Leaderboard, Record
from .html import duration, link, num, pager, player_link, round_href, shown, table, text, when
from .svg import bar_chart

PER_PAGE = 25


def _href(path: str, **params: str | int | None) -> str:
    """A page address with only the filters that are set (the defaults stay out of the URL)."""
    kept = {k: v for k, v in params.items() if v not in (None, "", "all")}
    return f"{path}?{urlencode(kept)}" if kept else path


def _chips(board: Leaderboard, min_rounds: str) -> str:
    """One link per category, keeping the period, map and minimum chosen."""
    def href(name: str) -> str:
        return _href("/leaderboards", category=name, period=board.period, map=board.map, min_rounds=min_rounds)

    links = "".join(f'<a href="{text(href(c.name))}"{" aria-current=page" if c.name == board.category else ""}>'
                    f"{text(c.title)}</a>" for c in CATEGORIES)
    return f'<nav class="chips" aria-label="Categories">{links}</nav>'


def _options(choices: list[tuple[str, str]], current: str) -> str:
    return "".join(f'<option value="{text(value)}"{" selected" if value == current else ""}>{text(label)}</option>'
                   for value, label in choices)


def _filters(board: Leaderboard, maps: list[tuple[str, int]], min_rounds: str) -> str:
    """A GET form: it works without JavaScript, and its address is the board's (shareable)."""
    periods = _options(list(PERIODS.items()), board.period)
    map_choices = _options([("", "every map"), *((m, f"{m} ({n} rounds)") for m, n in maps)], board.map or "")
    return (f'<form class="filters" method="get" action="/leaderboards">'
            f'<input type="hidden" name="category" value="{text(board.category)}">'
            f'<label>Period <select name="period">{periods}</select></label>'
            f'<label>Map <select name="map">{map_choices}</select></label>'
            f'<label>Minimum rounds <input type="number" name="min_rounds" min="1" max="999999" inputmode="numeric" '
            f'value="{text(min_rounds)}" placeholder="{board.min_rounds} (automatic)"></label>'
            f'<button type="submit">Show</button></form>')


# The figures beside a board's value: header, cell, meaning.
BESIDE = {
    "rounds": ("Rounds", lambda r: num(r.rounds), "counted rounds in this period and map"),
    "kd": ("K/D", lambda r: num(r.kd, 2), "kills divided by deaths (no deaths: the kills)"),
    "dpm": ("DPM", lambda r: num(r.dpm, 1), "damage given per minute played, all damage × 60 / all seconds"),
}


def _definitions(board: Leaderboard) -> str:
    """Every column of the table, said in words."""
    rows = [(f"{board.column}: {board.title}" if board.column != board.title else board.title, board.means),
            *((BESIDE[f][0], BESIDE[f][2]) for f in board.beside)]
    return "<dl class=defs>" + "".join(f"<dt>{text(t)}</dt><dd>{text(d)}</dd>" for t, d in rows) + "</dl>"


def leaderboards(state: State):
    async def handler(request: Request) -> Page:
        query = request.query
        board = await state.q.leaderboard(query.category, page=query.page, per_page=PER_PAGE, **query.board_args())
        assert board is not None  # the query type admits known categories only
        rows = [[num(r.rank), player_link(r.guid, r.name), shown(r.display, r.value),
                 *(BESIDE[f][1](r) for f in board.beside)] for r in board.rows]
        where = f"{board.period_title}{f', {board.map}' if board.map else ''}"
        top = bar_chart([(r.name, r.value, r.display) for r in board.rows[:10]],
                        title=f"Top 10: {board.title}, {where}")
        empty = (f'<p class="muted">Nobody qualifies: no player has {text(board.rule)} ({text(where)}). '
                 f'Lower the minimum or widen the period.</p>')
        html = (f"<h1>Leaderboards</h1>{_chips(board, query.min_rounds)}"
                + _filters(board, await state.q.board_maps(), query.min_rounds)
                + f"<h2>{text(board.title)} <small>{text(where)}</small></h2>"
                f'<p class="muted">{board.total:,} players with {text(board.rule)} — '
                f"{text(board.min_rounds_why)}.</p>"
                + _definitions(board)
                + (top if board.page == 1 and board.rows else "")
                + (table([("#", True), "Player", (board.column, True), *((BESIDE[f][0], True) for f in board.beside)],
                         rows, sortable=False) if rows else empty)
                + pager("/leaderboards", board.page, board.pages, category=board.category,
                        period=None if board.period == "all" else board.period, map=board.map,
                        min_rounds=query.min_rounds))
        return Page(f"Leaderboard: {board.title}", html)

    return handler


def _holders(record: Record) -> str:
    """Every player who reached the value, each linked to the first round they did it in."""
    return "<br>".join(
        f'{player_link(h.guid, h.name)} <span class="muted">({link(round_href(h.round_id), h.map)}, '
        f"{text(when(h.round_time))}{f', {h.times}×' if h.times > 1 else ''})</span>" for h in record.holders)


def _attack_rows(attacks: list[FastestAttack]) -> list[list]:
    # Who set it before the clock: on a phone the first columns are the ones in view.
    return [[text(a.map), shown(a.display, a.seconds), ", ".join(player_link(p.guid, p.name) for p in a.attackers),
             shown(f"{duration(a.time_limit_seconds)}{' (time to beat)' if a.round_number == 2 else ''}",
                   a.time_limit_seconds) if a.time_limit_seconds else "—",
             link(round_href(a.round_id), f"R{a.round_number}, {when(a.round_time)}")] for a in attacks]


def records(state: State):
    async def handler(request: Request) -> Page:
        map_name = request.query.map or None
        found = await state.q.records(map_name)
        attacks = await state.q.fastest_attacks(map_name)
        maps = await state.q.board_maps()
        choices = _options([("", "every map"), *((m, f"{m} ({n} rounds)") for m, n in maps)], map_name or "")
        form = (f'<form class="filters" method="get" action="/records"><label>Map <select name="map">{choices}'
                f'</select></label><button type="submit">Show</button></form>')
        # A small table per record: on a phone its places, values and first holders stay in view.
        by_title: dict[str, list[Record]] = {}
        for r in found:
            by_title.setdefault(r.title, []).append(r)
        books = "".join(f"<h3>{text(title)}</h3>" + table([("#", True), ("Value", True), "Held by"],
                                                          [[num(r.place), shown(r.display, r.value), _holders(r)]
                                                           for r in places], sortable=False)
                        for title, places in by_title.items())
        where = f" on {map_name}" if map_name else ""
        html = (f"<h1>Records{text(where)}</h1>{form}"
                "<h2>Fastest attacks</h2>"
                '<p class="muted">Per map, the quickest stopwatch attack that completed the objective (the round\'s '
                "winner is not its defender; surrenders do not count), with the attacking team. The clock is the "
                "round's time limit; in a round 2 it is the time to beat, set by the round-1 attack.</p>"
                + table(["Map", ("Time", True), "Attackers", ("Clock", True), "Round"], _attack_rows(attacks),
                        sortable=False)
                + "<h2>Single-round records</h2>"
                '<p class="muted">The top three values of each record over counted rounds; players who reached the '
                "same value share the place (their first round with it is linked). DPM needs five minutes played."
                "</p>"
                + (books or '<p class="muted">No counted rounds yet.</p>'))
        return Page(f"Records{where}", html)

    return handler
