"""Moving one file: read it over SFTP, keep a local copy written atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio

from .listing import Entry


async def download(sftp: Any, entry: Entry) -> bytes:
    """The file's bytes, at most one more than listed (a longer read means it changed)."""
    async with sftp.open(entry.path, "rb") as remote:
        return await remote.read(entry.size + 1)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    with temporary.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


async def keep(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` through a temporary file and a rename; return the path."""
    path = folder / name
    await anyio.to_thread.run_sync(_write_atomically, path, data)
    return path
