"""The adapter's hooks: settings, its schema, running the bot, announcements, health."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import anyio
import nextcord

from slomix.kernel import Announcement, Kernel, MigrationSet, Reply, hookimpl

from . import paging
from .announce import Announcer
from .bot import SlomixBot
from .settings import DiscordSettings

log = logging.getLogger("slomix.discord")


class DiscordAdapter:
    def __init__(self) -> None:
        self.bot: SlomixBot | None = None
        self.announcer: Announcer | None = None

    @hookimpl
    def on_config_schema(self) -> type:
        return DiscordSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="discord", package="slomix_discord.migrations")

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        self.announcer = Announcer(kernel.db.pool)

    @hookimpl
    async def on_serve(self, kernel: Kernel) -> None:
        settings: DiscordSettings = kernel.settings_for("discord")
        token = settings.token.reveal()
        if token is None:
            log.info("discord adapter idle: set %s (or adapters.discord.token) to connect a bot",
                     settings.token.env)
            return
        bot = self.bot = SlomixBot(kernel, settings)
        async with anyio.create_task_group() as tg:
            if self.announcer is not None:
                tg.start_soon(self._announce_while_connected, bot, settings.announce_channel_id)
            try:
                await self._log_in(bot, token)
                await bot.connect()  # reconnects by itself; returns when closed
            except nextcord.LoginFailure:
                log.error("discord: the token in %s was refused", settings.token.env)
            except nextcord.PrivilegedIntentsRequired:
                log.error("discord: enable the Message Content intent (and Server Members, with members_intent) "
                          "for the bot in the developer portal")
            finally:
                tg.cancel_scope.cancel()
                with anyio.CancelScope(shield=True):
                    await bot.close()

    @staticmethod
    async def _log_in(bot: SlomixBot, token: str) -> None:
        """Log in, waiting out a Discord (or network) outage; nextcord retries by itself only once connected."""
        delay = 1.0
        while True:
            try:
                return await bot.login(token)
            except (OSError, aiohttp.ClientError, nextcord.DiscordServerError) as error:
                log.warning("discord: cannot reach Discord (%s); trying again in %.0f s", error, delay)
                await anyio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def _announce_while_connected(self, bot: SlomixBot, channel_id: int | None) -> None:
        assert self.announcer is not None

        async def post(reply: Reply, recipient: int | None) -> tuple[int, int]:
            channel: Any
            if recipient is not None:
                user = bot.get_user(recipient) or await bot.fetch_user(recipient)
                channel = user.dm_channel or await user.create_dm()
            elif channel_id is None:
                raise RuntimeError("no announce channel is configured (adapters.discord.announce_channel_id)")
            else:
                channel = bot.get_channel(channel_id) or await bot.fetch_channel(channel_id)
            message = await paging.send(channel, bot.render(reply), page_timeout=bot.settings.page_timeout)
            return channel.id, message.id

        await bot.wait_until_ready()
        await self.announcer.run(post)

    @hookimpl
    def on_announce(self, announcement: Announcement, kernel: Kernel) -> None:
        settings: DiscordSettings = kernel.settings_for("discord")
        recipient = None
        if announcement.to is not None:
            adapter, _, user_id = announcement.to.partition(":")
            if adapter != "discord" or not user_id.isdigit():
                return  # someone another adapter reaches
            recipient = int(user_id)
        elif settings.announce_channel_id is None:
            return
        if self.announcer is None:
            return
        # The caller (an import) goes on at once; the row is written and posted in the background.
        kernel.task_group.start_soon(self.announcer.add, announcement, recipient)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict[str, Any]:
        state = self.bot.state() if self.bot is not None else {"state": "idle"}
        if self.announcer is not None:
            state["announcements"] = await self.announcer.counts()
        return state
