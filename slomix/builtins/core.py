"""The ``core`` plugin: help, ping, health, plugin list and the permission-tier commands."""

from __future__ import annotations

from collections import defaultdict

from slomix.kernel import Arg, Command, Context, Field, Reply, Someone, Table, Tier, UsageError, hookimpl
from slomix.kernel.reply import COLOUR_OK


async def help_(ctx: Context) -> Reply:
    registry = ctx.kernel.commands
    topic = ctx.args["topic"]
    if topic:
        command = registry.get(topic)
        if command is not None:
            lines = [command.help, "", f"Usage: `{command.usage}`"]
            if command.aliases:
                lines.append("Aliases: " + ", ".join(f"`!{a}`" for a in command.aliases))
            lines += [f"• `{a.name}` ({'required' if a.required else 'optional'}): {a.help}"
                      for a in command.args if a.help]
            if command.tier > Tier.USER:
                lines.append(f"Needs the {command.tier} tier.")
            return Reply(title=f"!{command.name}", description="\n".join(lines))
    by_category: dict[str, list[str]] = defaultdict(list)
    for command in sorted(registry.commands.values(), key=lambda c: c.name):
        if topic and command.category != topic.lower():
            continue
        mark = "" if command.tier == Tier.USER else f" ({command.tier})"
        by_category[command.category].append(f"`!{command.name}`{mark}")
    if not by_category:
        raise UsageError(f"no command or category called {topic!r}")
    return Reply(
        title="Commands",
        description="`!help <command>` explains one command.",
        fields=[Field(category, " ".join(names), inline=False)
                for category, names in sorted(by_category.items())],
    )


async def ping(ctx: Context) -> Reply:
    check = await ctx.kernel.db.check()
    return Reply(title="Pong", description=f"database {check['status']}"
                 + (f", {check['latency_ms']} ms" if "latency_ms" in check else ""), colour=COLOUR_OK)


async def health(ctx: Context) -> Reply:
    report = await ctx.kernel.health()
    rows = [[p["name"], p["kind"], p["status"], p.get("error") or ""] for p in report["plugins"]]
    return Reply(title=f"Health: {report['status']}",
                 fields=[Field("Database", f"{report['database']['status']} ({report['database']['kind']})")],
                 tables=[Table(columns=["name", "kind", "status", "error"], rows=rows)], data=report)


async def admin_add(ctx: Context) -> Reply:
    tier = Tier.parse(ctx.args["tier"])
    if tier == Tier.USER:
        raise UsageError("the user tier is the default; use !admin_remove")
    who = ctx.args["user"].actor_id
    await ctx.kernel.permissions.grant(who, tier, ctx.actor, ctx.args["reason"] or "")
    return Reply(title="Permission granted", description=f"{who} is now {tier}.", colour=COLOUR_OK)


async def admin_remove(ctx: Context) -> Reply:
    who = ctx.args["user"].actor_id
    removed = await ctx.kernel.permissions.revoke(who, ctx.actor, ctx.args["reason"] or "")
    return Reply(title="Permission removed" if removed else "Nothing to remove",
                 description=f"{who} {'has no tier any more' if removed else 'had no tier'}.")


async def admin_list(ctx: Context) -> Reply:
    rows = [[r["actor_id"], r["tier"], r["granted_by"], r["granted_at"].strftime("%Y-%m-%d"), r["reason"]]
            for r in await ctx.kernel.permissions.holders()]
    return Reply(title="Permission tiers", description=None if rows else "Nobody holds a tier yet.",
                 tables=[Table(columns=["who", "tier", "by", "since", "reason"], rows=rows)] if rows else [])


async def admin_audit(ctx: Context) -> Reply:
    rows = [[r["at"].strftime("%Y-%m-%d %H:%M"), r["action"], r["actor_id"], r["tier"] or "",
             r["by_actor"], r["reason"]]
            for r in await ctx.kernel.permissions.audit(ctx.args["limit"])]
    return Reply(title="Permission audit", tables=[Table(
        columns=["when", "action", "who", "tier", "by", "reason"], rows=rows)])


class CorePlugin:
    @hookimpl
    def on_command(self, kernel):
        tiers = tuple(t.name.lower() for t in Tier if t > Tier.USER)
        return [
            Command("help", help_, "List commands, or explain one", aliases=("commands",),
                    args=(Arg("topic", help="a command or a category"),), category="general"),
            Command("ping", ping, "Check that the bot and its database answer", category="general"),
            Command("health", health, "Database, plugin and adapter health", tier=Tier.ADMIN,
                    category="admin"),
            Command("admin_add", admin_add, "Give a user a permission tier", tier=Tier.ROOT,
                    category="admin", args=(Arg("user", type=Someone, required=True, help="@mention or id"),
                                            Arg("tier", required=True, choices=tiers),
                                            Arg("reason", rest=True, help="why"))),
            Command("admin_remove", admin_remove, "Take a user's permission tier away", tier=Tier.ROOT,
                    category="admin", args=(Arg("user", type=Someone, required=True, help="@mention or id"),
                                            Arg("reason", rest=True, help="why"))),
            Command("admin_list", admin_list, "Who holds which tier", tier=Tier.ADMIN, category="admin"),
            Command("admin_audit", admin_audit, "Recent permission changes and refusals",
                    tier=Tier.ROOT, category="admin",
                    args=(Arg("limit", type=int, default=10, help="how many entries"),)),
        ]
