"""Pure-Python bit reader: raw bits, Huffman-coded bytes and the delta codecs.

The compiled ``_fastdemo`` module implements the same ``Reader`` interface;
:mod:`.codec` picks one. A read past the end raises :class:`StreamError`.

Every read starts from ``words[pos >> 3]``: the 32 stream bits from that byte
on, made at C speed when the message arrives, so a Huffman byte costs one list
lookup and a run of unchanged-field flags is skipped in one step.
"""

from __future__ import annotations

import sys
from array import array

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
_BIG_ENDIAN = sys.byteorder == "big"
assert array("I").itemsize == 4


class StreamError(Exception):
    """The message ended early or holds an impossible value."""


def _plan(widths: tuple[int, ...]) -> tuple[tuple[int, int, int, int], ...]:
    """Per field: (raw bits, Huffman bytes, bit count, sign bit or 0); a float is (0, 0, 0, 0)."""
    plan = []
    for width in widths:
        n = abs(width)
        plan.append((n & 7, n >> 3, n, 1 << (n - 1) if width < 0 else 0))
    return tuple(plan)


_ENTITY_PLAN, _PLAYER_PLAN, _SHARED_PLAN = _plan(ENTITY_BITS), _plan(PLAYER_BITS), _plan(SHARED_BITS)


class Reader:
    """Reads one message payload as the game's bit stream."""

    __slots__ = ("data", "end", "pos", "words")

    def __init__(self, payload: bytes) -> None:
        self.data = data = payload + _PAD
        self.pos = 0
        self.end = len(payload) * 8
        # words[i]: the little-endian 32 bits from byte i on (every offset, four strided casts).
        count = len(data) - 3
        words = [0] * count
        view = memoryview(data)
        for start in range(4):
            column = view[start:start + (count - start + 3) // 4 * 4]
            if _BIG_ENDIAN:
                swapped = array("I", column)
                swapped.byteswap()
                words[start::4] = swapped
            else:
                words[start::4] = column.cast("I").tolist()
        self.words = words

    def bit(self) -> int:
        pos = self.pos
        self.pos = pos + 1
        return self.data[pos >> 3] >> (pos & 7) & 1

    def bits(self, n: int, _decode: list[int] = DECODE) -> int:
        """Read an unsigned ``n``-bit value: ``n % 8`` raw bits, then Huffman bytes."""
        words, pos = self.words, self.pos
        raw = n & 7
        if raw:
            value = words[pos >> 3] >> (pos & 7) & ((1 << raw) - 1)
            pos += raw
        else:
            value = 0
        for shift in range(raw, n, 8):
            entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
            value |= (entry & 0xFF) << shift
            pos += entry >> 8
        if pos > self.end:
            raise StreamError("message ends in the middle of a value")
        self.pos = pos
        return value

    def signed(self, n: int) -> int:
        value = self.bits(n)
        return value - (1 << n) if value >> (n - 1) else value

    def string(self, limit: int = 1024, _decode: list[int] = DECODE) -> str:
        """A zero-terminated string; ``%`` reads as ``.`` as in the game."""
        words, pos, end = self.words, self.pos, self.end
        out = bytearray()
        while True:
            entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
            pos += entry >> 8
            if pos > end:
                raise StreamError("message ends in the middle of a value")
            c = entry & 0xFF
            if c == 0:
                break
            if len(out) < limit - 1:
                out.append(46 if c == 37 else c)
        self.pos = pos
        return out.decode("latin-1")

    def bytes_(self, count: int) -> bytes:
        return bytes(self.bits(8) for _ in range(count))

    def _fields(self, plan: tuple[tuple[int, int, int, int], ...], base: tuple[int, ...], zero_bit: bool,
                _decode: list[int] = DECODE, _floats: tuple[int, ...] = INTEGRAL_FLOATS) -> list[int]:
        """Changed-field list shared by entity, shared-entity and playerstate deltas (``base`` may be longer).

        The hot loop: values are read inline, and a run of unchanged fields (most are) is one step.
        """
        words, pos, end = self.words, self.pos, self.end
        entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
        count = entry & 0xFF
        pos += entry >> 8
        if pos > end:
            raise StreamError("message ends in the middle of a value")
        if count > len(plan):
            raise StreamError(f"field count {count} exceeds {len(plan)}")
        new = list(base)
        i = 0
        while i < count:
            w = words[pos >> 3] >> (pos & 7)
            if not w & 1:  # skip the unchanged fields' zero flags up to the next set one
                run = (w & -w).bit_length() - 1 if w else 32 - (pos & 7)
                if i + run >= count:
                    pos += count - i
                    break
                i += run
                pos += run
                w = words[pos >> 3] >> (pos & 7)
                if not w & 1:  # more zeros than one word holds
                    continue
            pos += 1
            if zero_bit:
                pos += 1
                if not w & 2:
                    new[i] = 0
                    i += 1
                    continue
            raw, nbytes, n, sign = plan[i]
            if not n:  # a float: a full 32-bit pattern or a 13-bit integral one
                full = words[pos >> 3] >> (pos & 7) & 1
                pos += 1
                raw, nbytes, n = (0, 4, 32) if full else (FLOAT_INT_BITS & 7, 1, FLOAT_INT_BITS)
            else:
                full = True
            if raw:
                value = words[pos >> 3] >> (pos & 7) & ((1 << raw) - 1)
                pos += raw
            else:
                value = 0
            if nbytes:  # unrolled: a range() per value costs more than the lookups
                entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
                value |= (entry & 0xFF) << raw
                pos += entry >> 8
                if nbytes > 1:
                    entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
                    value |= (entry & 0xFF) << (raw + 8)
                    pos += entry >> 8
                    if nbytes > 2:  # 24 and 32 bits: no raw part
                        entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
                        value |= (entry & 0xFF) << 16
                        pos += entry >> 8
                        if nbytes > 3:
                            entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
                            value |= (entry & 0xFF) << 24
                            pos += entry >> 8
            if pos > end:
                raise StreamError("message ends in the middle of a value")
            if not full:
                value = _floats[value]
            elif value & sign:
                value -= sign << 1
            new[i] = value
            i += 1
        self.pos = pos
        if pos > end:
            raise StreamError("message ends in the middle of a delta")
        return new

    def entity(self, base: tuple[int, ...]) -> tuple[int, ...] | None:
        """An entity delta: ``None`` if removed, ``base`` itself if unchanged."""
        pos = self.pos
        flags = self.data[pos >> 3] | self.data[(pos >> 3) + 1] << 8
        flags >>= pos & 7
        if flags & 1:
            self.pos = pos + 1
            return None
        self.pos = pos + 2
        if not flags & 2:
            return base
        return tuple(self._fields(_ENTITY_PLAN, base, True))

    def shared(self, base: tuple[int, ...], _decode: list[int] = DECODE) -> tuple[int, ...] | None:
        """An ETTV entityShared delta (magic byte 0x77 first)."""
        words, pos = self.words, self.pos
        entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
        pos += entry >> 8
        if pos > self.end:
            raise StreamError("message ends in the middle of a value")
        magic = entry & 0xFF
        if magic != 0x77:
            raise StreamError(f"shared-entity magic 0x{magic:02x}, expected 0x77")
        flags = words[pos >> 3] >> (pos & 7)
        if flags & 1:
            self.pos = pos + 1
            return None
        self.pos = pos + 2
        if not flags & 2:
            return base
        return tuple(self._fields(_SHARED_PLAN, base, True))

    def playerstate(self, base: tuple[int, ...]) -> tuple[int, ...]:
        """A playerstate delta, arrays included."""
        new = self._fields(_PLAYER_PLAN, base, False)
        pos = self.pos
        if not self.words[pos >> 3] >> (pos & 7) & 0x3F:
            # Mostly no array changed: the six flags (arrays, ammo, four ammoclip groups) are all zero.
            self.pos = pos + 6
        else:
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
        _decode: list[int] = DECODE,
    ) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]] | None, list[int]]:
        """Entities of a snapshot: ``old`` updated by the listed deltas (ETTV: with shared parts).

        The third item lists the entities that are new or changed against ``old``.
        """
        new = dict(old)
        changed = []
        new_shared = dict(old_shared) if old_shared is not None else None
        words, end = self.words, self.end
        while True:
            pos = self.pos  # the 10-bit entity number inline: 2 raw bits and a Huffman byte
            num = words[pos >> 3] >> (pos & 7) & 3
            pos += 2
            entry = _decode[words[pos >> 3] >> (pos & 7) & 0x7FF]
            num |= (entry & 0xFF) << 2
            pos += entry >> 8
            if pos > end:
                raise StreamError("message ends in the middle of a value")
            self.pos = pos
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
