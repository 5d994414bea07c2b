"""The ``slomix`` command: run, worker, jobs, plugins, migrate, db status, backup, restore, doctor, cmd,
new-plugin, plus plugin commands."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import msgspec
from rich.markup import escape

from . import __version__, doctor, ingest, scaffold
from .kernel import CLI_ACTOR, Actor, Config, ExitCode, Kernel, SlomixError, UploadedFile, UsageError, backup, console
from .kernel import migrations as migrations_mod
from .kernel.jobs import STATUSES
from .kernel.jobs.worker import work
from .kernel.locks import run_lock
from .kernel.plugins import shown_status
from .kernel.shortcuts import Shortcut


def _parser(kernel: Kernel | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slomix", description="ET:Legacy stats platform: files in, history and stats out."
    )
    parser.add_argument("--version", action="version", version=f"slomix {__version__}")
    parser.add_argument("--config", metavar="PATH",
                        help="TOML config (default ./slomix.toml or $SLOMIX_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("run", help="run every enabled adapter and plugin in one process")

    plugins = sub.add_parser("plugins", help="list adapters and plugins: version, enabled, status")
    plugins.add_argument("--json", action="store_true", help="print a JSON list")

    backup = sub.add_parser("backup", help="a consistent dump of the whole database (embedded or external)")
    backup.add_argument("file", nargs="?", type=Path, metavar="FILE",
                        help="where to write it (default <data_dir>/backups/slomix-<time>.dump)")
    restore = sub.add_parser("restore", help="load a backup into an empty data dir or database")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--force", action="store_true", help="replace what a non-empty database holds")

    doctor_cmd = sub.add_parser("doctor", help="check the data dir and configuration, and say what to do")
    doctor_cmd.add_argument("--json", action="store_true", help="print the findings as JSON")

    sub.add_parser("migrate", help="apply pending database migrations of enabled plugins")
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    status = db_sub.add_parser("status", help="every migration and whether it is applied")
    status.add_argument("--json", action="store_true")

    health = sub.add_parser("status", help="health of the database, plugins and adapters")
    health.add_argument("--json", action="store_true")

    cmd = sub.add_parser("cmd", help='run a chat command, e.g. slomix cmd "!stats vid"')
    cmd.add_argument("line", help="the command line, with or without the ! prefix")
    cmd.add_argument("--json", action="store_true", help="print the Reply as JSON")
    cmd.add_argument("--save-images", type=Path, metavar="DIR", help="write the reply's images (charts) to DIR")
    cmd.add_argument("--as", dest="as_user", metavar="ID",
                     help="act as this user id (e.g. discord:1234) instead of the local operator")
    cmd.add_argument("--file", dest="files", action="append", type=Path, default=[], metavar="PATH",
                     help="send a file with the command, as a Discord attachment (repeatable)")

    imp = sub.add_parser("import", help="hand files to the plugins (on_file); folders recursively")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument("--batch", type=_at_least_one, default=ingest.BATCH_FILES, metavar="N",
                     help=f"files handed over (and committed) together (default {ingest.BATCH_FILES})")
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")
    imp.add_argument("--no-wait", dest="wait", action="store_false",
                     help="leave the jobs the files start (demo analysis) to `slomix run` / `slomix worker`")

    worker = sub.add_parser("worker", help="run durable jobs from the database's queue until stopped")
    worker.add_argument("--queue", action="append", metavar="Q",
                        help="only this queue (repeat for more; default every queue a job kind names)")
    worker.add_argument("--concurrency", type=_at_least_one, metavar="N",
                        help="jobs at once per queue (default [slomix.jobs] concurrency)")

    jobs = sub.add_parser("jobs", help="queued, running and failed jobs with progress and errors")
    jobs.add_argument("--json", action="store_true", help="print a JSON list")
    jobs.add_argument("--status", choices=STATUSES, action="append",
                      help="only jobs in this state (repeat for more; default queued, running, failed)")
    jobs.add_argument("--limit", type=_at_least_one, default=50)
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="JOBS_COMMAND")
    cancel = jobs_sub.add_parser("cancel", help="cancel a queued or running job")
    cancel.add_argument("id", type=int)

    new = sub.add_parser("new-plugin", help="scaffold an installable plugin")
    new.add_argument("name", help="plugin name (lower case, letters, digits, _)")
    new.add_argument("--dir", default=".", help="parent folder (default: current)")

    for extra in kernel.subcommands if kernel else []:
        extra_parser = sub.add_parser(extra.name, help=extra.help)
        extra.configure(extra_parser)
    for shortcut in kernel.shortcuts() if kernel else []:
        for command in shortcut.commands:
            if shortcut.flag and command in sub.choices:
                hint = f" (or ${shortcut.env})" if shortcut.env else ""
                sub.choices[command].add_argument(shortcut.flag, type=shortcut.type, dest=_dest(shortcut),
                                                  metavar=shortcut.flag.lstrip("-").upper(),
                                                  help=f"{shortcut.help}{hint}")
    return parser


def _dest(shortcut: Shortcut) -> str:
    return "shortcut:" + shortcut.key


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    pre.add_argument("-v", "--verbose", action="store_true")
    known, _ = pre.parse_known_args(argv)
    try:
        config = Config.load(known.config)
        console.setup_logging("debug" if known.verbose else config.kernel.log_level)
        # new-plugin and --help must work even when a plugin cannot be loaded.
        kernel = Kernel(config)
        kernel.apply_shortcuts(_shortcut_flags(kernel, argv))
        kernel.load()
        args = _parser(kernel).parse_args(argv)
        if not args.command:
            _parser(kernel).print_help()
            return ExitCode.USAGE
        return int(_dispatch(args, kernel))
    except (SlomixError, BaseExceptionGroup) as raised:
        # Raised inside the kernel's task group, an error arrives wrapped in an exception group.
        error = _slomix_error(raised)
        if error is None:
            raise
        console.err.print(f"[red]slomix: {escape(str(error))}[/red]", highlight=False, soft_wrap=True)
        return int(error.exit_code)
    except KeyboardInterrupt:
        return 130


def _slomix_error(raised: BaseException) -> SlomixError | None:
    """The error itself, or the one an exception group holds alone."""
    while isinstance(raised, BaseExceptionGroup) and len(raised.exceptions) == 1:
        raised = raised.exceptions[0]
    return raised if isinstance(raised, SlomixError) else None


def _shortcut_flags(kernel: Kernel, argv: list[str]) -> dict[str, Any]:
    """Values the command line gives through plugins' shortcuts: they land before settings are validated."""
    wanted = [s for s in kernel.shortcuts() if s.flag and argv and argv[0] in s.commands]
    if not wanted:
        return {}
    early = argparse.ArgumentParser(add_help=False)
    for shortcut in wanted:
        early.add_argument(shortcut.flag, type=shortcut.type, dest=_dest(shortcut))
    try:
        known, _ = early.parse_known_args(argv[1:])
    except SystemExit:
        return {}  # a bad value: the full parser says so with the usage
    return {s.key: getattr(known, _dest(s)) for s in wanted if getattr(known, _dest(s)) is not None}


def _dispatch(args: argparse.Namespace, kernel: Kernel) -> int:
    simple: dict[str, Callable[[], int]] = {
        "plugins": lambda: _plugins(kernel, args.json),
        "new-plugin": lambda: scaffold.create(args.name, Path(args.dir)),
    }
    if args.command in simple:
        return simple[args.command]()
    runners: dict[str, Callable[[], Awaitable[int]]] = {
        "run": lambda: _run(kernel),
        "migrate": lambda: _migrate(kernel),
        "backup": lambda: _backup(kernel, args.file),
        "doctor": lambda: doctor.run(kernel, as_json=args.json),
        "restore": lambda: _restore(kernel, args.file, args.force),
        "db": lambda: _db_status(kernel, args.json),
        "status": lambda: _status(kernel, args.json),
        "cmd": lambda: _cmd(kernel, args),
        "worker": lambda: _worker(kernel, args.queue, args.concurrency),
        "jobs": lambda: _jobs(kernel, args),
        "import": lambda: ingest.run(kernel, args.paths, as_json=args.json, batch=args.batch, wait=args.wait),
    }
    for extra in kernel.subcommands:
        if extra.name == args.command:
            return anyio.run(_with_kernel, kernel, extra.run, args, extra.needs_database)
    return anyio.run(runners[args.command])


async def _with_kernel(kernel: Kernel, run, args, needs_database: bool) -> int:
    if not needs_database:
        return await run(args, kernel)
    async with kernel:
        return await run(args, kernel)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1")
    return value


def _plugins(kernel: Kernel, as_json: bool) -> int:
    rows = [p.as_json() for p in kernel.plugins]
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        console.out.print(console.table(
            ["name", "kind", "version", "enabled", "status", "error"],
            [[r["name"], r["kind"], r["version"], r["enabled"], shown_status(r), r["error"]] for r in rows],
            title="Slomix adapters and plugins",
        ))
    failed = any(p.enabled and p.status == "failed" for p in kernel.plugins)
    return ExitCode.PLUGIN if failed else ExitCode.OK


async def _run(kernel: Kernel) -> int:
    with run_lock(kernel.config.data_dir):
        return await _serve(kernel)


async def _serve(kernel: Kernel) -> int:
    async with kernel, anyio.create_task_group() as tg:
        backup.schedule(kernel)
        tg.start_soon(kernel.serve)
        if kernel.config.kernel.jobs.run_workers:
            tg.start_soon(work, kernel)
        await _until_signalled(tg)
    return ExitCode.OK


async def _until_signalled(tg: anyio.abc.TaskGroup) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        console.err.print(f"slomix: ready (PID {os.getpid()}); SIGINT or SIGTERM stops it")
        async for received in signals:
            console.err.print(f"slomix: {signal.Signals(received).name}, shutting down")
            tg.cancel_scope.cancel()
            break


async def _worker(kernel: Kernel, queues: list[str] | None, concurrency: int | None) -> int:
    async with kernel:
        unknown = sorted(set(queues or ()) - set(kernel.jobs.queues()))
        if unknown:
            raise UsageError(f"no job kind uses queue {', '.join(unknown)} (queues: "
                             f"{', '.join(kernel.jobs.queues()) or 'none'})")
        if not kernel.jobs.kinds:
            console.err.print("slomix: no enabled plugin declares a job kind: nothing to run")
            return ExitCode.OK
        async with anyio.create_task_group() as tg:
            tg.start_soon(work, kernel, queues, concurrency)
            await _until_signalled(tg)
    return ExitCode.OK


async def _jobs(kernel: Kernel, args: argparse.Namespace) -> int:
    async with kernel:
        if args.jobs_command == "cancel":
            if not await kernel.jobs.cancel(args.id):
                job = await kernel.jobs.get(args.id)
                raise UsageError(f"job {args.id} does not exist" if job is None
                                 else f"job {args.id} is {job.status} already: nothing to cancel")
            console.out.print(f"job {args.id} cancelled")
            return ExitCode.OK
        found = await kernel.jobs.list(status=args.status or ("queued", "running", "failed"), limit=args.limit)
    if args.json:
        sys.stdout.buffer.write(msgspec.json.encode(found) + b"\n")
        return ExitCode.OK
    console.out.print(console.table(
        ["id", "kind", "queue", "status", "attempts", "progress", "enqueued", "by", "error"],
        [[j.id, j.kind, j.queue, j.status, f"{j.attempts}/{j.max_attempts}",
          "" if j.progress is None else f"{j.progress:.0f}% {j.message or ''}".strip(),
          j.enqueued_at.strftime("%Y-%m-%d %H:%M:%S"), j.enqueued_by, j.error or ""] for j in found],
        title=f"Jobs ({len(found)})"))
    return ExitCode.OK


async def _backup(kernel: Kernel, file: Path | None) -> int:
    await kernel.db.open()
    try:
        tables = await backup.table_count(kernel.db.pool)
        file = file or backup.default_file(backup.folder_of(kernel))
        size = await _with_bar("backing up",
                               lambda bar: backup.dump(kernel.db.url_in_use, file, tables, bar).stat().st_size)
    finally:
        await kernel.db.close()
    console.out.print(f"backup written: {file} ({size} bytes, {tables} tables)", highlight=False)
    return ExitCode.OK


async def _restore(kernel: Kernel, file: Path, force: bool) -> int:
    tables = await anyio.to_thread.run_sync(backup.entries, file)  # refuses a file that is no dump first
    await kernel.db.open()
    try:
        present = await backup.table_count(kernel.db.pool)
        if present and not force:
            raise UsageError(f"the {kernel.db.kind} database is not empty ({present} tables): restore into an "
                             "empty data dir or database, or pass --force to replace what it holds")
        await _with_bar("restoring", lambda bar: backup.restore(kernel.db.url_in_use, file, replace=bool(present),
                                                                progress=bar))
    finally:
        await kernel.db.close()
    console.out.print(f"restored {file}: {tables} tables", highlight=False)
    return ExitCode.OK


async def _with_bar(what: str, work: Callable[[Callable[[int, int], None]], Any]) -> Any:
    """Run blocking ``work`` in a thread, its progress (done, total) on a bar."""
    with console.progress() as bar:
        task = bar.add_task(what, total=None)
        return await anyio.to_thread.run_sync(lambda: work(lambda done, total: bar.update(task, completed=done,
                                                                                          total=total)))


async def _migrate(kernel: Kernel) -> int:
    kernel.config.set("slomix.auto_migrate", False)
    await kernel.db.open()
    try:
        applied = await migrations_mod.apply(kernel.db.pool, kernel.migration_sets)
    finally:
        await kernel.db.close()
    for m in applied:
        console.out.print(f"applied {m.plugin} {m.version:04d}_{m.name}")
    console.out.print(f"{len(applied)} migration(s) applied")
    return ExitCode.OK


async def _db_status(kernel: Kernel, as_json: bool) -> int:
    await kernel.db.open()
    try:
        states = await migrations_mod.status_rows(kernel.db.pool, kernel.migration_sets)
    finally:
        await kernel.db.close()
    rows = [{"plugin": s.plugin, "version": s.version, "name": s.name, "state": s.state,
             "applied_at": s.applied_at.isoformat() if s.applied_at else None} for s in states]
    if as_json:
        print(json.dumps({"database": kernel.db.kind, "migrations": rows}, indent=2))
    else:
        console.out.print(console.table(["plugin", "version", "name", "state", "applied at"],
                                        [list(r.values()) for r in rows],
                                        title=f"Migrations ({kernel.db.kind} database)"))
    changed = any(s.state == "changed" for s in states)
    return ExitCode.MIGRATION if changed else ExitCode.OK


async def _status(kernel: Kernel, as_json: bool) -> int:
    async with kernel:
        health = await kernel.health()
    if as_json:
        print(json.dumps(health, indent=2, default=str))
    else:
        console.out.print(f"status: {health['status']}  database: {health['database']}")
        console.out.print(console.table(
            ["name", "kind", "status", "detail"],
            [[p["name"], p["kind"], shown_status(p), p.get("error") or p.get("detail") or ""]
             for p in health["plugins"]]))
    return ExitCode.OK if health["status"] == "ok" else ExitCode.FAILED


async def _cmd(kernel: Kernel, args: argparse.Namespace) -> int:
    actor = CLI_ACTOR if not args.as_user else Actor(id=args.as_user, name=args.as_user, adapter="cli")
    command, values = kernel.commands.parse(args.line)  # unknown commands fail before the database starts
    missing = [p for p in args.files if not p.is_file()]
    if missing:
        raise UsageError(f"--file {missing[0]}: no such file")
    files = tuple(UploadedFile.of_path(p) for p in args.files)
    async with kernel:
        reply = await kernel.commands.invoke(kernel, command, values, actor, raw=args.line, files=files)
    if args.json:
        sys.stdout.buffer.write(reply.to_json() + b"\n")
    else:
        console.render_reply(reply, save_images=args.save_images)
    return ExitCode.FAILED if reply.error else ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
