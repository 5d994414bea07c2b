"""Announcements: an outbox in ``discord.announcements``, posted to the channel by the running bot.

``add`` writes the row (idempotent by key) and wakes the poster; ``run`` posts pending rows
as long as the bot runs. Writing first makes delivery restart-safe and lets a process
without a bot (``slomix import``) announce through the process that has one, which also
polls. A row is claimed before it is posted, so two posters never post it twice; a crash
between posting and recording the post can repeat it once (at-least-once delivery).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import anyio
import msgspec

from slomix.kernel import Announcement, Reply

log = logging.getLogger("slomix.discord")

POLL_SECONDS = 30.0  # how soon an announcement written by another process is seen
MAX_AGE = timedelta(hours=6)  # older pending rows are stale news: expired, not posted
MAX_ATTEMPTS = 5  # after a failure the next try waits attempts × RETRY: about 10 minutes in all
RETRY = timedelta(minutes=1)
CLAIM = timedelta(minutes=5)  # a claim left by a crashed poster is taken over after this

# Posts a reply to the channel, or to a user's direct messages: (channel id, message id).
Post = Callable[[Reply, int | None], Awaitable[tuple[int, int]]]


class Announcer:
    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._wake = anyio.Event()

    async def add(self, announcement: Announcement, recipient: int | None = None) -> None:
        """Record the announcement once per key and wake the poster."""
        reply = msgspec.structs.replace(announcement.reply, data=None)  # data is for machines, not the channel
        with anyio.CancelScope(shield=True):  # finish the write even when the kernel is stopping
            added = await self._pool.fetchval(
                """INSERT INTO discord.announcements (key, topic, reply, recipient) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (key) DO NOTHING RETURNING true""",
                announcement.key, announcement.topic, reply, recipient)
        if added:
            self._wake.set()
        else:
            log.debug("announcement %s was already made: skipped", announcement.key)

    async def run(self, post: Post) -> None:
        """Post pending announcements now and whenever woken (or every POLL_SECONDS)."""
        while True:
            self._wake = anyio.Event()
            await self.deliver(post)
            with anyio.move_on_after(POLL_SECONDS):
                await self._wake.wait()

    async def deliver(self, post: Post) -> int:
        """Post every claimable pending announcement, oldest first; stop at the first failure."""
        posted = 0
        while (row := await self._claim()) is not None:
            key = row["key"]
            if row["stale"]:
                await self._pool.execute(
                    "UPDATE discord.announcements SET status = 'expired' WHERE key = $1", key)
                log.info("announcement %s expired unposted (older than %s)", key, MAX_AGE)
                continue
            try:
                channel_id, message_id = await post(msgspec.json.decode(row["reply"], type=Reply), row["recipient"])
            except Exception as error:
                await self._failed(key, error)
                return posted  # the channel or Discord is failing: the others wait too
            await self._pool.execute(
                """UPDATE discord.announcements SET status = 'posted', posted_at = now(), channel_id = $2,
                   message_id = $3, next_try_at = NULL WHERE key = $1""", key, channel_id, message_id)
            posted += 1
        return posted

    async def _claim(self) -> Any:
        return await self._pool.fetchrow(
            """UPDATE discord.announcements SET attempts = attempts + 1, next_try_at = now() + $1::interval
               WHERE key = (SELECT key FROM discord.announcements
                            WHERE status = 'pending' AND (next_try_at IS NULL OR next_try_at < now())
                            ORDER BY created_at, key LIMIT 1 FOR UPDATE SKIP LOCKED)
               RETURNING key, reply::text AS reply, recipient, created_at < now() - $2::interval AS stale""",
            CLAIM, MAX_AGE)

    async def _failed(self, key: str, error: Exception) -> None:
        text = f"{type(error).__name__}: {error}"
        status = await self._pool.fetchval(
            """UPDATE discord.announcements
               SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END,
                   last_error = $2, next_try_at = now() + attempts * $4::interval
               WHERE key = $1 RETURNING status""", key, text, MAX_ATTEMPTS, RETRY)
        log.warning("announcement %s not posted (%s): %s", key, status, text)

    async def counts(self) -> dict[str, int]:
        """How many announcements are pending, posted, expired and failed (for the health report)."""
        rows = await self._pool.fetch("SELECT status, count(*) AS n FROM discord.announcements GROUP BY status")
        return {row["status"]: row["n"] for row in rows}
