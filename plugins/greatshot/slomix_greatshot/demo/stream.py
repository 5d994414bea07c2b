"""The record and message layer: framing, gamestate, commands, snapshots.

:class:`DemoStream` walks a demo record by record and keeps the state the
game client keeps (configstrings, baselines, the 32-snapshot ring), yielding
one :class:`Message` per record. Facts extraction and the cutter both sit on it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .codec import StreamError, reader_class
from .commands import tokenize
from .errors import DemoError
from .netfields import ZERO_ENTITY, ZERO_PLAYER, ZERO_SHARED

MAX_MSGLEN = 32768
PACKET_BACKUP = 32
MAX_CONFIGSTRINGS = 1024
MAX_CLIENTS = 64

SVC_NOP, SVC_GAMESTATE, SVC_CONFIGSTRING, SVC_BASELINE = 1, 2, 3, 4
SVC_SERVERCOMMAND, SVC_SNAPSHOT, SVC_EOF = 5, 7, 8
SVC_ETTV_PLAYERSTATES, SVC_ETTV_CURRENTSTATE = 9, 10

_HEADER = struct.Struct("<ii")

Entities = dict[int, tuple[int, ...]]


@dataclass(slots=True)
class Snapshot:
    """One decoded snapshot. ETTV: ``players`` holds every client's playerstate."""

    seq: int
    server_time: int
    delta_num: int
    flags: int
    areamask: bytes
    ps: tuple[int, ...]
    entities: Entities
    shared: Entities | None = None
    players: dict[int, tuple[int, ...]] | None = None
    changed: list[int] = field(default_factory=list)  # entities new or changed against the delta base


@dataclass(slots=True)
class Message:
    """What one record held: a new gamestate, server commands, a snapshot."""

    number: int
    offset: int
    seq: int
    gamestate: bool = False
    commands: list[tuple[int, str]] = field(default_factory=list)
    snapshot: Snapshot | None = None
    changed: list[int] = field(default_factory=list)  # configstrings the commands set


class DemoStream:
    """Iterate a demo's records; the attributes hold the state as it stands."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        pure: bool | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.progress = progress
        self.reader = reader_class(pure)
        self.configstrings: dict[int, str] = {}
        self.baselines: Entities = {}
        self.baselines_shared: Entities = {}
        self.client_num = 0
        self.checksum_feed = 0
        self.command_seq = 0
        self.ettv = False
        self._kind_known = False  # settled by the first gamestate
        self._in_gamestate = False
        self.ring: dict[int, Snapshot] = {}
        self._big: dict[int, str] = {}
        self.dropped = 0
        self.size = 0

    def __iter__(self) -> Iterator[Message]:
        try:
            handle = open(self.path, "rb")
        except OSError as exc:
            raise DemoError(f"cannot open: {exc.strerror or exc}", file=self.path) from exc
        with handle:
            self.size = os.fstat(handle.fileno()).st_size
            try:
                yield from self._records(handle)
            except OSError as exc:  # the disk, not the demo: said as such
                raise DemoError(f"cannot read: {exc.strerror or exc}", file=self.path) from exc

    def _records(self, handle) -> Iterator[Message]:
        offset = number = 0
        last_report = 0
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return  # no end marker, or a truncated last header: the game stops here too
            seq, length = _HEADER.unpack(header)
            if length == -1:
                return
            if not 0 <= length <= MAX_MSGLEN:
                raise DemoError(f"record length {length} outside 0..{MAX_MSGLEN}", file=self.path,
                                offset=offset, message_number=number)
            payload = handle.read(length)
            if len(payload) < length:
                return  # truncated final record
            try:
                message = self._message_or_retry(number, offset, seq, payload)
            except StreamError as exc:
                raise DemoError(str(exc), file=self.path, offset=offset, message_number=number) from None
            except IndexError:  # the pure reader ran past its padding: garbage, not a short read
                raise DemoError("message runs past its end", file=self.path, offset=offset,
                                message_number=number) from None
            offset += 8 + length
            number += 1
            if self.progress is not None and offset - last_report >= 1 << 18:
                last_report = offset
                self.progress(offset, self.size)
            yield message

    def _message_or_retry(self, number: int, offset: int, seq: int, payload: bytes) -> Message:
        """The first gamestate tells client demos from ETTV ones: an ETTV baseline is followed by a
        shared-entity part (the configstrings say protocol 84 in both). The file name gives the first
        guess; if the gamestate does not read that way, it is read the other way."""
        if self._kind_known:
            return self._message(number, offset, seq, payload)
        guess = self.ettv = ".tv_" in os.path.basename(self.path).lower()
        try:
            message = self._message(number, offset, seq, payload)
        except StreamError:
            if not self._in_gamestate:
                raise
            self.ettv = not guess
            try:
                message = self._message(number, offset, seq, payload)
            except StreamError:
                self.ettv = guess
                raise
        self._kind_known = message.gamestate
        return message

    def _message(self, number: int, offset: int, seq: int, payload: bytes) -> Message:
        r = self.reader(payload)
        message = Message(number, offset, seq)
        r.bits(32)  # reliableAcknowledge
        while True:
            op = r.bits(8)
            if op == SVC_EOF:
                return message
            if op == SVC_NOP:
                continue
            if op == SVC_SERVERCOMMAND:
                cseq = r.signed(32)
                text = r.string()
                if cseq > self.command_seq:
                    self.command_seq = cseq
                    message.commands.append((cseq, text))
                    self._configstring_command(text, message.changed)
            elif op == SVC_SNAPSHOT:
                message.snapshot = self._snapshot(r, seq)
            elif op == SVC_ETTV_PLAYERSTATES:
                self._playerstates(r, message.snapshot, seq)
            elif op == SVC_GAMESTATE:
                self._gamestate(r)
                message.gamestate = True
            else:
                raise StreamError(f"unknown server message op {op}")

    def _configstring_command(self, text: str, changed: list[int]) -> None:
        """Apply ``cs`` and the split ``bcs0/1/2`` updates as the client does."""
        if not text.startswith(("cs ", "bcs")):
            return
        tokens = tokenize(text)
        if len(tokens) < 2 or tokens[0] not in ("cs", "bcs0", "bcs1", "bcs2"):
            return
        try:
            index = int(tokens[1])
        except ValueError:
            return
        if not 0 <= index < MAX_CONFIGSTRINGS:
            return
        value = tokens[2] if len(tokens) > 2 else ""
        if tokens[0] == "cs":
            self.configstrings[index] = value
        elif tokens[0] == "bcs0":
            self._big[index] = value
            return
        else:
            self._big[index] = self._big.get(index, "") + value
            if tokens[0] == "bcs1":
                return
            self.configstrings[index] = self._big.pop(index)
        changed.append(index)

    def _gamestate(self, r) -> None:
        self._in_gamestate = True
        self.command_seq = r.signed(32)
        self.configstrings = {}
        self.baselines = {}
        self.baselines_shared = {}
        self.ring = {}
        while True:
            op = r.bits(8)
            if op == SVC_EOF:
                break
            if op == SVC_CONFIGSTRING:
                index = r.signed(16)
                if not 0 <= index < MAX_CONFIGSTRINGS:
                    raise StreamError(f"configstring index {index} out of range")
                self.configstrings[index] = r.string(8192)
            elif op in (SVC_BASELINE, SVC_ETTV_CURRENTSTATE):
                num = r.bits(10)
                base = ZERO_ENTITY if op == SVC_BASELINE else self.baselines.get(num, ZERO_ENTITY)
                state = r.entity(base)
                shared = None
                if self.ettv:
                    sbase = ZERO_SHARED if op == SVC_BASELINE else self.baselines_shared.get(num, ZERO_SHARED)
                    shared = r.shared(sbase)
                if op == SVC_BASELINE:
                    self.baselines[num] = state or ZERO_ENTITY
                    if shared is not None:
                        self.baselines_shared[num] = shared
            else:
                raise StreamError(f"unknown gamestate op {op}")
        self.client_num = r.signed(32)
        self.checksum_feed = r.signed(32)
        self._in_gamestate = False

    def _snapshot(self, r, seq: int) -> Snapshot | None:
        server_time = r.signed(32)
        delta_num = r.bits(8)
        flags = r.bits(8)
        base = None
        valid = True
        if delta_num:
            base = self.ring.get(seq - delta_num)
            valid = base is not None
        area_len = r.bits(8)
        if area_len > 32:
            raise StreamError(f"areamask length {area_len} exceeds 32")
        areamask = r.bytes_(area_len)
        ps = r.playerstate(base.ps if base else ZERO_PLAYER)
        entities, shared, changed = r.packet_entities(
            base.entities if base else {},
            self.baselines,
            ZERO_ENTITY,
            ((base.shared if base else None) or {}) if self.ettv else None,
            self.baselines_shared,
            ZERO_SHARED,
        )
        if not valid:
            self.dropped += 1  # delta from a snapshot we never saw: the game drops it too
            return None
        snap = Snapshot(seq, server_time, delta_num, flags, areamask, ps, entities, shared, None, changed)
        self.ring[seq] = snap
        for old in [s for s in self.ring if s <= seq - PACKET_BACKUP]:
            del self.ring[old]
        return snap

    def _playerstates(self, r, snap: Snapshot | None, seq: int) -> None:
        base = self.ring.get(seq - snap.delta_num) if snap is not None and snap.delta_num else None
        old = base.players if base is not None and base.players else {}
        players = r.playerstates(old, ZERO_PLAYER)
        if snap is not None:
            snap.players = players
