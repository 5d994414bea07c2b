"""The asyncpg pool, on a configured PostgreSQL or an embedded one in the data directory."""

from __future__ import annotations

import errno
import logging
import re
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import msgspec

from . import locks
from .dispatch import describe
from .embedded import EmbeddedPostgres
from .errors import DatabaseFailed, DatabaseUnavailable, SlomixError, StorageFailed

log = logging.getLogger("slomix.database")

CONNECT_TIMEOUT = 10.0
# SQLSTATE classes that say the server failed, not the statement: 08 connection, 53 resources
# (disk full, out of memory), 57 operator intervention (shut down, crashed), 58 system (I/O),
# XX internal (corruption).
SERVER_FAILURES = ("08", "53", "57", "58", "XX")
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS}


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=lambda v: msgspec.json.encode(v).decode(),
            decoder=msgspec.json.decode,
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Reset nothing when a connection returns to the pool.

    asyncpg's default reset query (unlock, close cursors, unlisten, reset settings) costs a
    second round trip for every pooled query, and Slomix leaves no such state behind: locks and
    settings are transaction-scoped (the migrator unlocks its session lock itself), listeners
    are removed by their owner. asyncpg still rolls back an open transaction and drops
    listener callbacks before calling this.
    """


class Database:
    """Owns the pool; ``url=None`` means an embedded server under ``data_dir/pgdata``."""

    def __init__(self, url: str | None, data_dir: Path, *, max_size: int = 10) -> None:
        self.url = url
        self.data_dir = data_dir
        self.max_size = max_size
        self.embedded: EmbeddedPostgres | None = None
        self.pool: asyncpg.Pool | None = None
        self.url_in_use: str = url or ""  # the embedded server's once it runs

    @property
    def kind(self) -> str:
        return "embedded" if self.url is None else "external"

    async def open(self) -> asyncpg.Pool:
        url = self.url
        if url is None:
            self.embedded = EmbeddedPostgres((locks.data_dir(self.data_dir) / "pgdata").resolve())
            url = await anyio.to_thread.run_sync(self.embedded.start)
        self.url_in_use = url
        try:
            self.pool = await asyncpg.create_pool(
                url, min_size=1, max_size=self.max_size, init=_init_connection, reset=_keep_session,
                timeout=CONNECT_TIMEOUT,
            )
        except (OSError, asyncpg.PostgresError, TimeoutError, asyncpg.InterfaceError) as error:
            await self.close()
            raise DatabaseUnavailable(
                f"database unreachable at {redact(url)}: {error or type(error).__name__}"
            ) from error
        return self.pool

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
        if self.embedded is not None:
            await anyio.to_thread.run_sync(self.embedded.stop)
            self.embedded = None

    async def failure(self, error: BaseException) -> SlomixError | None:
        """What ``error`` (raised while storing) says failed, when it was not the data: the
        database (a server failure, or one this probe then finds down) or the local disk."""
        causes = list(_causes(error))
        for cause in causes:
            if _server_failure(cause):
                return DatabaseFailed(f"the database failed: {type(cause).__name__}: {cause}")
        probe = await self.check()
        if probe["status"] != "ok":
            found, first = probe.get("error") or "it is down", describe(error)
            return DatabaseFailed(f"the database failed: {found}" + ("" if found in first else f" (after {first})"))
        for cause in causes:
            if isinstance(cause, OSError) and cause.errno in DISK_ERRNOS:
                return StorageFailed(f"the disk failed: {cause}")
        return None

    async def check(self) -> dict[str, Any]:
        """A health probe: reachable or not, and how long a round trip takes."""
        if self.pool is None:
            return {"status": "down", "kind": self.kind}
        try:
            with anyio.fail_after(2):
                started = anyio.current_time()
                await self.pool.fetchval("SELECT 1")
                latency = anyio.current_time() - started
        except Exception as error:
            return {"status": "down", "kind": self.kind, "error": str(error)}
        return {"status": "ok", "kind": self.kind, "latency_ms": round(latency * 1000, 2)}


def _server_failure(error: BaseException) -> bool:
    if isinstance(error, asyncpg.PostgresError):
        return str(error.sqlstate or "")[:2] in SERVER_FAILURES
    return isinstance(error, asyncpg.exceptions.ConnectionDoesNotExistError | asyncpg.PostgresConnectionError)


def lost_database(error: BaseException) -> bool:
    """Whether ``error`` comes from the database server failing or a connection to it breaking."""
    # InternalClientError: the protocol's state broke, which a connection lost mid-query leaves.
    return any(_server_failure(cause) or isinstance(cause, ConnectionError | asyncpg.InternalClientError) or
               (isinstance(cause, asyncpg.InterfaceError) and "connection" in str(cause))
               for cause in _causes(error))


class OneLineWhenTheDatabaseFails(logging.Filter):
    """A lost database makes every plugin's next query fail: one line each says so; a traceback
    each would bury the one line that matters (which the CLI prints last)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and lost_database(error):
            message = record.getMessage()
            text = f"{type(error).__name__}: {error}"
            record.msg, record.args = (message if str(error) in message else f"{message} ({text})"), None
            record.exc_info, record.exc_text = None, None
        return True


def _causes(error: BaseException) -> Any:
    """``error``, what it groups and what caused it, each once."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, BaseExceptionGroup):
            todo.extend(item.exceptions)
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
