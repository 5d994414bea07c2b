"""Chat commands: ``!heatmap``, ``!engagements``, ``!trades``, ``!crossfire``, ``!spawn_timing``.

Without a date they answer for the latest gaming session with telemetry (``!heatmap``: every
recorded round of the map); a trailing date (``2025-10-12``) names that day's session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Table, UsageError

from . import queries, render
from .analytics import crossfire, engagements, heat, spawntiming, trades
from .service import Proximity

KINDS = heat.KINDS


def _m(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} m"


def _png(name: str, data: bytes, alt: str) -> Image:
    return Image(filename=name, data=data, alt=alt)


def _polite(handler: Callable[[Context], Awaitable[Reply]]) -> Callable[[Context], Awaitable[Reply]]:
    """A session or player that is not there is the asker's mistake (a usage answer), not a crash."""

    async def run(ctx: Context) -> Reply:
        try:
            return await handler(ctx)
        except LookupError as error:
            raise UsageError(str(error.args[0]) if error.args else "not found") from None

    return run


def build(get: Callable[[], Proximity]) -> list[Command]:
    """The commands; ``get`` gives the started plugin's service."""

    async def heatmap(ctx: Context) -> Reply:
        service = get()
        player, session = service.split_date(ctx.args["player"])
        scope, names = await service.scope(map_name=ctx.args["map"], player=player, session=session)
        ids = await service.rounds(scope)
        if not ids:
            raise UsageError(f"no telemetry for {scope.describe(names)} (maps: "
                             + ", ".join(m for m, _ in await queries.maps(service.db)) + ")")
        images, fields = [], []
        for kind in KINDS:
            grid = await queries.heat_grid(service.db, ids, kind, scope.guid)
            fields.append(Field(kind, f"{grid.total():,.0f}" + (" s" if kind == "presence" else "")))
            images.append(_png(f"heatmap-{scope.map_name}-{kind}.png", await service.heatmap(scope, kind, names),
                               f"{kind} heatmap of {scope.describe(names)}"))
        return Reply(title=f"Heatmaps: {scope.describe(names)}", description=heat.DEFINITION,
                     fields=[Field("rounds", str(len(ids))), *fields], images=images,
                     data={"scope": scope.describe(names), "rounds": len(ids),
                           "totals": {f.name: f.value for f in fields}})

    async def engagements_(ctx: Context) -> Reply:
        service = get()
        player, session = service.split_date(ctx.args["player"])
        scope, names = await service.scope(player=player, session=session, latest=True)
        ids = await service.rounds(scope)
        summary = await queries.engagements(service.db, ids, scope.guid)
        rows = [[o.name, o.opponent_name, o.fights, o.won, o.lost, _m(o.mean_distance_m)] for o in summary.opponents]
        fields = [Field("rounds", str(summary.rounds)), Field("engagements", str(summary.engagements)),
                  Field("kills", str(summary.kills)),
                  Field("won" if scope.guid else "ended by a kill", str(summary.won)),
                  Field("third party", str(summary.third_party)), Field("broken off", str(summary.broken)),
                  Field("mean distance", _m(summary.mean_distance_m))]
        if scope.guid:
            fields.insert(4, Field("lost", str(summary.lost)))
        return Reply(title=f"Engagements: {scope.describe(names)}", description=engagements.DEFINITION,
                     fields=fields, tables=[Table(columns=["player", "against", "fights", "won", "lost", "distance"],
                                                  rows=rows, title="Who fought whom")],
                     images=[_png("engagement-distances.png", await service.distances(scope, summary, names),
                                  "engagement distances")], data=summary)

    async def trades_(ctx: Context) -> Reply:
        service = get()
        scope, names = await service.scope(session=ctx.args["date"], latest=True)
        board = await queries.trade_board(service.db, await service.rounds(scope))
        rows = [[p.name, p.trade_kills, p.deaths, p.deaths_traded, f"{p.traded_pct:.0f} %"] for p in board.players]
        chart = await service.image(("trades", scope), lambda: render.bars_png(
            [(p.name, p.trade_kills) for p in board.players if p.trade_kills], title=f"Trade kills — "
            f"{scope.describe(names)}", xlabel="kills that avenged a teammate within 3 s"))
        return Reply(title=f"Trades: {scope.describe(names)}", description=trades.DEFINITION,
                     fields=[Field("rounds", str(board.rounds)), Field("trades", str(board.trades))],
                     tables=[Table(columns=["player", "trade kills", "deaths", "traded", "traded %"], rows=rows)],
                     images=[_png("trades.png", chart, "trade kills per player")], data=board)

    async def crossfire_(ctx: Context) -> Reply:
        service = get()
        scope, names = await service.scope(session=ctx.args["date"], latest=True)
        board = await queries.crossfire_board(service.db, await service.rounds(scope))
        if not board.recorded:
            return Reply(title=f"Crossfire: {scope.describe(names)}", description="Not recorded: crossfire needs "
                         "the hits (damage) of the rounds, and no round in this scope recorded them.",
                         data=board)
        rows = [[f"{p.a_name} + {p.b_name}", p.crossfires, p.converted, f"{p.mean_angle:.0f}°", p.damage]
                for p in board.pairs]
        chart = await service.image(("crossfire", scope), lambda: render.bars_png(
            [(f"{p.a_name} + {p.b_name}", p.crossfires) for p in board.pairs], title=f"Crossfires — "
            f"{scope.describe(names)}", xlabel="crossfires (two teammates, ≥ 45° apart, within 1.5 s)"))
        return Reply(title=f"Crossfire: {scope.describe(names)}", description=crossfire.DEFINITION,
                     fields=[Field("rounds", str(board.rounds)), Field("crossfires", str(board.crossfires)),
                             Field("converted", str(board.converted))],
                     tables=[Table(columns=["pair", "crossfires", "converted", "mean angle", "damage"], rows=rows)],
                     images=[_png("crossfire.png", chart, "crossfires per pair")], data=board)

    async def spawn_timing(ctx: Context) -> Reply:
        service = get()
        scope, names = await service.scope(session=ctx.args["date"], latest=True)
        board = await queries.spawn_board(service.db, await service.rounds(scope))
        if not board.recorded:
            return Reply(title=f"Spawn timing: {scope.describe(names)}", description="Not recorded: no round in "
                         "this scope recorded the respawn-wave schedule.", data=board)
        rows = [[p.name, p.kills, f"{p.efficiency:.2f}", f"{p.denied_seconds:.0f} s"] for p in board.players]
        chart = await service.image(("spawn", scope), lambda: render.bars_png(
            [(p.name, p.efficiency) for p in board.players], title=f"Spawn-timing efficiency — "
            f"{scope.describe(names)}", xlabel="mean share of the wave interval the victims waited", limit=1.0))
        return Reply(title=f"Spawn timing: {scope.describe(names)}", description=spawntiming.DEFINITION,
                     fields=[Field("rounds", str(board.rounds))],
                     tables=[Table(columns=["player", "kills", "efficiency", "denied"], rows=rows)],
                     images=[_png("spawn-timing.png", chart, "spawn-timing efficiency per player")], data=board)

    date_arg = Arg("date", help="a date (2025-10-12) or a session start; default: the latest session")
    who = Arg("player", rest=True, help="a player, and/or a date (2025-10-12)")
    listed = [
        ("heatmap", heatmap, "Kill, death and presence heatmaps of a map (optionally one player's, a date's session)",
         (Arg("map", required=True, help="map name, e.g. supply"), who)),
        ("engagements", engagements_, "Who fought whom, at what distance, how it ended (latest session)", (who,)),
        ("trades", trades_, "Trade kills: teammates' deaths avenged within 3 s", (date_arg,)),
        ("crossfire", crossfire_, "Crossfire pairs: two teammates hitting one enemy from ≥ 45° apart", (date_arg,)),
        ("spawn_timing", spawn_timing, "Spawn-timing efficiency: how long kills keep enemies out", (date_arg,)),
    ]
    return [Command(name, _polite(handler), text, args=args, category="proximity")
            for name, handler, text, args in listed]
