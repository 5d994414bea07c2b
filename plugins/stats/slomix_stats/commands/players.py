"""Player commands: stats, compare, find_player, list_players, myaliases."""

from __future__ import annotations

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Someone, Table, UsageError

from .. import charts
from ..formatting import duration
from .common import State, player_completer, resolve


def commands(state: State) -> list[Command]:
    async def stats(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        t = await state.q.totals(ref.guid)
        if t is None:
            raise UsageError(f"{ref.name} has no counted rounds yet")
        return Reply(
            title=f"{t.name} — lifetime", description=f"GUID {t.guid[:8]} · {t.rounds} counted rounds · "
            f"last seen {t.last_seen:%Y-%m-%d}",
            fields=[
                Field("Kills / deaths", f"{t.kills} / {t.deaths} (K/D {t.kd:.2f})"),
                Field("DPM", f"{t.dpm:.1f}"),
                Field("Damage", f"{t.damage_given} given / {t.damage_received} received"),
                Field("Accuracy", f"{t.accuracy:.1f} %"),
                Field("Headshots", f"{t.headshot_accuracy:.1f} % of hits ({t.headshots} head hits)"),
                Field("Headshot kills", f"{t.headshot_kills} ({t.headshot_kill_rate:.1f} % of kills)"),
                Field("Revives", f"{t.revives_given} given / {t.times_revived} received"),
                Field("Gibs", str(t.gibs)),
                Field("Efficiency", f"{t.efficiency:.1f} %"),
                Field("Time played", f"{duration(t.seconds)} (dead {duration(t.dead_seconds)})"),
                Field("XP", str(t.xp)),
                Field("Best spree", str(t.best_spree)),
            ], data=t)

    async def compare(ctx: Context) -> Reply:
        a = await resolve(state, ctx, ctx.args["first"])
        b = await resolve(state, ctx, ctx.args["second"])
        ta, tb = await state.q.totals(a.guid), await state.q.totals(b.guid)
        if ta is None or tb is None:
            raise UsageError("both players need counted rounds to compare")
        rows = [["K/D", f"{ta.kd:.2f}", f"{tb.kd:.2f}"], ["DPM", f"{ta.dpm:.1f}", f"{tb.dpm:.1f}"],
                ["Accuracy", f"{ta.accuracy:.1f} %", f"{tb.accuracy:.1f} %"],
                ["Headshot %", f"{ta.headshot_accuracy:.1f} %", f"{tb.headshot_accuracy:.1f} %"],
                ["Kills", ta.kills, tb.kills], ["Rounds", ta.rounds, tb.rounds],
                ["Revives", ta.revives_given, tb.revives_given]]
        chart = state.chart(("compare", ta.guid, tb.guid), lambda: charts.compare_chart(ta, tb))
        return Reply(title=f"{ta.name} vs {tb.name}", tables=[Table(columns=["", ta.name, tb.name], rows=rows)],
                     images=[Image(filename="compare.png", data=chart, alt=f"Bar charts: {ta.name} vs {tb.name}")],
                     data=[ta, tb])

    async def find_player(ctx: Context) -> Reply:
        found = await state.q.find_players(ctx.args["term"], limit=15)
        if not found:
            return Reply(title="No match", description=f"No player matches {ctx.args['term']!r}.")
        state.choices[ctx.actor.id] = found
        return Reply(title=f"Players matching {ctx.args['term']!r}", tables=[Table(
            columns=["#", "name", "GUID", "rounds", "last seen"],
            rows=[[i, p.name, p.guid[:8], p.rounds, f"{p.last_seen:%Y-%m-%d}" if p.last_seen else ""]
                  for i, p in enumerate(found, 1)])], footer="!select <#> picks one", data=found)

    async def list_players(ctx: Context) -> Reply:
        term, page = ctx.args["filter"] or "", max(1, ctx.args["page"])
        if term.isdigit() and page == 1:
            term, page = "", int(term)  # !list_players 2 means page 2
        players, total = await state.q.players(term, page=page)
        pages = max(1, -(-total // 20))
        return Reply(title=f"Players ({total})", tables=[Table(
            columns=["name", "GUID", "rounds", "last seen"],
            rows=[[p.name, p.guid[:8], p.rounds, f"{p.last_seen:%Y-%m-%d}" if p.last_seen else ""]
                  for p in players])], footer=f"page {min(page, pages)}/{pages}", data=players)

    async def myaliases(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        detail = await state.q.player(ref.guid)
        aliases = detail.aliases if detail else []
        return Reply(title=f"Names used by {ref.name}", tables=[Table(
            columns=["name", "first seen", "last seen"],
            rows=[[a.alias, f"{a.first_seen:%Y-%m-%d}", f"{a.last_seen:%Y-%m-%d}"] for a in aliases])],
            data=aliases)

    player = Arg("player", type=Someone, rest=True, help="name, GUID or @mention (default: you)",
                 complete=player_completer(state))
    return [
        Command("stats", stats, "Lifetime stats of a player", args=(player,), category="players"),
        Command("compare", compare, "Compare two players (their figures side by side)", category="players",
                args=(Arg("first", required=True, help="first player"),
                      Arg("second", required=True, rest=True, help="second player"))),
        Command("find_player", find_player, "Search players by name or GUID", aliases=("find",),
                category="players", args=(Arg("term", required=True, rest=True, help="part of a name or GUID"),)),
        Command("list_players", list_players, "List players, most active first", category="players",
                args=(Arg("filter", help="part of a name"), Arg("page", type=int, default=1, help="page"))),
        Command("myaliases", myaliases, "Names a player has used", aliases=("aliases",), category="players",
                args=(player,)),
    ]
