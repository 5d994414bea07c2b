"""Pure-Python bit reader: raw bits, Huffman-coded bytes and the delta codecs.

The compiled ``_fastdemo`` module implements the same ``Reader`` interface;
:mod:`.codec` picks one. A read past the end raises :class:`StreamError`.
"""

from __future__ import annotations

from .codes import DECODE
from .netfields import (
    ENTITY_BITS,
    FLOAT_INT_BITS,
    INTEGRAL_FLOATS,
    PLAYER_BITS,
    PS_AMMO,
    PS_AMMOCLIP,
    PS_HOLDABLE,
    PS_PERSISTANT,
    PS_POWERUPS,
    PS_STATS,
    SHARED_BITS,
)

# Lets reads run past the end without bounds checks: at most ~150 single bits
# follow one another between the checks in bits() and at the end of each delta.
_PAD = bytes(64)
_PS_ARRAYS = ((PS_STATS, False), (PS_PERSISTANT, False), (PS_HOLDABLE, False), (PS_POWERUPS, True))
_ENTITY_NONE = 1023  # MAX_GENTITIES - 1 ends a packet-entity list


class StreamError(Exception):
    """The message ended early or holds an impossible value."""


class Reader:
    """Reads one message payload as the game's bit stream."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, payload: bytes) -> None:
        self.data = payload + _PAD
        self.pos = 0
        self.end = len(payload) * 8

    def bit(self) -> int:
        pos = self.pos
        self.pos = pos + 1
        return self.data[pos >> 3] >> (pos & 7) & 1

    def bits(self, n: int, _decode: list[int] = DECODE) -> int:
        """Read an unsigned ``n``-bit value: ``n % 8`` raw bits, then Huffman bytes."""
        data, pos = self.data, self.pos
        raw = n & 7
        if raw:
            i = pos >> 3
            value = (data[i] | data[i + 1] << 8) >> (pos & 7) & ((1 << raw) - 1)
            pos += raw
        else:
            value = 0
        if n >= 8:
            i = pos >> 3
            entry = _decode[(data[i] | data[i + 1] << 8 | data[i + 2] << 16) >> (pos & 7) & 0x7FF]
            value |= (entry & 0xFF) << raw
            pos += entry >> 8
            shift = raw + 8
            for _ in range((n >> 3) - 1):
                i = pos >> 3
                entry = _decode[(data[i] | data[i + 1] << 8 | data[i + 2] << 16) >> (pos & 7) & 0x7FF]
                value |= (entry & 0xFF) << shift
                pos += entry >> 8
                shift += 8
        if pos > self.end:
            raise StreamError("message ends in the middle of a value")
        self.pos = pos
        return value

    def signed(self, n: int) -> int:
        value = self.bits(n)
        return value - (1 << n) if value >> (n - 1) else value

    def string(self, limit: int = 1024) -> str:
        """A zero-terminated string; ``%`` reads as ``.`` as in the game."""
        out = bytearray()
        while True:
            c = self.bits(8)
            if c == 0:
                break
            if len(out) < limit - 1:
                out.append(46 if c == 37 else c)
        return out.decode("latin-1")

    def bytes_(self, count: int) -> bytes:
        return bytes(self.bits(8) for _ in range(count))

    def _fields(self, widths: tuple[int, ...], base: tuple[int, ...], zero_bit: bool) -> list[int]:
        """Changed-field list shared by entity, shared-entity and playerstate deltas (``base`` may be longer).

        Single bits are read inline (most fields are flagged unchanged): the hot loop.
        """
        count = self.bits(8)
        if count > len(widths):
            raise StreamError(f"field count {count} exceeds {len(widths)}")
        new = list(base)
        data, pos = self.data, self.pos
        for i in range(count):
            changed = data[pos >> 3] >> (pos & 7) & 1
            pos += 1
            if not changed:
                continue
            if zero_bit:
                nonzero = data[pos >> 3] >> (pos & 7) & 1
                pos += 1
                if not nonzero:
                    new[i] = 0
                    continue
            width = widths[i]
            if width == 0:
                full = data[pos >> 3] >> (pos & 7) & 1
                self.pos = pos + 1
                new[i] = self.bits(32) if full else INTEGRAL_FLOATS[self.bits(FLOAT_INT_BITS)]
            else:
                self.pos = pos
                new[i] = self.bits(width) if width > 0 else self.signed(-width)
            pos = self.pos
        self.pos = pos
        if pos > self.end:
            raise StreamError("message ends in the middle of a delta")
        return new

    def entity(self, base: tuple[int, ...]) -> tuple[int, ...] | None:
        """An entity delta: ``None`` if removed, ``base`` itself if unchanged."""
        if self.bit():
            return None
        if not self.bit():
            return base
        return tuple(self._fields(ENTITY_BITS, base, True))

    def shared(self, base: tuple[int, ...]) -> tuple[int, ...] | None:
        """An ETTV entityShared delta (magic byte 0x77 first)."""
        magic = self.bits(8)
        if magic != 0x77:
            raise StreamError(f"shared-entity magic 0x{magic:02x}, expected 0x77")
        if self.bit():
            return None
        if not self.bit():
            return base
        return tuple(self._fields(SHARED_BITS, base, True))

    def playerstate(self, base: tuple[int, ...]) -> tuple[int, ...]:
        """A playerstate delta, arrays included."""
        new = self._fields(PLAYER_BITS, base, False)
        bit, signed = self.bit, self.signed
        if bit():
            for start, long_values in _PS_ARRAYS:
                if bit():
                    mask = self.bits(16)
                    for i in range(16):
                        if mask >> i & 1:
                            new[start + i] = signed(32) if long_values else signed(16)
        if bit():
            self._groups(new, PS_AMMO)
        self._groups(new, PS_AMMOCLIP)
        if self.pos > self.end:
            raise StreamError("message ends in the middle of a playerstate")
        return tuple(new)

    def playerstates(self, old: dict[int, tuple[int, ...]], zero: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
        """ETTV: every client's playerstate, each a delta from its state in ``old``; client 255 ends the list."""
        players = {}
        while True:
            client = self.bits(8)
            if client == 255:
                return players
            if client >= 64:
                raise StreamError(f"ETTV playerstate for client {client}")
            players[client] = self.playerstate(old.get(client, zero))

    def _groups(self, new: list[int], start: int) -> None:
        for group in range(4):
            if self.bit():
                mask = self.bits(16)
                for i in range(16):
                    if mask >> i & 1:
                        new[start + group * 16 + i] = self.signed(16)

    def packet_entities(
        self,
        old: dict[int, tuple[int, ...]],
        baselines: dict[int, tuple[int, ...]],
        zero: tuple[int, ...],
        old_shared: dict[int, tuple[int, ...]] | None = None,
        base_shared: dict[int, tuple[int, ...]] | None = None,
        zero_shared: tuple[int, ...] = (),
    ) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]] | None, list[int]]:
        """Entities of a snapshot: ``old`` updated by the listed deltas (ETTV: with shared parts).

        The third item lists the entities that are new or changed against ``old``.
        """
        new = dict(old)
        changed = []
        new_shared = dict(old_shared) if old_shared is not None else None
        while True:
            num = self.bits(10)
            if num == _ENTITY_NONE:
                break
            base = old.get(num)
            in_old = base is not None
            if not in_old:
                base = baselines.get(num) or zero
            state = self.entity(base)
            if state is None:
                new.pop(num, None)
            else:
                new[num] = state
                if state is not base or not in_old:
                    changed.append(num)
            if new_shared is not None:
                sbase = (old_shared.get(num) if in_old else None) or base_shared.get(num) or zero_shared
                shared = self.shared(sbase)
                if state is None or shared is None:
                    new_shared.pop(num, None)
                else:
                    new_shared[num] = shared
        return new, new_shared, changed
