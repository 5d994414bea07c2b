"""Reading forms with python-multipart: text fields in memory, file parts streamed to disk.

Every limit is checked as the bytes arrive, so an oversized upload is refused before it is
written whole: a text field or a file part over ``max_part_bytes`` (PayloadTooLarge naming
the field), more than ``max_files`` files or ``max_fields`` fields (BadRequest), and the
request's own body limit (the stream raises PayloadTooLarge).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote_plus

import anyio
import python_multipart
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from .web import BadRequest, PayloadTooLarge, UnsupportedMediaType, clean


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One file part, on disk at ``path`` until the response is sent (move or copy it to keep it).

    ``filename`` is what the client called it (a base name, for display); ``path`` never
    derives from it.
    """

    field: str
    filename: str
    content_type: str
    path: Path
    size: int
    sha256: str

    @classmethod
    def of_path(cls, path: Path, *, filename: str | None = None, field: str = "file",
                content_type: str = "application/octet-stream") -> UploadedFile:
        """A file already on disk (``slomix cmd --file``, a chat attachment the adapter saved)."""
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        return cls(field, filename or path.name, content_type, path, size, digest.hexdigest())


@dataclass(slots=True)
class Form:
    """The fields (in order, repeats kept) and the uploaded files of a form."""

    items: list[tuple[str, str]] = field(default_factory=list)
    files: list[UploadedFile] = field(default_factory=list)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The last value of ``name``."""
        found = [v for k, v in self.items if k == name]
        return found[-1] if found else default

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name]

    def file(self, name: str) -> UploadedFile | None:
        return next((f for f in self.files if f.field == name), None)


def spool_folder() -> Path:
    """A private folder for one request's uploads."""
    return Path(tempfile.mkdtemp(prefix="slomix-upload-"))


@dataclass(slots=True)
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    content_type: str = "application/octet-stream"
    text: bytearray = field(default_factory=bytearray)
    out: BinaryIO | None = None
    path: Path | None = None
    size: int = 0
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)


class _Multipart:
    def __init__(self, folder: Path, max_part_bytes: int, max_files: int, max_fields: int) -> None:
        self.folder = folder
        self.max_part_bytes = max_part_bytes
        self.max_files = max_files
        self.max_fields = max_fields
        self.form = Form()
        self.part = _Part()
        self.pending: list[tuple[_Part, bytes]] = []
        self.finished: list[_Part] = []
        self._header = bytearray()
        self._value = bytearray()
        self._fields = 0

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[bytes(self._header).lower()] = bytes(self._value)
        self._header.clear()
        self._value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise BadRequest("a form part has no name in its Content-Disposition")
        part = self.part
        part.name = clean("form", options[b"name"].decode("utf-8", "replace"))
        if b"filename" not in options:
            self._fields += 1
            if self._fields > self.max_fields:
                raise BadRequest(f"more than {self.max_fields} form fields")
            return
        if len(self.form.files) + len(self.finished) + 1 > self.max_files:
            raise BadRequest(f"more than {self.max_files} file(s) in the form")
        raw_name = options[b"filename"].decode("utf-8", "replace").replace("\\", "/")
        part.filename = clean(f"form.{part.name}.filename", os.path.basename(raw_name))
        part.content_type = self.part.headers.get(b"content-type", b"application/octet-stream").decode("latin-1")
        descriptor, name = tempfile.mkstemp(dir=self.folder)
        part.path = Path(name)
        part.out = os.fdopen(descriptor, "wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        part.size += end - start
        if part.size > self.max_part_bytes:
            what = f"file {part.filename!r}" if part.filename is not None else "field"
            raise PayloadTooLarge(f"form {what} {part.name!r} is larger than {self.max_part_bytes} bytes")
        chunk = data[start:end]
        if part.out is None:
            part.text += chunk
        else:
            part.digest.update(chunk)
            self.pending.append((part, chunk))

    def on_part_end(self) -> None:
        part = self.part
        if part.out is None:
            self.form.items.append((part.name, clean(f"form.{part.name}", part.text.decode("utf-8", "replace"))))
        else:
            self.finished.append(part)

    def callbacks(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in (
            "on_part_begin", "on_header_field", "on_header_value", "on_header_end", "on_headers_finished",
            "on_part_data", "on_part_end")}

    def flush(self) -> None:
        """Write the data received so far and close the files whose part ended (in a worker thread)."""
        for part, chunk in self.pending:
            assert part.out is not None
            part.out.write(chunk)
        self.pending.clear()
        for part in self.finished:
            assert part.out is not None and part.path is not None and part.filename is not None
            part.out.close()
            self.form.files.append(UploadedFile(part.name, part.filename, part.content_type, part.path, part.size,
                                                part.digest.hexdigest()))
        self.finished.clear()

    def close(self) -> None:
        """Close what a refused or broken body left open (the folder goes with the request)."""
        for part in (self.part, *self.finished):
            if part.out is not None and not part.out.closed:
                part.out.close()


async def parse(content_type: str, body: AsyncIterator[bytes], folder: Path, *, max_part_bytes: int,
                max_files: int, max_fields: int) -> Form:
    """Parse a form body of ``content_type`` read from ``body``; files go into ``folder``."""
    kind, options = parse_options_header(content_type)
    if kind == b"application/x-www-form-urlencoded":
        raw = b"".join([chunk async for chunk in body])
        return _urlencoded(raw, max_part_bytes, max_fields)
    if kind != b"multipart/form-data":
        raise UnsupportedMediaType("send the form as multipart/form-data or application/x-www-form-urlencoded")
    if b"boundary" not in options:
        raise BadRequest("the multipart body has no boundary")
    reader = _Multipart(folder, max_part_bytes, max_files, max_fields)
    parser = python_multipart.MultipartParser(options[b"boundary"], reader.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
            await anyio.to_thread.run_sync(reader.flush)
        parser.finalize()
        await anyio.to_thread.run_sync(reader.flush)
    except FormParserError as error:
        raise BadRequest(f"the multipart body is malformed: {error}") from None
    finally:
        reader.close()
    return reader.form


def _urlencoded(raw: bytes, max_part_bytes: int, max_fields: int) -> Form:
    form = Form()
    for pair in raw.split(b"&"):
        if not pair:
            continue
        if len(form.items) >= max_fields:
            raise BadRequest(f"more than {max_fields} form fields")
        name, _, value = pair.partition(b"=")
        if len(value) > max_part_bytes:
            raise PayloadTooLarge(f"form field {name.decode('latin-1')!r} is larger than {max_part_bytes} bytes")
        key = clean("form", unquote_plus(name.decode("latin-1")))
        form.items.append((key, clean(f"form.{key}", unquote_plus(value.decode("latin-1")))))
    return form
