"""Is this file a demo? The extension, then the record framing, checked without parsing.

A demo is a run of records (``int32 sequence, int32 length, payload``) ending with a length of
-1 or exactly at the end of the file (real files may lack the marker). Anything else - a zip, a
text file renamed ``.dm_84``, a file cut short - is refused with the reason and the byte offset.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

EXTENSIONS = {".dm_84": "client", ".tv_84": "ettv"}
MAX_MESSAGE = 32768  # MAX_MSGLEN in ET:Legacy's qcommon.h
_RECORD = struct.Struct("<ii")
_MAGIC = {b"PK\x03\x04": "a zip archive", b"\x1f\x8b": "a gzip archive", b"7z\xbc\xaf": "a 7-zip archive",
          b"Rar!": "a RAR archive", b"%PDF": "a PDF"}


class NotADemo(ValueError):
    """The file is not something we store; the message names the file and why."""

    def __init__(self, name: str, reason: str, *, status: int = 422) -> None:
        self.name = name
        self.reason = reason
        self.status = status
        super().__init__(f"{name}: {reason}")


def extension(name: str) -> str:
    """The demo extension of ``name`` (lower-cased), or NotADemo (415) for any other."""
    if "\x00" in name or "/" in name or "\\" in name or name in ("", ".", ".."):
        raise NotADemo(name.replace("\x00", "\\0"), "a file name may not hold a path or NUL", status=400)
    ext = os.path.splitext(name)[1].lower()
    if ext not in EXTENSIONS:
        raise NotADemo(name, f"not a demo: the extension must be {' or '.join(EXTENSIONS)}", status=415)
    return ext


def check(path: Path, name: str) -> int:
    """Walk the record headers of the file at ``path``; returns the record count."""
    size = path.stat().st_size
    if size == 0:
        raise NotADemo(name, "the file is empty (0 bytes)", status=400)
    with path.open("rb") as stream:
        head = stream.read(8)
        for magic, what in _MAGIC.items():
            if head.startswith(magic):
                raise NotADemo(name, f"this is {what}, not a demo: upload the .dm_84/.tv_84 inside it", status=415)
        offset = records = 0
        while offset < size:
            if size - offset < _RECORD.size:
                raise NotADemo(name, f"truncated: {size - offset} stray byte(s) at offset {offset}")
            stream.seek(offset)
            _, length = _RECORD.unpack(stream.read(_RECORD.size))
            if length == -1:
                break
            if not 0 < length <= MAX_MESSAGE:
                what = "not a demo" if records == 0 else "corrupt"
                raise NotADemo(name, f"{what}: record {records} at offset {offset} claims {length} bytes")
            if offset + _RECORD.size + length > size:
                raise NotADemo(name, f"truncated: record {records} at offset {offset} needs {length} bytes, "
                                     f"{size - offset - _RECORD.size} left")
            offset += _RECORD.size + length
            records += 1
    if records == 0:
        raise NotADemo(name, "not a demo: it holds no record")
    return records
