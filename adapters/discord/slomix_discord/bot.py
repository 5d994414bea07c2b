"""The nextcord client: prefix messages and slash commands, both answered by the kernel's registry."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nextcord

from slomix.kernel import Actor, Arg, Command, Kernel, Reply, UnknownCommand, UploadedFile, UsageError

from . import paging, slash
from .presence import PresenceTracker
from .render import Rendered, render
from .settings import DiscordSettings

log = logging.getLogger("slomix.discord")

SLASH_MAX = 100  # Discord's limit of chat-input commands per scope


def actor_of(user: nextcord.abc.User) -> Actor:
    return Actor(id=f"discord:{user.id}", name=user.display_name, adapter="discord")


def command_line(content: str, prefix: str) -> str | None:
    """The command line after the prefix (``!stats vid`` → ``stats vid``), or None for chat."""
    if not content.startswith(prefix):
        return None
    line = content[len(prefix):]
    return line if re.match(r"\w", line) else None


class SlomixBot(nextcord.Client):
    """Answers ``<prefix>name args`` messages and ``/name`` interactions from the command registry.

    Both paths end in ``CommandRegistry.invoke``, which checks the permission tier and turns
    a refusal or a crash into a polite Reply; anything that fails here (rendering, Discord)
    is logged with an error id, told to the user when possible, and never stops the bot.
    """

    def __init__(self, kernel: Kernel, settings: DiscordSettings) -> None:
        syncing = settings.sync_commands != "off"
        intents = nextcord.Intents.default()
        intents.message_content = True  # prefix commands read the text (a privileged intent)
        # Names of the people already in voice at log-in (spec §4.2): GUILD_CREATE carries them.
        intents.members = settings.members_intent
        super().__init__(
            intents=intents,
            allowed_mentions=nextcord.AllowedMentions.none(),  # plugin text never pings anyone
            # nextcord also syncs when it meets a command it does not know: by the same rules.
            rollout_update_known=syncing,
            rollout_delete_unknown=syncing and settings.delete_unknown_commands,
            guild_ready_timeout=settings.guild_ready_timeout,
            chunk_guilds_at_startup=False,  # GUILD_CREATE has the voice members; the rest are not needed
        )
        self.kernel = kernel
        self.settings = settings
        self.slash_commands = self._build_slash_commands()
        self.synced = False  # the slash commands of this connection are registered
        self.presence = PresenceTracker()

    # -- slash commands ------------------------------------------------------------

    @property
    def guild_ids(self) -> list[int]:
        """Where the slash commands live: in these guilds, or globally when empty."""
        return self.settings.guild_ids if self.settings.sync_commands != "global" else []

    def _build_slash_commands(self) -> list[nextcord.SlashApplicationCommand]:
        # Built even when sync is off: commands registered earlier need local twins to answer.
        built = []
        for command in sorted(self.kernel.commands.commands.values(), key=lambda c: c.name):
            if len(built) == SLASH_MAX:
                log.warning("discord: more than %d commands; /%s and later are prefix-only", SLASH_MAX, command.name)
                break
            try:
                built.append(slash.build(command, guild_ids=self.guild_ids, run=self._run_slash,
                                         complete=self._complete))
            except (ValueError, TypeError) as error:
                log.warning("discord: /%s is prefix-only: %s", command.name, error)
        return built

    async def on_connect(self) -> None:
        # nextcord forgets its commands on every READY: add them back. Registering waits for on_ready.
        self.synced = False
        for command in self.slash_commands:
            self.add_application_command(command, use_rollout=True, pre_remove=False)

    async def on_guild_available(self, guild: nextcord.Guild) -> None:
        pass  # nextcord would sync this guild's commands here: sync_commands decides instead, in on_ready

    async def on_ready(self) -> None:
        for guild in self.guilds:  # who was already in voice (also after a new IDENTIFY)
            await self.presence.resolve(guild)
            self.kernel.emit("on_presence", presence=self.presence.snapshot(guild, "login"))
        await self.sync_commands()
        self.synced = True

    def dispatch(self, event_name: str, *args: Any, **kwargs: Any) -> None:
        # The picture is taken here, while nextcord parses the event: an ``on_voice_state_update``
        # task runs later, when the next events of a burst may already have changed the cache.
        if event_name == "voice_state_update":
            member, before, after = args
            if self.presence.moved(before, after):
                self.kernel.emit("on_presence", presence=self.presence.snapshot(
                    member.guild, self.presence.reason(before, after), member.id))
        super().dispatch(event_name, *args, **kwargs)

    async def sync_commands(self) -> None:
        """Register the registry's slash commands as ``sync_commands`` says, once the guilds are known.

        ``off`` only matches local commands with those already on Discord (so they answer);
        commands on Discord that the registry lacks are deleted only with ``delete_unknown_commands``.
        """
        syncing = self.settings.sync_commands != "off"
        scopes: list[int | None] = [*self.guild_ids] or [None]
        for scope in scopes:
            try:
                await self.sync_application_commands(
                    guild_id=scope, associate_known=True, update_known=syncing, register_new=syncing,
                    delete_unknown=syncing and self.settings.delete_unknown_commands)
            except nextcord.HTTPException as error:  # e.g. not in that guild, or no applications.commands scope
                log.warning("discord: slash commands not synced %s: %s",
                            f"in guild {scope}" if scope else "globally", error)

    async def _run_slash(self, interaction: nextcord.Interaction, command: Command, values: dict[str, Any]) -> None:
        await interaction.response.defer()  # Discord wants an answer within 3 s; handlers may take longer
        try:
            try:
                args = slash.bind(command, values)
            except UsageError as error:
                reply = Reply.fail(str(error), title="Usage")
            else:
                raw = " ".join([f"/{command.name}", *(f"{k}:{v}" for k, v in values.items() if v is not None)])
                reply = await self.kernel.commands.invoke(self.kernel, command, args, actor_of(interaction.user),
                                                          adapter="discord", channel=str(interaction.channel_id),
                                                          raw=raw)
            await paging.follow_up(interaction, self.render(reply), page_timeout=self.settings.page_timeout)
        except Exception:
            await self._report(f"/{command.name}", interaction.followup.send)

    async def _run_action(self, interaction: nextcord.Interaction, line: str) -> None:
        """A reply's button: run its command line as the person who pressed; only they see the answer."""
        await interaction.response.defer(ephemeral=True, with_message=True)  # "thinking…", then the answer
        try:
            reply = await self.answer(line, actor_of(interaction.user), str(interaction.channel_id))
            await interaction.followup.send(embed=self.render(reply).pages[0], ephemeral=True)
        except Exception:
            await self._report(f"button {line!r}", interaction.followup.send)

    async def _complete(self, interaction: nextcord.Interaction, arg: Arg, text: str) -> None:
        try:
            found = await slash.suggestions(self.kernel, arg, text)
        except Exception:
            log.exception("discord: autocomplete for %s failed", arg.name)
            found = []
        await interaction.response.send_autocomplete(found)

    async def on_interaction(self, interaction: nextcord.Interaction) -> None:
        data: Any = interaction.data or {}
        if interaction.type is nextcord.InteractionType.component and \
                str(data.get("custom_id", "")).startswith(paging.RUN):
            await self._run_action(interaction, data["custom_id"].removeprefix(paging.RUN))
            return
        if (interaction.type is nextcord.InteractionType.application_command
                and self.kernel.commands.get(data.get("name", "")) is None):
            # Still on Discord (not deleted: see delete_unknown_commands) but no longer here.
            reply = Reply.fail(f"/{data.get('name')} is not available any more.", title="Unknown command")
            await interaction.response.send_message(embed=self.render(reply).pages[0], ephemeral=True)
            return
        await self.process_application_commands(interaction)

    # -- prefix commands -----------------------------------------------------------

    async def on_message(self, message: nextcord.Message) -> None:
        if message.author.bot:
            return
        line = command_line(message.content, self.settings.prefix)
        if line is None:
            return
        try:
            actor = actor_of(message.author)
            async with self._attachments(line, message, actor) as files:
                reply = await self.answer(line, actor, str(message.channel.id), files)
            await paging.send(message.channel, self.render(reply), page_timeout=self.settings.page_timeout,
                              reference=message)
        except Exception:
            await self._report(f"{self.settings.prefix}{line.split()[0]}", message.channel.send)

    @asynccontextmanager
    async def _attachments(self, line: str, message: nextcord.Message,
                           actor: Actor) -> AsyncIterator[tuple[UploadedFile, ...]]:
        """The message's attachments, saved to a temporary folder for as long as the command runs,
        when its command takes files and the asker may run it; one over the command's limit is not
        downloaded (the registry refuses it by its size)."""
        words = line.split()
        command = self.kernel.commands.get(words[0]) if words else None
        if (command is None or not command.max_file_bytes or not message.attachments
                or await self.kernel.permissions.tier_of(actor) < command.tier):
            yield ()
            return
        folder = Path(tempfile.mkdtemp(prefix="slomix-discord-"))
        try:
            files = []
            for index, attachment in enumerate(message.attachments):
                path = folder / f"{index}-{Path(attachment.filename).name}"
                if attachment.size <= command.max_file_bytes:
                    path.write_bytes(await attachment.read())
                    files.append(UploadedFile.of_path(path, filename=Path(attachment.filename).name,
                                                      field="attachment"))
                else:
                    files.append(UploadedFile("attachment", Path(attachment.filename).name,
                                              attachment.content_type or "", path, attachment.size, ""))
            yield tuple(files)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    async def answer(self, line: str, actor: Actor, channel: str, files: tuple[UploadedFile, ...] = ()) -> Reply:
        """The registry's answer to a command line, unknown names and bad arguments included."""
        prefix = self.settings.prefix
        try:
            return await self.kernel.commands.dispatch(self.kernel, line, actor, adapter="discord", channel=channel,
                                                       files=files)
        except UnknownCommand as error:
            hint = f" Did you mean {', '.join(prefix + s for s in error.suggestions)}?" if error.suggestions else ""
            return Reply.fail(f"There is no {prefix}{error.name} command.{hint} {prefix}help lists them.",
                              title="Unknown command")
        except UsageError as error:
            return Reply.fail(str(error), title="Usage")

    # -- shared ----------------------------------------------------------------------

    def render(self, reply: Reply) -> Rendered:
        return render(reply, rows_per_page=self.settings.table_rows_per_page)

    async def _report(self, what: str, send: Callable[..., Awaitable[Any]]) -> None:
        error_id = uuid.uuid4().hex[:8]
        log.exception("discord: %s failed, error id %s", what, error_id)
        reply = Reply.fail(f"Something went wrong. Error id {error_id}.", title="Error", footer=f"error id {error_id}")
        try:
            await send(embed=self.render(reply).pages[0])
        except Exception as error:  # Discord itself is failing: the log has it
            log.warning("discord: could not tell the user about error %s: %s", error_id, error)

    def state(self) -> dict[str, Any]:
        """For the health report."""
        ready = self.is_ready() and self.synced and not self.is_closed()
        return {"state": "ready" if ready else "closed" if self.is_closed() else "connecting",
                "latency_ms": round(self.latency * 1000, 1) if ready and self.latency != float("inf") else None,
                "guilds": len(self.guilds), "slash_commands": len(self.slash_commands)}
