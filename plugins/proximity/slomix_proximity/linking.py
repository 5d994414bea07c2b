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
    """After a stats round was committed: link the telemetry that belongs to it (the nearest per source)
    and still has no stats round: held, or linked to a stats round that is gone (the stats file was
    rewritten and its round replaced). Returns the proximity rounds linked."""
    ref = (await stats.round_refs(conn, [event.round_id], timezone=timezone)).get(event.round_id)
    if ref is None:
        return []
    rows = await conn.fetch(
        """SELECT id, source, stats_round_id FROM proximity.rounds
           WHERE map_name = $1 AND round_number = $2 AND abs(end_unix - $3) <= $4
             AND (stats_round_id IS NULL OR stats_round_id <> $5)
           ORDER BY source, abs(end_unix - $3), id""", ref.map_name, ref.round_number, ref.end_unix, window,
        ref.round_id)
    alive = await stats.round_refs(conn, {r["stats_round_id"] for r in rows if r["stats_round_id"]},
                                   timezone=timezone)
    linked, sources = [], set()
    for row in rows:
        if row["source"] in sources or (row["stats_round_id"] is not None and row["stats_round_id"] in alive):
            continue
        if row["stats_round_id"] is not None:
            await store.unlink(conn, row["id"])
        if await store.link(conn, row["id"], ref.round_id):
            linked.append(row["id"])
            sources.add(row["source"])
    return linked
