"""The proximity plugin's hooks: settings, migrations, files in, rounds linked, commands, routes, pages."""

from __future__ import annotations

import logging
from typing import Any

from slomix.kernel import FileOutcome, IncomingFile, Kernel, MigrationSet, hookimpl
from slomix_stats import api as stats

from . import cli, commands, demoingest, linking, routes, store, web
from .fileformat import is_proximity_file
from .ingest import Linking, ingest
from .service import Proximity
from .settings import ProximitySettings

log = logging.getLogger("slomix.proximity")


class ProximityPlugin:
    def __init__(self) -> None:
        self.service: Proximity | None = None

    def _service(self) -> Proximity:
        if self.service is None:
            raise RuntimeError("the proximity plugin is not started")
        return self.service

    def _linking(self) -> Linking:
        service = self._service()
        return Linking(window=service.settings.link_window_seconds, timezone=service.timezone)

    def _demo_options(self) -> demoingest.DemoOptions:
        settings = self._service().settings
        return demoingest.DemoOptions(suffixes=tuple(s.lower() for s in settings.demo_suffixes),
                                      sample_ms=settings.demo_sample_ms, linking=self._linking())

    @hookimpl
    def on_config_schema(self) -> type:
        return ProximitySettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="proximity", package="slomix_proximity.migrations", requires=("stats",))

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        self.service = Proximity(kernel, kernel.settings_for("proximity") or ProximitySettings())

    @hookimpl
    def on_command(self, kernel: Kernel):
        return commands.build(self._service)

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.build(self._service) + web.build(self._service)

    @hookimpl
    def on_cli(self, kernel: Kernel):
        return cli.subcommands()

    @hookimpl
    async def on_file(self, files: list[IncomingFile], kernel: Kernel) -> list[FileOutcome | None] | None:
        """Each proximity file of a batch is its own transaction (one round, about a megabyte of rows)."""
        if not any(is_proximity_file(f.name) for f in files):
            return None
        how = self._linking()
        found: list[FileOutcome | None] = []
        async with kernel.db.pool.acquire() as conn:
            for file in files:
                found.append(await ingest(conn, file, how))
        return found

    @hookimpl
    def on_jobs(self, kernel: Kernel):
        return demoingest.kinds(self._demo_options)

    @hookimpl
    async def on_demo(self, demo: IncomingFile, kernel: Kernel) -> None:
        """A demo was stored: its tracks are read by a job (seconds of work, with progress)."""
        job = await demoingest.queue(kernel, demo, self._demo_options())
        if job is not None:
            log.info("proximity: reading the tracks of %s (job %d)", demo.name, job)

    @hookimpl
    async def on_round(self, event: Any, kernel: Kernel) -> None:
        """A stats round was committed: telemetry that waited for it is linked now."""
        if not isinstance(event, stats.RoundEvent):
            return
        how = self._linking()
        async with kernel.db.pool.acquire() as conn, store.transaction(conn):
            linked = await linking.link_waiting(conn, event, window=how.window, timezone=how.timezone)
        if linked:
            log.info("linked proximity round(s) %s to stats round %s", linked, event.round_id)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        row = await kernel.db.pool.fetchrow(
            """SELECT (SELECT count(*) FROM proximity.rounds) AS rounds,
                      (SELECT count(*) FROM proximity.rounds WHERE stats_round_id IS NULL) AS held,
                      (SELECT count(*) FROM proximity.files WHERE status = 'quarantined') AS quarantined""")
        return dict(row)
