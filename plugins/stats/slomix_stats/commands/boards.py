"""!leaderboard and !records: the boards of spec §10.3 with filters, the record book.

``!leaderboard dpm map=supply period=30d min=5 2``: a category, then filters as ``key=value``
in any order, then a page. The predecessor's ``!top_dpm``, ``!top_kd``, ``!top_kills`` … name the
category in the command itself.
"""

from __future__ import annotations

from typing import Any

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Table, UsageError

from .. import charts
from ..queries import CATEGORIES, PERIODS, Leaderboard, category
from .common import State

TOP = "top_"  # the predecessor's per-category commands: !top_dpm
FILTERS = ("period", "map", "min")
# Names in a Discord embed: a table fits ~45 characters, so long names are cut.
NAME_WIDTH = 16
# The figures beside a board's value (Leaderboard.beside), short for an embed.
BESIDE = {"rounds": ("rnd", lambda r: r.rounds), "kd": ("K/D", lambda r: f"{r.kd:.2f}"),
          "dpm": ("DPM", lambda r: f"{r.dpm:.0f}")}


def _short(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[:NAME_WIDTH - 1] + "…"


def board_reply(board: Leaderboard, chart: bytes | None = None) -> Reply:
    images = [Image(filename=f"lb_{board.category}.png", data=chart,
                    alt=f"{board.title} leaderboard")] if chart and board.rows else []
    where = f"{board.period_title}{f', {board.map}' if board.map else ''}"
    return Reply(
        title=f"Leaderboard: {board.title}",
        description=(f"{board.title}: {board.means}. {where[0].upper()}{where[1:]}; {board.rule} — "
                     f"{board.min_rounds_why}." if board.rows else
                     f"Nobody qualifies: no player has {board.rule} ({where}). Try min=1 or period=all."),
        tables=[Table(columns=["#", "player", board.column, *(BESIDE[f][0] for f in board.beside)],
                      rows=[[r.rank, _short(r.name), r.display, *(BESIDE[f][1](r) for f in board.beside)]
                            for r in board.rows])] if board.rows else [],
        images=images, footer=f"page {board.page}/{board.pages} · {board.total} players · {where}",
        data=board)


def parse_filters(words: list[str]) -> tuple[dict[str, Any], int]:
    """``period=30d map=supply min=5`` and a page number, in any order, as leaderboard keywords."""
    found: dict[str, Any] = {}
    page = 1
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            if not word.isdigit():
                raise UsageError(f"{word!r} is not a filter: use period=, map=, min= or a page number")
            page = int(word)
        elif key.lower() == "period":
            if value.lower() not in PERIODS:
                raise UsageError(f"period must be one of {', '.join(PERIODS)}, not {value!r}")
            found["period"] = value.lower()
        elif key.lower() == "map":
            found["map_name"] = value or None
        elif key.lower() in ("min", "min_rounds"):
            if not value.isdigit() or int(value) < 1:
                raise UsageError(f"min must be a whole number of rounds from 1, not {value!r}")
            found["min_rounds"] = int(value)
        else:
            raise UsageError(f"unknown filter {key!r}: use {', '.join(FILTERS)}")
    return found, max(page, 1)


def commands(state: State) -> list[Command]:
    names = tuple(c.name for c in CATEGORIES)

    async def leaderboard(ctx: Context) -> Reply:
        words = (ctx.args["filters"] or "").split()
        wanted = ctx.args["category"] or ""
        invoked = ctx.raw.split(maxsplit=1)[0].removeprefix("!").lower() if ctx.raw.strip() else ""
        if invoked.startswith(TOP):
            # !top_dpm 30d: the category is in the command's name; what follows is filters.
            words = ([wanted] if wanted else []) + words
            wanted = invoked.removeprefix(TOP)
        elif wanted.isdigit() or "=" in wanted:
            words, wanted = [wanted, *words], ""  # !lb 2, !lb period=30d: kills
        if category(wanted or "kills") is None:
            raise UsageError(f"unknown category {wanted!r}; one of {', '.join(names)}")
        filters, page = parse_filters(words)
        # This page and up to four more ride along, so adapters can page without asking again.
        boards = await state.q.leaderboard_pages(wanted or "kills", page, 5, **filters)
        assert boards
        board = boards[0]
        key = ("lb", board.category, board.period, board.map, board.min_rounds, board.page)
        reply = board_reply(board, state.chart(key, lambda: charts.leaderboard_bars(board)))
        reply.pages.extend(board_reply(following) for following in boards[1:])
        return reply

    async def records(ctx: Context) -> Reply:
        map_name = ctx.args["map"] or None
        found = await state.q.records(map_name)
        attacks = await state.q.fastest_attacks(map_name)
        where = f" on {map_name}" if map_name else ""
        if not found:
            return Reply(title=f"Records{where}", description=f"No counted rounds{where} yet.")
        # One field per record, its places a line each (an embed field holds 1 024 characters).
        lines: dict[str, list[str]] = {}
        for r in found:
            holders = [h.name for h in r.holders]
            held = ", ".join(holders[:4]) + (f" +{len(holders) - 4}" if len(holders) > 4 else "")
            lines.setdefault(r.title, []).append(f"{r.place}. {r.display} — {held}")
        fields = [Field(title, "\n".join(places), inline=False) for title, places in lines.items()]
        if attacks:
            fields.insert(0, Field("Fastest attacks", "\n".join(
                f"{a.map} {a.display} (R{a.round_number}) — {', '.join(p.name for p in a.attackers)}"
                for a in attacks), inline=False))
        return Reply(title=f"Records{where}",
                     description="Top three per single-round record (ties share a place); fastest attacks: "
                                 "the quickest completed stopwatch attack per map and its team.",
                     fields=fields, data={"records": found, "fastest": attacks})

    categories = ", ".join(f"{c.name} ({'/'.join(c.aliases)})" for c in CATEGORIES)
    return [
        Command("leaderboard", leaderboard,
                f"Rankings, filtered: period={'|'.join(PERIODS)} map=<name> min=<rounds>, then a page. "
                f"Categories: {categories}. !top_<category> works too (!top_dpm).",
                aliases=("lb", "top", *(f"{TOP}{c.name}" for c in CATEGORIES)), category="leaderboards",
                args=(Arg("category", help="kills, kd, dpm, accuracy, headshots, games, revives, gibs, "
                                           "objectives, efficiency, teamwork, multikills, grenades"),
                      Arg("filters", rest=True, help="period=all|season|30d map=<map> min=<rounds> [page]"))),
        Command("records", records, "Single-round records (top 3, ties named) and the fastest attack per map",
                aliases=("record", "hall_of_fame"), category="leaderboards",
                args=(Arg("map", help="one map's records (default: every map)"),)),
    ]
