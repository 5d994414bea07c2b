"""Putting telemetry on its stats round, through ``slomix_stats.api`` only.

A round's telemetry belongs to the stats round of the same map and round number that ended
nearest to it, within ``link_window_seconds``, at any hour. Telemetry that arrives first is
held (``stats_round_id`` NULL) and linked when the stats round is committed (``on_round``).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from slomix_stats import api as stats

from . import store


async def link_new(conn: asyncpg.Connection, round_id: int, *, map_name: str, round_number: int, end_unix: int,
                   window: int, timezone: str) -> int | None:
    """Link a round just stored; the stats round's id, or None (held)."""
    ref = await stats.find_round(conn, map_name=map_name, round_number=round_number, end_unix=end_unix,
                                 window_seconds=window, timezone=timezone)
    if ref is not None and await store.link(conn, round_id, ref.round_id):
        return ref.round_id
    return None


async def link_waiting(conn: asyncpg.Connection, event: Any, *, window: int, timezone: str) -> list[int]:
    """After a stats round was committed: link the held telemetry that belongs to it (the nearest
    per source). Returns the proximity rounds linked."""
    refs = await stats.round_refs(conn, [event.round_id], timezone=timezone)
    ref = refs.get(event.round_id)
    if ref is None:
        return []
    rows = await conn.fetch(
        """SELECT DISTINCT ON (source) id FROM proximity.rounds
           WHERE stats_round_id IS NULL AND map_name = $1 AND round_number = $2 AND abs(end_unix - $3) <= $4
           ORDER BY source, abs(end_unix - $3), id""", ref.map_name, ref.round_number, ref.end_unix, window)
    return [row["id"] for row in rows if await store.link(conn, row["id"], ref.round_id)]
