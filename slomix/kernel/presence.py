"""What travels through ``on_presence``: who is in which voice channel, and since when."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import msgspec

# ``login``: the state found on (re)connecting; the others: one person's channel changed.
Reason = Literal["login", "join", "leave", "move"]


class VoiceMember(msgspec.Struct, frozen=True, kw_only=True):
    """A person in a voice channel. ``actor_id`` matches ``Actor.id`` of the same person."""

    id: int
    name: str
    since: datetime  # when they entered this channel (at login: when the adapter first saw them)
    bot: bool = False
    adapter: str = "discord"

    @property
    def actor_id(self) -> str:
        return f"{self.adapter}:{self.id}"


class VoiceChannel(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    members: list[VoiceMember] = []


class Presence(msgspec.Struct, frozen=True, kw_only=True):
    """The whole voice picture of one guild after a change (or at login).

    Every voice channel is listed, empty ones too, so a listener needs no memory of earlier
    events. Mute, deafen, stream and video toggles are not changes: adapters send none for them.
    """

    guild_id: int
    at: datetime
    reason: Reason
    channels: list[VoiceChannel]
    user_id: int | None = None  # whose change this is (None at login)

    def humans(self, channel_ids: Iterable[int] | None = None) -> list[VoiceMember]:
        """The people (bots left out) in the given channels, or in every channel."""
        wanted = None if channel_ids is None else set(channel_ids)
        return [m for c in self.channels if wanted is None or c.id in wanted for m in c.members if not m.bot]
