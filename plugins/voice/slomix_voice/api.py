"""The voice plugin's public interface: what other plugins may import.

``TeamsEvent`` is what ``on_teams`` carries when players split into the two team channels
(for the stopwatch's persistent teams and for predictions).
"""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["TeamPlayer", "TeamsEvent"]


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
