"""Demos in: ``on_demo`` queues a job; the job reads the demo and stores its rounds as tracks (source ``demo``).

Reading a demo takes seconds, so it is a kernel job (``proximity.demo_tracks``) with progress,
never the event's listener. The job's effect (the demo's file row and its rounds) commits once
(``job.once``); the same bytes again change nothing; a demo that cannot be read is kept as a
quarantined file row with the library's reason (file, byte offset, message number).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import asyncpg

from slomix.kernel import IncomingFile, Job, JobKind, Kernel
from slomix_greatshot import api as demos
from slomix_stats import api as stats

from . import demotracks, linking, store
from .analytics import RoundFacts, derive
from .ingest import Linking

log = logging.getLogger("slomix.proximity")

JOB = "proximity.demo_tracks"
# Progress goes to the database at most this often (in percent of the file read).
PROGRESS_STEP = 5.0


@dataclass(frozen=True, slots=True)
class DemoOptions:
    suffixes: tuple[str, ...]
    sample_ms: int
    linking: Linking


def wanted(name: str, suffixes: tuple[str, ...]) -> bool:
    return name.lower().endswith(suffixes)


async def queue(kernel: Kernel, demo: IncomingFile, options: DemoOptions) -> int | None:
    """Queue the job reading ``demo``; its id (None: not a demo whose tracks we read)."""
    if not wanted(demo.name, options.suffixes):
        return None
    if demo.path is None:
        log.warning("proximity: demo %s came without a stored file: its tracks are not read", demo.name)
        return None
    return await kernel.jobs.enqueue(JOB, {"path": demo.path, "name": demo.name, "source": demo.source},
                                     key=f"{JOB}:{demo.path}", by="proximity")


def _fingerprint(path: str) -> tuple[str, int, float]:
    """(SHA-256, size, modification time) of a stored demo, read in pieces (demos reach 200 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
        status = os.fstat(stream.fileno())
    return digest.hexdigest(), status.st_size, status.st_mtime


def _read(job: Job, path: str, sample_ms: int) -> demos.Demo:
    """Parse in this worker thread, telling the job how far it is (parsing is 90 % of the work)."""
    told = [-PROGRESS_STEP]

    def progress(done: int, total: int) -> None:
        percent = 90.0 * done / total if total else 0.0
        if percent - told[0] >= PROGRESS_STEP:
            told[0] = percent
            anyio.from_thread.run(job.progress, percent, f"reading the demo: {done:,} of {total:,} bytes")

    return demos.parse(path, positions=demotracks.thinning(sample_ms), progress=progress)


async def _known_names(db: Any, demo: demos.Demo) -> dict[str, str]:
    """Names of the demo's players that name exactly one player of the stats history → that player's GUID."""
    found = {}
    for player in demo.players:
        if player.guid or player.team not in demotracks.TEAMS:
            continue
        matches = await stats.find_players(db, player.name, limit=2)
        if len(matches) == 1 and matches[0].name.casefold() == player.name.strip().casefold():
            found[player.name.strip().casefold()] = matches[0].guid
    return found


def make_runner(options: Any) -> Any:
    """The job's handler; ``options()`` gives the started plugin's :class:`DemoOptions`."""

    async def run(job: Job) -> None:
        how: DemoOptions = options()
        path, name, source = job.payload["path"], job.payload["name"], job.payload.get("source", "import")
        pool = job.kernel.db.pool
        try:
            sha256, size, mtime = await anyio.to_thread.run_sync(_fingerprint, path)
        except OSError as error:
            raise FileNotFoundError(f"{name}: the stored demo {path} cannot be read: {error.strerror}") from None
        known = await store.file_by_hash(pool, sha256)
        if known is not None:
            await job.progress(100, f"already read as {known['name']}")
            return
        await job.progress(0, "reading the demo")
        try:
            demo = await anyio.to_thread.run_sync(_read, job, path, how.sample_ms)
        except demos.DemoError as error:
            if isinstance(error.__cause__, OSError):
                raise  # the disk, not the demo: the job fails (and is tried again); nothing is kept as bad
            await _quarantine(job, name, sha256, size, source, str(error))
            return
        keys = demotracks.player_keys(demo, await _known_names(pool, demo))

        def facts() -> list[RoundFacts]:
            at = demotracks.anchor(demo, name=Path(name).name, mtime=mtime, timezone=how.linking.timezone)
            return [derive(t) for t in demotracks.rounds(demo, keys=keys, at=at, sample_ms=how.sample_ms)]

        await job.progress(90, "deriving the analyses")
        found = await anyio.to_thread.run_sync(facts)
        if not found:
            await _quarantine(job, name, sha256, size, source, f"{name}: no round with a player on a side "
                                                                "(nothing to track)")
            return
        async with pool.acquire() as conn, job.once(conn, "tracks"), store.transaction(conn):
            done = await store_rounds(conn, name=name, sha256=sha256, size=size, source=source, rounds=found,
                                      how=how.linking)
        await job.progress(100, "; ".join(done))
        log.info("proximity: %s: %s", name, "; ".join(done))

    return run


async def _quarantine(job: Job, name: str, sha256: str, size: int, source: str, reason: str) -> None:
    async with job.kernel.db.pool.acquire() as conn, job.once(conn, "tracks"), store.transaction(conn):
        if await store.file_by_hash(conn, sha256) is None:
            await store.add_file(conn, name=name, sha256=sha256, status="quarantined", size=size, packed=None,
                                 source=source, reason=reason)
    await job.progress(100, reason)


async def store_rounds(conn: asyncpg.Connection, *, name: str, sha256: str, size: int, source: str,
                       rounds: list[RoundFacts], how: Linking) -> list[str]:
    """The demo's file row and each of its rounds not recorded yet, linked or held; what became of each.
    Inside the caller's :func:`store.transaction`."""
    if await store.file_by_hash(conn, sha256) is not None:
        return ["already read"]
    file_id = await store.add_file(conn, name=name, sha256=sha256, status="imported", size=size, packed=None,
                                   source=source)
    said = []
    for facts in rounds:
        t = facts.telemetry
        what = f"{t.map_name} R{t.round_number}"
        earlier = await store.same_round(conn, facts)
        if earlier is not None:
            said.append(f"{what} is already recorded by {earlier['name']}")
            continue
        round_id = await store.write_round(conn, file_id, facts)
        stats_round = await linking.link_new(conn, round_id, map_name=t.map_name, round_number=t.round_number,
                                             end_unix=t.end_unix, window=how.window, timezone=how.timezone)
        said.append(f"{what}: {sum(len(tr) for tr in t.tracks)} samples, {len(t.kills)} kills; "
                    + (f"stats round {stats_round}" if stats_round else "waiting for its stats round"))
    return said


def kinds(options: Any) -> list[JobKind]:
    # Deterministic failures (an unreadable demo) are quarantined, not retried; a retry is for the database.
    return [JobKind(JOB, make_runner(options), queue="proximity", timeout=1800, retries=2, priority=0)]
