"""Announcements reach the configured channel once per key, without holding up whoever announces."""

from __future__ import annotations

import time
from typing import Any

import anyio
import msgspec
import pytest

from slomix.kernel import Announcement, Field, Reply, Table
from slomix.testing.fake_discord import serving

from .conftest import eventually

pytestmark = pytest.mark.anyio


def announcement(key: str, title: str) -> Announcement:
    return Announcement(topic=key.split(":")[0], key=key, reply=Reply(
        title=title, fields=[Field("map", "supply")], tables=[Table(columns=["player", "kills"], rows=[["vid", 9]])],
        data={"for": "machines"}))


async def rows(kernel) -> list[tuple[str, str]]:
    return [(r["key"], r["status"]) for r in await kernel.db.pool.fetch(
        "SELECT key, status FROM discord.announcements ORDER BY key")]


async def rows_become(kernel, expected: list[tuple[str, str]]) -> None:
    async def done() -> bool:
        return await rows(kernel) == expected

    await eventually(done)


async def test_an_announcement_is_posted_once_per_key(discord_kernel, fake_discord) -> None:
    kernel = await discord_kernel(plugins={"core"})
    await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1"))
    await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1"))
    await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1, again"))
    await kernel.broadcast("on_announce", announcement=announcement("session:1", "Session"))
    await fake_discord.wait_for_message(lambda m: m.embed.get("title") == "Session")
    posted = fake_discord.sent_messages(fake_discord.announcements)
    assert [m.embed["title"] for m in posted] == ["Round 1", "Session"]
    assert posted[0].embed["fields"] == [{"name": "map", "value": "supply", "inline": True}]
    assert "vid" in posted[0].embed["description"]
    await rows_become(kernel, [("round:1", "posted"), ("session:1", "posted")])
    assert fake_discord.sent_messages(fake_discord.general) == []


async def test_announcing_does_not_wait_for_discord(discord_kernel, fake_discord) -> None:
    kernel = await discord_kernel()
    fake_discord.throttle("POST", rf"/channels/{fake_discord.announcements.id}/messages", retry_after=0.5)
    started = time.monotonic()
    await kernel.broadcast("on_announce", announcement=announcement("round:7", "Round 7"))
    assert time.monotonic() - started < 0.2
    posted = await fake_discord.wait_for_message(lambda m: m.embed.get("title") == "Round 7")
    assert posted.channel_id == fake_discord.announcements.id
    limited, accepted = fake_discord.calls("POST", r"/channels/\d+/messages")
    assert (limited.status, accepted.status) == (429, 200)
    assert accepted.at - limited.at >= 0.45  # nextcord waited as told


async def test_announcements_survive_a_restart_without_repeating(make_kernel, fake_discord, monkeypatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.token)
    kernel = await make_kernel(plugins={"discord"}, config={"adapters": {"discord": fake_discord.settings()}})
    # No bot yet (an import from the command line): the announcement waits in the outbox.
    await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1"))
    await kernel.broadcast("on_announce", announcement=announcement("round:0", "Too old"))
    await rows_become(kernel, [("round:0", "pending"), ("round:1", "pending")])
    await kernel.db.pool.execute(
        "UPDATE discord.announcements SET created_at = now() - interval '7 hours' WHERE key = 'round:0'")
    async with serving(kernel):
        await rows_become(kernel, [("round:0", "expired"), ("round:1", "posted")])
    async with serving(kernel):  # the bot restarts
        await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1"))
        await kernel.broadcast("on_announce", announcement=announcement("round:2", "Round 2"))
        await rows_become(kernel, [("round:0", "expired"), ("round:1", "posted"), ("round:2", "posted")])
    assert [m.embed["title"] for m in fake_discord.sent_messages()] == ["Round 1", "Round 2"]


async def test_without_an_announce_channel_nothing_is_kept(discord_kernel, fake_discord) -> None:
    kernel = await discord_kernel(announce_channel_id=None)
    await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1"))
    await anyio.sleep(0.1)
    assert await rows(kernel) == [] and fake_discord.sent_messages() == []


async def test_a_channel_that_fails_keeps_the_announcement_pending(discord_kernel, fake_discord, toys) -> None:
    missing = fake_discord._id()  # a channel the bot cannot see
    kernel = await discord_kernel(plugins={"core"}, extra=toys, announce_channel_id=missing)
    await kernel.broadcast("on_announce", announcement=announcement("round:1", "Round 1"))
    async def failed_once() -> Any:
        row = await kernel.db.pool.fetchrow("SELECT * FROM discord.announcements")
        return row if row and row["last_error"] else None

    row = await eventually(failed_once)
    assert row["status"] == "pending" and "Unknown Channel" in row["last_error"]
    assert (await fake_discord.ask("!add 1 1")).embed["description"] == "1 + 1 = 2"


async def test_an_announcement_to_someone_is_a_direct_message(discord_kernel, fake_discord) -> None:
    kernel = await discord_kernel(plugins={"core"})
    bob = fake_discord.user("bob")
    dm = msgspec.structs.replace(announcement("dm:1", "Game on"), to=f"discord:{bob.id}")
    elsewhere = msgspec.structs.replace(announcement("dm:2", "Not ours"), to="telegram:55")
    await kernel.broadcast("on_announce", announcement=dm)
    await kernel.broadcast("on_announce", announcement=elsewhere)
    await rows_become(kernel, [("dm:1", "posted")])  # another adapter's recipient is not recorded here
    [message] = fake_discord.direct_messages(bob)
    assert message.embed["title"] == "Game on"
    assert fake_discord.sent_messages(fake_discord.announcements) == []
