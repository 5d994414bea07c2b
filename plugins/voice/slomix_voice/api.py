"""The voice plugin's public interface: what other plugins may import.

``TeamsEvent`` is what ``on_teams`` carries when players split into the two team channels
(for the stopwatch's persistent teams and for predictions); ``in_voice`` says who is in the
gaming voice channels now (e.g. for a balance command that needs no names typed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from slomix.kernel import VoiceMember

from . import evening

__all__ = ["TeamPlayer", "TeamsEvent", "VoiceMember", "in_voice"]


class TeamPlayer(msgspec.Struct, frozen=True, kw_only=True):
    actor_id: str  # "discord:<id>", as Actor.id
    name: str
    guid: str | None  # the linked game GUID (stats), None when the member has not linked one


class TeamsEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Two lineups, each from its team channel (voice channel order is not the game side)."""

    guild_id: int
    at: datetime
    channels: list[str]  # the two team channels' names
    teams: list[list[TeamPlayer]]


async def in_voice(kernel: Any, channel_ids: list[int] | None = None) -> list[VoiceMember]:
    """The people (no bots) in the voice channels now, as last reported by Discord: in ``channel_ids``,
    or in the configured gaming channels (every voice channel when none are configured)."""
    settings = kernel.settings_for("voice")
    wanted = channel_ids if channel_ids is not None else (settings.gaming_channel_ids or None) if settings else None
    return evening.in_voice(await evening.presences(kernel.db.pool), wanted)
