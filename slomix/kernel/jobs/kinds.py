"""What plugins declare and what their handlers receive: job kinds, the running job, job records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    import asyncpg

    from ..runtime import Kernel

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
STATUSES: tuple[Status, ...] = ("queued", "running", "succeeded", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class JobKind:
    """A kind of durable work a plugin can run (from ``on_jobs``).

    ``handler`` is ``async def run(job: Job)``. ``queue`` groups kinds for workers
    (``slomix worker --queue``); ``timeout`` bounds one attempt; a failed attempt is tried
    again up to ``retries`` times, waiting ``backoff_seconds`` × 2^(attempt-1) in between;
    ``priority`` orders the queue (higher first) unless ``enqueue`` says otherwise.
    """

    name: str
    handler: Callable[[Job], Awaitable[Any]]
    queue: str = "default"
    timeout: float = 3600.0
    retries: int = 3
    priority: int = 0
    backoff_seconds: float = 5.0
    plugin: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.retries < 0 or self.backoff_seconds < 0:
            raise ValueError(f"job kind {self.name}: timeout must be positive, retries and backoff not negative")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before trying again after failed attempt number ``attempt``."""
        return self.backoff_seconds * 2 ** max(attempt - 1, 0)


class JobInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A job as ``kernel.jobs.get`` / ``list`` (and ``slomix jobs``) show it."""

    id: int
    kind: str
    queue: str
    status: Status
    priority: int
    attempts: int
    max_attempts: int
    progress: float | None
    message: str | None
    enqueued_by: str
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None
    error: str | None
    key: str | None = None


class AlreadyDone(Exception):
    """``job.once`` found its effect already committed by an earlier attempt: the job is done."""


class Job:
    """What a handler receives: the job, its payload, the kernel, and ways to report and commit."""

    def __init__(self, *, id: int, kind: JobKind, payload: Any, attempt: int, enqueued_by: str,
                 kernel: Kernel) -> None:
        self.id = id
        self.kind = kind
        self.payload = payload
        self.attempt = attempt
        self.enqueued_by = enqueued_by
        self.kernel = kernel

    async def progress(self, percent: float, message: str = "") -> None:
        """Tell how far the job is (0-100) and what it does now; shown by ``slomix jobs`` and /health."""
        await self.kernel.db.pool.execute(
            "UPDATE slomix.jobs SET progress = $2, message = $3 WHERE id = $1",
            self.id, max(0.0, min(100.0, float(percent))), message or None)

    @asynccontextmanager
    async def once(self, conn: asyncpg.Connection, name: str = "effect") -> AsyncIterator[None]:
        """A transaction on ``conn`` in which the job's effect ``name`` is committed exactly once.

        The effect's writes and the record that it happened commit together. When an earlier
        attempt already committed it (its worker died just after), entering raises
        :class:`AlreadyDone`: the body is skipped and the job counts as succeeded. So make the
        effect the last thing a handler does, or give each effect its own ``name``.
        """
        async with conn.transaction():
            first = await conn.fetchval(
                """INSERT INTO slomix.job_effects (job_id, name) VALUES ($1, $2)
                   ON CONFLICT DO NOTHING RETURNING true""", self.id, name)
            if not first:
                raise AlreadyDone(f"job {self.id}: {name} was already committed by an earlier attempt")
            yield
