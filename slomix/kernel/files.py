"""What travels through ``on_file`` and ``on_demo``: an incoming file and what became of it."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO, Literal

import anyio
import msgspec

# ``failed``: the plugin could not handle the file (its own error or timeout); nothing says the
# file is bad, and a later try may succeed. ``quarantined``: the file is bad, and kept.
Status = Literal["imported", "updated", "duplicate", "held", "quarantined", "stored", "ignored", "failed"]


class IncomingFile:
    """A file handed to the plugins: its name, where it came from, its size and its bytes.

    The bytes are read from ``path`` on first use of ``data`` (or ``await read()``, which reads
    in a worker thread), so a plugin that only looks at names, or streams ``open()``, never
    holds a large file in memory. A file given as bytes has no ``path`` unless one is named.
    """

    __slots__ = ("_data", "name", "path", "size", "source")

    def __init__(self, *, name: str, data: bytes | None = None, source: str = "import",
                 path: str | os.PathLike[str] | None = None, size: int | None = None) -> None:
        if data is None and path is None:
            raise ValueError(f"{name}: an incoming file needs its bytes or a path")
        self.name = name
        self.source = source
        self.path = None if path is None else str(path)
        self._data = data
        if data is not None:
            self.size = len(data)
        else:
            self.size = size if size is not None else os.stat(self.path).st_size  # type: ignore[arg-type]

    @property
    def data(self) -> bytes:
        """The file's bytes (read from disk the first time)."""
        if self._data is None:
            self._data = Path(self.path).read_bytes()  # type: ignore[arg-type]
        return self._data

    async def read(self) -> bytes:
        """The file's bytes, read in a worker thread the first time."""
        if self._data is None:
            self._data = await anyio.to_thread.run_sync(Path(self.path).read_bytes)  # type: ignore[arg-type]
        return self._data

    def open(self) -> BinaryIO:
        """A binary stream of the file, without reading it whole."""
        if self._data is not None and self.path is None:
            return io.BytesIO(self._data)
        return open(self.path, "rb")  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"IncomingFile(name={self.name!r}, source={self.source!r}, size={self.size})"


class FileOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one plugin did with one file.

    ``quarantined`` means the file was bad: ``detail`` says why (naming the
    line where it can), and the plugin kept the original bytes. ``notes`` say what the plugin
    changed on the way in (duplicate lines merged, ...): importers show them, never silently.
    """

    status: Status
    detail: str = ""
    kind: str = ""
    ref: str | None = None
    notes: tuple[str, ...] = ()
