"""Leaderboards (every category) and single-round records."""

from __future__ import annotations

from urllib.parse import urlencode

from slomix.kernel import Page, Request

from ..commands.common import State
from ..queries import CATEGORIES
from .html import link, num, pager, player_link, round_href, shown, table, text, when
from .svg import bar_chart

PER_PAGE = 25


def _chips(current: str) -> str:
    links = "".join(
        f'<a href="/leaderboards?{urlencode({"category": c.name})}"'
        f'{" aria-current=page" if c.name == current else ""}>{text(c.title)}</a>' for c in CATEGORIES)
    return f'<nav class="chips" aria-label="Categories">{links}</nav>'


def leaderboards(state: State):
    async def handler(request: Request) -> Page:
        category = request.query.category
        board = await state.q.leaderboard(category, page=request.query.page, per_page=PER_PAGE)
        assert board is not None  # the query type admits known categories only
        rows = [[num(r.rank), player_link(r.guid, r.name), shown(r.display, r.value), num(r.rounds)]
                for r in board.rows]
        top = bar_chart([(r.name, r.value, r.display) for r in board.rows[:10]], title=f"Top 10: {board.title}")
        html = (f"<h1>Leaderboards</h1>{_chips(board.category)}"
                f"<h2>{text(board.title)} <small>{text(board.rule)}, {board.total:,} players</small></h2>"
                f'<p class="muted">{text(board.title)}: {text(board.means)}.</p>'
                + (top if board.page == 1 else "")
                + table([("#", True), "Player", (board.title, True), ("Rounds", True)], rows, sortable=False)
                + pager("/leaderboards", board.page, board.pages, category=board.category))
        return Page(f"Leaderboard: {board.title}", html)

    return handler


def records(state: State):
    async def handler(request: Request) -> Page:
        found = await state.q.records()
        rows = [[text(r.title), shown(r.display, r.value), player_link(r.guid, r.name),
                 link(round_href(r.round_id), r.map), text(when(r.round_time))] for r in found]
        return Page("Records", "<h1>Records</h1><p class=muted>Single-round bests over counted rounds.</p>"
                    + table(["Record", ("Value", True), "Player", "Map", "When"], rows, sortable=False))

    return handler
