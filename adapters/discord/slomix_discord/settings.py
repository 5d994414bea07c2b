"""``[adapters.discord]``: the adapter's settings, validated by the kernel before start-up."""

from __future__ import annotations

from typing import Literal

import msgspec

from slomix.kernel import Secret

SyncMode = Literal["off", "guild", "global"]


class DiscordSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The bot token is a reference to an environment variable, never the token itself.

    ``sync_commands`` says where slash commands are registered when the bot connects:
    ``global`` (every server the bot is in), ``guild`` (only ``guild_ids``: instant, for
    development) or ``off`` (register nothing; commands registered earlier still answer).
    Commands on Discord that the registry no longer has (a plugin was disabled) are
    deleted only when ``delete_unknown_commands`` is true.
    """

    token: Secret = Secret(env="DISCORD_TOKEN")
    prefix: str = "!"
    sync_commands: SyncMode = "global"
    guild_ids: list[int] = []
    delete_unknown_commands: bool = False
    announce_channel_id: int | None = None
    table_rows_per_page: int = 15
    page_timeout: float = 600.0
    # How long nextcord waits for the guilds after READY before it is ready (its default is 2 s).
    guild_ready_timeout: float = 2.0
    # The privileged Server Members intent (enable it in the developer portal first): names of the
    # people already in voice at log-in come with GUILD_CREATE; without it, one REST call each.
    members_intent: bool = False

    def __post_init__(self) -> None:
        if not self.prefix or self.prefix != self.prefix.strip():
            raise ValueError("prefix must be non-empty and without spaces")
        if self.sync_commands == "guild" and not self.guild_ids:
            raise ValueError("sync_commands = 'guild' needs guild_ids")
        if self.table_rows_per_page < 1:
            raise ValueError("table_rows_per_page must be at least 1")
