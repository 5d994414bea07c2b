"""Helpers of the greatshot tests: signing in, the CSRF token, the greatshot queue's workers."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import itsdangerous

from slomix.kernel.jobs.worker import work

SESSION_SECRET = "greatshot-test-secret"


def sign_in(client: Any, user_id: str, name: str) -> None:
    """The signed session cookie the Discord login would set."""
    payload = base64.b64encode(json.dumps({"user": {"id": user_id, "name": name}}).encode())
    client.cookies.clear()
    client.cookies.set("slomix_session", itsdangerous.TimestampSigner(SESSION_SECRET).sign(payload).decode())


async def csrf(client: Any) -> str:
    page = await client.get("/greatshot", headers={"accept": "text/html"})
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)


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
