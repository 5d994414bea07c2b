"""The SSH adapter's hooks: settings, its schema, the webhook route, polling, health."""

from __future__ import annotations

import logging

import anyio

from slomix.kernel import Kernel, MigrationSet, hookimpl

from . import status, wake, webhook
from .poller import Poller
from .settings import SshSettings

log = logging.getLogger("slomix.ssh")


class SshAdapter:
    def __init__(self) -> None:
        self.active = True  # until a plugin says nobody plays (on_activity), poll at poll_seconds
        self.pollers: list[Poller] = []

    @hookimpl
    def on_activity(self, active: bool, reason: str, kernel: Kernel) -> None:
        idle_seconds = kernel.settings_for("ssh").idle_poll_seconds
        if active != self.active and idle_seconds is not None and self.pollers:
            log.info("ssh: %s: polling every %g s", reason,
                     kernel.settings_for("ssh").poll_seconds if active else idle_seconds)
        woke = active and not self.active
        self.active = active
        if woke:  # the slow sleep ends now
            for poller in self.pollers:
                poller.wake()

    @hookimpl
    def on_config_schema(self) -> type:
        return SshSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="ssh", package="slomix_ssh.migrations")

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return [webhook.route(kernel.settings_for("ssh"))]

    @hookimpl
    async def on_serve(self, kernel: Kernel) -> None:
        settings: SshSettings = kernel.settings_for("ssh")
        if not settings.servers:
            log.info("ssh adapter idle: add [[adapters.ssh.servers]] (name, host, user, key_path,"
                     " known_hosts) to poll a game server")
            return
        pollers = self.pollers = [Poller(kernel, server, settings, idle=lambda: not self.active)
                                  for server in settings.servers]
        for server in settings.servers:
            log.info("ssh: polling %s (%s@%s:%d) every %g s: %s", server.name, server.user, server.host,
                     server.port, settings.poll_seconds, ", ".join(server.folders()))

        def wake_all() -> None:
            for poller in pollers:
                poller.wake()

        async with anyio.create_task_group() as tg:
            for poller in pollers:
                tg.start_soon(poller.run)
            tg.start_soon(wake.listen, kernel.db.pool, wake_all)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        settings: SshSettings = kernel.settings_for("ssh")
        secret = settings.webhook_secret
        return {
            "servers": await status.report(kernel.db.pool, [s.name for s in settings.servers]),
            "webhook": "ready" if secret.reveal() else f"secret not configured (set {secret.env})",
        }
