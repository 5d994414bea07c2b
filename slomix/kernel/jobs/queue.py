"""``kernel.jobs``: enqueue, look up, list and cancel durable jobs; run workers.

The queue itself is PgQueuer's (tables ``slomix.pgqueuer*``, LISTEN/NOTIFY, heartbeats that
let another worker take over the job of a dead one, priorities, retries, cancellation);
``slomix.jobs`` keeps what PgQueuer has no place for: the kind's queue, who enqueued it, the
attempts, progress and the last error, and the history after PgQueuer forgets a finished job.
Both rows are written in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import asyncpg
from pgqueuer.adapters.persistence import qb
from pgqueuer.adapters.persistence.queries import Queries
from pgqueuer.domain.settings import DBSettings

from .kinds import STATUSES, JobInfo, JobKind, Status

if TYPE_CHECKING:
    from ..runtime import Kernel

log = logging.getLogger("slomix.jobs")

# Where PgQueuer's objects live: the kernel's schema (migration 0002_pgqueuer.sql).
SETTINGS = DBSettings(db_schema="slomix", prefix="")

_COLUMNS = """id, kind, queue, status, priority, attempts, max_attempts, progress, message, enqueued_by,
              enqueued_at, started_at, finished_at, worker, error, key"""


def queries(db: asyncpg.Connection | asyncpg.Pool) -> Queries:
    """PgQueuer's queries over a connection (inside the caller's transaction) or the pool."""
    driver = (Queries.from_asyncpg_connection(db) if isinstance(db, asyncpg.Connection)
              else Queries.from_asyncpg_pool(db)).driver
    return Queries(driver, qbe=qb.QueryBuilderEnvironment(SETTINGS), qbq=qb.QueryQueueBuilder(SETTINGS),
                   qbs=qb.QuerySchedulerBuilder(SETTINGS))


class Jobs:
    """The job kinds every plugin declared, and the operations on their jobs."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.kinds: dict[str, JobKind] = {}

    def add(self, kind: JobKind) -> None:
        """Register a kind; a name already taken is refused with its owner's name."""
        if kind.name in self.kinds:
            raise ValueError(f"job kind {kind.name!r} is already declared by {self.kinds[kind.name].plugin!r}")
        self.kinds[kind.name] = kind

    def drop(self, plugin: str) -> None:
        self.kinds = {name: kind for name, kind in self.kinds.items() if kind.plugin != plugin}

    def kind(self, kind: JobKind | str) -> JobKind:
        name = kind.name if isinstance(kind, JobKind) else kind
        if name not in self.kinds:
            raise LookupError(f"no job kind {name!r} (declared: {', '.join(sorted(self.kinds)) or 'none'})")
        return self.kinds[name]

    def queues(self) -> list[str]:
        return sorted({kind.queue for kind in self.kinds.values()})

    @property
    def _pool(self) -> asyncpg.Pool:
        pool = self.kernel.db.pool
        if pool is None:
            raise RuntimeError("the kernel is not started")
        return pool

    async def enqueue(self, kind: JobKind | str, payload: Any = None, *, priority: int | None = None,
                      key: str | None = None, by: str = "kernel") -> int:
        """Queue a job of ``kind`` with a JSON-able ``payload``; returns its id.

        ``key`` makes it idempotent: while a job with that key is queued or running, asking
        again returns that job's id. ``by`` says who asked (an actor id, a plugin name).
        """
        kind = self.kind(kind)
        rank = kind.priority if priority is None else priority
        async with self._pool.acquire() as conn, conn.transaction():
            [job_id] = await queries(conn).enqueue(kind.name, None, rank, dedupe_key=key, on_conflict="skip")
            if job_id is None:
                existing = await conn.fetchval(
                    "SELECT id FROM slomix.jobs WHERE key = $1 AND status IN ('queued', 'running')"
                    " ORDER BY id DESC LIMIT 1", key)
                if existing is not None:
                    return existing
                raise RuntimeError(f"job key {key!r} is taken by a job slomix.jobs does not know")
            await conn.execute(
                """INSERT INTO slomix.jobs (id, kind, queue, payload, priority, key, enqueued_by, max_attempts)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                job_id, kind.name, kind.queue, payload, rank, key, by, kind.retries + 1)
        return job_id

    async def get(self, job_id: int) -> JobInfo | None:
        row = await self._pool.fetchrow(f"SELECT {_COLUMNS} FROM slomix.jobs WHERE id = $1", job_id)
        return JobInfo(**dict(row)) if row else None

    async def list(self, *, status: Status | Iterable[Status] | None = None, kind: str | None = None,
                   limit: int = 50) -> list[JobInfo]:
        """Jobs newest first, of the given status(es) and kind."""
        wanted = [status] if isinstance(status, str) else list(status or STATUSES)
        rows = await self._pool.fetch(
            f"""SELECT {_COLUMNS} FROM slomix.jobs WHERE status = ANY($1::text[]) AND ($2::text IS NULL OR kind = $2)
                ORDER BY id DESC LIMIT $3""", wanted, kind, limit)
        return [JobInfo(**dict(r)) for r in rows]

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job (a running handler is interrupted); False when it had
        finished already or does not exist."""
        async with self._pool.acquire() as conn:
            cancelled = await conn.fetchval(
                """UPDATE slomix.jobs SET status = 'cancelled', finished_at = now(), error = 'cancelled'
                   WHERE id = $1 AND status IN ('queued', 'running') RETURNING true""", job_id)
            if cancelled:
                await queries(conn).mark_job_as_cancelled([job_id])
        return bool(cancelled)

    async def summary(self) -> dict[str, Any]:
        """For /health: how many jobs wait and run, and those of the last day that failed."""
        pool = self._pool
        counts = {r["status"]: r["n"] for r in await pool.fetch(
            """SELECT status, count(*) AS n FROM slomix.jobs
               WHERE status IN ('queued', 'running') OR finished_at > now() - interval '1 day'
               GROUP BY status""")}
        running = await self.list(status="running", limit=10)
        failed = await pool.fetch(
            """SELECT id, kind, error, finished_at FROM slomix.jobs
               WHERE status = 'failed' AND finished_at > now() - interval '1 day' ORDER BY id DESC LIMIT 5""")
        return {
            "queued": counts.get("queued", 0), "running": counts.get("running", 0),
            "failed_today": counts.get("failed", 0), "succeeded_today": counts.get("succeeded", 0),
            "in_progress": [{"id": j.id, "kind": j.kind, "progress": j.progress, "message": j.message,
                             "worker": j.worker} for j in running],
            "recent_failures": [{"id": r["id"], "kind": r["kind"], "error": r["error"],
                                 "at": r["finished_at"].isoformat()} for r in failed],
        }

    async def prune(self, days: float) -> int:
        """Forget finished jobs older than ``days`` (and PgQueuer's log of them)."""
        async with self._pool.acquire() as conn, conn.transaction():
            removed = await conn.fetchval(
                """WITH gone AS (DELETE FROM slomix.jobs WHERE status IN ('succeeded', 'failed', 'cancelled')
                                 AND finished_at < now() - make_interval(secs => $1) RETURNING id)
                   SELECT count(*) FROM gone""", days * 86400)
            await conn.execute("DELETE FROM slomix.pgqueuer_log WHERE created < now() - make_interval(secs => $1)",
                               days * 86400)
            await conn.execute("DELETE FROM slomix.job_effects e WHERE NOT EXISTS "
                               "(SELECT 1 FROM slomix.jobs j WHERE j.id = e.job_id)")
        return removed
