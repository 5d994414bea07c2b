"""The voice plugin's hooks: presence in, evenings and teams out, availability commands, the tonight page."""

from __future__ import annotations

from slomix.kernel import Kernel, MigrationSet, Presence, hookimpl

from . import avail, evening, notify, routes
from .evening import EveningKeeper
from .poll import DailyPoll
from .settings import VoiceSettings
from .teams import TeamWatcher


class VoicePlugin:
    def __init__(self) -> None:
        self.evenings: EveningKeeper | None = None
        self.teams: TeamWatcher | None = None

    @hookimpl
    def on_config_schema(self) -> type:
        return VoiceSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="voice", package="slomix_voice.migrations", requires=("stats",))

    @hookimpl
    def on_command(self, kernel: Kernel):
        return [*avail.build(kernel.settings_for("voice")), *notify.build()]

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.build(kernel.settings_for("voice"))

    @hookimpl
    async def on_startup(self, kernel: Kernel) -> None:
        settings: VoiceSettings = kernel.settings_for("voice")
        self.evenings = EveningKeeper(kernel, settings)
        self.teams = TeamWatcher(kernel, settings)
        await self.evenings.recover()
        open_now = await evening.open_evening(kernel.db.pool)
        kernel.emit("on_activity", active=open_now is not None,
                    reason="an evening is open" if open_now else "no evening open")
        if settings.poll_enabled:
            poll = DailyPoll(kernel, settings)
            poll.schedule()
            await poll.catch_up()

    @hookimpl
    async def on_presence(self, presence: Presence, kernel: Kernel) -> None:
        assert self.evenings is not None and self.teams is not None
        await evening.save_presence(kernel.db.pool, presence)
        await self.evenings.on_presence(presence)
        self.teams.on_presence(presence)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        current = await evening.open_evening(kernel.db.pool)
        settings: VoiceSettings = kernel.settings_for("voice")
        return {"evening": "open" if current else "closed",
                "opened_at": current.opened_at.isoformat() if current else None,
                "in_voice": len(evening.in_voice(await evening.presences(kernel.db.pool),
                                                 settings.gaming_channel_ids or None))}
