"""Chat commands: status and players for everyone; map, restart, kick and say for moderators;
``!rcon`` for admins and root. Each takes a server name (default: the only one configured)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slomix.kernel import Arg, Command, Context, Field, Reply, Table, Tier, UsageError
from slomix_stats import api as stats

from .client import GameServer, ServerError
from .protocol import GAMESTATES, Player, StatusRow, parse_status_table
from .service import Servers

MAP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b|\[[0-9a-fA-F:]+\](?::\d{1,5})?")
REPLY_LIMIT = 3800  # what fits a Discord embed with room for the code fence
TEAM_ORDER = {"axis": 0, "allies": 1, "spectator": 2, "free": 3, "unknown": 4}
TEAM_NUMBERS = {"axis": 1, "allies": 2}


def team_name(team: str) -> str:
    """Axis / Allies as every Slomix surface writes them; spectators and the rest as they are."""
    return stats.side(TEAM_NUMBERS.get(team), team.capitalize())


def redact(text: str) -> str:
    """Player addresses never reach a channel (the audit log keeps the whole reply)."""
    return _ADDRESS.sub("(hidden)", text)


def player_rows(players: list[Player]) -> list[list[object]]:
    ordered = sorted(players, key=lambda p: (TEAM_ORDER.get(p.team, 9), -p.score, p.name.lower()))
    return [[p.name + (" (bot)" if p.bot else ""), team_name(p.team), p.score,
             "loading" if p.connecting else p.ping] for p in ordered]


def answering(handler: Callable[[Context], Awaitable[Reply]]) -> Callable[[Context], Awaitable[Reply]]:
    """A server that does not answer, or refuses, is told as such (not a crash with an error id)."""

    async def run(ctx: Context) -> Reply:
        try:
            return await handler(ctx)
        except ServerError as error:
            return Reply.fail(str(error), title="Game server")
        except ValueError as error:  # a command the protocol cannot carry (line break, %, too long)
            raise UsageError(str(error)) from None

    return run


def find_player(rows: list[StatusRow], who: str) -> StatusRow:
    """By slot (``3`` or ``#3``), then exact name, then the one name containing ``who`` (colours ignored)."""
    key = who.strip().removeprefix("#")
    if key.isdigit():
        found = [r for r in rows if r.slot == int(key)]
    else:
        found = [r for r in rows if r.name.lower() == key.lower()] or [
            r for r in rows if key.lower() in r.name.lower()]
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(f"no player {who!r} on the server (" + (", ".join(
            f"#{r.slot} {r.name}" for r in rows) or "nobody is on") + ")")
    raise UsageError(f"{who!r} could be " + ", ".join(f"#{r.slot} {r.name}" for r in found) + ": give the slot")


def server_argument(get: Callable[[], Servers]) -> Arg:
    """``[server]``, offering the configured names while typing (slash commands)."""

    async def names(kernel: Any, prefix: str) -> list[str]:
        return [name for name in get().clients if name.startswith(prefix.lower())]

    return Arg("server", help="a configured server name (default: the only one)", complete=names)


def build(get: Callable[[], Servers]) -> list[Command]:
    """The commands; ``get`` gives the started plugin's service."""

    async def server_status(ctx: Context) -> Reply:
        service = get()
        server = service.get(ctx.args["server"])
        status = await service.status(server)
        cvars = await service.cvars(server, ("g_currentRound", "gamestate"), ctx.actor, adapter=ctx.adapter)
        round_, state = cvars["g_currentRound"], cvars["gamestate"]
        state_name = GAMESTATES.get(int(state), state) if state and state.lstrip("-").isdigit() else state
        round_shown = str(int(round_) + 1) if round_ and round_.isdigit() else "—"
        timelimit = stats.duration(status.timelimit * 60) if status.timelimit else "—"
        fields = [Field("map", status.map), Field("gametype", status.gametype), Field("round", round_shown),
                  Field("state", state_name or "—"), Field("time limit", timelimit),
                  Field("players", f"{len(status.players)}/{status.max_clients} ({status.humans} human)")]
        return Reply(title=status.hostname or server.name, description=f"{server.name} — {server.address}",
                     fields=fields, tables=[Table(columns=["player", "team", "score", "ping"],
                                                  rows=player_rows(status.players), title="Players")],
                     data={"server": server.name, "address": server.address, "hostname": status.hostname,
                           "map": status.map, "gametype": status.gametype,
                           "round": int(round_) + 1 if round_ and round_.isdigit() else None,
                           "state": state_name, "timelimit_minutes": status.timelimit,
                           "max_clients": status.max_clients, "humans": status.humans,
                           "players": [{"slot": p.slot, "name": p.name, "team": team_name(p.team), "score": p.score,
                                        "ping": p.ping, "bot": p.bot} for p in status.players]})

    async def players(ctx: Context) -> Reply:
        service = get()
        server = service.get(ctx.args["server"])
        status = await service.status(server)
        rows = player_rows(status.players)
        return Reply(title=f"Players on {server.name}: {len(rows)}/{status.max_clients}",
                     description=f"{status.map}, {status.gametype}" if rows else f"{status.map}: nobody is on",
                     tables=[Table(columns=["player", "team", "score", "ping"], rows=rows)] if rows else [],
                     data=[{"name": p.name, "team": team_name(p.team), "score": p.score, "ping": p.ping}
                           for p in status.players])

    async def run(ctx: Context, server: GameServer, command: str, *, retry: bool = False) -> str:
        return await get().rcon(server, command, ctx.actor, adapter=ctx.adapter, retry=retry)

    async def rcon(ctx: Context) -> Reply:
        service = get()
        server, command = service.split_server(ctx.args["command"])
        service.check_allowed(command)
        text = redact(await run(ctx, server, command))
        shown = text if len(text) <= REPLY_LIMIT else (
            text[:REPLY_LIMIT] + f"\n… {len(text) - REPLY_LIMIT} more characters in the audit log")
        return Reply(title=f"rcon {command.split()[0]} on {server.name}",
                     description=f"```\n{shown}\n```" if text.strip() else "(no output)",
                     data={"server": server.name, "command": command, "reply": text})

    async def map_(ctx: Context) -> Reply:
        service = get()
        server = service.get(ctx.args["server"])
        name = ctx.args["map"]
        if not MAP_NAME.match(name):
            raise UsageError(f"{name!r} is not a map name (letters, digits, _ and -)")
        text = await run(ctx, server, f"map {name}")
        if "Can't find map" in text:
            return Reply.fail(f"{server.name} has no map {name!r} ({text.strip()})", title="Map")
        return Reply(title=f"{server.name}: loading {name}",
                     description=text.strip() or f"{name} is loading; everyone on {server.name} reconnects.",
                     data={"server": server.name, "map": name})

    async def map_restart(ctx: Context) -> Reply:
        server = get().get(ctx.args["server"])
        text = await run(ctx, server, "map_restart")
        return Reply(title=f"{server.name}: map restarted",
                     description=text.strip() or "The map starts again from its warmup.",
                     data={"server": server.name})

    async def kick(ctx: Context) -> Reply:
        service = get()
        server, rest = service.split_server(ctx.args["player"])
        who, _, reason = rest.partition(" ")
        reason = reason.strip().replace('"', "'")
        # RCON status gives the slot numbers clientkick needs (a name could match several players).
        row = find_player(parse_status_table(await run(ctx, server, "status", retry=True)), who)
        if reason:
            await run(ctx, server, f'say "{row.name} is kicked: {reason}"')
        # clientkick's second argument is a ban length in seconds, never the reason.
        seconds = service.settings.kick_ban_seconds
        text = await run(ctx, server, f"clientkick {row.slot} {seconds}")
        if text.strip():
            return Reply.fail(f"{server.name}: {text.strip()}", title="Kick")
        return Reply(title=f"{server.name}: kicked {row.name}",
                     description=(f"Reason shown on the server: {reason}\n" if reason else "")
                     + f"Kept out for {stats.duration(seconds)}.",
                     data={"server": server.name, "slot": row.slot, "name": row.name, "reason": reason or None,
                           "ban_seconds": seconds})

    async def say(ctx: Context) -> Reply:
        service = get()
        server, message = service.split_server(ctx.args["message"])
        message = message.replace('"', "'")
        if len(message) > 1000:
            raise UsageError("a message is at most 1000 characters (the engine ignores longer ones)")
        await run(ctx, server, f'say "{message}"')
        return Reply(title=f"{server.name}: said", description=f"console: {message}",
                     data={"server": server.name, "message": message})

    server_arg = server_argument(get)
    listed = [
        Command("server_status", server_status, "The game server now: map, gametype, round, players with team, "
                "score and ping", aliases=("srv_status", "server"), args=(server_arg,)),
        Command("players", players, "Who is on the game server, by team", args=(server_arg,)),
        Command("rcon", rcon, "Run an allowed console command on the game server ([server] <command>)",
                args=(Arg("command", required=True, rest=True, help="[server] console command, e.g. status"),),
                tier=Tier.ADMIN),
        Command("map", map_, "Load a map on the game server", aliases=("map_change", "changemap"),
                args=(Arg("map", required=True, help="map name, e.g. supply"), server_arg), tier=Tier.MODERATOR),
        Command("map_restart", map_restart, "Restart the current map", args=(server_arg,), tier=Tier.MODERATOR),
        Command("kick", kick, "Kick a player (slot or name), with a reason shown on the server",
                args=(Arg("player", required=True, rest=True, help="[server] <slot or name> [reason...]"),),
                tier=Tier.MODERATOR),
        Command("say", say, "Say something on the game server as the console",
                args=(Arg("message", required=True, rest=True, help="[server] message"),), tier=Tier.MODERATOR),
    ]
    return [Command(c.name, answering(c.handler), c.help, aliases=c.aliases, args=c.args, tier=c.tier,
                    category="servers") for c in listed]
