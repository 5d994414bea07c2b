"""The ledger of fetched files: nothing is fetched twice, a rewritten file is fetched again."""

from __future__ import annotations

from typing import Any

from .listing import Entry


class Ledger:
    """One server's rows in ``ssh.fetched``, with the latest (size, mtime) per path in memory
    so that a listing is checked without a query per file."""

    def __init__(self, pool: Any, server: str) -> None:
        self._pool = pool
        self.server = server
        self._latest: dict[str, tuple[int, int]] | None = None

    async def load(self) -> None:
        rows = await self._pool.fetch(
            """SELECT DISTINCT ON (path) path, size, mtime FROM ssh.fetched WHERE server = $1
               ORDER BY path, fetched_at DESC""", self.server)
        self._latest = {r["path"]: (r["size"], r["mtime"]) for r in rows}

    @property
    def loaded(self) -> bool:
        return self._latest is not None

    def knows(self, entry: Entry) -> bool:
        """True when the file is listed exactly as it was when last fetched."""
        assert self._latest is not None, "load() first"
        return self._latest.get(entry.path) == (entry.size, entry.mtime)

    async def has_content(self, entry: Entry, sha256: str) -> bool:
        return await self._pool.fetchval(
            "SELECT true FROM ssh.fetched WHERE server = $1 AND path = $2 AND sha256 = $3",
            self.server, entry.path, sha256) is not None

    async def record(self, entry: Entry, sha256: str, outcome: str) -> None:
        """Remember a file handed on (or, when its content was handed on before, its new listing)."""
        assert self._latest is not None, "load() first"
        await self._pool.execute(
            """INSERT INTO ssh.fetched (server, path, size, mtime, sha256, outcome)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (server, path, sha256)
               DO UPDATE SET size = EXCLUDED.size, mtime = EXCLUDED.mtime, fetched_at = now()""",
            self.server, entry.path, entry.size, entry.mtime, sha256, outcome)
        self._latest[entry.path] = (entry.size, entry.mtime)
