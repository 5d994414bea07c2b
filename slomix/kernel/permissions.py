"""Permission tiers (root > admin > moderator > user), kept by the kernel.

Tiers live in the kernel's own schema so that every adapter checks the same
answer; ``root_users`` in ``[slomix]`` bootstraps the first root.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncpg


class Tier(IntEnum):
    USER = 0
    MODERATOR = 1
    ADMIN = 2
    ROOT = 3

    @classmethod
    def parse(cls, text: str) -> Tier:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(t.name.lower() for t in cls)
            raise ValueError(f"unknown tier {text!r} (one of {names})") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: an adapter-qualified id (``discord:1234``, ``cli:local``) and a display name."""

    id: str
    name: str
    adapter: str = "cli"
    # Adapters that authenticate locally (the CLI operator) may vouch for a tier.
    vouched_tier: Tier | None = None


# The operator at the terminal (``slomix cmd``): authenticated by the machine, so root.
CLI_ACTOR = Actor(id="cli:local", name="local operator", adapter="cli", vouched_tier=Tier.ROOT)


class Permissions:
    """Reads and changes tiers; every change is written to the audit log."""

    def __init__(self, pool: asyncpg.Pool | None, root_users: list[str]) -> None:
        self._pool = pool
        self._roots = set(root_users)

    async def tier_of(self, actor: Actor) -> Tier:
        if actor.vouched_tier is not None:
            return actor.vouched_tier
        if actor.id in self._roots:
            return Tier.ROOT
        if self._pool is None:
            return Tier.USER
        tier = await self._pool.fetchval(
            "SELECT tier FROM slomix.permissions WHERE actor_id = $1", actor.id
        )
        return Tier.parse(tier) if tier else Tier.USER

    async def grant(self, actor_id: str, tier: Tier, by: Actor, reason: str = "") -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO slomix.permissions (actor_id, tier, granted_by, reason)
                   VALUES ($1, $2, $3, $4)
                   ON CONFLICT (actor_id) DO UPDATE
                   SET tier = EXCLUDED.tier, granted_by = EXCLUDED.granted_by,
                       reason = EXCLUDED.reason, granted_at = now()""",
                actor_id, str(tier), by.id, reason,
            )
            await self._audit(conn, "grant", actor_id, str(tier), by, reason)

    async def revoke(self, actor_id: str, by: Actor, reason: str = "") -> bool:
        assert self._pool is not None
        async with self._pool.acquire() as conn, conn.transaction():
            removed = await conn.fetchval(
                "DELETE FROM slomix.permissions WHERE actor_id = $1 RETURNING tier", actor_id
            )
            if removed:
                await self._audit(conn, "revoke", actor_id, removed, by, reason)
            return removed is not None

    async def holders(self) -> list[dict[str, Any]]:
        assert self._pool is not None
        rows = await self._pool.fetch(
            "SELECT actor_id, tier, granted_by, granted_at, reason FROM slomix.permissions"
            " ORDER BY tier, actor_id"
        )
        return [dict(r) for r in rows]

    async def audit(self, limit: int = 10) -> list[dict[str, Any]]:
        assert self._pool is not None
        rows = await self._pool.fetch(
            "SELECT at, action, actor_id, tier, by_actor, reason FROM slomix.permission_audit"
            " ORDER BY id DESC LIMIT $1",
            limit,
        )
        return [dict(r) for r in rows]

    async def record(self, action: str, actor_id: str, by: Actor, reason: str = "") -> None:
        """Log a refusal or another notable permission event."""
        if self._pool is not None:
            await self._audit(self._pool, action, actor_id, None, by, reason)

    @staticmethod
    async def _audit(conn: Any, action: str, actor_id: str, tier: str | None, by: Actor,
                     reason: str) -> None:
        await conn.execute(
            """INSERT INTO slomix.permission_audit (action, actor_id, tier, by_actor, reason)
               VALUES ($1, $2, $3, $4, $5)""",
            action, actor_id, tier, by.id, reason,
        )
