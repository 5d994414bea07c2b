"""Polling one game server: list, wait until a new file is stable, fetch, hand on, remember.

Cadence: every ``poll_seconds`` (``idle_poll_seconds`` while ``idle`` says nobody plays);
every ``settle_seconds`` while a new file waits to settle or for ``burst_seconds`` after a
wake-up (a round-end webhook). Any failure (connection, SFTP, database) is reported, then the
poller reconnects after 1, 2, 4 ... up to ``backoff_max_seconds``; a wake-up cuts the wait short.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import asyncssh

from slomix.kernel import FileOutcome, IncomingFile, Kernel

from .connection import SESSION_LOST, describe, open_sftp
from .ledger import Ledger
from .listing import Entry, Settler, list_folder
from .settings import GameServer, SshSettings
from .status import ServerStatus
from .transfer import download, keep

log = logging.getLogger("slomix.ssh")

BATCH_FILES = 64  # files of one pass handed to the plugins together


def summarize(outcomes: list[tuple[str, FileOutcome]]) -> str:
    """What the plugins did with a file, for the ledger: "stats: imported (round 12)"."""
    if not outcomes:
        return "no plugin recognised it"
    return "; ".join(f"{plugin}: {o.status}" + (f" ({o.detail})" if o.detail else "") for plugin, o in outcomes)


class Poller:
    def __init__(self, kernel: Kernel, server: GameServer, settings: SshSettings,
                 idle: Callable[[], bool] = lambda: False) -> None:
        self.kernel = kernel
        self.idle = idle
        self.server = server
        self.settings = settings
        self.ledger = Ledger(kernel.db.pool, server.name)
        self.status = ServerStatus(server.name)
        self.incoming = kernel.config.data_dir / "incoming" / server.name
        self.source = f"ssh:{server.name}"
        self._settler = Settler()
        self._held: dict[str, tuple[int, int, float]] = {}  # path -> (size, mtime, retry at)
        self._wake = anyio.Event()
        self._burst_until = 0.0
        self._waiting = 0

    # -- cadence -----------------------------------------------------------------------------

    def wake(self) -> None:
        """Fetch at once and keep polling fast for a while (a round just ended)."""
        self._burst_until = anyio.current_time() + self.settings.burst_seconds
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._wake.wait()
        if self._wake.is_set():
            self._wake = anyio.Event()

    def _next_delay(self) -> float:
        fast = self._waiting > 0 or anyio.current_time() < self._burst_until
        if fast:
            return self.settings.settle_seconds
        if self.idle() and self.settings.idle_poll_seconds is not None:
            return self.settings.idle_poll_seconds
        return self.settings.poll_seconds

    async def run(self) -> None:
        """Poll until cancelled, reconnecting with backoff."""
        failures = 0
        while True:
            try:
                if not self.ledger.loaded:
                    await self.ledger.load()
                async with open_sftp(self.server, self.settings.connect_timeout_seconds) as sftp:
                    self.status.connected = True
                    log.info("ssh %s: connected to %s@%s:%d", self.server.name, self.server.user,
                             self.server.host, self.server.port)
                    while True:
                        await self.poll(sftp)
                        failures = 0
                        await self._sleep(self._next_delay())
            except Exception as error:
                failures += 1
                delay = min(self.settings.backoff_max_seconds, 2.0 ** min(failures - 1, 20))
                self.status.connected = False
                self.status.error(describe(error))
                log.warning("ssh %s: %s (retrying in %.0f s)", self.server.name, self.status.last_error, delay,
                            exc_info=not isinstance(error, OSError | asyncssh.Error | TimeoutError))
                await self._save_status()
                await self._sleep(delay)

    async def _save_status(self) -> None:
        try:
            await self.status.save(self.kernel.db.pool)
        except Exception as error:  # the database may be what failed; the poller carries on
            log.warning("ssh %s: cannot record status: %s", self.server.name, error)

    # -- one pass ------------------------------------------------------------------------------

    async def poll(self, sftp: Any) -> int:
        """List every folder once and fetch what is new and stable; return how many files were handed on."""
        fresh: list[Entry] = []
        listed: set[str] = set()
        for folder in self.server.folders():
            try:
                entries = await list_folder(sftp, folder)
            except asyncssh.SFTPError as error:
                if isinstance(error, SESSION_LOST):
                    raise
                self.status.error(f"cannot list {folder}: {error.reason}")
                listed.update(p for p in self._held if p.startswith(folder + "/"))  # unknown: keep them
                continue
            listed.update(e.path for e in entries)
            fresh.extend(e for e in entries if not self.ledger.knows(e) and not self._held_back(e))
        # Files gone from the server are no longer held back or reported.
        self._held = {p: h for p, h in self._held.items() if p in listed}
        self.status.failed = {p: r for p, r in self.status.failed.items() if p in listed}
        ready, self._waiting = self._settler.ready(fresh)
        fetched = 0
        for start in range(0, len(ready), BATCH_FILES):
            fetched += await self._take(sftp, ready[start:start + BATCH_FILES])
        self.status.last_poll = datetime.now(UTC)
        self.status.waiting = self._waiting
        await self._save_status()
        return fetched

    def _held_back(self, entry: Entry) -> bool:
        held = self._held.get(entry.path)
        if held is None:
            return False
        if held[:2] == (entry.size, entry.mtime) and anyio.current_time() < held[2]:
            return True
        del self._held[entry.path]  # changed, or time to try again
        return False

    def _hold_back(self, entry: Entry, reason: str) -> None:
        self._held[entry.path] = (entry.size, entry.mtime, anyio.current_time() + self.settings.retry_failed_seconds)
        self.status.failed[entry.path] = reason
        self.status.error(f"{entry.path}: {reason}")
        log.warning("ssh %s: left %s on the server: %s", self.server.name, entry.path, reason)

    async def _take(self, sftp: Any, entries: list[Entry]) -> int:
        """Fetch ``entries`` and hand the new ones on together (a catch-up is one batch, not one
        transaction per file); returns how many were handed on."""
        fetched: list[tuple[Entry, str, IncomingFile]] = []
        for entry in entries:
            got = await self._fetch(sftp, entry)
            if got is not None:
                fetched.append(got)
        if not fetched:
            return 0
        outcomes = await self.kernel.ingest_many([file for _entry, _digest, file in fetched])
        for (entry, digest, file), found in zip(fetched, outcomes, strict=True):
            summary = summarize(found)
            if any(outcome.status == "failed" for _plugin, outcome in found):
                self._hold_back(entry, summary)  # not stored: fetched again after retry_failed_seconds
                continue
            await self.ledger.record(entry, digest, summary)
            log.info("ssh %s: fetched %s (%d bytes): %s", self.server.name, entry.path, file.size, summary)
        return len(fetched)

    async def _fetch(self, sftp: Any, entry: Entry) -> tuple[Entry, str, IncomingFile] | None:
        """Download one file and keep a local copy; None when it is held back, unfinished or unchanged."""
        if entry.size > self.settings.max_file_bytes:
            self._hold_back(entry, f"larger than {self.settings.max_file_bytes} bytes")
            return None
        try:
            data = await download(sftp, entry)
        except asyncssh.SFTPError as error:
            if isinstance(error, SESSION_LOST):
                raise
            self._hold_back(entry, error.reason)
            return None
        if len(data) != entry.size:
            self._settler.forget(entry.path)  # written to while we read: let it settle again
            return None
        self.status.failed.pop(entry.path, None)
        digest = hashlib.sha256(data).hexdigest()
        if await self.ledger.has_content(entry, digest):
            await self.ledger.record(entry, digest, "")  # touched, same bytes: nothing to hand on
            return None
        local = await keep(self.incoming, entry.name, data)
        return entry, digest, IncomingFile(name=entry.name, data=data, source=self.source, path=str(local))
