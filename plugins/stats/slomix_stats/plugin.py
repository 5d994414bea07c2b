"""The stats plugin's hooks: settings, migrations, files in, rounds out, commands, announcements."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import anyio

from slomix.kernel import FileOutcome, IncomingFile, Kernel, MigrationSet, hookimpl

from . import achievements, announce, cli, routes, web
from .api import RoundEvent
from .commands import all_commands
from .commands.common import State
from .ingest import Ingestor, Result, kind_of
from .queries import StatsQueries
from .settings import StatsSettings

log = logging.getLogger("slomix.stats")


class StatsPlugin:
    def __init__(self) -> None:
        self.ingestor: Ingestor | None = None
        self.state = State()
        self.settings: StatsSettings | None = None
        self._milestones_generation = 0

    @property
    def queries(self) -> StatsQueries:
        return self.state.q

    @hookimpl
    def on_config_schema(self) -> type:
        return StatsSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="stats", package="slomix_stats.migrations")

    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        self.settings = kernel.settings_for("stats")
        self.ingestor = Ingestor(self.settings, lambda results, told: self._committed(kernel, results, told))
        self.state.queries = StatsQueries(kernel.db.pool)

    @hookimpl
    async def on_shutdown(self, kernel: Kernel) -> None:
        # Leave the totals fresh for the next reader (e.g. after `slomix import`).
        if self.state.queries is not None:
            await self._refresh(kernel)

    @hookimpl
    def on_command(self, kernel: Kernel):
        return all_commands(self.state)

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.routes(self.state) + web.page_routes(self.state)

    @hookimpl
    def on_cli(self, kernel: Kernel):
        return cli.subcommands()

    @hookimpl
    async def on_file(self, files: list[IncomingFile], kernel: Kernel) -> list[FileOutcome | None] | None:
        """Stats files of a batch in one transaction (a single file: one round), the others one each."""
        mine = [f for f in files if kind_of(f.name)]
        if self.ingestor is None or not mine:
            return None
        assert self.settings is not None
        cap = self.settings.max_file_bytes
        fits = [f for f in files if kind_of(f.name) and f.size <= cap]
        # The batch's bytes in one worker thread: a hop per file cost ~7 % of a 100 000-round import.
        await anyio.to_thread.run_sync(lambda: [file.data for file in fits])
        outcomes: dict[int, FileOutcome | None] = {}
        if fits:
            async with kernel.db.pool.acquire() as conn:
                results = await self.ingestor.ingest_many(conn, fits)
            outcomes = {id(f): r.outcome if r else None for f, r in zip(fits, results, strict=True)}
        return [outcomes[id(f)] if id(f) in outcomes else _too_big(f, cap) for f in files]

    def _committed(self, kernel: Kernel, results: list[Result], told: list[RoundEvent]) -> None:
        """Right after a commit: totals are stale, and the listeners hear of every round it changed."""
        if any(r.new or r.changed for r in results):
            self.queries.mark_dirty(sum(1 for r in results if r.new))
            self._schedule_refresh(kernel)
        for event in told:
            kernel.emit("on_round", event=event)

    @hookimpl
    async def on_round(self, event: RoundEvent, kernel: Kernel) -> None:
        """Milestones and announcements; restart-safe through the ledger and announcement keys."""
        if not isinstance(event, RoundEvent) or not (event.is_valid and event.status in ("completed", "substitution")):
            return  # another plugin's kind of round, or one that does not count
        assert self.settings is not None
        if not self._recent(event.round_time):
            return
        await kernel.broadcast("on_announce", announcement=announce.round_summary(event))
        self._watch_session(kernel, event.session_start, event.round_time)

    def _recent(self, moment: datetime) -> bool:
        assert self.settings is not None and self.ingestor is not None
        return announce.is_recent(moment, self.ingestor.tz, self.settings.announce_max_age_hours)

    async def _refresh(self, kernel: Kernel) -> None:
        """Rebuild the totals, then record (and announce, when recent) newly reached milestones."""
        await self.queries.refresh()
        if self.queries.generation == self._milestones_generation:
            return
        self._milestones_generation = self.queries.generation
        for guid, name, milestone, reached_at in await achievements.update(kernel.db.pool):
            if self._recent(reached_at):
                await kernel.broadcast("on_announce", announcement=announce.milestone(guid, name, milestone))

    def _schedule_refresh(self, kernel: Kernel) -> None:
        """Rebuild totals once imports pause (readers rebuild them earlier if they must)."""
        delay = self.settings.refresh_delay_seconds if self.settings else 5.0
        kernel.scheduler.later("stats.refresh", delay, lambda: self._refresh(kernel))

    def _watch_session(self, kernel: Kernel, session_start: datetime, last_round: datetime) -> None:
        """Announce the session's result once no round follows within the session gap."""
        assert self.settings is not None and self.ingestor is not None
        ends = last_round.replace(tzinfo=self.ingestor.tz) + timedelta(minutes=self.settings.session_gap_minutes)

        async def announce_result() -> None:
            detail = await self.queries.session(session_start)
            if detail is not None:
                await kernel.broadcast("on_announce", announcement=announce.session_summary(detail))

        kernel.scheduler.at("stats.session_result", ends, announce_result)

    @hookimpl
    async def on_health(self, kernel: Kernel) -> dict:
        row = await kernel.db.pool.fetchrow(
            """SELECT (SELECT count(*) FROM stats.rounds) AS rounds,
                      (SELECT count(*) FROM stats.files WHERE status = 'held') AS held,
                      (SELECT count(*) FROM stats.files WHERE status = 'quarantined') AS quarantined,
                      (SELECT max(round_time) FROM stats.rounds) AS latest_round""")
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _too_big(file: IncomingFile, cap: int) -> FileOutcome | None:
    """Why one of our files over ``cap`` bytes is refused unread (None: not one of ours)."""
    kind = kind_of(file.name)
    if kind is None:
        return None
    return FileOutcome(status="quarantined", kind=kind, detail=f"{file.size} bytes, over max_file_bytes ({cap}): "
                       f"no {kind} file is this big; not read, not stored")
