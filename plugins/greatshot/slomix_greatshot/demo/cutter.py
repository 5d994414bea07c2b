"""cut(): a server-time range of a demo to a new, valid ``.dm_84``.

The source is read from the start (deltas chain back to the gamestate). At the
first snapshot in range a gamestate is synthesized from the configstrings and
baselines as they stand; the first snapshot is written non-delta, later ones
as deltas against snapshots already written, and server commands inside the
range follow with new sequence numbers. An ETTV demo is cut from one player's
view: that player's playerstate, every entity except its own and those meant
for someone else.
"""

from __future__ import annotations

import os
import re
import struct

from .bitwriter import Writer
from .errors import DemoError
from .model import CutInfo
from .netfields import ZERO_ENTITY, ZERO_PLAYER
from .reader import gc_paused
from .stream import (
    PACKET_BACKUP,
    SVC_BASELINE,
    SVC_CONFIGSTRING,
    SVC_EOF,
    SVC_GAMESTATE,
    SVC_SERVERCOMMAND,
    SVC_SNAPSHOT,
    DemoStream,
    Snapshot,
)

SVF_SINGLECLIENT = 0x800
SVF_NOTSINGLECLIENT = 0x2000
_SHARED_SVFLAGS, _SHARED_SINGLECLIENT = 6, 13
_RECORD = struct.Struct("<ii")


def cut(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    start_ms: int,
    end_ms: int,
    pov: int | None = None,
    pure: bool | None = None,
) -> CutInfo:
    """Write the snapshots with ``start_ms <= serverTime <= end_ms`` (and the commands among them) to ``out``."""
    if end_ms < start_ms:
        raise DemoError(f"end {end_ms} ms is before start {start_ms} ms", file=os.fspath(path))
    stream = DemoStream(path, pure=pure)
    clip = _Clip(stream, pov)
    tmp = os.fspath(out) + ".part"
    try:
        with open(tmp, "wb") as handle:
            clip.handle = handle
            with gc_paused():
                for message in stream:
                    snap = message.snapshot
                    if snap is not None and snap.server_time > end_ms:
                        break
                    if message.gamestate and clip.started:
                        break  # a new map or restart: its clock starts again, the clip ends here
                    if snap is not None and snap.server_time >= start_ms and clip.started is False:
                        clip.begin(message.seq)
                    if clip.started:
                        clip.message(message)
            if not clip.started:
                raise DemoError(f"no snapshot between {start_ms} and {end_ms} ms", file=stream.path)
            handle.write(_RECORD.pack(-1, -1))
        os.replace(tmp, out)
    except OSError as exc:
        raise DemoError(f"cannot write {out}: {exc.strerror or exc}", file=stream.path) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return CutInfo(os.fspath(out), clip.first_ms, clip.last_ms, clip.snapshots, clip.command_seq,
                   os.path.getsize(out), clip.pov)


class _Clip:
    """The output side of a cut: sequence numbers, written snapshots, commands."""

    def __init__(self, stream: DemoStream, pov: int | None) -> None:
        self.stream = stream
        self.want_pov = pov
        self.pov = 0
        self.handle = None
        self.started = False
        self.seq = 0
        self.command_seq = 0
        self.last: tuple[int, tuple[int, ...], dict[int, tuple[int, ...]]] | None = None  # seq, ps, entities
        self.open_big: set[int] = set()
        self.snapshots = 0
        self.first_ms = self.last_ms = 0

    def _record(self, payload: bytes) -> None:
        self.handle.write(_RECORD.pack(self.seq, len(payload)))
        self.handle.write(payload)
        self.seq += 1

    def begin(self, seq: int) -> None:
        s = self.stream
        if s.ettv:
            if self.want_pov is None:
                raise DemoError("an ETTV demo is cut from one player's view: give pov", file=s.path)
            self.pov = self.want_pov
        else:
            if self.want_pov not in (None, s.client_num):
                raise DemoError(f"a client demo shows only its recorder ({s.client_num}), not {self.want_pov}",
                                file=s.path)
            self.pov = s.client_num
        self.seq = seq
        w = Writer()
        w.bits(0, 32)  # reliableAcknowledge
        w.bits(SVC_GAMESTATE, 8)
        w.bits(0, 32)  # command sequence: the clip's commands count from 1
        for index in sorted(s.configstrings):
            value = s.configstrings[index]
            if not value:
                continue
            if index == 0 and s.ettv:  # the clip is a client demo
                value = re.sub(r"\\protocol\\284(?=\\|$)", r"\\protocol\\84", value)
            w.bits(SVC_CONFIGSTRING, 8)
            w.bits(index, 16)
            w.string(value)
        for num in sorted(s.baselines):
            base = s.baselines[num]
            if base != ZERO_ENTITY:
                w.bits(SVC_BASELINE, 8)
                w.entity(num, ZERO_ENTITY, base, True)
        w.bits(SVC_EOF, 8)
        w.bits(self.pov, 32)
        w.bits(s.checksum_feed, 32)
        w.bits(SVC_EOF, 8)
        self._record(w.payload())
        self.started = True

    def message(self, message) -> None:
        w = Writer()
        w.bits(0, 32)
        for _, text in message.commands:
            if not self._carry(text):
                continue
            self.command_seq += 1
            w.bits(SVC_SERVERCOMMAND, 8)
            w.bits(self.command_seq, 32)
            w.string(text)
        snap = message.snapshot
        if snap is not None:
            self._snapshot(w, snap)
        elif not message.commands:
            return
        w.bits(SVC_EOF, 8)
        self._record(w.payload())

    def _carry(self, text: str) -> bool:
        """Commands in range go on; a split configstring only if its start is in the clip."""
        head = text.split(" ", 2)
        if head[0] in ("bcs0", "bcs1", "bcs2") and len(head) > 1:
            if head[0] == "bcs0":
                self.open_big.add(head[1])
            elif head[1] not in self.open_big:
                return False
            elif head[0] == "bcs2":
                self.open_big.discard(head[1])
        return True

    def view(self, snap: Snapshot) -> tuple[tuple[int, ...], dict[int, tuple[int, ...]]]:
        """The playerstate and entities the clip's recorder sees."""
        if not self.stream.ettv:
            return snap.ps, snap.entities
        ps = (snap.players or {}).get(self.pov)
        if ps is None:
            raise DemoError(f"client {self.pov} has no playerstate at {snap.server_time} ms",
                            file=self.stream.path)
        return ps, pov_entities(snap, self.pov)

    def _snapshot(self, w: Writer, snap: Snapshot) -> None:
        ps, entities = self.view(snap)
        delta = self.seq - self.last[0] if self.last is not None else 0
        if not 0 < delta < PACKET_BACKUP:
            delta = 0
        w.bits(SVC_SNAPSHOT, 8)
        w.bits(snap.server_time, 32)
        w.bits(delta, 8)
        w.bits(snap.flags, 8)
        areamask = bytes(len(snap.areamask)) if self.stream.ettv else snap.areamask
        w.bits(len(areamask), 8)
        for b in areamask:
            w.bits(b, 8)
        old_ps, old_entities = self.last[1:] if delta else (ZERO_PLAYER, {})
        w.playerstate(old_ps, ps)
        baselines = self.stream.baselines
        for num in sorted(old_entities.keys() | entities.keys()):
            new = entities.get(num)
            old = old_entities.get(num)
            if old is None:
                w.entity(num, baselines.get(num, ZERO_ENTITY), new, True)
            else:
                w.entity(num, old, new, False)
        w.bits(1023, 10)
        self.last = (self.seq, ps, entities)
        self.snapshots += 1
        self.first_ms = self.first_ms or snap.server_time
        self.last_ms = snap.server_time


def pov_entities(snap: Snapshot, pov: int) -> dict[int, tuple[int, ...]]:
    """An ETTV snapshot's entities as client ``pov`` would receive them (no visibility culling)."""
    shared = snap.shared or {}
    out = {}
    for num, state in snap.entities.items():
        if num == pov:
            continue  # the game never sends a client its own entity
        sh = shared.get(num)
        if sh is not None:
            flags = sh[_SHARED_SVFLAGS]
            if flags & SVF_SINGLECLIENT and sh[_SHARED_SINGLECLIENT] != pov:
                continue
            if flags & SVF_NOTSINGLECLIENT and sh[_SHARED_SINGLECLIENT] == pov:
                continue
        out[num] = state
    return out

