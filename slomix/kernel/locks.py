"""The data dir's run lock: one ``slomix run`` per data dir (``slomix cmd``/``import`` need none).

An ``flock`` on ``<data_dir>/run.lock``, which the kernel drops when the process ends however it
ends; the file names the holder's PID so the refusal can say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import ConfigError, Locked

RUN_LOCK = "run.lock"


def data_dir(path: Path) -> Path:
    """``path``, created when missing; a ConfigError naming the key when it cannot be a folder."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError("slomix.data_dir", f"{path} is a file, not a folder") from None
    except OSError as error:
        raise ConfigError("slomix.data_dir", f"cannot create {path}: {error.strerror}") from None
    return path


def holder(path: Path) -> int | None:
    """The PID holding ``path``'s lock, or None when nobody holds it."""
    try:
        with path.open("r") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                text = probe.read().strip()
                return int(text) if text.isdigit() else -1
            fcntl.flock(probe, fcntl.LOCK_UN)
    except FileNotFoundError:
        pass
    return None


@contextlib.contextmanager
def run_lock(folder: Path) -> Iterator[None]:
    """Hold the data dir's run lock for the block; Locked (exit 9) when another process has it."""
    path = data_dir(folder) / RUN_LOCK
    with path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            text = lock.read().strip()
            who = f"PID {text}" if text.isdigit() else "another process"
            raise Locked(f"{folder} is in use by another `slomix run` ({who}): stop it first, "
                         "or give this one its own [slomix] data_dir") from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        try:
            yield
        finally:
            lock.truncate(0)
