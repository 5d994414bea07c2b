"""Voice presence at log-in: names from GUILD_CREATE (Server Members intent) or over REST (without it)."""

from __future__ import annotations

import anyio
import pytest

from slomix.kernel import hookimpl

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("intent", "fetched"), [(False, 2), (True, 0)])
async def test_with_or_without_the_members_intent_the_log_in_names_who_is_in_voice(
        fake_discord, discord_kernel, intent, fetched):
    seen = []
    arrived = anyio.Event()

    class Listener:
        @hookimpl
        def on_presence(self, presence):
            seen.append(presence)
            arrived.set()

    lobby = fake_discord.add_voice_channel("Lobby")
    for name in ("ann", "bob"):
        await fake_discord.join_voice(fake_discord.user(name), lobby)
    await discord_kernel(extra={"listener": ("plugin", Listener())}, members_intent=intent)
    with anyio.fail_after(5):
        await arrived.wait()
    [login] = seen
    assert [(m.name, m.bot) for m in login.channels[0].members] == [("ann", False), ("bob", False)]
    # Without the intent nextcord caches no member from GUILD_CREATE: each is fetched once.
    assert len(fake_discord.calls("GET", r"/guilds/\d+/members/\d+")) == fetched
