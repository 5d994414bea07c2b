"""Settings and lifecycle of the Discord adapter."""

from __future__ import annotations

import logging

import msgspec

from slomix.kernel import Kernel, Secret, hookimpl

log = logging.getLogger("slomix.discord")


class DiscordSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[adapters.discord]``: the bot token is a reference to an environment variable."""

    token: Secret = Secret(env="DISCORD_TOKEN")
    prefix: str = "!"
    guild_ids: list[int] = []
    announce_channel_id: int | None = None


class DiscordAdapter:
    @hookimpl
    def on_config_schema(self) -> type:
        return DiscordSettings

    @hookimpl
    async def on_serve(self, kernel: Kernel) -> None:
        settings: DiscordSettings = kernel.settings_for("discord")
        if settings.token.reveal() is None:
            log.info("discord adapter idle: set %s (or adapters.discord.token) to connect a bot",
                     settings.token.env)
            return
        # The nextcord client is built in the Discord adapter issue; until then say so plainly.
        log.error("discord adapter: a token is set but the bot client is not built yet")
