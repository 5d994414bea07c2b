"""A community on the loopback Discord: voice channels, people, and Slomix with a clock the test moves.

``rig.start(at=...)`` runs a kernel (voice + stats plugins, Discord adapter) on the rig's one
database, so ``rig.stop()`` then ``rig.start()`` is a restart mid-evening.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import pytest

from slomix.kernel import Config, Kernel, Presence, hookimpl
from slomix.kernel.scheduler import ManualClock
from slomix.testing.fake_discord import FakeDiscord, FakeMessage, serving
from slomix_voice.evening import presences

TZ = ZoneInfo("Europe/Ljubljana")
EVENING = datetime(2026, 12, 2, 19, 30, tzinfo=TZ)  # a Wednesday
PEOPLE = ["ann", "bob", "cid", "dan", "eve", "fay", "gus", "hal"]


class Recorder:
    """A plugin that keeps what the voice plugin publishes."""

    def __init__(self) -> None:
        self.announcements: list[Any] = []
        self.teams: list[Any] = []
        self.activity: list[tuple[bool, str]] = []

    @hookimpl
    def on_announce(self, announcement):
        self.announcements.append(announcement)

    @hookimpl
    def on_teams(self, event):
        self.teams.append(event)

    @hookimpl
    def on_activity(self, active, reason):
        self.activity.append((active, reason))

    def titles(self, topic: str | None = None) -> list[str]:
        return [a.reply.title for a in self.announcements if topic is None or a.topic == topic]


class Rig:
    def __init__(self, fake: FakeDiscord, templates: Any, tmp_path: Path) -> None:
        self.fake = fake
        self.templates = templates
        self.tmp_path = tmp_path
        self.lobby = fake.add_voice_channel("Lobby")
        self.team_a = fake.add_voice_channel("Team A")
        self.team_b = fake.add_voice_channel("Team B")
        self.afk = fake.add_voice_channel("AFK")
        self.people = [fake.user(name) for name in PEOPLE]
        self.url: str | None = None
        self.kernel: Kernel | None = None
        self.recorder = Recorder()
        self._stack: AsyncExitStack | None = None

    def settings(self, **overrides: Any) -> dict[str, Any]:
        return {"gaming_channel_ids": [self.lobby.id, self.team_a.id, self.team_b.id],
                "lobby_channel_id": self.lobby.id, "team_channel_ids": [self.team_a.id, self.team_b.id],
                "timezone": "Europe/Ljubljana", **overrides}

    async def start(self, at: datetime = EVENING, *, discord: bool = True, extra: dict[str, Any] | None = None,
                    **voice: Any) -> Kernel:
        """Start Slomix at ``at`` (a restart when it ran before: same database)."""
        assert self._stack is None, "stop() first"
        config = {"slomix": {"data_dir": str(self.tmp_path / "data")}, "plugins": {"voice": self.settings(**voice)}}
        if discord:
            config["adapters"] = {"discord": self.fake.settings()}
        plugins = {"recorder": self.recorder, **(extra or {})}
        only = {"voice", "stats", *plugins, *({"discord"} if discord else set())}
        kernel = Kernel(Config(config, source="<test>"), only=only, clock=ManualClock(at),
                        extra={name: ("plugin", plugin) for name, plugin in plugins.items()})
        kernel.load()
        if self.url is None:
            self.url = await self.templates.fresh_database(kernel)
        kernel.db.url = self.url
        self._stack = AsyncExitStack()
        await self._stack.enter_async_context(kernel)
        if discord:
            await self._stack.enter_async_context(serving(kernel))
        self.kernel = kernel
        return kernel

    async def stop(self) -> None:
        assert self._stack is not None
        await self._stack.aclose()
        self._stack = self.kernel = None

    async def close(self) -> None:
        if self._stack is not None:
            await self.stop()
        if self.url is not None:
            await self.templates.drop(self.url)

    @property
    def clock(self) -> ManualClock:
        assert self.kernel is not None
        return self.kernel.scheduler.clock  # type: ignore[return-value]

    async def advance(self, seconds: float) -> None:
        await self.clock.advance(seconds)
        await self.kernel.settle()

    async def seen(self, check: Callable[[Presence], bool], within: float = 5.0) -> Presence:
        """Wait until the voice plugin has taken in a presence for which ``check`` is true."""
        assert self.kernel is not None
        with anyio.fail_after(within):
            while True:
                presence = next(iter(await presences(self.kernel.db.pool)), None)  # one guild here
                if presence is not None and check(presence):
                    await self.kernel.settle()
                    return presence
                await anyio.sleep(0.01)

    async def in_gaming(self, count: int) -> Presence:
        return await self.seen(lambda p: len(p.humans(self.settings()["gaming_channel_ids"])) == count)

    async def join(self, channel: Any, *people: Any) -> None:
        for person in people:
            await self.fake.join_voice(person, channel)

    async def evenings(self) -> list[dict]:
        assert self.kernel is not None
        rows = await self.kernel.db.pool.fetch("SELECT * FROM voice.evenings ORDER BY id")
        return [dict(r) for r in rows]

    async def posted(self, title: str, within: float = 5.0) -> FakeMessage:
        """The bot's message in #announcements with this embed title."""
        return await self.fake.wait_for_message(
            lambda m: m.channel_id == self.fake.announcements.id and m.embed.get("title") == title, within=within)


@pytest.fixture
async def rig(fake_discord, slomix_templates, tmp_path, monkeypatch) -> AsyncIterator[Rig]:
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.token)
    found = Rig(fake_discord, slomix_templates, tmp_path)
    try:
        yield found
    finally:
        await found.close()
