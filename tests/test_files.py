"""An incoming file given by its path is read only when a plugin asks for its bytes."""

from __future__ import annotations

import pytest

from slomix.kernel import IncomingFile

pytestmark = pytest.mark.anyio


async def test_a_path_backed_file_is_read_on_first_use(tmp_path) -> None:
    path = tmp_path / "demo.dm_84"
    path.write_bytes(b"first")
    file = IncomingFile(name="demo.dm_84", path=path, source="upload")
    assert (file.size, file.path, file.source) == (5, str(path), "upload")
    path.write_bytes(b"second")  # not read yet: the bytes are whatever is there at first use
    assert await file.read() == b"second" and file.data == b"second"
    path.write_bytes(b"third")  # once read, kept
    assert file.data == b"second"
    with IncomingFile(name="x", path=path).open() as stream:
        assert stream.read(2) == b"th"


def test_bytes_alone_are_a_file_too_and_neither_is_refused() -> None:
    file = IncomingFile(name="a.txt", data=b"abc")
    assert (file.size, file.path, file.data, file.open().read()) == (3, None, b"abc", b"abc")
    with pytest.raises(ValueError, match=r"a\.txt: an incoming file needs its bytes or a path"):
        IncomingFile(name="a.txt")
