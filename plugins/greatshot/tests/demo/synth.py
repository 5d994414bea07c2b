"""Real demos re-encoded with changes, for facts no real demo here carries (2.84 flags, xpgain, chat)."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from pathlib import Path

from slomix_greatshot.demo.cutter import _Clip
from slomix_greatshot.demo.stream import DemoStream


def rewrite(src: Path, out: Path, *, configstrings: Callable[[dict[int, str]], None] | None = None,
            commands: dict[int, list[str]] | None = None,
            entity: Callable[[int, int, tuple[int, ...]], tuple[int, ...]] | None = None) -> Path:
    """Write ``src`` whole through the cutter's writer: configstrings edited before the gamestate,
    ``commands`` added at the snapshot of that server time, entities passed through ``entity(time, num, state)``."""
    stream = DemoStream(src)
    clip = _Clip(stream, None)
    with out.open("wb") as handle:
        clip.handle = handle
        for message in stream:
            snap = message.snapshot
            if snap is None and not clip.started:
                continue
            if not clip.started:
                if configstrings:
                    configstrings(stream.configstrings)
                clip.begin(message.seq)
            extra = [(0, text) for text in (commands or {}).get(snap.server_time if snap else -1, [])]
            if snap is not None and entity is not None:
                snap = dataclasses.replace(snap, entities={n: entity(snap.server_time, n, st)
                                                           for n, st in snap.entities.items()})
            clip.message(dataclasses.replace(message, snapshot=snap, commands=message.commands + extra))
        handle.write(struct.pack("<ii", -1, -1))
    return out
