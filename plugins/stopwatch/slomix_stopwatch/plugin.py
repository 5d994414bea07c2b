"""The stopwatch plugin's hooks: migrations, commands, routes, and a recompute on every round."""

from __future__ import annotations

import logging

from slomix.kernel import Kernel, MigrationSet, hookimpl
from slomix_stats.api import RoundEvent

from . import commands, refresh, routes, summary

log = logging.getLogger("slomix.stopwatch")


class StopwatchPlugin:
    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="stopwatch", package="slomix_stopwatch.migrations", requires=("stats",))

    @hookimpl
    def on_command(self, kernel: Kernel):
        return commands.build()

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.build()

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        kernel.scheduler.later("stopwatch.backfill", 0, lambda: self._backfill(kernel))

    @hookimpl
    async def on_round(self, event: RoundEvent, kernel: Kernel) -> None:
        if isinstance(event, RoundEvent):
            await refresh.refresh(kernel.db.pool, event.session_start)

    @hookimpl
    async def on_session_matches(self, session_starts, kernel: Kernel):
        return await summary.session_matches(kernel.db.pool, session_starts)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        row = await kernel.db.pool.fetchrow(
            """SELECT count(DISTINCT session_start) AS sessions, max(session_start) AS latest
               FROM stopwatch.session_results""")
        return {"scored_sessions": row["sessions"],
                "latest_session": row["latest"].isoformat() if row["latest"] else None}

    @staticmethod
    async def _backfill(kernel: Kernel) -> None:
        """Score sessions imported while the plugin was off (a failure is the scheduler's to report)."""
        count = await refresh.backfill(kernel.db.pool)
        if count:
            log.info("scored %d session(s) imported while the stopwatch was off", count)
