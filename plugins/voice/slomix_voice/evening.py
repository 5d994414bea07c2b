"""The gaming evening: opened by enough people in the gaming channels, closed once few stay a while.

The state lives in ``voice.evenings`` (the open evening and since when too few are left), so a
restart mid-evening goes on where it was: the close timer is rescheduled from ``below_since``,
and the log-in picture neither opens a second evening nor resets the timer. Only counts matter:
an event that leaves the count where it was (someone moving between gaming channels) does not
touch the timer; adapters send nothing at all for mute and deafen toggles.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import msgspec

from slomix.kernel import Announcement, Field, Kernel, Presence, Reply, VoiceMember
from slomix.kernel.reply import COLOUR_OK
from slomix_stats import api as stats

from .settings import VoiceSettings

log = logging.getLogger("slomix.voice")


# How long a close that fell due while Slomix was down waits for the log-in's voice picture.
LOGIN_GRACE = timedelta(minutes=2)


class Evening(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    guild_id: int
    opened_at: datetime
    closed_at: datetime | None
    peak: int
    below_since: datetime | None


def _evening(row: Any) -> Evening | None:
    return Evening(**dict(row)) if row is not None else None


async def open_evening(db: Any, guild_id: int | None = None) -> Evening | None:
    query = "SELECT * FROM voice.evenings WHERE closed_at IS NULL"
    if guild_id is None:
        return _evening(await db.fetchrow(query + " ORDER BY opened_at DESC LIMIT 1"))
    return _evening(await db.fetchrow(query + " AND guild_id = $1", guild_id))


async def last_evening(db: Any) -> Evening | None:
    return _evening(await db.fetchrow("SELECT * FROM voice.evenings ORDER BY opened_at DESC LIMIT 1"))


async def save_presence(db: Any, presence: Presence) -> None:
    await db.execute(
        """INSERT INTO voice.presence (guild_id, at, presence) VALUES ($1, $2, $3)
           ON CONFLICT (guild_id) DO UPDATE SET at = $2, presence = $3""",
        presence.guild_id, presence.at, presence)


async def presences(db: Any) -> list[Presence]:
    """The voice picture last seen in each guild, latest first."""
    rows = await db.fetch("SELECT presence::text AS p FROM voice.presence ORDER BY at DESC")
    return [msgspec.json.decode(r["p"], type=Presence) for r in rows]


def in_voice(found: list[Presence], channel_ids: list[int] | None) -> list[VoiceMember]:
    """The people in the given channels (all when None), every guild together."""
    return [m for p in found for m in p.humans(channel_ids)]


def names(presence: Presence, channel_ids: list[int] | None) -> str:
    return ", ".join(m.name for m in presence.humans(channel_ids)) or "nobody"


class EveningKeeper:
    """Reacts to presence: opens, keeps and closes evenings; tells the community and the pollers."""

    def __init__(self, kernel: Kernel, settings: VoiceSettings) -> None:
        self.kernel = kernel
        self.settings = settings
        self._lock = anyio.Lock()
        self._started = kernel.scheduler.clock.now()
        self._heard: set[int] = set()  # guilds whose voice picture arrived since start-up

    @property
    def _channels(self) -> list[int] | None:
        return self.settings.gaming_channel_ids or None

    @property
    def _delay(self) -> timedelta:
        return timedelta(minutes=self.settings.close_after_minutes)

    def _timer(self, guild_id: int) -> str:
        return f"voice.close.{guild_id}"

    async def recover(self) -> None:
        """At start-up: put back the close timer of an evening that was closing when we stopped."""
        rows = await self.kernel.db.pool.fetch(
            "SELECT * FROM voice.evenings WHERE closed_at IS NULL AND below_since IS NOT NULL")
        for row in rows:
            evening = _evening(row)
            assert evening is not None and evening.below_since is not None
            self._schedule_close(evening.guild_id, evening.below_since + self._delay)
            log.info("voice: evening %d was closing at the restart; it closes at %s", evening.id,
                     evening.below_since + self._delay)

    async def on_presence(self, presence: Presence) -> None:
        self._heard.add(presence.guild_id)
        count = len(presence.humans(self._channels))
        now = self.kernel.scheduler.clock.now()
        pool = self.kernel.db.pool
        async with self._lock:
            evening = await open_evening(pool, presence.guild_id)
            if evening is None:
                if count >= self.settings.open_at:
                    await self._open(presence, count, now)
                return
            await pool.execute("UPDATE voice.evenings SET peak = greatest(peak, $2) WHERE id = $1", evening.id, count)
            if count < self.settings.close_below:
                if evening.below_since is None:  # the timer starts once, when the count drops
                    await pool.execute("UPDATE voice.evenings SET below_since = $2 WHERE id = $1", evening.id, now)
                    self._schedule_close(presence.guild_id, now + self._delay)
            elif evening.below_since is not None:  # people came back in time
                await pool.execute("UPDATE voice.evenings SET below_since = NULL WHERE id = $1", evening.id)
                self.kernel.scheduler.cancel(self._timer(presence.guild_id))

    async def _open(self, presence: Presence, count: int, now: datetime) -> None:
        evening_id = await self.kernel.db.pool.fetchval(
            "INSERT INTO voice.evenings (guild_id, opened_at, peak) VALUES ($1, $2, $3) RETURNING id",
            presence.guild_id, now, count)
        log.info("voice: evening %d opened with %d in voice", evening_id, count)
        self.kernel.emit("on_activity", active=True, reason=f"{count} people in voice")
        await self.kernel.broadcast("on_announce", announcement=Announcement(
            topic="evening", key=f"voice:open:{evening_id}", reply=Reply(
                title="The evening is on", colour=COLOUR_OK,
                description=f"{count} in voice: {names(presence, self._channels)}. Have fun!")))

    def _schedule_close(self, guild_id: int, when: datetime) -> None:
        self.kernel.scheduler.at(self._timer(guild_id), when, lambda: self._close(guild_id))

    async def _close(self, guild_id: int) -> None:
        pool = self.kernel.db.pool
        now = self.kernel.scheduler.clock.now()
        if guild_id not in self._heard and now < self._started + LOGIN_GRACE:
            # Overdue at start-up: first hear who is in voice now (they may have come back meanwhile).
            self._schedule_close(guild_id, self._started + LOGIN_GRACE)
            return
        async with self._lock:
            evening = await open_evening(pool, guild_id)
            if evening is None or evening.below_since is None or evening.below_since + self._delay > now:
                return  # people came back, or it closed already
            await pool.execute("UPDATE voice.evenings SET closed_at = below_since WHERE id = $1", evening.id)
        log.info("voice: evening %d closed (peak %d)", evening.id, evening.peak)
        self.kernel.emit("on_activity", active=False, reason="the evening is over")
        hours = (evening.below_since - evening.opened_at).total_seconds() / 3600
        summary = await self._session_summary(evening)
        reply = Reply(title="The evening is over",
                      description=f"{hours:.1f} h in voice, up to {evening.peak} people. Thanks for playing!",
                      fields=[Field("Session", summary, inline=False)] if summary else [])
        await self.kernel.broadcast("on_announce", announcement=Announcement(
            topic="evening", key=f"voice:close:{evening.id}", reply=reply))

    async def _session_summary(self, evening: Evening) -> str | None:
        """The stats plugin's session of this evening, in one line (None when nothing was played)."""
        assert evening.below_since is not None
        try:
            tz = ZoneInfo(stats.server_timezone(self.kernel))
        except LookupError:
            return None  # the stats plugin is off
        # Stats times are the game server's wall clock (naive).
        since = evening.opened_at.astimezone(tz).replace(tzinfo=None)
        until = evening.below_since.astimezone(tz).replace(tzinfo=None)
        found = await stats.sessions(self.kernel.db.pool, since=since, until=until, limit=1)
        if not found:
            return None
        s = found[0]
        return (f"{s.start:%Y-%m-%d %H:%M}–{s.end:%H:%M} · {s.valid_rounds} rounds · "
                f"details: !session {s.start:%Y-%m-%d}")
