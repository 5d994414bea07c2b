"""Slash-command registration follows ``sync_commands`` and never deletes unless told to."""

from __future__ import annotations

import pytest

from slomix.kernel import ConfigError, Kernel
from slomix.kernel.config import Config

pytestmark = pytest.mark.anyio

STALE = {"name": "old_stats", "description": "from a plugin that is disabled now", "type": 1}


async def test_global_sync_registers_the_registry_and_keeps_unknown_commands(discord_kernel, fake_discord) -> None:
    fake_discord.add_command(STALE)
    kernel = await discord_kernel(plugins={"core"})
    assert sorted(fake_discord.commands()) == sorted([*kernel.commands.commands, "old_stats"])
    assert fake_discord.calls("DELETE", r"/applications/.*") == []
    answer = await fake_discord.invoke_slash("old_stats")  # still on Discord, no longer here
    assert answer.ephemeral and answer.embed["title"] == "Unknown command"
    assert answer.embed["description"] == "/old_stats is not available any more."


async def test_delete_unknown_commands_removes_what_the_registry_lost(discord_kernel, fake_discord) -> None:
    fake_discord.add_command(STALE)
    kernel = await discord_kernel(plugins={"core"}, delete_unknown_commands=True)
    assert sorted(fake_discord.commands()) == sorted(kernel.commands.commands)


async def test_guild_sync_registers_in_the_configured_guild_only(discord_kernel, fake_discord) -> None:
    await discord_kernel(plugins={"core"}, sync_commands="guild", guild_ids=[fake_discord.guild_id])
    assert fake_discord.commands() == {}
    in_guild = fake_discord.commands(fake_discord.guild_id)
    assert "help" in in_guild and in_guild["help"]["guild_id"] == str(fake_discord.guild_id)
    assert (await fake_discord.invoke_slash("ping")).embed["title"] == "Pong"


async def test_sync_off_registers_nothing_but_answers_known_commands(discord_kernel, fake_discord) -> None:
    fake_discord.add_command({"name": "ping", "description": "Check that the bot and its database answer"})
    await discord_kernel(plugins={"core"}, sync_commands="off")
    assert list(fake_discord.commands()) == ["ping"]
    assert fake_discord.calls("POST", r"/applications/.*") == fake_discord.calls("PUT", r"/applications/.*") == []
    assert (await fake_discord.invoke_slash("ping")).embed["title"] == "Pong"
    assert (await fake_discord.ask("!help")).embed["title"] == "Commands"  # prefix commands do not need a sync


def test_guild_sync_without_guild_ids_is_a_config_error() -> None:
    config = Config({"adapters": {"discord": {"sync_commands": "guild"}}})
    with pytest.raises(ConfigError, match=r"adapters\.discord: sync_commands = 'guild' needs guild_ids"):
        Kernel(config, only={"discord"}).load()
