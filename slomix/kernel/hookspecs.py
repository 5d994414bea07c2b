"""The contract between the kernel and every adapter and plugin.

Each function below is a hook. A plugin implements the ones it needs with
``@hookimpl`` methods of the same name; an implementation may accept any
subset of the hook's arguments. Event hooks (``on_file``, ``on_round``,
``on_demo``, ``on_startup``, ``on_shutdown``, ``on_serve``) may be ``async``;
the kernel's dispatcher awaits them (pluggy itself is synchronous, see
``slomix.kernel.dispatch``). Registration hooks are called once at start-up.

Every hook here is documented in ``docs/hooks.md`` with the same signature and exercised
by a test named ``test_hook_<name>`` that drives its real producer:
``tests/test_contract.py`` fails when either is missing or they disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .commands import Command
    from .files import FileOutcome, IncomingFile
    from .jobs import JobKind
    from .migrations import MigrationSet
    from .presence import Presence
    from .reply import Announcement, Field
    from .routes import Route
    from .runtime import Kernel
    from .shortcuts import Shortcut
    from .subcommands import SubCommand

hookspec = pluggy.HookspecMarker("slomix")
hookimpl = pluggy.HookimplMarker("slomix")


# -- data flow ---------------------------------------------------------------


@hookspec
def on_file(files: list[IncomingFile], kernel: Kernel) -> list[FileOutcome | None] | None:
    """Files arrived: one (a webhook, an upload) or a batch (``slomix import``, a poller catching up).

    ``files`` is a list of :class:`slomix.kernel.files.IncomingFile` (name, source, size,
    bytes read on first use). A plugin that recognises some of them ingests them and answers
    a list as long as ``files``: a :class:`slomix.kernel.files.FileOutcome` per file it
    recognised, ``None`` for the others; ``None`` alone means none was its kind. Every plugin
    sees every batch, each under its own timeout (``kernel.ingest`` / ``kernel.ingest_many``).
    A plugin that fails or times out is reported ``failed`` for each file, never
    ``quarantined``: that status says the file itself is bad.
    """


@hookspec
def on_round(event: Any, kernel: Kernel) -> None:
    """A round was committed to the database.

    ``event`` is the round as published by the plugin that stored it (the stats plugin
    publishes ``slomix_stats.api.RoundEvent`` with ``kernel.emit``). Delivered on the
    kernel's task group after the commit and outside the producer's timeout, so a reaction
    (scoring, announcements, predictions) sees the data it is told about and never holds up
    an ingest. Each listener runs under its own timeout; return values are ignored.
    """


@hookspec
def on_demo(demo: IncomingFile, kernel: Kernel) -> None:
    """A demo file was stored; analysers react (parse, highlights, clips).

    ``demo`` is a :class:`slomix.kernel.files.IncomingFile` whose ``path`` is the stored demo
    (its bytes are read only if asked for). Emitted by the plugin that stores demos
    (``kernel.emit("on_demo", demo=...)``); listeners run outside the producer's timeout and
    start their long work as kernel jobs. Return values are ignored.
    """


@hookspec
def on_announce(announcement: Announcement, kernel: Kernel) -> None:
    """Something worth telling the community happened (a round summary, a session result).

    ``announcement`` is a :class:`slomix.kernel.reply.Announcement`: a topic such as
    ``round`` or ``session`` and the ``Reply`` to show. Plugins that know a feature build
    it; adapters that can post (Discord) deliver it to their configured channel without
    holding up the caller (start the delivery on ``kernel.task_group``). Broadcast.
    """


@hookspec
def on_presence(presence: Presence, kernel: Kernel) -> None:
    """Who is in the voice channels changed (someone joined, left or moved), or was found at log-in.

    ``presence`` is a :class:`slomix.kernel.presence.Presence`: every voice channel of one guild
    with its members and since when they are there. The Discord adapter emits it
    (``kernel.emit``) at log-in and on every channel change; mute, deafen, stream and video
    toggles are not changes and send nothing. Listeners run outside the adapter's timeout.
    """


@hookspec
def on_activity(active: bool, reason: str, kernel: Kernel) -> None:
    """The community started (``active``) or stopped playing: pollers pick their cadence.

    Emitted (``kernel.emit``) by the plugin that knows (the voice plugin: an evening opened or
    closed, and at start-up). The SSH adapter polls at ``poll_seconds`` while active and at
    ``idle_poll_seconds`` otherwise; ``reason`` is for the log. Return values are ignored.
    """


@hookspec
def on_teams(event: Any, kernel: Kernel) -> Field | None:
    """Players split into two teams (before a match): the lineups, for scoring and predictions.

    ``event`` is the lineup as published by the plugin that saw it (the voice plugin publishes
    ``slomix_voice.api.TeamsEvent`` with ``kernel.emit`` when the two team voice channels fill
    up): two lists of players (actor id, name, linked GUID when known). It calls the listeners
    with ``kernel.broadcast`` and adds each :class:`slomix.kernel.Field` one returns to its teams
    announcement (the predictions plugin: the win chance, or why there is none); other return
    values are ignored.
    """


@hookspec
def on_session_matches(session_starts: list[Any], kernel: Kernel) -> dict[Any, list[Any]] | None:
    """The matches of gaming sessions, scored, for the surfaces that show a session.

    Asked with ``kernel.first`` by the stats plugin (its session list, session pages and commands
    lead with the answer); ``session_starts`` are sessions' starts (``datetime``), a whole page of
    them at once. A scoring plugin (the stopwatch) answers ``{start: [slomix_stats.api.SessionMatch,
    ...]}`` in play order, leaving out the sessions it has not scored; the stats plugin never
    imports the scorer.
    """


# -- registration ------------------------------------------------------------


@hookspec
def on_command(kernel: Kernel) -> list[Command]:
    """Return the plugin's commands: a list of :class:`slomix.kernel.commands.Command`.

    Commands are adapter-neutral (name, aliases, typed arguments, help,
    permission tier, async handler returning a ``Reply``); the Discord
    adapter, the CLI (``slomix cmd``) and HTTP all dispatch through the same
    registry. Called once at start-up.
    """


@hookspec
def on_http_route(kernel: Kernel) -> list[Route]:
    """Return the plugin's routes and pages: a list of :class:`slomix.kernel.routes.Route`.

    A route names its method, path, handler, msgspec request and response
    types, and the permission tier it needs; the HTTP adapter mounts them and
    documents them in the OpenAPI schema. Called once at start-up.
    """


@hookspec
def on_jobs(kernel: Kernel) -> list[JobKind]:
    """Return the kinds of durable job the plugin runs: a list of :class:`slomix.kernel.jobs.JobKind`.

    A kind names its handler (``async def run(job)``), queue, timeout, retries and priority.
    ``kernel.jobs.enqueue(kind, payload)`` queues one in PostgreSQL; a worker (in
    ``slomix run``, or ``slomix worker`` on any machine reaching the database) runs it, with
    ``job.progress`` for reports and ``job.once(conn)`` to commit its effect exactly once.
    Called once at start-up; a name another plugin took is refused with that plugin's name.
    """


@hookspec
def on_config_schema() -> type | None:
    """Return the msgspec ``Struct`` type of the plugin's config section.

    The kernel validates ``[plugins.<name>]`` (or ``[adapters.<name>]``)
    against it before the plugin starts; errors name the key path. The
    generic keys ``enabled`` and ``timeout`` are the kernel's and are removed
    before validation. Return ``None`` (or do not implement) for no settings.
    """


@hookspec
def on_shortcuts(kernel: Kernel) -> list[Shortcut]:
    """Return short ways to set the plugin's settings: :class:`slomix.kernel.shortcuts.Shortcut`.

    A shortcut names a setting's key path and a command-line flag of some ``slomix`` commands
    and/or an environment variable (``slomix run --port``, ``$SLOMIX_HTTP_PORT``). The kernel
    applies them before settings are validated: the flag wins over the variable, which wins
    over the file. Called once, before ``on_config_schema``.
    """


@hookspec
def on_migrations() -> MigrationSet | list[MigrationSet]:
    """Return the plugin's database migrations as :class:`slomix.kernel.migrations.MigrationSet`.

    A set names the PostgreSQL schema the plugin owns, the package folder of
    its numbered ``NNNN_name.sql`` files, and the plugins whose migrations
    must run first.
    """


@hookspec
def on_cli(kernel: Kernel) -> list[SubCommand]:
    """Return extra ``slomix`` sub-commands: a list of :class:`slomix.kernel.subcommands.SubCommand`.

    Lets a plugin add terminal commands (``slomix import``, ``slomix parse``)
    beside the kernel's own; they receive parsed arguments and the kernel.
    """


@hookspec
def on_health(kernel: Kernel) -> dict[str, Any] | None:
    """Return a JSON-able dict describing this plugin's state, or ``None``.

    Collected into ``kernel.health()`` (served at ``/health`` and printed by
    ``slomix status``). Async implementations are awaited.
    """


# -- lifecycle ---------------------------------------------------------------


@hookspec
def on_startup(kernel: Kernel) -> None:
    """The database is migrated and every plugin is configured: prepare.

    Runs before any adapter serves. ``kernel.task_group`` is open for
    background work. Async implementations are awaited, each under the
    plugin's timeout; a failure marks only that plugin as failed.
    """


@hookspec
def on_serve(kernel: Kernel) -> None:
    """Run an adapter's front end until cancelled (``slomix run`` only).

    The HTTP adapter serves requests here, the Discord adapter runs its
    client, the SSH adapter polls. ``kernel.serve()`` runs each implementation
    as its own task; one that crashes is reported with its name and the others
    go on. They are cancelled at shut-down, before ``on_shutdown``. An adapter
    with nothing configured logs one line saying what to configure and returns.
    A plugin whose timers reach outside the process schedules them here and
    returns, so a one-off ``slomix cmd`` starts none of them.
    """


@hookspec
def on_shutdown(kernel: Kernel) -> None:
    """The process is stopping: finish in-flight work and release resources.

    Called once every ``on_serve`` task has ended and the emitted events are delivered,
    before the database closes. Every plugin's implementation runs concurrently, each under
    its own timeout (a broadcast, like the other events); then the kernel's task group is
    cancelled.
    """


@hookspec(firstresult=True)
def on_asgi_app(kernel: Kernel) -> Any:
    """Return the ASGI application that serves the kernel's routes, or ``None``.

    Implemented by the HTTP adapter; the testing kit uses it to talk HTTP to a
    kernel in-process. Called with ``kernel.first``.
    """
