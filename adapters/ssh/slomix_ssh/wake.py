"""The fast path: a round-end webhook wakes the pollers, in this process or another one.

PostgreSQL NOTIFY carries the signal, so it works wherever the webhook lands (several HTTP
processes behind a load balancer, one process polling).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio

CHANNEL = "slomix_ssh_wake"

log = logging.getLogger("slomix.ssh")


async def notify(pool: Any) -> None:
    await pool.execute("SELECT pg_notify($1, '')", CHANNEL)


async def listen(pool: Any, on_wake: Callable[[], None], retry_seconds: float = 5.0) -> None:
    """Call ``on_wake`` on every notification until cancelled; listen again after a lost connection."""

    def deliver(*_: Any) -> None:
        on_wake()

    while True:
        try:
            async with pool.acquire() as conn:
                lost = anyio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, deliver)
                try:
                    await lost.wait()
                finally:
                    with anyio.CancelScope(shield=True):
                        if not conn.is_closed():
                            await conn.remove_listener(CHANNEL, deliver)
        except Exception as error:
            log.warning("ssh: webhook wake-ups unavailable (%s); polling continues", error)
        await anyio.sleep(retry_seconds)
