"""The synergy commands: duos, matchups, nemesis (adapter-neutral, answered with a Reply)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from slomix.kernel import Arg, Command, Context, Field, Reply, Table
from slomix_predictions import api as predictions
from slomix_stats import api as stats_api

from . import figures

Handler = Callable[[Context], Awaitable[Reply]]
NO_ENDSTATS = ("The game server writes no endstats files (or none arrived yet), so nobody's kills on whom "
               "are known: install the endstats Lua script to see nemeses.")
OLD_ENDSTATS = ("The endstats files received are of the older kind (no VS_HEADER lines): they do not say "
                "whose kills they list, so no nemesis can be named.")


def _polite(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def run(ctx: Context) -> Reply:
        try:
            return await handler(ctx)
        except predictions.UnknownPlayer as problem:
            return Reply.fail(str(problem), title="Who?")

    return run


def pct(p: float | None) -> str:
    return "—" if p is None else f"{100 * p:.0f} %"


def signed(value: float) -> str:
    """``+0.15``; a value that rounds to nothing reads ``+0.00``, never ``-0.00``."""
    return f"{round(value, 2) + 0.0:+.2f}"


def record_text(r: figures.Record) -> str:
    if r.maps == 0:
        return "no maps"
    delta = "" if r.delta_mu is None else f"; Δμ {signed(r.delta_mu)}" + (
        "" if r.delta_mu_ci is None else f" ± {r.delta_mu_ci:.2f}") + " per map"
    return (f"{r.maps} maps, {r.wins}-{r.draws}-{r.losses}: won {pct(r.win_rate)} "
            f"(95 %: {pct(r.win_low)}–{pct(r.win_high)}){delta}")


async def _names(db, guids) -> dict[str, str]:
    found = await stats_api.display_names(db, guids)
    return {g: found.get(g, g) for g in guids}


@_polite
async def duo_perf_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    (a, name_a), (b, name_b) = await predictions.find_players(pool, [ctx.args["a"], ctx.args["b"]])
    d = figures.duo(await predictions.maps(pool, [a, b]), a, b)
    lift = d.lift
    verdict = ("not enough maps together to say" if d.together.maps < figures.MIN_DUO_MAPS or lift is None else
               f"{'+' if lift >= 0 else ''}{100 * lift:.0f} points of win rate together")
    return Reply(title=f"{name_a} + {name_b}", description=f"Stopwatch maps on the same team vs apart: {verdict}.",
                 fields=[Field("Together", record_text(d.together), inline=False),
                         Field("Apart (either one without the other on his team)", record_text(d.apart),
                               inline=False)],
                 footer="Win rate counts a double fullhold as half a win; intervals are 95 % (Wilson).", data=d)


async def best_duos_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    duos = figures.best_duos(await predictions.maps(pool))[: ctx.args.get("top") or 10]
    if not duos:
        return Reply(title="Best duos", description=f"No pair has {figures.MIN_DUO_MAPS} rated maps together yet.")
    names = await _names(pool, {g for d in duos for g in (d.a, d.b)})
    rows = [[i, f"{names[d.a]} + {names[d.b]}", d.together.maps, pct(d.together.win_rate),
             f"{pct(d.together.win_low)}–{pct(d.together.win_high)}", pct(d.apart.win_rate),
             "—" if d.together.delta_mu is None else signed(d.together.delta_mu)] for i, d in enumerate(duos, 1)]
    return Reply(title="Best duos", description=f"Pairs with at least {figures.MIN_DUO_MAPS} stopwatch maps on the "
                                                "same team, by the low end of their win-rate interval.",
                 tables=[Table(columns=["#", "Duo", "Maps", "Won", "95 %", "Apart", "Δμ/map"], rows=rows)], data=duos)


@_polite
async def matchup_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    a_terms, b_terms, _ = predictions.matchup(ctx.args["teams"])
    players = await predictions.find_players(pool, a_terms + b_terms)
    a = [g for g, _ in players[: len(a_terms)]]
    b = [g for g, _ in players[len(a_terms):]]
    names = dict(players)
    m = figures.matchup(await predictions.maps(pool, a + b), a, b)
    p = await predictions.win_probability(pool, a, b)
    title = f"{', '.join(names[g] for g in a)} vs {', '.join(names[g] for g in b)}"
    tables = [Table(columns=["Date", "Map", "Result"], title="Maps",
                    rows=[[day, map_name, {1: "won", 0.5: "draw", 0: "lost"}[r]] for day, map_name, r in m.maps[:20]])]
    return Reply(title=title, description=(f"The first lineup's record: {record_text(m.record)}."
                                           if m.record.maps else "These lineups never met on a rated map."),
                 fields=[Field("Prediction now", f"{pct(p)} for the first lineup")],
                 tables=tables if m.maps else [], data={"matchup": m, "p_a": p})


@_polite
async def nemesis_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    guid, name = await predictions.who(pool, ctx.actor.id, ctx.args.get("player"))
    any_endstats, named = await stats_api.versus_known(pool)
    if not any_endstats:
        return Reply(title=f"{name}: no nemesis known", description=NO_ENDSTATS)
    if not named:
        return Reply(title=f"{name}: no nemesis known", description=OLD_ENDSTATS)
    r = figures.rivalry(await stats_api.versus_totals(pool, guid))

    def line(t, what: str) -> str:
        if t is None:
            return f"nobody yet (needs {figures.MIN_ENCOUNTERS}+ encounters and {what})"
        return f"{t.opponent_name}: you killed him {t.kills}, he killed you {t.deaths} ({t.rounds} rounds)"

    rows = [[t.opponent_name, t.kills, t.deaths, t.rounds] for t in r.opponents[:15]]
    return Reply(title=f"{name}: nemesis, prey and rival",
                 description=f"From the endstats versus rows of {named} rounds.",
                 fields=[Field("Nemesis (kills you most)", line(r.nemesis, "more deaths than kills"), inline=False),
                         Field("Prey (you kill most)", line(r.prey, "more kills than deaths"), inline=False),
                         Field("Rival (most even, most often)", line(r.rival, "an even duel"), inline=False)],
                 tables=[Table(columns=["Opponent", "You killed", "Killed you", "Rounds"], rows=rows)] if rows else [],
                 data=r)


def build() -> list[Command]:
    return [
        Command("duo_perf", duo_perf_command, "How two players do on the same team and apart",
                args=(Arg("a", help="a name or GUID", required=True), Arg("b", help="a name or GUID", required=True)),
                category="synergy"),
        Command("best_duos", best_duos_command, "The pairs that win most together",
                args=(Arg("top", type=int, help="how many (default 10)"),), category="synergy"),
        Command("matchup", matchup_command, "One lineup against another: their maps and a prediction",
                args=(Arg("teams", help="A1,A2 vs B1,B2", required=True, rest=True),), category="synergy"),
        Command("nemesis", nemesis_command, "Who kills you most, whom you kill most, your rival",
                args=(Arg("player", help="a name, a GUID or a mention; yourself when left out", rest=True),),
                category="synergy"),
    ]
