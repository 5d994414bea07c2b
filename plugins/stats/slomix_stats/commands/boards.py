"""!leaderboard: the 13 categories of spec §10.3, ten per page, with a bar chart."""

from __future__ import annotations

from slomix.kernel import Arg, Command, Context, Image, Reply, Table, UsageError

from .. import charts
from ..queries import CATEGORIES, Leaderboard
from .common import State


def board_reply(board: Leaderboard, chart: bytes | None = None) -> Reply:
    images = [Image(filename=f"lb_{board.category}.png", data=chart,
                    alt=f"{board.title} leaderboard")] if chart and board.rows else []
    return Reply(
        title=f"Leaderboard: {board.title}",
        description=None if board.rows else f"Nobody qualifies yet ({board.rule}).",
        tables=[Table(columns=["#", "player", board.category, "rounds"],
                      rows=[[r.rank, r.name, r.display, r.rounds] for r in board.rows])] if board.rows else [],
        images=images, footer=f"page {board.page}/{board.pages} · {board.total} players · {board.rule}",
        data=board)


def commands(state: State) -> list[Command]:
    names = tuple(c.name for c in CATEGORIES)

    async def leaderboard(ctx: Context) -> Reply:
        wanted = ctx.args["category"] or "kills"
        if wanted.isdigit() and ctx.args["page"] == 1:
            wanted, page = "kills", int(wanted)  # !lb 2 means kills, page 2
        else:
            page = ctx.args["page"]
        board = await state.q.leaderboard(wanted, page=page)
        if board is None:
            raise UsageError(f"unknown category {wanted!r}; one of {', '.join(names)}")
        reply = board_reply(board, state.chart(("lb", board.category, board.page),
                                               lambda: charts.leaderboard_bars(board)))
        # Further pages ride along so adapters can page without asking again.
        for number in range(board.page + 1, min(board.pages, board.page + 4) + 1):
            following = await state.q.leaderboard(wanted, page=number)
            assert following is not None
            reply.pages.append(board_reply(following))
        return reply

    categories = ", ".join(f"{c.name} ({'/'.join(c.aliases)})" for c in CATEGORIES)
    return [Command("leaderboard", leaderboard, f"Rankings. Categories: {categories}", aliases=("lb", "top"),
                    category="leaderboards",
                    args=(Arg("category", help="kills, kd, dpm, accuracy, headshots, games, revives, gibs, "
                                               "objectives, efficiency, teamwork, multikills, grenades"),
                          Arg("page", type=int, default=1, help="page number")))]
