"""Chat commands that act on a game server's host over SSH: start, stop, restart, list and delete maps.

Stopping, restarting and deleting ask to be confirmed: the same command again ending in ``yes``.
Every action is written to the audit log with the RCON calls.
"""

from __future__ import annotations

from collections.abc import Callable

from slomix.kernel import Arg, Command, Context, Reply, Table, Tier, UsageError
from slomix_stats import api as stats

from .client import GameServer, ServerError
from .commands import answering, server_argument
from .lifecycle import check_deletable
from .service import Servers

CONFIRM = "yes"


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024 or unit == "MiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


def _server_and_confirm(service: Servers, ctx: Context) -> tuple[GameServer, bool]:
    """``!server_stop [server] [yes]``: ``yes`` alone is the confirmation, not a server."""
    name, confirm = ctx.args["server"], ctx.args["confirm"]
    if name is not None and name.lower() == CONFIRM and confirm is None:
        name, confirm = None, CONFIRM
    return service.get(name), confirm == CONFIRM


def build(get: Callable[[], Servers], max_map_bytes: int) -> list[Command]:
    """The commands; ``get`` gives the started plugin's service (commands are built before it starts)."""

    async def running(server: GameServer) -> bool:
        try:
            await server.status()
        except ServerError:
            return False
        return True

    def needs(server: GameServer, what: str, command: str | None) -> str:
        if not command:
            raise UsageError(f"{server.name} has no {what} configured ([plugins.servers.servers.{server.name}] "
                             f"{what} = \"...\")")
        return command

    def outcome(server: GameServer, verb: str, status: int, output: str) -> Reply:
        text = f"```\n{output[-1500:]}\n```" if output else None
        if status != 0:
            return Reply.fail(f"{server.name}: {verb} failed (exit {status})" + (f"\n{text}" if text else ""),
                              title="Server", data={"server": server.name, "exit": status, "output": output})
        return Reply(title=f"{server.name}: {verb}", description=text,
                     data={"server": server.name, "exit": status, "output": output})

    async def start(ctx: Context) -> Reply:
        service = get()
        server = service.get(ctx.args["server"])
        command = needs(server, "start_command", service.host(server).start_command)
        if await running(server):
            # A second engine on the same port silently takes the next one (27961...).
            raise UsageError(f"{server.name} is already running (it answers on {server.address})")
        return outcome(server, "started", *await service.control(server, command, ctx.actor, adapter=ctx.adapter))

    async def stop(ctx: Context) -> Reply:
        service = get()
        server, confirmed = _server_and_confirm(service, ctx)
        command = needs(server, "stop_command", service.host(server).stop_command)
        if not confirmed:
            return Reply(title=f"Stop {server.name}?", description=f"Everyone on {server.name} is dropped. "
                         f"Say `!server_stop {server.name} {CONFIRM}` to stop it.")
        return outcome(server, "stopped", *await service.control(server, command, ctx.actor, adapter=ctx.adapter))

    async def restart(ctx: Context) -> Reply:
        service = get()
        server, confirmed = _server_and_confirm(service, ctx)
        host = service.host(server)
        if not host.restart_command:
            needs(server, "stop_command", host.stop_command)
            needs(server, "start_command", host.start_command)
        if not confirmed:
            return Reply(title=f"Restart {server.name}?", description=f"Everyone on {server.name} is dropped. "
                         f"Say `!server_restart {server.name} {CONFIRM}` to restart it.")
        if host.restart_command:
            return outcome(server, "restarted",
                           *await service.control(server, host.restart_command, ctx.actor, adapter=ctx.adapter))
        status, output = await service.control(server, host.stop_command or "", ctx.actor, adapter=ctx.adapter)
        if status != 0:
            return outcome(server, "stopping", status, output)
        return outcome(server, "restarted",
                       *await service.control(server, host.start_command or "", ctx.actor, adapter=ctx.adapter))

    async def list_maps(ctx: Context) -> Reply:
        service = get()
        name, refresh = ctx.args["server"], ctx.args["refresh"]
        if name is not None and name.lower() == "refresh" and refresh is None:
            name, refresh = None, "refresh"
        server = service.get(name)
        maps, age = await service.maps(server, refresh=refresh == "refresh")
        rows = [[m.name, _size(m.size), "base" if m.base else ""] for m in maps]
        return Reply(title=f"Maps on {server.name}: {sum(not m.base for m in maps)}",
                     description=f"{service.host(server).maps_dir}, listed {stats.duration(age)} ago",
                     tables=[Table(columns=["file", "size", ""], rows=rows)] if rows else [],
                     data={"server": server.name, "maps": maps, "age_seconds": round(age, 1)})

    async def map_add(ctx: Context) -> Reply:
        service = get()
        server = service.get(ctx.args["server"])
        if len(ctx.files) != 1:
            raise UsageError("attach one .pk3 file to the command (on Discord: the message's attachment; "
                             "slomix cmd: --file PATH)")
        [upload] = ctx.files
        maps = await service.add_map(server, upload.filename, upload.path, ctx.actor, adapter=ctx.adapter)
        return Reply(title=f"{server.name}: added {upload.filename}",
                     description=f"{maps} map(s) inside, {_size(upload.size)}, sha256 {upload.sha256[:16]}…; "
                     "the server sees it from the next map load.",
                     data={"server": server.name, "file": upload.filename, "size": upload.size,
                           "sha256": upload.sha256, "maps": maps})

    async def map_delete(ctx: Context) -> Reply:
        service = get()
        server, confirmed = _server_and_confirm(service, ctx)
        name = ctx.args["file"]
        name = name if name.lower().endswith(".pk3") else f"{name}.pk3"
        check_deletable(name)
        maps, _ = await service.maps(server, refresh=True)
        if not any(m.name == name for m in maps):
            raise UsageError(f"no {name} on {server.name} (see !list_maps)")
        if not confirmed:
            return Reply(title=f"Delete {name} from {server.name}?",
                         description=f"Say `!map_delete {name} {server.name} {CONFIRM}` to delete it.")
        await service.delete_map(server, name, ctx.actor, adapter=ctx.adapter)
        return Reply(title=f"{server.name}: deleted {name}", data={"server": server.name, "file": name})

    server_arg = server_argument(get)
    confirm = Arg("confirm", choices=(CONFIRM,), help=f"{CONFIRM} to go ahead")
    listed = [
        Command("server_start", start, "Start the game server (its configured start command, over SSH)",
                args=(server_arg,), tier=Tier.ADMIN),
        Command("server_stop", stop, "Stop the game server (asks to be confirmed)", args=(server_arg, confirm),
                tier=Tier.ADMIN),
        Command("server_restart", restart, "Restart the game server (asks to be confirmed)",
                args=(server_arg, confirm), tier=Tier.ADMIN),
        Command("list_maps", list_maps, "The map files on the game server (cached; add refresh to list again)",
                aliases=("listmaps", "map_list"),
                args=(server_arg, Arg("refresh", choices=("refresh",), help="list again now"))),
        Command("map_add", map_add, "Add a map to the game server: attach its .pk3 (a zip with maps/*.bsp)",
                aliases=("addmap", "upload_map"), args=(server_arg,), tier=Tier.ADMIN,
                max_file_bytes=max_map_bytes),
        Command("map_delete", map_delete, "Delete a map file from the game server (never a base pak)",
                aliases=("deletemap",), tier=Tier.ADMIN,
                args=(Arg("file", required=True, help="e.g. te_escape2.pk3"), server_arg, confirm)),
    ]
    return [Command(c.name, answering(c.handler), c.help, aliases=c.aliases, args=c.args, tier=c.tier,
                    category="servers", max_file_bytes=c.max_file_bytes) for c in listed]
