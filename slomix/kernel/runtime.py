"""The kernel: loads plugins, configures them, opens the database, runs the hooks.

Life of a kernel::

    kernel = Kernel(config)
    kernel.load()                 # import, register, validate config, collect registrations
    async with kernel:            # database, migrations, on_startup ... on_shutdown, close
        await kernel.serve()      # `slomix run` only: every adapter's on_serve
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import anyio
import anyio.abc

from . import migrations
from .commands import CommandRegistry
from .config import Config, validate
from .database import Database
from .dispatch import Dispatcher, HookResult, describe
from .errors import ConfigError, MigrationError, PermissionDenied, PluginError
from .events import EventQueue
from .files import FileOutcome, IncomingFile
from .jobs import Jobs
from .permissions import Actor, Permissions, Tier
from .plugins import Kind, PluginInfo, load, new_plugin_manager
from .routes import Route
from .scheduler import ManualClock, RealClock, Scheduler
from .shortcuts import Shortcut
from .subcommands import SubCommand

log = logging.getLogger("slomix.kernel")

# Events waiting for their listeners before a new ingest waits for them (bounds the memory of
# an import that produces rounds faster than plugins react to them).
EVENT_BACKLOG = 1000


class Kernel:
    """Wires plugins to adapters. Knows no feature: everything arrives through hooks."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        only: set[str] | None = None,
        extra: Mapping[str, tuple[Kind, Any]] | None = None,
        database_url: str | None = None,
        clock: RealClock | ManualClock | None = None,
    ) -> None:
        self.config = config or Config()
        configured = self.config.kernel.database_url
        if database_url is None and configured is not None and configured.reveal() is None:
            raise ConfigError("slomix.database_url", f"environment variable {configured.env} is not set")
        self.pm = new_plugin_manager()
        self.plugins: list[PluginInfo] = []
        self.settings: dict[str, Any] = {}
        self.commands = CommandRegistry()
        self.routes: list[Route] = []
        self.subcommands: list[SubCommand] = []
        self.migration_sets: list[migrations.MigrationSet] = []
        self.db = Database(
            database_url or (configured.reveal() if configured else None), self.config.data_dir
        )
        self.permissions = Permissions(None, self.config.kernel.root_users)
        self.dispatcher = Dispatcher(self.pm, self._timeout_of, self._report)
        self.events = EventQueue(self.dispatcher, self)
        self.scheduler = Scheduler(clock, on_error=self._scheduled_failed)
        self.jobs = Jobs(self)
        self._only = only
        self._extra = extra
        self._loaded = False
        self._discovered = False
        self._shortcuts_applied = False
        self._stack: AsyncExitStack | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self.errors: dict[str, list[str]] = {}

    # -- loading ---------------------------------------------------------------

    def plugin(self, name: str) -> PluginInfo | None:
        return next((p for p in self.plugins if p.name == name), None)

    @property
    def active(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.status in ("loaded", "active")]

    def discover(self) -> Kernel:
        """Import and register the enabled plugins (nothing validated yet)."""
        if not self._discovered:
            self._discovered = True
            self.plugins = load(self.pm, self.config, only=self._only, extra=self._extra)
            self.config.check_sections({kind: {p.name for p in self.plugins if p.kind == kind}
                                        for kind in ("plugin", "adapter")})
        return self

    def shortcuts(self) -> list[Shortcut]:
        """Every plugin's and adapter's shortcuts (``on_shortcuts``)."""
        self.discover()
        return [s for r in self.dispatcher.collect("on_shortcuts", kernel=self) if r.ok for s in r.value or []]

    def apply_shortcuts(self, flags: Mapping[str, Any] | None = None) -> None:
        """Set what the shortcuts' environment variables say, then what ``flags`` (key path → value,
        parsed from the command line) say."""
        for shortcut in self.shortcuts():
            text = self.config.env.get(shortcut.env) if shortcut.env else None
            if text:
                try:
                    self.config.set(shortcut.key, shortcut.type(text))
                except ValueError:
                    raise ConfigError(shortcut.key, f"${shortcut.env} = {text!r} is not valid: {shortcut.help}") \
                        from None
        for key, value in (flags or {}).items():
            self.config.set(key, value)
        self._shortcuts_applied = True

    def load(self) -> Kernel:
        """Import and register plugins, validate their settings, collect registrations.

        A plugin that fails to import or register is reported and left out; a
        bad config value raises ConfigError (the operator must fix it).
        """
        if self._loaded:
            return self
        self.discover()
        if not self._shortcuts_applied:
            self.apply_shortcuts()
        self._loaded = True
        for result in self.dispatcher.collect("on_config_schema"):
            if not result.ok:
                self._drop(result.plugin, f"on_config_schema failed: {result.error}")
                continue
            info = self.plugin(result.plugin)
            assert info is not None
            section = self.config.section(info.kind, info.name)
            self.settings[info.name] = (
                validate(section, result.value, f"{info.kind}s.{info.name}")
                if result.value is not None else None
            )
        for info in self.active:
            self.config.timeout(info.kind, info.name)  # validates the generic key
        self._collect_migrations()
        self._collect_commands()
        self._collect_routes()
        self._collect_subcommands()
        self._collect_jobs()
        return self

    def _collect_migrations(self) -> None:
        sets = [migrations.KERNEL]
        for result in self.dispatcher.collect("on_migrations"):
            if not result.ok or result.value is None:
                if not result.ok:
                    self._drop(result.plugin, f"on_migrations failed: {result.error}")
                continue
            values = result.value if isinstance(result.value, list | tuple) else [result.value]
            for value in values:
                sets.append(migrations.MigrationSet(value.schema, value.package, value.requires,
                                                    plugin=result.plugin))
        enabled = {s.plugin for s in sets}
        for s in sets:
            missing = [need for need in s.requires if need not in enabled]
            if missing:
                self._drop(s.plugin, f"requires plugin(s) {', '.join(missing)}, not enabled")
        self.migration_sets = [s for s in sets if s.plugin == "kernel" or self._is_active(s.plugin)]

    def _collect_commands(self) -> None:
        for result in self.dispatcher.collect("on_command", kernel=self):
            if not result.ok:
                self._drop(result.plugin, f"on_command failed: {result.error}")
                continue
            for command in result.value or []:
                try:
                    self.commands.add(result.plugin, command)
                except ValueError as error:
                    self._report(result.plugin, "on_command", error)

    def _collect_routes(self) -> None:
        for result in self.dispatcher.collect("on_http_route", kernel=self):
            if not result.ok:
                self._drop(result.plugin, f"on_http_route failed: {result.error}")
                continue
            self.routes.extend(replace(r, plugin=result.plugin) for r in result.value or [])

    def _collect_jobs(self) -> None:
        for result in self.dispatcher.collect("on_jobs", kernel=self):
            if not result.ok:
                self._drop(result.plugin, f"on_jobs failed: {result.error}")
                continue
            for kind in result.value or []:
                try:
                    self.jobs.add(replace(kind, plugin=result.plugin))
                except ValueError as error:
                    self._report(result.plugin, "on_jobs", error)

    def _collect_subcommands(self) -> None:
        for result in self.dispatcher.collect("on_cli", kernel=self):
            if result.ok:
                self.subcommands.extend(result.value or [])

    def _is_active(self, name: str) -> bool:
        info = self.plugin(name)
        return info is not None and info.status in ("loaded", "active")

    def _drop(self, name: str, reason: str) -> None:
        """Take a failed plugin out: no more hooks, commands or routes from it."""
        info = self.plugin(name)
        if info is not None and info.status != "failed":
            info.fail(reason)
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        for command in [c for c in self.commands.commands.values() if c.plugin == name]:
            del self.commands.commands[command.name]
        self.commands._names = {k: v for k, v in self.commands._names.items()
                                if v in self.commands.commands}
        self.routes = [r for r in self.routes if r.plugin != name]
        self.jobs.drop(name)
        self.migration_sets = [s for s in self.migration_sets if s.plugin != name]

    def _timeout_of(self, name: str) -> float:
        info = self.plugin(name)
        return self.config.timeout(info.kind, name) if info else self.config.kernel.plugin_timeout

    def _scheduled_failed(self, name: str, error: BaseException) -> None:
        """A scheduled job failed: reported under the plugin its name starts with (``stats.refresh``)."""
        owner = name.split(".", 1)[0]
        self._report(owner if self.plugin(owner) else "kernel", f"scheduled {name}", error)

    def _report(self, plugin: str, hook: str, error: BaseException) -> None:
        text = "timed out" if isinstance(error, TimeoutError) else f"{type(error).__name__}: {error}"
        log.error("plugin %r failed in %s: %s", plugin, hook, text,
                  exc_info=None if isinstance(error, TimeoutError) else error)
        self.errors.setdefault(plugin, []).append(f"{hook}: {text}")
        del self.errors[plugin][:-20]

    # -- running ---------------------------------------------------------------

    @property
    def task_group(self) -> anyio.abc.TaskGroup:
        """For plugins' background work; cancelled after on_shutdown."""
        if self._task_group is None:
            raise RuntimeError("the kernel is not started")
        return self._task_group

    async def open_database(self) -> None:
        """Open the pool and bring the schema up to date (or check it is)."""
        pool = await self.db.open()
        self.permissions = Permissions(pool, self.config.kernel.root_users)
        if self.config.kernel.auto_migrate:
            applied = await migrations.apply(pool, self.migration_sets)
            for m in applied:
                log.info("applied migration %s %04d_%s", m.plugin, m.version, m.name)
        else:
            states = await migrations.status_rows(pool, self.migration_sets, raise_on_change=True)
            pending = [s for s in states if s.state == "pending"]
            if pending:
                raise MigrationError(f"{len(pending)} migration(s) pending: run `slomix migrate`")

    async def __aenter__(self) -> Kernel:
        self.load()
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            stack.push_async_callback(self.db.close)
            await self.open_database()
            self._task_group = await stack.enter_async_context(anyio.create_task_group())
            stack.push_async_callback(self._shutdown)
            self.events.open()
            self._task_group.start_soon(self.events.deliver)
            self.scheduler.start(self._task_group)
            for result in await self.broadcast("on_startup"):
                if not result.ok:
                    self._drop(result.plugin, f"on_startup failed: {result.error}")
            for info in self.active:
                info.status = "active"
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def _shutdown(self) -> None:
        self.scheduler.shutdown()
        with anyio.CancelScope(shield=True):
            await self.settle()  # committed rounds are still told to their listeners
            await self.broadcast("on_shutdown")
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()

    async def __aexit__(self, *exc_info: Any) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.__aexit__(*exc_info)
        self._task_group = None

    async def serve(self) -> None:
        """Run every adapter's ``on_serve`` until cancelled; an adapter that fails ends them all
        with a PluginError (exit 4) naming it."""

        async def run(plugin: str, function: Any, argnames: list[str]) -> None:
            try:
                await function(*[{"kernel": self}[a] for a in argnames])
            except Exception as error:
                # A process that cannot serve must not look healthy to its supervisor: it ends.
                failure = PluginError(plugin, f"cannot serve: {_innermost(error)}")
                self.errors.setdefault(plugin, []).append(f"on_serve: {failure}")
                raise failure from error

        try:
            async with anyio.create_task_group() as tg:
                for impl in self.dispatcher.implementations("on_serve"):
                    tg.start_soon(run, impl.plugin_name, impl.function, impl.argnames)
        except BaseExceptionGroup as group:
            failed, _rest = group.split(PluginError)
            if failed is None:
                raise
            raise _first(failed) from None

    # -- services for plugins and adapters ------------------------------------------

    async def broadcast(self, hook: str, /, **kwargs: Any) -> list[HookResult]:
        """Call an event hook on every plugin (``kernel`` is passed for you)."""
        return await self.dispatcher.broadcast(hook, kernel=self, **kwargs)

    async def first(self, hook: str, /, **kwargs: Any) -> Any:
        return await self.dispatcher.first(hook, kernel=self, **kwargs)

    async def page_url(self, path: str) -> str | None:
        """The public address of one of this install's pages (``/players/D8423F90``), for a
        reply's link; None when no public address is configured (``on_public_url``)."""
        base = await self.first("on_public_url")
        return f"{base.rstrip('/')}/{path.lstrip('/')}" if base else None

    async def ingest(self, file: IncomingFile) -> list[tuple[str, FileOutcome]]:
        """Hand one file to ``on_file`` (a batch of one); return each recognising plugin's outcome."""
        return (await self.ingest_many([file]))[0]

    async def ingest_many(self, files: Sequence[IncomingFile]) -> list[list[tuple[str, FileOutcome]]]:
        """Hand a batch of files to ``on_file``; return, per file, each recognising plugin's outcome.

        A plugin that fails or times out is reported ``failed`` for every file of the batch;
        when what failed is the database or the disk, not the files, this raises DatabaseFailed
        or StorageFailed instead (the caller stops, or tries the batch again later).
        Waits first while the emitted events pile up, so a long import cannot run ahead of
        its listeners without bound.
        """
        files = list(files)
        await self.events.below(EVENT_BACKLOG)
        found: list[list[tuple[str, FileOutcome]]] = [[] for _ in files]
        results = await self.dispatcher.broadcast("on_file", guarded=True, files=files, kernel=self)
        for result in results:
            failure = await self.db.failure(result.error) if result.error is not None else None
            if failure is not None:
                raise failure from result.error
        for result in results:
            answers = result.value if result.ok else None
            if answers is not None and (not isinstance(answers, list) or len(answers) != len(files)):
                result = HookResult(result.plugin, error=TypeError(
                    f"on_file answered {type(answers).__name__}, not a list of {len(files)} outcomes"))
                answers = None
            for index in range(len(files)):
                if not result.ok:
                    found[index].append((result.plugin, FileOutcome(
                        status="failed", detail=f"plugin {result.plugin} failed: {describe(result.error)}")))
                elif answers is not None and answers[index] is not None:
                    found[index].append((result.plugin, answers[index]))
        return found

    def emit(self, hook: str, /, **payload: Any) -> None:
        """Fan an event out to every plugin's ``hook`` on the kernel's task group, in the order
        emitted, after the caller has gone on: the listeners' time never counts against the
        caller's timeout. Each listener runs under its own timeout; errors are reported with
        the plugin's name. ``await settle()`` waits until every emitted event is delivered."""
        self.events.put(hook, payload)

    async def settle(self) -> None:
        """Wait until every event emitted so far (and any they emitted) has been delivered."""
        await self.events.below(1)

    def settings_for(self, name: str) -> Any:
        return self.settings.get(name)

    async def require(self, actor: Actor, tier: Tier | None, *, what: str) -> None:
        """Raise PermissionDenied (and audit it) when the actor's tier is below ``tier``."""
        if tier is None or tier == Tier.USER:
            return
        have = await self.permissions.tier_of(actor)
        if have < tier:
            log.warning("refused %s to %s (%s): needs %s, has %s", what, actor.name, actor.id, tier, have)
            await self.permissions.record("refused", actor.id, actor, f"{what} needs {tier}")
            raise PermissionDenied(f"{what} needs the {tier} tier; you have {have}.")

    async def health(self) -> dict[str, Any]:
        """Database, plugin and adapter state, as served at /health."""
        database = await self.db.check()
        details = {r.plugin: r.value for r in await self.broadcast("on_health") if r.ok and r.value}
        plugins = []
        for info in self.plugins:
            entry = info.as_json()
            if info.name in details:
                entry["detail"] = details[info.name]
            if info.name in self.errors:
                entry["recent_errors"] = self.errors[info.name][-5:]
            plugins.append(entry)
        failed = [p.name for p in self.plugins if p.enabled and p.status == "failed"]
        status = "ok" if database["status"] == "ok" and not failed else "degraded"
        jobs = await self.jobs.summary() if database["status"] == "ok" else None
        return {"status": status, "database": database, "plugins": plugins, "jobs": jobs}



def _first(error: BaseException) -> BaseException:
    """The first error an exception group holds, however deep."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def _innermost(error: BaseException) -> str:
    return describe(_first(error))
