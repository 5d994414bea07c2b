"""What travels through ``on_file`` and ``on_demo``: an incoming file and what became of it."""

from __future__ import annotations

from typing import Literal

import msgspec

Status = Literal["imported", "updated", "duplicate", "held", "quarantined", "stored", "ignored"]


class IncomingFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file handed to the plugins: its name, its bytes and where it came from."""

    name: str
    data: bytes
    source: str = "import"
    path: str | None = None


class FileOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one plugin did with one file.

    ``quarantined`` means the file was bad: ``detail`` says why (naming the
    line where it can), and the plugin kept the original bytes.
    """

    status: Status
    detail: str = ""
    kind: str = ""
    ref: str | None = None
