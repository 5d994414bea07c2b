"""The started plugin: a client per configured server, the poll, RCON with its audit."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import msgspec

from slomix.kernel import Actor, ConfigError, Kernel, UsageError

from . import protocol
from .client import GameServer, ServerError
from .lifecycle import Host, MapFile, RemoteError, check_deletable, check_pk3, resolve
from .protocol import Player, Status
from .settings import ServersSettings

log = logging.getLogger("slomix.servers")
CVAR_SECONDS = 10.0  # many askers in a row send one pair of RCON queries
WATCHDOG = Actor(id="servers:watchdog", name="idle watchdog", adapter="scheduler")


class Live(msgspec.Struct, frozen=True, kw_only=True):
    """A server as last seen by the poll (or a command): what the page, the routes and the card show."""

    server: str
    address: str
    at: datetime | None
    online: bool
    error: str | None = None
    hostname: str = ""
    map: str = ""
    gametype: str = ""
    timelimit: float | None = None
    max_clients: int = 0
    humans: int = 0
    players: list[Player] = []

    @classmethod
    def of(cls, name: str, address: str, at: datetime, status: Status | None, error: str | None = None) -> Live:
        if status is None:
            return cls(server=name, address=address, at=at, online=False, error=error)
        return cls(server=name, address=address, at=at, online=True, hostname=status.hostname, map=status.map,
                   gametype=status.gametype, timelimit=status.timelimit, max_clients=status.max_clients,
                   humans=status.humans, players=status.players)


class Sample(msgspec.Struct, frozen=True):
    at: datetime
    online: bool
    players: int
    humans: int
    map: str | None


class AuditLine(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    at: datetime
    server: str
    actor_id: str
    actor_name: str
    adapter: str
    command: str
    ok: bool
    reply: str


class Servers:
    def __init__(self, kernel: Kernel, settings: ServersSettings) -> None:
        self.kernel = kernel
        self.settings = settings
        self.clients: dict[str, GameServer] = {}
        self.hosts: dict[str, Host] = {}
        self._maps: dict[str, tuple[float, list[MapFile]]] = {}
        self._cvars: dict[str, tuple[float, dict[str, str | None]]] = {}
        for name, entry in settings.servers.items():
            try:
                host = resolve(kernel, name, entry)
            except LookupError as error:
                raise ConfigError(f"plugins.servers.servers.{name}.ssh", str(error)) from None
            if host is not None:
                self.hosts[name] = host
            password = entry.rcon_password.reveal() if entry.rcon_password else None
            if password is not None:
                try:
                    protocol.check_password(password)
                except ValueError as error:
                    raise ConfigError(f"plugins.servers.servers.{name}.rcon_password", str(error)) from None
            self.clients[name] = GameServer(name, entry.host, entry.port, password,
                                            timeout=entry.timeout_seconds, retries=entry.retries)
        self.allowed = {word.lower() for word in settings.rcon_allow}
        self._idle_since: dict[str, datetime | None] = {}  # None: the watchdog acted in this idle stretch

    @property
    def db(self) -> Any:
        return self.kernel.db.pool

    def get(self, name: str | None) -> GameServer:
        """The named server; without a name the only one."""
        if not self.clients:
            raise UsageError("no game server is configured: add [plugins.servers.servers.<name>] with host and port")
        if name is None:
            if len(self.clients) > 1:
                raise UsageError(f"which server? one of {', '.join(self.clients)}")
            return next(iter(self.clients.values()))
        found = self.clients.get(name.lower())
        if found is None:
            raise UsageError(f"no server {name!r}: one of {', '.join(self.clients)}")
        return found

    def split_server(self, text: str) -> tuple[GameServer, str]:
        """``main status`` → (main, ``status``) when the first word names a server, else (the only one, text)."""
        first, _, rest = text.strip().partition(" ")
        if first.lower() in self.clients and rest.strip():
            return self.clients[first.lower()], rest.strip()
        return self.get(None), text.strip()

    # -- status --------------------------------------------------------------------------------

    async def status(self, server: GameServer) -> Status:
        """Ask the server now and remember the answer (or that it did not answer)."""
        at = self.kernel.scheduler.clock.now()
        try:
            status = await server.status()
        except ServerError as error:
            await self._record(Live.of(server.name, server.address, at, None, str(error)))
            raise
        await self._record(Live.of(server.name, server.address, at, status))
        return status

    async def poll(self) -> None:
        """Every server at once; one that does not answer is recorded offline."""
        async def one(server: GameServer) -> None:
            try:
                status = await self.status(server)
            except ServerError as error:
                log.info("poll: %s", error)
                self._idle_since.pop(server.name, None)
                return
            await self._watch(server, status)

        async with anyio.create_task_group() as tg:
            for server in self.clients.values():
                tg.start_soon(one, server)
        cutoff = self.kernel.scheduler.clock.now() - timedelta(days=self.settings.history_days)
        await self.db.execute("DELETE FROM servers.samples WHERE at < $1", cutoff)

    async def _watch(self, server: GameServer, status: Status) -> None:
        """The idle watchdog: no human for ``idle_minutes`` → its command, once per idle stretch."""
        dog = self.settings.watchdog
        if not dog.enabled or status.humans:
            self._idle_since.pop(server.name, None)
            return
        now = self.kernel.scheduler.clock.now()
        since = self._idle_since.setdefault(server.name, now)
        if since is None or now - since < timedelta(minutes=dog.idle_minutes):
            return
        self._idle_since[server.name] = None
        if dog.dry_run:
            log.info("watchdog (dry run): %s idle since %s, would run %r", server.name, since, dog.command)
            await self._audit(server, WATCHDOG, "scheduler", dog.command, True,
                              f"dry run: no human since {since:%Y-%m-%d %H:%M} UTC, not sent")
            return
        try:
            await self.rcon(server, dog.command, WATCHDOG, adapter="scheduler")
        except (ServerError, ValueError) as error:
            log.warning("watchdog: %s", error)

    async def _record(self, live: Live) -> None:
        async with self.db.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO servers.live (server, at, online, error, status) VALUES ($1, $2, $3, $4, $5)
                   ON CONFLICT (server) DO UPDATE SET at = EXCLUDED.at, online = EXCLUDED.online,
                   error = EXCLUDED.error, status = coalesce(EXCLUDED.status, servers.live.status)""",
                live.server, live.at, live.online, live.error,
                msgspec.json.encode(live).decode() if live.online else None)
            await conn.execute(
                """INSERT INTO servers.samples (server, at, online, map, players, humans)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
                live.server, live.at, live.online, live.map or None, len(live.players), live.humans)

    async def live(self) -> list[Live]:
        """Every configured server as last seen (never seen: offline, no time)."""
        rows = {r["server"]: r for r in await self.db.fetch("SELECT * FROM servers.live")}
        out = []
        for name, server in self.clients.items():
            row = rows.get(name)
            if row is None:
                out.append(Live(server=name, address=server.address, at=None, online=False, error="not polled yet"))
            elif row["online"]:
                out.append(msgspec.json.decode(row["status"], type=Live))
            else:
                out.append(Live(server=name, address=server.address, at=row["at"], online=False, error=row["error"]))
        return out

    async def history(self, server: GameServer, hours: float) -> list[Sample]:
        since = self.kernel.scheduler.clock.now() - timedelta(hours=hours)
        rows = await self.db.fetch(
            """SELECT at, online, players, humans, map FROM servers.samples
               WHERE server = $1 AND at >= $2 ORDER BY at""", server.name, since)
        return [Sample(r["at"], r["online"], r["players"], r["humans"], r["map"]) for r in rows]

    # -- rcon ----------------------------------------------------------------------------------

    def check_allowed(self, command: str) -> None:
        """The first word is on the allow-list, and nothing could chain a second command."""
        if ";" in command:
            # One command per RCON at the engine's level, but a ; in text that re-enters the
            # command buffer (a cvar, a vstr) would run what follows it: never let one through.
            raise UsageError("an RCON command cannot contain ; (one command at a time)")
        word = command.split(None, 1)[0].lower() if command.strip() else ""
        if word not in self.allowed:
            raise UsageError(f"{word or 'an empty command'!r} is not an allowed RCON command "
                             f"(allowed: {', '.join(sorted(self.allowed))}; see rcon_allow)")

    async def rcon(self, server: GameServer, command: str, actor: Actor, *, adapter: str,
                   retry: bool = False) -> str:
        """Run ``command`` on ``server`` and write who asked, when, what and the reply to the audit log."""
        try:
            reply = await server.rcon(command, retry=retry)
        except (ServerError, ValueError) as error:
            await self._audit(server, actor, adapter, command, False, str(error))
            raise
        await self._audit(server, actor, adapter, command, True, reply)
        return reply

    async def _audit(self, server: GameServer, actor: Actor, adapter: str, command: str, ok: bool,
                     reply: str) -> None:
        await self.db.execute(
            """INSERT INTO servers.rcon_audit (at, server, actor_id, actor_name, adapter, command, ok, reply)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            datetime.now(UTC), server.name, actor.id, actor.name, adapter, command, ok, reply)

    async def cvars(self, server: GameServer, names: tuple[str, ...], actor: Actor, *,
                    adapter: str) -> dict[str, str | None]:
        """Cvars getstatus lacks (``g_currentRound``, ``gamestate``), read over RCON (audited) and kept
        ``CVAR_SECONDS``; unknown when the server has no RCON for us."""
        cached = self._cvars.get(server.name)
        if cached is not None and time.monotonic() - cached[0] < CVAR_SECONDS:
            return cached[1]
        values: dict[str, str | None] = dict.fromkeys(names)
        if server.password is not None:
            try:
                for name in names:
                    values[name] = protocol.parse_cvar(await self.rcon(server, name, actor, adapter=adapter,
                                                                       retry=True))
            except ServerError as error:
                log.info("cvars: %s", error)
        self._cvars[server.name] = (time.monotonic(), values)
        return values

    # -- life cycle over ssh -------------------------------------------------------------------

    def host(self, server: GameServer) -> Host:
        host = self.hosts.get(server.name)
        if host is None:
            raise UsageError(f"{server.name} has no SSH host: set ssh = \"<name of an [[adapters.ssh.servers]] "
                             f"entry>\" in [plugins.servers.servers.{server.name}]")
        return host

    async def control(self, server: GameServer, command: str, actor: Actor, *, adapter: str) -> tuple[int, str]:
        """Run one of the configured life-cycle commands on the server's host, audited like RCON."""
        host = self.host(server)
        try:
            status, output = await host.run(command)
        except RemoteError as error:
            await self._audit(server, actor, adapter, f"ssh: {command}", False, str(error))
            raise
        await self._audit(server, actor, adapter, f"ssh: {command}", status == 0, f"exit {status}\n{output}")
        return status, output

    async def maps(self, server: GameServer, *, refresh: bool = False) -> tuple[list[MapFile], float]:
        """The map files on the server's host and how old that listing is (seconds); cached."""
        host = self.host(server)
        cached = self._maps.get(server.name)
        keep = self.settings.servers[server.name].maps_cache_seconds
        if cached is None or refresh or time.monotonic() - cached[0] > keep:
            cached = self._maps[server.name] = (time.monotonic(), await host.maps())
        return cached[1], time.monotonic() - cached[0]

    async def add_map(self, server: GameServer, name: str, local: Any, actor: Actor, *, adapter: str) -> int:
        """Check an uploaded ``.pk3`` and put it in the maps folder; the number of maps it holds."""
        host = self.host(server)
        what = f"ssh: upload {host.maps_dir}/{name}"
        try:
            check_deletable(name)
            maps = await anyio.to_thread.run_sync(check_pk3, local, name)
            await host.put_map(name, local)
        except (RemoteError, ValueError) as error:
            await self._audit(server, actor, adapter, what, False, str(error))
            raise
        self._maps.pop(server.name, None)
        await self._audit(server, actor, adapter, what, True, f"{maps} map(s)")
        return maps

    async def delete_map(self, server: GameServer, name: str, actor: Actor, *, adapter: str) -> None:
        host = self.host(server)
        self._maps.pop(server.name, None)
        try:
            await host.delete_map(name)
        except (RemoteError, ValueError) as error:
            await self._audit(server, actor, adapter, f"ssh: delete {host.maps_dir}/{name}", False, str(error))
            raise
        await self._audit(server, actor, adapter, f"ssh: delete {host.maps_dir}/{name}", True, "deleted")

    async def audit(self, limit: int = 50) -> list[AuditLine]:
        rows = await self.db.fetch("SELECT * FROM servers.rcon_audit ORDER BY at DESC, id DESC LIMIT $1", limit)
        return [AuditLine(**dict(r)) for r in rows]
