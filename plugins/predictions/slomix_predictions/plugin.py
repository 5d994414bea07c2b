"""The predictions plugin's hooks: settings, migrations, commands, routes, the rebuild job, and
reactions to rounds (a prediction when a map starts, a rebuild when one finishes)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slomix.kernel import JobKind, Kernel, MigrationSet, hookimpl
from slomix_stats import api as stats_api

from . import cli, commands, routes, service, web
from .publish import publish
from .settings import PredictionsSettings

log = logging.getLogger("slomix.predictions")
REBUILD = "predictions.rebuild"


async def _rebuild_job(job) -> None:
    await job.progress(0, "rating the stopwatch history")
    evaluation, maps = await service.rebuild(job.kernel.db.pool)
    await job.progress(100, f"rated {maps} maps; log loss {evaluation.model.log_loss:.4f} on {evaluation.n}")


class PredictionsPlugin:
    def __init__(self) -> None:
        self.settings = PredictionsSettings()

    @hookimpl
    def on_config_schema(self) -> type:
        return PredictionsSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="predictions", package="slomix_predictions.migrations",
                            requires=("stats", "stopwatch"))

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        self.settings = kernel.settings_for("predictions") or PredictionsSettings()
        # Ratings of maps imported while the plugin was off (a rebuild is idempotent).
        kernel.scheduler.later(REBUILD, self.settings.rebuild_delay_seconds, lambda: self._queue(kernel))

    @hookimpl
    def on_command(self, kernel: Kernel):
        return commands.build()

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.build() + web.build()

    @hookimpl
    def on_cli(self, kernel: Kernel):
        return cli.subcommands()

    @hookimpl
    def on_jobs(self, kernel: Kernel) -> list[JobKind]:
        return [JobKind(REBUILD, _rebuild_job, timeout=900, retries=2, priority=5)]

    @hookimpl
    async def on_round(self, event: Any, kernel: Kernel) -> None:
        if not isinstance(event, stats_api.RoundEvent):
            return
        if event.round_number == 1 and self._recent(event.round_time):
            made = await service.predict_round(kernel.db.pool, event)
            if made is not None:
                prediction_id, p = made
                await publish(kernel, prediction_id, f"prediction:{event.match_id}",
                              lambda e: commands.round_prediction(kernel.db.pool, event, p, e))
        # Any change can move a map result: rate again once the imports stop for a moment.
        kernel.scheduler.later(REBUILD, self.settings.rebuild_delay_seconds, lambda: self._queue(kernel))

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        row = await kernel.db.pool.fetchrow(
            """SELECT (SELECT count(*) FROM predictions.ratings) AS players,
                      (SELECT count(*) FROM predictions.maps) AS maps,
                      (SELECT built_at FROM predictions.evaluation) AS built_at""")
        return {"rated_players": row["players"], "rated_maps": row["maps"],
                "rebuilt_at": row["built_at"].isoformat() if row["built_at"] else None}

    def _recent(self, when: datetime) -> bool:
        """Old rounds are history being imported: walk-forward covers them, no live prediction."""
        return datetime.now() - when <= timedelta(hours=self.settings.announce_max_age_hours)

    @staticmethod
    async def _queue(kernel: Kernel) -> None:
        await kernel.jobs.enqueue(REBUILD, key=REBUILD, by="predictions")
