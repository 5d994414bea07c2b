"""Settings and lifecycle of the SSH adapter."""

from __future__ import annotations

import logging

import msgspec

from slomix.kernel import Kernel, hookimpl

log = logging.getLogger("slomix.ssh")


class GameServer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One ``[[adapters.ssh.servers]]`` entry."""

    name: str
    host: str
    user: str
    key_path: str
    known_hosts: str
    port: int = 22
    stats_dir: str = "/home/et/.etlegacy/legacy/gamestats"
    gametimes_dir: str | None = None
    proximity_dir: str | None = None


class SshSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[adapters.ssh]``."""

    servers: list[GameServer] = []
    poll_seconds: float = 30.0


class SshAdapter:
    @hookimpl
    def on_config_schema(self) -> type:
        return SshSettings

    @hookimpl
    async def on_serve(self, kernel: Kernel) -> None:
        settings: SshSettings = kernel.settings_for("ssh")
        if not settings.servers:
            log.info("ssh adapter idle: add [[adapters.ssh.servers]] (name, host, user, key_path,"
                     " known_hosts) to poll a game server")
            return
        # The SFTP poller is built in the game-server files issue; until then say so plainly.
        log.error("ssh adapter: servers are configured but the SFTP poller is not built yet")
