"""``slomix doctor``: check a data dir and a configuration, and say what to do about each finding.

Exit code by severity: 0 all well, 1 warnings only, else the error's own code (5 database,
7 migrations, 4 plugins, 1 other).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.markup import escape

from .kernel import DatabaseUnavailable, ExitCode, Kernel, console
from .kernel import migrations as migrations_mod
from .kernel.embedded import postmaster_pid, stale_pid_file, users
from .kernel.locks import RUN_LOCK, holder

# Free space below these: a warning (imports and backups need room), an error (PostgreSQL
# stops writing when its disk is full).
LOW_DISK = 1024**3
FULL_DISK = 100 * 1024**2


@dataclass(slots=True)
class Finding:
    check: str
    level: str  # ok | warning | error
    detail: str
    fix: str = ""
    code: int = ExitCode.FAILED


def _disk(folder: Path) -> Finding:
    free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    text = f"{free / 1024**3:.1f} GB free on {folder}"
    if free < FULL_DISK:
        return Finding("disk space", "error", text, "free space first: PostgreSQL stops at a full disk")
    if free < LOW_DISK:
        return Finding("disk space", "warning", text, "free some space: imports and backups need room")
    return Finding("disk space", "ok", text)


def _server(pgdata: Path) -> list[Finding]:
    found = []
    stale = stale_pid_file(pgdata)
    if stale:
        found.append(Finding("pid file", "warning", stale,
                             "nothing: the next slomix command removes it (a server of another data dir is never "
                             "touched)"))
    pid = postmaster_pid(pgdata)
    if pid is not None and not users(pgdata):
        found.append(Finding("embedded server", "warning",
                             f"PostgreSQL (PID {pid}) runs with no Slomix process using it",
                             "any slomix command stops it when it exits (e.g. slomix db status)"))
    elif pid is not None:
        found.append(Finding("embedded server", "ok", f"PostgreSQL (PID {pid}) runs, in use"))
    elif not stale:
        found.append(Finding("embedded server", "ok", "stopped" if (pgdata / "PG_VERSION").exists()
                             else "not created yet (the first slomix command creates it)"))
    return found


async def _database(kernel: Kernel) -> list[Finding]:
    try:
        await kernel.db.open()
    except DatabaseUnavailable as error:
        return [Finding("database", "error", str(error), "check database_url, or the embedded server's log "
                        "(<data_dir>/pgdata/log)", ExitCode.DATABASE)]
    try:
        check = await kernel.db.check()
        states = await migrations_mod.status_rows(kernel.db.pool, kernel.migration_sets)
    finally:
        await kernel.db.close()
    found = [Finding("database", "ok", f"{kernel.db.kind}, {check.get('latency_ms', '?')} ms round trip")]
    changed = [f"{s.plugin} {s.version:04d}_{s.name}" for s in states if s.state == "changed"]
    pending = [f"{s.plugin} {s.version:04d}_{s.name}" for s in states if s.state == "pending"]
    if changed:
        found.append(Finding("migrations", "error", f"applied migrations changed since: {', '.join(changed)}",
                             "reinstall the plugin version that applied them", ExitCode.MIGRATION))
    elif pending:
        found.append(Finding("migrations", "warning", f"{len(pending)} pending: {', '.join(pending)}",
                             "slomix migrate (or any command, with auto_migrate on)"))
    else:
        found.append(Finding("migrations", "ok", f"{len(states)} applied"))
    return found


async def run(kernel: Kernel, *, as_json: bool = False) -> int:
    data_dir = kernel.config.data_dir
    found: list[Finding] = [Finding("config", "ok", kernel.config.source)]
    for info in kernel.plugins:
        if info.enabled and info.status == "failed":
            found.append(Finding(f"{info.kind} {info.name}", "error", info.error or "failed",
                                 f"fix or disable it ([{info.kind}s.{info.name}] enabled = false)", ExitCode.PLUGIN))
    for kind in ("plugin", "adapter"):
        names = {p.name for p in kernel.plugins if p.kind == kind}
        for name in sorted(set(kernel.config.data.get(f"{kind}s", {})) - names):
            found.append(Finding(f"[{kind}s.{name}]", "warning", f"no installed {kind} is called {name}: ignored",
                                 f"install it, or remove the section from {kernel.config.source}"))
    if data_dir.exists() and not data_dir.is_dir():
        found.append(Finding("data dir", "error", f"{data_dir} is a file", "point [slomix] data_dir at a folder"))
    else:
        found.append(_disk(data_dir))
        serving = holder(data_dir / RUN_LOCK)
        found.append(Finding("slomix run", "ok", f"PID {serving} serves this data dir" if serving
                             else "none serves this data dir"))
        if kernel.db.kind == "embedded":
            found += _server((data_dir / "pgdata").resolve())
        found += await _database(kernel)
    _show(found, as_json)
    errors = [f for f in found if f.level == "error"]
    if errors:
        return max(int(f.code) for f in errors)
    return ExitCode.FAILED if any(f.level == "warning" for f in found) else ExitCode.OK


def _show(found: list[Finding], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(f) for f in found], indent=2))
        return
    colour = {"ok": "green", "warning": "yellow", "error": "red"}
    console.out.print(console.table(
        ["check", "state", "detail", "what to do"],
        [[f.check, f"[{colour[f.level]}]{f.level}[/]", escape(f.detail), escape(f.fix)] for f in found],
        title="slomix doctor"))
