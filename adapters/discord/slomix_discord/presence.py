"""Voice presence: nextcord's voice states as the kernel's ``Presence`` (no feature here)."""

from __future__ import annotations

from datetime import UTC, datetime

import nextcord

from slomix.kernel import Presence, VoiceChannel, VoiceMember
from slomix.kernel.presence import Reason


class PresenceTracker:
    """Remembers since when each person is in their channel; builds a guild's whole picture.

    ``VoiceChannel.voice_states`` is read rather than ``.members``: it has everyone, whether
    or not nextcord cached their member (spec §4.2); names come from the cache when it has them.
    """

    def __init__(self) -> None:
        self._since: dict[tuple[int, int], tuple[int, datetime]] = {}  # (guild, user) → (channel, since)
        self._fetched: dict[tuple[int, int], tuple[str, bool]] = {}  # (guild, user) → (name, bot) from REST

    async def resolve(self, guild: nextcord.Guild) -> None:
        """Fetch the members in voice that nextcord did not cache (no Server Members intent), once each."""
        for channel in guild.voice_channels:
            for uid in channel.voice_states:
                if guild.get_member(uid) is None and (guild.id, uid) not in self._fetched:
                    try:
                        member = await guild.fetch_member(uid)
                    except nextcord.HTTPException:
                        continue  # left meanwhile, or no access: shown by id
                    self._fetched[(guild.id, uid)] = (member.display_name, member.bot)

    @staticmethod
    def moved(before: nextcord.VoiceState, after: nextcord.VoiceState) -> bool:
        """A join, leave or move; False for mute, deafen, stream and video toggles."""
        return getattr(before.channel, "id", None) != getattr(after.channel, "id", None)

    def snapshot(self, guild: nextcord.Guild, reason: Reason, user_id: int | None = None) -> Presence:
        now = datetime.now(UTC)
        channels, present = [], set()
        for channel in sorted(guild.voice_channels, key=lambda c: (c.position, c.id)):
            members = []
            for uid in sorted(channel.voice_states):
                key = (guild.id, uid)
                seen = self._since.get(key)
                if seen is None or seen[0] != channel.id:
                    self._since[key] = seen = (channel.id, now)
                present.add(key)
                member = guild.get_member(uid)
                name, bot = ((member.display_name, member.bot) if member else
                             self._fetched.get(key, (f"user {uid}", False)))
                members.append(VoiceMember(id=uid, name=name, bot=bot, since=seen[1]))
            channels.append(VoiceChannel(id=channel.id, name=channel.name, members=members))
        for key in [k for k in self._since if k[0] == guild.id and k not in present]:
            del self._since[key]
        return Presence(guild_id=guild.id, at=now, reason=reason, channels=channels, user_id=user_id)

    @staticmethod
    def reason(before: nextcord.VoiceState, after: nextcord.VoiceState) -> Reason:
        return "join" if before.channel is None else "leave" if after.channel is None else "move"
