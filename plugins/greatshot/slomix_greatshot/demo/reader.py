"""parse(): a demo file to a :class:`Demo`."""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike

from .model import Demo


def parse(
    path: str | PathLike[str],
    *,
    positions: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Demo:
    """Read a demo. ``progress(bytes_done, bytes_total)`` is called as it goes."""
    raise NotImplementedError
