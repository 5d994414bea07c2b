"""The servers plugin's hooks: settings, migrations, the poll on a timer (``slomix run``), commands, routes,
pages, health."""

from __future__ import annotations

import logging

from slomix.kernel import Kernel, MigrationSet, hookimpl

from . import commands, hostcommands, routes, web
from .service import Servers
from .settings import ServersSettings

POLL = "servers:poll"
log = logging.getLogger("slomix.servers")


class ServersPlugin:
    def __init__(self) -> None:
        self.service: Servers | None = None

    def _service(self) -> Servers:
        if self.service is None:
            raise RuntimeError("the servers plugin is not started")
        return self.service

    @hookimpl
    def on_config_schema(self) -> type:
        return ServersSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="servers", package="slomix_servers.migrations")

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        self.service = Servers(kernel, kernel.settings_for("servers") or ServersSettings())

    @hookimpl
    async def on_serve(self, kernel: Kernel) -> None:
        """``slomix run``: the poll goes on the kernel's timer (a one-off ``slomix cmd`` asks no server by itself)."""
        service = self._service()
        if not service.clients:
            log.info("servers: no game server configured: add [plugins.servers.servers.<name>] with host and port")
            return
        kernel.scheduler.later(f"{POLL}:first", 0, service.poll)  # the live card is filled at once
        kernel.scheduler.every(POLL, service.settings.poll_seconds, service.poll)

    @hookimpl
    def on_command(self, kernel: Kernel):
        settings = kernel.settings_for("servers") or ServersSettings()
        return commands.build(self._service) + hostcommands.build(self._service, settings.max_map_bytes)

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.build(self._service) + web.build(self._service)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        service = self._service()
        return {"servers": {live.server: {"online": live.online, "map": live.map, "players": len(live.players),
                                          "at": live.at.isoformat() if live.at else None}
                            for live in await service.live()}}
