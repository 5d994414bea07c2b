"""Taking a demo in: checked, deduplicated by content, stored, its analysis queued.

One path for every way a demo arrives (a web upload, ``slomix import``, the SFTP poller, a
Discord attachment): :meth:`Greatshot.accept`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import msgspec

from slomix.kernel import IncomingFile
from slomix.kernel.forms import UploadedFile

from . import sniff
from .settings import GreatshotSettings
from .sniff import NotADemo
from .storage import Storage

if TYPE_CHECKING:
    from slomix.kernel import Kernel

# A fresh upload outranks a bulk backfill (import, SFTP catching up).
PRIORITY_UPLOAD = 10
PRIORITY_BACKFILL = 0


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    filename: str
    sha256: str
    size: int
    duplicate: bool
    status: str
    job_id: int | None = None


@dataclass(frozen=True, slots=True)
class Refused(Exception):
    """An upload the limits refuse (rate, quota, disk): ``status`` is the HTTP answer."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Greatshot:
    def __init__(self, kernel: Kernel, settings: GreatshotSettings) -> None:
        self.kernel = kernel
        self.settings = settings
        self.storage = Storage(kernel.config.data_dir / "greatshot")

    @property
    def db(self):
        return self.kernel.db.pool

    # -- limits ---------------------------------------------------------------------------

    async def admit(self, uploader: str, incoming: int, files: int = 1) -> None:
        """Refuse before reading when the uploader is over his hourly rate, or the disk is short."""
        recent = await self.db.fetchval(
            "SELECT count(*) FROM greatshot.uploads WHERE uploader = $1 AND at > now() - interval '1 hour'", uploader)
        if recent + files > self.settings.uploads_per_hour:
            raise Refused(429, f"rate limit: {self.settings.uploads_per_hour} demo uploads an hour; "
                               f"{recent} in the last hour, try again later")
        await self.disk(incoming)

    async def disk(self, incoming: int) -> None:
        free = await anyio.to_thread.run_sync(self.storage.free_bytes)
        if free < self.settings.free_disk_factor * incoming:
            raise Refused(507, f"not enough free disk for the demo storage: {free} bytes free, "
                               f"{self.settings.free_disk_factor:g}x {incoming} needed")

    async def quota(self, uploader: str, incoming: int) -> None:
        used = await self.db.fetchval(
            "SELECT coalesce(sum(size), 0) FROM greatshot.demos WHERE uploader = $1", uploader)
        if used + incoming > self.settings.quota_bytes:
            raise Refused(413, f"over your storage quota: {used} of {self.settings.quota_bytes} bytes used, "
                               f"this upload needs {incoming} more")

    # -- accepting ------------------------------------------------------------------------

    async def check(self, path: Path, name: str) -> tuple[str, int]:
        """The file's demo extension and size after its framing was checked; NotADemo otherwise."""
        ext = sniff.extension(name)

        def inspect() -> int:
            size = path.stat().st_size
            if size > self.settings.max_upload_bytes:
                raise NotADemo(name, f"larger than the {self.settings.max_upload_bytes} byte limit", status=413)
            sniff.check(path, name)
            return size

        return ext, await anyio.to_thread.run_sync(inspect)

    async def accept(self, path: Path, name: str, *, uploader: str, source: str, priority: int,
                     sha256: str | None = None, keep_source: bool = True) -> Accepted:
        """Store the demo at ``path`` (called ``name`` by its sender) and queue its analysis; the
        same bytes again are the same demo (``duplicate``) and nothing is stored twice."""
        ext, size = await self.check(path, name)
        digest = sha256 or await anyio.to_thread.run_sync(sha256_of, path)
        existing = await self.db.fetchrow("SELECT id, filename, status FROM greatshot.demos WHERE sha256 = $1", digest)
        if existing is not None:
            return Accepted(id=existing["id"], filename=existing["filename"], sha256=digest, size=size,
                            duplicate=True, status=existing["status"])
        relative = self.storage.original(digest, ext)
        await anyio.to_thread.run_sync(lambda: self.storage.adopt(path, relative, keep_source=keep_source))
        # Shielded: a demo row is never left without its analysis by a cancelled caller (a crash in
        # between is caught by ``recover`` at the next start).
        with anyio.CancelScope(shield=True):
            async with self.db.acquire() as conn, conn.transaction():
                demo_id = await conn.fetchval(
                    """INSERT INTO greatshot.demos (sha256, filename, path, size, uploader, source)
                       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING RETURNING id""",
                    digest, name, str(relative), size, uploader, source)
                if demo_id is None:  # the same demo arrived at the same moment by another way
                    row = await conn.fetchrow("SELECT id, filename, status FROM greatshot.demos WHERE sha256 = $1",
                                              digest)
                    return Accepted(id=row["id"], filename=row["filename"], sha256=digest, size=size,
                                    duplicate=True, status=row["status"])
                await conn.execute("INSERT INTO greatshot.uploads (uploader, size) VALUES ($1, $2)", uploader, size)
            job_id = await self.queue(demo_id, "analyse", {"demo_id": demo_id}, priority=priority, by=uploader)
        # Other analysers hear of it too (our own analysis is the job just queued).
        self.kernel.emit("on_demo", demo=IncomingFile(name=name, path=self.storage.absolute(relative), source=source))
        return Accepted(id=demo_id, filename=name, sha256=digest, size=size, duplicate=False, status="stored",
                        job_id=job_id)

    async def take(self, files: Sequence[UploadedFile], uploader: str, *, source: str,
                   priority: int) -> list[Accepted]:
        """Demos a user sent (a web form, a chat attachment): every one is checked before any is
        stored, so one bad file refuses them all and nothing is kept. Raises NotADemo or Refused."""
        await self.admit(uploader, 0, files=len(files))  # every file counts against the rate
        for file in files:
            await self.check(file.path, file.filename)
        await self.quota(uploader, sum(f.size for f in files))
        await self.disk(sum(f.size for f in files))
        return [await self.accept(f.path, f.filename, uploader=uploader, source=source, priority=priority,
                                  sha256=f.sha256, keep_source=False) for f in files]

    async def recover(self) -> list[int]:
        """Queue the analysis of stored demos that have none (the process stopped in between)."""
        rows = await self.db.fetch(
            """SELECT d.id, d.uploader FROM greatshot.demos d WHERE d.status = 'stored' AND NOT EXISTS
                   (SELECT 1 FROM greatshot.demo_jobs j WHERE j.demo_id = d.id AND j.stage = 'analyse')
               ORDER BY d.id""")
        for row in rows:
            await self.queue(row["id"], "analyse", {"demo_id": row["id"]}, priority=PRIORITY_BACKFILL,
                             by=row["uploader"])
        return [r["id"] for r in rows]

    async def quarantine(self, path: Path) -> str:
        """Keep the bytes of a file that is not a demo, by content hash, for an admin to look at."""
        digest = await anyio.to_thread.run_sync(sha256_of, path)
        relative = Path("quarantine") / digest
        await anyio.to_thread.run_sync(lambda: self.storage.adopt(path, relative, keep_source=True))
        return str(relative)

    async def queue(self, demo_id: int, stage: str, payload: dict, *, priority: int, by: str,
                    highlight_id: int | None = None) -> int:
        key = f"greatshot.{stage}:{highlight_id if highlight_id is not None else demo_id}"
        job_id = await self.kernel.jobs.enqueue(f"greatshot.{stage}", payload, priority=priority, key=key, by=by)
        await self.db.execute(
            """INSERT INTO greatshot.demo_jobs (demo_id, job_id, stage, highlight_id) VALUES ($1, $2, $3, $4)
               ON CONFLICT DO NOTHING""", demo_id, job_id, stage, highlight_id)
        return job_id

    async def cancel(self, demo_id: int) -> list[int]:
        """Cancel the demo's queued and running jobs; the ids cancelled."""
        ids = [r["job_id"] for r in await self.db.fetch(
            "SELECT job_id FROM greatshot.demo_jobs WHERE demo_id = $1 ORDER BY job_id", demo_id)]
        cancelled = [job_id for job_id in ids if await self.kernel.jobs.cancel(job_id)]
        if cancelled:
            await self.db.execute(
                "UPDATE greatshot.demos SET status = 'cancelled' WHERE id = $1 AND status IN ('stored', 'analysing')",
                demo_id)
        return cancelled
