"""Running jobs: one PgQueuer queue manager per queue, each job under its kind's rules.

A job's attempt: claim it in ``slomix.jobs`` (attempts + 1), run the handler under the kind's
timeout, inside PgQueuer's cancel scope (``kernel.jobs.cancel``) and our own (shutdown), then
record the outcome. A failure with tries left goes back to the queue after the kind's backoff;
a shutdown puts the job back at once without counting the attempt; a worker killed outright
stops heartbeating, and another worker takes the job after ``heartbeat_seconds`` (its
attempt counts: a job that kills every worker stops after its tries).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio
from pgqueuer.core.qm import QueueManager
from pgqueuer.domain.errors import RetryRequested
from pgqueuer.domain.models import Context
from pgqueuer.domain.models import Job as QueuedJob
from pgqueuer.domain.types import Channel

from ..dispatch import describe
from .kinds import AlreadyDone, Job, JobKind
from .queue import SETTINGS, queries

if TYPE_CHECKING:
    from ..runtime import Kernel

log = logging.getLogger("slomix.jobs")

GRACE_SECONDS = 10.0  # how long a stopping worker waits for interrupted jobs to go back to the queue


class JobFailed(Exception):
    """The job's last attempt failed; the message is the error recorded for it."""


class Worker:
    """Runs the jobs of one queue, at most ``concurrency`` at once, until cancelled."""

    def __init__(self, kernel: Kernel, queue: str, concurrency: int, heartbeat_seconds: float) -> None:
        self.kernel = kernel
        self.queue = queue
        self.concurrency = max(1, concurrency)
        self.heartbeat = timedelta(seconds=heartbeat_seconds)
        self.name = f"{socket.gethostname()}:{os.getpid()}:{queue}"
        self.kinds = {k.name: k for k in kernel.jobs.kinds.values() if k.queue == queue}
        self._slots = anyio.Semaphore(self.concurrency)
        self._stops: dict[int, anyio.CancelScope] = {}

    async def run(self) -> None:
        if not self.kinds:
            return
        manager = QueueManager(queries(self.kernel.db.pool), channel=Channel(SETTINGS.channel))
        for name in self.kinds:
            manager.entrypoint(name, accepts_context=True)(self._attempt)
        stopped = anyio.Event()

        async def serve() -> None:
            # Shielded: on shutdown the manager is asked to stop and given time to requeue.
            with anyio.CancelScope(shield=True):
                try:
                    # Looking again every heartbeat period finds the job of a worker that died.
                    # PgQueuer takes a batch per query and room for two: the semaphore holds a
                    # worker of concurrency 1 to one job at a time.
                    batch = max(1, self.concurrency // 2)
                    await manager.run(batch_size=batch, max_concurrent_tasks=max(2 * batch, self.concurrency),
                                      heartbeat_timeout=self.heartbeat, dequeue_timeout=self.heartbeat)
                finally:
                    stopped.set()

        log.info("jobs: worker %s runs %s (at most %d at once)", self.name, ", ".join(sorted(self.kinds)),
                 self.concurrency)
        async with anyio.create_task_group() as tg:
            tg.start_soon(serve)
            try:
                await anyio.sleep_forever()
            finally:
                with anyio.CancelScope(shield=True):
                    manager.shutdown.set()
                    for stop in self._stops.values():
                        stop.cancel()
                    with anyio.move_on_after(GRACE_SECONDS):
                        await stopped.wait()

    async def _attempt(self, queued: QueuedJob, context: Context) -> None:
        pool = self.kernel.db.pool
        kind = self.kinds[queued.entrypoint]
        async with self._slots:
            row = await pool.fetchrow(
                """UPDATE slomix.jobs SET status = 'running', attempts = attempts + 1, started_at = now(),
                       worker = $2, error = NULL
                   WHERE id = $1 AND status IN ('queued', 'running')
                   RETURNING attempts, max_attempts, payload, enqueued_by""", queued.id, self.name)
            if row is None:
                return  # cancelled meanwhile
            if row["attempts"] > row["max_attempts"]:
                await self._finish(queued.id, "failed", f"gave up after {row['max_attempts']} attempts: "
                                                        "its worker stopped each time")
                return
            job = Job(id=queued.id, kind=kind, payload=row["payload"], attempt=row["attempts"],
                      enqueued_by=row["enqueued_by"], kernel=self.kernel)
            error = await self._run(kind, job, context)
        if error is None:
            await self._finish(job.id, "succeeded", None)
        elif context.cancellation.cancel_called:
            log.info("jobs: %s %d cancelled", kind.name, job.id)
        elif error == "":  # stopped by a shutdown: back to the queue, the attempt not counted
            # A cancel that lands while the worker stops wins: the job stays cancelled.
            if await self._requeue(job.id, "attempts = attempts - 1"):
                raise RetryRequested(delay=timedelta(0), reason="worker stopped")
        elif job.attempt < kind.retries + 1:
            if not await self._requeue(job.id, "error = $2", error):
                return
            delay = kind.delay(job.attempt)
            log.warning("jobs: %s %d attempt %d failed (%s); trying again in %g s", kind.name, job.id, job.attempt,
                        error, delay)
            raise RetryRequested(delay=timedelta(seconds=delay), reason=error)
        else:
            await self._finish(job.id, "failed", error)
            raise JobFailed(f"{kind.name} {job.id}: {error}")

    async def _run(self, kind: JobKind, job: Job, context: Context) -> str | None:
        """Run the handler: None when it succeeded, "" when a shutdown stopped it, else the error."""
        stop = self._stops[job.id] = anyio.CancelScope()
        try:
            with context.cancellation, stop:
                with anyio.fail_after(kind.timeout):
                    await kind.handler(job)
                return None
            return "" if stop.cancel_called else "cancelled"
        except AlreadyDone:
            return None
        except TimeoutError:
            return f"timed out after {kind.timeout:g} s"
        except Exception as failure:
            log.exception("jobs: %s %d failed", kind.name, job.id)
            return describe(failure)
        finally:
            del self._stops[job.id]

    async def _requeue(self, job_id: int, change: str, *args: Any) -> bool:
        """Put a running job back in the queue; False when it was cancelled meanwhile."""
        return bool(await self.kernel.db.pool.fetchval(
            f"UPDATE slomix.jobs SET status = 'queued', {change} WHERE id = $1 AND status = 'running' RETURNING true",
            job_id, *args))

    async def _finish(self, job_id: int, status: str, error: str | None) -> None:
        await self.kernel.db.pool.execute(
            """UPDATE slomix.jobs SET status = $2, error = $3, finished_at = now(),
                   progress = CASE WHEN $2 = 'succeeded' THEN 100 ELSE progress END
               WHERE id = $1 AND status = 'running'""", job_id, status, error)


async def work(kernel: Kernel, queues: list[str] | None = None, concurrency: int | None = None) -> None:
    """Run a worker for each of ``queues`` (default: every queue a kind names) until cancelled."""
    settings = kernel.config.kernel.jobs
    chosen = queues or kernel.jobs.queues()
    unknown = sorted(set(chosen) - set(kernel.jobs.queues()))
    if unknown:
        log.warning("jobs: no job kind uses queue(s) %s", ", ".join(unknown))
    async with anyio.create_task_group() as tg:
        for queue in chosen:
            count = concurrency or settings.concurrency.get(queue, settings.default_concurrency)
            tg.start_soon(Worker(kernel, queue, count, settings.heartbeat_seconds).run)
