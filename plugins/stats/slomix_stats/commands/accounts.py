"""Linking Discord users to game identities: link, unlink, select, setname, whoami."""

from __future__ import annotations

import asyncpg

from slomix.kernel import Arg, Command, Context, Reply, Someone, Tier, UsageError

from .. import api
from .common import State, discord_id, resolve


def commands(state: State) -> list[Command]:
    def own_id(ctx: Context) -> int:
        found = discord_id(ctx.actor)
        if found is None:
            raise UsageError("only Discord users have an account to link")
        return found

    async def link(ctx: Context) -> Reply:
        target = ctx.args["target"] or ""
        first, _, rest = target.partition(" ")
        mentioned = Someone.parse(first).member
        if mentioned is not None:
            # Linking someone else is an admin's job.
            await ctx.kernel.require(ctx.actor, Tier.ADMIN, what="linking another user")
            user, target = mentioned, rest
        else:
            user = own_id(ctx)
        if not target:
            raise UsageError("usage: !link <your name or GUID> (admins: !link @user <name or GUID>)")
        ref = await resolve(state, ctx, target)
        try:
            await state.q.pool.execute(
                """INSERT INTO stats.links (discord_id, guid) VALUES ($1, $2)
                   ON CONFLICT (discord_id) DO UPDATE SET guid = EXCLUDED.guid, linked_at = now()""", user, ref.guid)
        except asyncpg.UniqueViolationError:
            raise UsageError(f"{ref.name} ({ref.guid[:8]}) is already linked to another Discord account") from None
        return Reply(title="Linked", description=f"<@{user}> is {ref.name} ({ref.guid[:8]}).")

    async def unlink(ctx: Context) -> Reply:
        removed = await state.q.pool.fetchval("DELETE FROM stats.links WHERE discord_id = $1 RETURNING guid",
                                              own_id(ctx))
        return Reply(title="Unlinked" if removed else "Not linked",
                     description=f"No longer linked to {removed[:8]}." if removed else "You had no link.")

    async def select(ctx: Context) -> Reply:
        choices = state.choices.get(ctx.actor.id)
        if not choices:
            raise UsageError("nothing to select from: search first with !find_player")
        number = ctx.args["number"]
        if not 1 <= number <= len(choices):
            raise UsageError(f"choose 1 to {len(choices)}")
        chosen = choices[number - 1]
        return Reply(title=f"Selected {chosen.name}", description=f"GUID {chosen.guid}. Use it in any command, "
                     f"e.g. !stats {chosen.guid[:8]} or !link {chosen.guid[:8]}.", data=chosen)

    async def setname(ctx: Context) -> Reply:
        name = (ctx.args["name"] or "").strip()
        if len(name) > 32:
            raise UsageError("a display name has at most 32 characters")
        # A chosen name follows the same rule as a game name: no colour codes, no control characters.
        done = await state.q.pool.fetchrow(
            """UPDATE stats.links SET display_name = nullif(stats.plain_name($2), '') WHERE discord_id = $1
               RETURNING guid, display_name""", own_id(ctx), name)
        if done is None:
            raise UsageError("link your account first with !link")
        shown = (await api.display_names(state.q.pool, [done["guid"]])).get(done["guid"], done["guid"][:8])
        return Reply(title="Display name", description=f"Now shown as {shown} everywhere." if done["display_name"]
                     else f"Back to your most-used name, {shown}.")

    async def whoami(ctx: Context) -> Reply:
        user = discord_id(ctx.actor)
        row = await state.q.pool.fetchrow("SELECT guid, display_name FROM stats.links WHERE discord_id = $1",
                                          user) if user is not None else None
        tier = await ctx.kernel.permissions.tier_of(ctx.actor)
        if row is None:
            return Reply(title=ctx.actor.name, description=f"Not linked to a game account. Tier: {tier}.")
        name = (await api.display_names(state.q.pool, [row["guid"]])).get(row["guid"], row["guid"][:8])
        return Reply(title=ctx.actor.name, description=f"Linked to {name} ({row['guid'][:8]}). Tier: {tier}.")

    return [
        Command("link", link, "Link your Discord account to your game identity", category="accounts",
                args=(Arg("target", rest=True, required=True, help="your name or GUID (admins: @user name)"),)),
        Command("unlink", unlink, "Remove your link", category="accounts"),
        Command("select", select, "Pick a player from your last search", category="accounts",
                args=(Arg("number", type=int, required=True, help="the number in the list"),)),
        Command("setname", setname, "Set the name shown for you (empty: your most-used name)", category="accounts",
                args=(Arg("name", rest=True, help="display name"),)),
        Command("whoami", whoami, "Your link and permission tier", category="accounts"),
    ]
