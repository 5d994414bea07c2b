"""Listing a remote folder and deciding when a new file has finished being written."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

import asyncssh

# Names come from another machine: plain ones only (no hidden or temporary files, no paths).
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    name: str
    size: int
    mtime: int


async def list_folder(sftp: Any, folder: str) -> list[Entry]:
    """The regular files of ``folder`` with plain names (symlinks and odd names are skipped)."""
    entries = []
    for item in await sftp.readdir(folder.encode()):
        try:
            name = item.filename.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if item.attrs.type != asyncssh.FILEXFER_TYPE_REGULAR or not SAFE_NAME.fullmatch(name):
            continue
        entries.append(Entry(posixpath.join(folder, name), name, item.attrs.size or 0, int(item.attrs.mtime or 0)))
    return sorted(entries, key=lambda e: e.path)


class Settler:
    """A file is ready once two consecutive listings agree on its size and mtime.

    The game server writes files in place; a file listed mid-write changes between two
    listings and is only taken when it stops changing.
    """

    def __init__(self) -> None:
        self._previous: dict[str, tuple[int, int]] = {}

    def ready(self, entries: list[Entry]) -> tuple[list[Entry], int]:
        """The entries unchanged since the last listing, and how many still wait."""
        previous = self._previous
        self._previous = {e.path: (e.size, e.mtime) for e in entries}
        ready = [e for e in entries if previous.get(e.path) == (e.size, e.mtime)]
        return ready, len(entries) - len(ready)

    def forget(self, path: str) -> None:
        self._previous.pop(path, None)
