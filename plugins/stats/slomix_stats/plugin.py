"""The stats plugin's hooks: settings, migrations, ingesting files, terminal commands."""

from __future__ import annotations

from slomix.kernel import FileOutcome, IncomingFile, Kernel, MigrationSet, hookimpl

from . import cli, events
from .ingest import Ingestor, kind_of
from .settings import StatsSettings


class StatsPlugin:
    def __init__(self) -> None:
        self.ingestor: Ingestor | None = None

    @hookimpl
    def on_config_schema(self) -> type:
        return StatsSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="stats", package="slomix_stats.migrations")

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        self.ingestor = Ingestor(kernel.settings_for("stats"))

    @hookimpl
    def on_cli(self, kernel: Kernel):
        return cli.subcommands()

    @hookimpl
    async def on_file(self, file: IncomingFile, kernel: Kernel) -> FileOutcome | None:
        if kind_of(file.name) is None or self.ingestor is None:
            return None
        async with kernel.db.pool.acquire() as conn:
            result = await self.ingestor.ingest(conn, file)
        if result is None:
            return None
        # After the commit: reactions see what they are told about.
        news = await events.load(kernel.db.pool, [result.new] if result.new else [], "new")
        updates = await events.load(kernel.db.pool, result.changed, "updated")
        for event in news + updates:
            await kernel.broadcast("on_round", round=event)
        return result.outcome

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        row = await kernel.db.pool.fetchrow(
            """SELECT (SELECT count(*) FROM stats.rounds) AS rounds,
                      (SELECT count(*) FROM stats.files WHERE status = 'held') AS held,
                      (SELECT count(*) FROM stats.files WHERE status = 'quarantined') AS quarantined,
                      (SELECT max(round_time) FROM stats.rounds) AS latest_round""")
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
