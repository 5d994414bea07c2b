"""Helpers of the greatshot tests: the greatshot queue's workers, and waiting for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from slomix.kernel.jobs.worker import work


@asynccontextmanager
async def working(kernel: Any, concurrency: int = 2) -> AsyncIterator[None]:
    """The greatshot queue's workers, until the block ends."""
    async with anyio.create_task_group() as tg:
        tg.start_soon(work, kernel, ["greatshot"], concurrency)
        try:
            yield
        finally:
            tg.cancel_scope.cancel()


async def until_idle(kernel: Any, within: float = 120) -> None:
    """Wait until no greatshot job is queued or running."""
    with anyio.fail_after(within):
        while await kernel.db.pool.fetchval(  # noqa: ASYNC110 (rows, not an event)
                "SELECT count(*) FROM slomix.jobs WHERE kind LIKE 'greatshot.%' AND status IN ('queued', 'running')"):
            await anyio.sleep(0.05)
