"""Bit writer: the inverse of :class:`.bitstream.Reader`, with the game's encoding choices."""

from __future__ import annotations

import math

from .codes import CODES
from .netfields import (
    ENTITY_BITS,
    FLOAT_INT_BIAS,
    FLOAT_INT_BITS,
    PLAYER_BITS,
    PS_AMMO,
    PS_AMMOCLIP,
    PS_HOLDABLE,
    PS_PERSISTANT,
    PS_POWERUPS,
    PS_STATS,
    bits_float,
)

_NUM_PLAYER = len(PLAYER_BITS)


class Writer:
    """Builds one message payload."""

    __slots__ = ("acc", "nbits", "out")

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0  # pending bits, first bit lowest
        self.nbits = 0

    def _put(self, value: int, count: int) -> None:
        self.acc |= value << self.nbits
        self.nbits += count
        while self.nbits >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.nbits -= 8

    def bits(self, value: int, n: int) -> None:
        """Write ``n`` bits of ``value``: ``n % 8`` raw, then Huffman-coded bytes."""
        value &= (1 << n) - 1
        raw = n & 7
        if raw:
            self._put(value & ((1 << raw) - 1), raw)
            value >>= raw
        for _ in range(n >> 3):
            code, length = CODES[value & 0xFF]
            self._put(code, length)
            value >>= 8

    def string(self, text: str) -> None:
        for c in text.encode("latin-1", "replace"):
            self.bits(c, 8)
        self.bits(0, 8)

    def payload(self) -> bytes:
        return bytes(self.out) + (bytes([self.acc]) if self.nbits else b"")

    def _float(self, pattern: int, zero_bit: bool) -> None:
        value = bits_float(pattern)
        if zero_bit:
            if value == 0.0:
                self.bits(0, 1)
                return
            self.bits(1, 1)
        trunc = int(value) if math.isfinite(value) else None
        if trunc is not None and trunc == value and 0 <= trunc + FLOAT_INT_BIAS < 1 << FLOAT_INT_BITS:
            self.bits(0, 1)
            self.bits(trunc + FLOAT_INT_BIAS, FLOAT_INT_BITS)
        else:
            self.bits(1, 1)
            self.bits(pattern, 32)

    def _fields(self, widths: tuple[int, ...], old: tuple[int, ...], new: tuple[int, ...], zero_bit: bool) -> None:
        count = 0
        for i in range(len(widths)):
            if old[i] != new[i]:
                count = i + 1
        self.bits(count, 8)
        for i in range(count):
            if old[i] == new[i]:
                self.bits(0, 1)
                continue
            self.bits(1, 1)
            width = widths[i]
            if width == 0:
                self._float(new[i], zero_bit)
            elif zero_bit and new[i] == 0:
                self.bits(0, 1)
            else:
                if zero_bit:
                    self.bits(1, 1)
                self.bits(new[i], abs(width))

    def entity(self, num: int, old: tuple[int, ...], new: tuple[int, ...] | None, force: bool) -> None:
        """An entity delta with its number; nothing at all when unchanged and not forced."""
        if new is None:
            self.bits(num, 10)
            self.bits(1, 1)
            return
        if new == old:
            if force:
                self.bits(num, 10)
                self.bits(0, 2)
            return
        self.bits(num, 10)
        self.bits(0, 1)
        self.bits(1, 1)
        self._fields(ENTITY_BITS, old, new, True)

    def playerstate(self, old: tuple[int, ...], new: tuple[int, ...]) -> None:
        self._fields(PLAYER_BITS, old[:_NUM_PLAYER], new[:_NUM_PLAYER], False)
        masks = [_mask(old, new, start, 16) for start in (PS_STATS, PS_PERSISTANT, PS_HOLDABLE, PS_POWERUPS)]
        if any(masks):
            self.bits(1, 1)
            for start, mask, width in zip((PS_STATS, PS_PERSISTANT, PS_HOLDABLE, PS_POWERUPS), masks,
                                          (16, 16, 16, 32), strict=True):
                self._group(new, start, mask, width)
        else:
            self.bits(0, 1)
        ammo = [_mask(old, new, PS_AMMO + 16 * g, 16) for g in range(4)]
        if any(ammo):
            self.bits(1, 1)
            for g, mask in enumerate(ammo):
                self._group(new, PS_AMMO + 16 * g, mask, 16)
        else:
            self.bits(0, 1)
        for g in range(4):
            self._group(new, PS_AMMOCLIP + 16 * g, _mask(old, new, PS_AMMOCLIP + 16 * g, 16), 16)

    def _group(self, new: tuple[int, ...], start: int, mask: int, width: int) -> None:
        if not mask:
            self.bits(0, 1)
            return
        self.bits(1, 1)
        self.bits(mask, 16)
        for i in range(16):
            if mask >> i & 1:
                self.bits(new[start + i], width)


def _mask(old: tuple[int, ...], new: tuple[int, ...], start: int, count: int) -> int:
    mask = 0
    for i in range(count):
        if old[start + i] != new[start + i]:
            mask |= 1 << i
    return mask
