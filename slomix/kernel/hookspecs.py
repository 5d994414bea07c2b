"""The contract between the kernel and every adapter and plugin.

Each function below is a hook. A plugin implements the ones it needs with
``@hookimpl`` methods of the same name; an implementation may accept any
subset of the hook's arguments. Event hooks (``on_file``, ``on_files``, ``on_round``,
``on_demo``, ``on_startup``, ``on_shutdown``, ``on_serve``) may be ``async``;
the kernel's dispatcher awaits them (pluggy itself is synchronous, see
``slomix.kernel.dispatch``). Registration hooks are called once at start-up.

Every hook here is documented in its docstring and exercised by a test named
``test_hook_<name>``: ``tests/test_contract.py`` fails when either is missing.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("slomix")
hookimpl = pluggy.HookimplMarker("slomix")


# -- data flow ---------------------------------------------------------------


@hookspec
def on_file(file, kernel):
    """A file arrived (SFTP poller, webhook route, upload, ``slomix import``).

    ``file`` is a :class:`slomix.kernel.files.IncomingFile` (name, bytes,
    source). A plugin that recognises the file ingests it and returns a
    :class:`slomix.kernel.files.FileOutcome`; plugins that do not recognise it
    return ``None``. Called through ``kernel.broadcast``: every plugin sees
    every file, each under its own timeout.
    """


@hookspec
def on_files(files, kernel):
    """Many files arrived together (``slomix import``, a poller catching up).

    ``files`` is a list of :class:`slomix.kernel.files.IncomingFile`. A plugin
    that stores files faster together (one transaction, bulk writes) answers
    with a list as long as ``files``: a ``FileOutcome`` per file it recognised,
    ``None`` for the others. A plugin implementing this hook is not also given
    these files through ``on_file``; every other plugin is, one file at a time.
    Single files (``kernel.ingest``) still go through ``on_file``.
    """


@hookspec
def on_round(round, kernel):
    """A round was committed to the database.

    ``round`` is the round as published by the plugin that stored it (the
    stats plugin publishes ``slomix_stats.api.RoundEvent``). Called after the
    commit, so a reaction (scoring, announcements, predictions) sees the data
    it is told about. Broadcast; return values are ignored.
    """


@hookspec
def on_demo(demo, kernel):
    """A demo file was stored; analysers react (parse, highlights, clips).

    ``demo`` is a :class:`slomix.kernel.files.IncomingFile` whose bytes are
    the stored demo. Broadcast; return a ``FileOutcome`` or ``None``.
    """


@hookspec
def on_announce(announcement, kernel):
    """Something worth telling the community happened (a round summary, a session result).

    ``announcement`` is a :class:`slomix.kernel.reply.Announcement`: a topic such as
    ``round`` or ``session`` and the ``Reply`` to show. Plugins that know a feature build
    it; adapters that can post (Discord) deliver it to their configured channel without
    holding up the caller (start the delivery on ``kernel.task_group``). Broadcast.
    """


# -- registration ------------------------------------------------------------


@hookspec
def on_command(kernel):
    """Return the plugin's commands: a list of :class:`slomix.kernel.commands.Command`.

    Commands are adapter-neutral (name, aliases, typed arguments, help,
    permission tier, async handler returning a ``Reply``); the Discord
    adapter, the CLI (``slomix cmd``) and HTTP all dispatch through the same
    registry. Called once at start-up.
    """


@hookspec
def on_http_route(kernel):
    """Return the plugin's routes and pages: a list of :class:`slomix.kernel.routes.Route`.

    A route names its method, path, handler, msgspec request and response
    types, and the permission tier it needs; the HTTP adapter mounts them and
    documents them in the OpenAPI schema. Called once at start-up.
    """


@hookspec
def on_config_schema():
    """Return the msgspec ``Struct`` type of the plugin's config section.

    The kernel validates ``[plugins.<name>]`` (or ``[adapters.<name>]``)
    against it before the plugin starts; errors name the key path. The
    generic keys ``enabled`` and ``timeout`` are the kernel's and are removed
    before validation. Return ``None`` (or do not implement) for no settings.
    """


@hookspec
def on_migrations():
    """Return the plugin's database migrations as :class:`slomix.kernel.migrations.MigrationSet`.

    A set names the PostgreSQL schema the plugin owns, the package folder of
    its numbered ``NNNN_name.sql`` files, and the plugins whose migrations
    must run first.
    """


@hookspec
def on_cli(kernel):
    """Return extra ``slomix`` sub-commands: a list of :class:`slomix.kernel.subcommands.SubCommand`.

    Lets a plugin add terminal commands (``slomix import``, ``slomix parse``)
    beside the kernel's own; they receive parsed arguments and the kernel.
    """


@hookspec
def on_health(kernel):
    """Return a JSON-able dict describing this plugin's state, or ``None``.

    Collected into ``kernel.health()`` (served at ``/health`` and printed by
    ``slomix status``). Async implementations are awaited.
    """


# -- lifecycle ---------------------------------------------------------------


@hookspec
def on_startup(kernel):
    """The database is migrated and every plugin is configured: prepare.

    Runs before any adapter serves. ``kernel.task_group`` is open for
    background work. Async implementations are awaited, each under the
    plugin's timeout; a failure marks only that plugin as failed.
    """


@hookspec
def on_serve(kernel):
    """Run an adapter's front end until cancelled (``slomix run`` only).

    The HTTP adapter serves requests here, the Discord adapter runs its
    client, the SSH adapter polls. Each implementation runs as its own task
    in the kernel's task group; it is cancelled at shut-down, before
    ``on_shutdown``. An adapter with nothing configured logs one line saying
    what to configure and returns.
    """


@hookspec
def on_shutdown(kernel):
    """The process is stopping: finish in-flight work and release resources.

    Called after every ``on_serve`` task has ended and before the database
    closes, in reverse order of start-up.
    """


@hookspec(firstresult=True)
def on_asgi_app(kernel):
    """Return the ASGI application that serves the kernel's routes, or ``None``.

    Implemented by the HTTP adapter; the testing kit uses it to talk HTTP to a
    kernel in-process. Called with ``kernel.first``.
    """
