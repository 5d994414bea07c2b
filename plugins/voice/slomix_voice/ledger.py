"""Things done once (a day's poll, each reminder, "game on"): "due and not yet done", restart-safe."""

from __future__ import annotations

from slomix.kernel import Kernel


async def once(kernel: Kernel, key: str) -> bool:
    """Record ``key`` as done; True only for the first caller (so only it acts)."""
    return bool(await kernel.db.pool.fetchval(
        "INSERT INTO voice.ledger (key, done_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING true",
        key, kernel.scheduler.clock.now()))

