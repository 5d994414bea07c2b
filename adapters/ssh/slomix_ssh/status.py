"""Each server's state as shown in /health and `slomix status` (kept in ``ssh.servers``).

The polling process writes it; any process (an HTTP-only one, ``slomix status``) reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(slots=True)
class ServerStatus:
    server: str
    connected: bool = False
    last_poll: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    waiting: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    def error(self, reason: str) -> None:
        self.last_error, self.last_error_at = reason, datetime.now(UTC)

    async def save(self, pool: Any) -> None:
        await pool.execute(
            """INSERT INTO ssh.servers (server, connected, last_poll, last_error, last_error_at, waiting, failed,
                                        updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, now())
               ON CONFLICT (server) DO UPDATE SET connected = $2, last_poll = $3, last_error = $4,
                   last_error_at = $5, waiting = $6, failed = $7, updated_at = now()""",
            self.server, self.connected, self.last_poll, self.last_error, self.last_error_at, self.waiting,
            self.failed)


async def report(pool: Any, servers: list[str]) -> dict[str, dict[str, Any]]:
    """Per configured server: connected, last poll, last error, files fetched, waiting, failed."""
    rows = {r["server"]: r for r in await pool.fetch(
        """SELECT s.*, (SELECT count(*) FROM ssh.fetched f WHERE f.server = s.server) AS files_fetched
           FROM ssh.servers s WHERE s.server = ANY($1::text[])""", servers)}
    out = {}
    for name in servers:
        row = rows.get(name)
        if row is None:
            out[name] = {"connected": False, "last_poll": None, "last_error": None, "files_fetched": 0}
            continue
        out[name] = {
            "connected": row["connected"], "last_poll": _iso(row["last_poll"]), "last_error": row["last_error"],
            "last_error_at": _iso(row["last_error_at"]), "files_fetched": row["files_fetched"],
            "waiting": row["waiting"], "failed": row["failed"], "updated_at": _iso(row["updated_at"]),
        }
    return out


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
