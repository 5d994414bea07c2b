"""parse(): a demo file to a :class:`Demo`."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .commands import info
from .errors import DemoError
from .facts import CS_LEVEL_START_TIME, CS_SERVERINFO, Facts
from .model import Demo
from .stream import DemoStream


def parse(
    path: str | os.PathLike[str],
    *,
    positions: bool | int = True,
    progress: Callable[[int, int], None] | None = None,
    pure: bool | None = None,
) -> Demo:
    """Read a demo. ``progress(bytes_done, bytes_total)`` is called as it goes.

    ``positions``: True records every visible player at every snapshot, False
    none, a number of milliseconds at most one snapshot's worth per that
    interval (packed :class:`Positions`, 26 bytes a sample: a 200 MB ETTV demo holds 3 M, 78 MB).

    ``pure`` picks the pure-Python bit reader (``None``: the compiled one when
    built, unless ``SLOMIX_DEMO_PURE`` is set). Raises :class:`DemoError`.
    """
    stream = DemoStream(path, progress=progress, pure=pure)
    facts = Facts(positions=positions)
    seen_gamestate = False
    with gc_paused():
        for message in stream:
            if not seen_gamestate:
                if not message.gamestate:
                    raise DemoError("the demo does not start with a gamestate", file=stream.path,
                                    offset=message.offset, message_number=message.number)
                seen_gamestate = True
            facts.message(message, stream.configstrings)
    if not seen_gamestate:
        raise DemoError("no gamestate: empty or not a demo", file=stream.path, offset=0, message_number=0)
    if progress is not None:
        progress(stream.size, stream.size)
    server = info(stream.configstrings.get(CS_SERVERINFO, ""))
    pov = facts.pov(stream.client_num)
    return Demo(
        file=os.path.basename(stream.path),
        protocol=284 if stream.ettv else _int(server.get("protocol"), 84),
        mod=server.get("gamename", ""),
        map=server.get("mapname", ""),
        pov=pov,
        start_ms=facts.first_ms or 0,
        end_ms=facts.last_ms,
        players=facts.players(),
        kills=facts.kill_records(stream.client_num),
        chat=facts.chat,
        phases=facts.phases,
        positions=facts.positions,
        mod_version=server.get("mod_version", ""),
        gametype=_int(server.get("g_gametype"), None),
        snapshots=facts.snapshots,
        size=stream.size,
        level_start_ms=_int(stream.configstrings.get(CS_LEVEL_START_TIME), None),
        scores=facts.scores,
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Decoding makes millions of short-lived tuples and no cycles: the cycle collector
    would only rescan the growing records (a third of the time); refcounting frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _int(text: str | None, default):
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
