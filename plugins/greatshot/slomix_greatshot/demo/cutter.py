"""cut(): a server-time range of a demo to a new, valid ``.dm_84``."""

from __future__ import annotations

from os import PathLike

from .model import CutInfo


def cut(
    path: str | PathLike[str],
    out: str | PathLike[str],
    *,
    start_ms: int,
    end_ms: int,
    pov: int | None = None,
) -> CutInfo:
    """Write the snapshots with ``start_ms <= serverTime <= end_ms`` to ``out``."""
    raise NotImplementedError
