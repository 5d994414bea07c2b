"""The greatshot plugin's hooks: settings, migrations, demos in (files and uploads), jobs,
commands, routes and pages."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import anyio

from slomix.kernel import FileOutcome, IncomingFile, Kernel, MigrationSet, hookimpl

from . import commands, demo_cli, pipeline, routes, sniff, web
from .service import PRIORITY_BACKFILL, Greatshot
from .settings import GreatshotSettings
from .sniff import NotADemo

log = logging.getLogger("slomix.greatshot")


def is_demo(name: str) -> bool:
    return Path(name).suffix.lower() in sniff.EXTENSIONS


class GreatshotPlugin:
    on_cli = demo_cli.on_cli  # ``slomix demo parse|cut`` (the demo library's own commands)

    def __init__(self) -> None:
        self.service: Greatshot | None = None

    def _service(self) -> Greatshot:
        if self.service is None:
            raise RuntimeError("the greatshot plugin is not started")
        return self.service

    @hookimpl
    def on_config_schema(self) -> type:
        return GreatshotSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="greatshot", package="slomix_greatshot.migrations", requires=("stats",))

    @hookimpl
    async def on_startup(self, kernel: Kernel) -> None:
        self.service = Greatshot(kernel, kernel.settings_for("greatshot") or GreatshotSettings())
        recovered = await self.service.recover()
        if recovered:
            log.info("greatshot: queued the analysis of demo(s) %s, stored without one", recovered)

    @hookimpl
    def on_jobs(self, kernel: Kernel):
        # Kinds are declared before start-up: their settings come from the config directly.
        settings = kernel.settings_for("greatshot") or GreatshotSettings()
        return pipeline.kinds(lambda: self.service or Greatshot(kernel, settings))

    @hookimpl
    def on_command(self, kernel: Kernel):
        return commands.build(self._service, kernel.settings_for("greatshot") or GreatshotSettings())

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        settings = kernel.settings_for("greatshot") or GreatshotSettings()
        return routes.build(lambda: self.service or Greatshot(kernel, settings)) + web.build(self._service)

    @hookimpl
    async def on_file(self, files: list[IncomingFile], kernel: Kernel) -> list[FileOutcome | None] | None:
        """Demos beside the stats files (``slomix import``, the SFTP poller): stored, analysed later
        at backfill priority; a bad one is quarantined with its reason."""
        if not any(is_demo(f.name) for f in files):
            return None
        service = self._service()
        return [await self._take(service, f) if is_demo(f.name) else None for f in files]

    async def _take(self, service: Greatshot, file: IncomingFile) -> FileOutcome:
        with tempfile.TemporaryDirectory(prefix="slomix-demo-") as folder:
            path = Path(file.path) if file.path else Path(folder) / "incoming"
            if not file.path:
                await anyio.Path(path).write_bytes(file.data)
            try:
                found = await service.accept(path, file.name, uploader=file.source, source=file.source,
                                             priority=PRIORITY_BACKFILL, keep_source=bool(file.path))
            except NotADemo as error:
                kept = await service.quarantine(path)
                return FileOutcome(status="quarantined", detail=f"{error} (kept as {kept})", kind="demo")
        return FileOutcome(status="duplicate" if found.duplicate else "stored", kind="demo", ref=str(found.id),
                           detail=f"demo {found.id}" + (" (already stored)" if found.duplicate else
                                                        f", analysis queued as job {found.job_id}"))

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        row = await kernel.db.pool.fetchrow(
            """SELECT count(*) AS demos, count(*) FILTER (WHERE status = 'failed') AS failed,
                      (SELECT count(*) FROM greatshot.highlights) AS highlights FROM greatshot.demos""")
        return dict(row)
