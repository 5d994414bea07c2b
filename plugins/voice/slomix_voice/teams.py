"""Teams from the voice channels: a split into the two team channels, and a balance offer in the lobby.

People move one by one, so both wait until the channels have been still for
``balance_after_seconds`` (a debounce), then look at the latest picture.
"""

from __future__ import annotations

import logging

from slomix.kernel import Action, Announcement, Field, Kernel, Presence, Reply
from slomix_stats import api as stats

from . import avail, ledger
from .api import TeamPlayer, TeamsEvent
from .settings import VoiceSettings

log = logging.getLogger("slomix.voice")

BUTTON_LINE_MAX = 89  # a button's command line travels in its custom id (100 characters with the prefix)


class TeamWatcher:
    def __init__(self, kernel: Kernel, settings: VoiceSettings) -> None:
        self.kernel = kernel
        self.settings = settings
        self._latest: Presence | None = None
        self._offered: int | None = None  # the lobby count last offered a split (not twice in a row)

    def on_presence(self, presence: Presence) -> None:
        self._latest = presence
        wait = self.settings.balance_after_seconds
        if len(self.settings.team_channel_ids) == 2:
            self.kernel.scheduler.later("voice.teams", wait, self._check_split)
        if self.settings.lobby_channel_id is not None:
            self.kernel.scheduler.later("voice.lobby", wait, self._check_lobby)

    async def _check_split(self) -> None:
        presence = self._latest
        if presence is None:
            return
        sides = [presence.humans([channel]) for channel in self.settings.team_channel_ids]
        if min(len(side) for side in sides) < self.settings.team_min_players:
            return
        # The same two lineups are announced once a day, restarts included.
        lineup = " vs ".join(",".join(sorted(m.actor_id for m in side)) for side in sides)
        if not await ledger.once(self.kernel, f"teams:{avail.today(self.kernel, self.settings)}:{lineup}"):
            return
        names = {c.id: c.name for c in presence.channels}
        event = TeamsEvent(guild_id=presence.guild_id, at=self.kernel.scheduler.clock.now(),
                           channels=[names.get(c, str(c)) for c in self.settings.team_channel_ids],
                           teams=[[await self._player(m.id, m.actor_id, m.name) for m in side] for side in sides])
        log.info("voice: teams %s", " vs ".join(", ".join(p.name for p in t) for t in event.teams))
        self.kernel.emit("on_teams", event=event)
        await self.kernel.broadcast("on_announce", announcement=Announcement(
            topic="teams", key=f"voice:teams:{event.at:%Y%m%d%H%M%S}", reply=Reply(
                title=f"Teams: {len(event.teams[0])} vs {len(event.teams[1])}",
                fields=[Field(f"{channel} ({len(team)})", ", ".join(p.name for p in team))
                        for channel, team in zip(event.channels, event.teams, strict=True)],
                data=event)))

    async def _player(self, member_id: int, actor_id: str, name: str) -> TeamPlayer:
        return TeamPlayer(actor_id=actor_id, name=name, guid=await stats.linked_guid(self.kernel.db.pool, member_id))

    async def _check_lobby(self) -> None:
        presence = self._latest
        if presence is None or self.settings.lobby_channel_id is None:
            return
        lobby = presence.humans([self.settings.lobby_channel_id])
        count = len(lobby)
        if count not in self.settings.balance_counts or count == self._offered:
            return  # flapping 6 → 5 → 6 is not a new lobby
        self._offered = count
        await self.kernel.broadcast("on_announce", announcement=Announcement(
            topic="teams", key=f"voice:lobby:{self.kernel.scheduler.clock.now():%Y%m%d%H%M%S}:{count}",
            reply=self._offer(count, [m.name for m in lobby])))

    def _offer(self, count: int, names: list[str]) -> Reply:
        title = f"{count} in the lobby — time to make teams"
        # The balance command comes with the ratings plugin: point at it only when it is really there.
        if self.kernel.commands.get("balance") is None:
            return Reply(title=title, description=f"{', '.join(names)}. Pick two captains, or split into the "
                                                   "team channels: a rating-balanced split (!balance) is not "
                                                   "installed here yet.")
        line = "balance " + " ".join(names)
        if len(line) <= BUTTON_LINE_MAX and not any(c.isspace() or c in "\"'" for n in names for c in n):
            return Reply(title=title, description=f"{', '.join(names)}. Press Balance for the most even "
                                                  f"{count // 2} vs {count // 2} split by rating.",
                         actions=[Action(label="Balance", command=line)])
        return Reply(title=title, description=f"{', '.join(names)}. Type !balance and the players' names for "
                                              f"the most even {count // 2} vs {count // 2} split by rating.")
