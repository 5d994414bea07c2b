"""achievements, check_achievements, badges."""

from __future__ import annotations

from slomix.kernel import Arg, Command, Context, Field, Reply, Someone, Table, UsageError

from .. import achievements as rules
from .common import State, player_completer, resolve


def commands(state: State) -> list[Command]:
    async def achievements(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        rows = await state.q.pool.fetch(
            "SELECT label, reached_at FROM stats.achievements WHERE guid = $1 ORDER BY reached_at, label", ref.guid)
        return Reply(title=f"Achievements of {ref.name}", description=None if rows else "None yet.",
                     tables=[Table(columns=["milestone", "reached"], rows=[
                         [r["label"], f"{r['reached_at']:%Y-%m-%d}"] for r in rows])] if rows else [],
                     data=[{"label": r["label"], "reached_at": r["reached_at"]} for r in rows])

    async def check_achievements(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        t = await state.q.totals(ref.guid)
        if t is None:
            raise UsageError(f"{ref.name} has no counted rounds yet")
        reached = rules.milestones(t.kills, t.deaths, t.rounds)
        return Reply(title=f"Progress of {t.name}", fields=[
            Field("Reached", "\n".join(m.label for m in reached) or "—", inline=False),
            Field("Next", "\n".join(rules.next_milestones(t.kills, t.deaths, t.rounds)) or "all done",
                  inline=False)])

    async def badges(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        t = await state.q.totals(ref.guid)
        if t is None:
            raise UsageError(f"{ref.name} has no counted rounds yet")
        earned = rules.badges(t)
        return Reply(title=f"Badges of {t.name}", description=None if earned else "No badge yet.",
                     fields=[Field(title, tier) for title, tier in earned], data=earned)

    player = Arg("player", type=Someone, rest=True, help="name, GUID or @mention (default: you)",
                 complete=player_completer(state))
    return [
        Command("achievements", achievements, "Milestones a player reached", aliases=("medals",),
                category="achievements", args=(player,)),
        Command("check_achievements", check_achievements, "Milestones reached and the next ones",
                category="achievements", args=(player,)),
        Command("badges", badges, "Badge tiers of a player", category="achievements", args=(player,)),
    ]
