"""Player commands: stats, compare, find_player, list_players, myaliases."""

from __future__ import annotations

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Someone, Table, UsageError

from .. import charts
from ..formatting import duration, won_lost
from ..queries import MAIN_RANKS
from .common import State, player_completer, resolve


def commands(state: State) -> list[Command]:
    async def stats(ctx: Context) -> Reply:
        # The page's address, as the pages write it (imported here: the web package imports the routes,
        # which import the commands' state).
        from ..web.html import player_href

        ref = await resolve(state, ctx, ctx.args["player"])
        found = await state.q.player(ref.guid, form_sessions=5)
        if found is None:
            raise UsageError(f"{ref.name} has no counted rounds yet")
        t = found.totals
        ranks = {r.category: r for r in found.ranks if r.value}
        fields = [
            Field("Kills / deaths", f"{t.kills} / {t.deaths} (K/D {t.kd:.2f})"),
            Field("DPM", f"{t.dpm:.1f}"),
            Field("Won–lost", f"{won_lost(found.wins, found.losses)} rounds"),
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
        ]
        if ranks:
            fields.insert(0, Field("Ranks", " · ".join(f"#{r.rank} of {r.of} {MAIN_RANKS[name]}" for name in MAIN_RANKS
                                                        if (r := ranks.get(name))), inline=False))
        if found.maps:
            fields.append(Field("Favourite maps", "\n".join(f"{m.map} {won_lost(m.wins, m.losses)}"
                                                            for m in found.maps[:3]), inline=False))
        if found.sessions:
            fields.append(Field(f"Form, last {len(found.sessions)} sessions", "\n".join(
                f"#{f.number} {f.start:%m-%d}: {f.dpm:.0f} DPM, K/D {f.kd:.2f}, {f.wins}–{f.losses}"
                for f in found.sessions), inline=False))
        if found.teammates:
            m = found.teammates[0]
            fields.append(Field("Wins most with", f"{m.name}: {won_lost(m.wins, m.losses)} in {m.rounds} rounds"))
        if found.killed_by:
            o = found.killed_by[0]
            fields.append(Field("Killed most by", f"{o.name} ({o.deaths}×)"))
        if found.killed:
            o = found.killed[0]
            fields.append(Field("Kills most", f"{o.name} ({o.kills}×)"))
        return Reply(
            title=f"{t.name} — lifetime", url=await ctx.kernel.page_url(player_href(t.guid)),
            description=f"GUID {t.guid[:8]} · {t.rounds} counted rounds · {found.sessions_played} sessions · "
            f"last seen {t.last_seen:%Y-%m-%d}", fields=fields, data=t)

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
