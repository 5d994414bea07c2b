"""Netfield tables: field order and bit width of every delta-coded structure.

Widths from ET:Legacy src/qcommon/msg.c: 0 is a float (stored here as its
32-bit pattern), a negative width is a signed integer. States are tuples of
ints in this order.
"""

from __future__ import annotations

import struct

#: entityState_t (71 fields).
ENTITY_BITS: tuple[int, ...] = (
    8, 24, 8, 32, 32, 0, 0, 0, 0, 0, 0,  # eType eFlags pos.trType/Time/Duration trBase[3] trDelta[3]
    8, 32, 32, 0, 0, 0, 0, 0, 0,  # apos.*
    32, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  # time time2 origin origin2 angles angles2
    10, 10, 10, 8, 32, 32, 9, 9, 16, 8, 24,  # otherEntityNum(2) groundEntityNum loopSound ... solid
    10, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,  # event eventParm eventSequence events[4] eventParms[4]
    16, 8, 10, 10, 10, 32, 32, 32, 8, 8, 32, 32, 32, 4, 2,  # powerups ... aiState
)

#: playerState_t scalar fields (77); the arrays follow them in a state tuple.
PLAYER_BITS: tuple[int, ...] = (
    32, 8, 8, 16, -16, 0, 0, 0, 0, 0, 0, -16, -16, -16, 16, 0, 16, 16, 16, 16,
    10, 16, 16, 10, 10, 8, 24, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 32, 32, 7, 4, 10,
    0, 0, 0, -8, 8, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 16,
    8, 8, 32, 8, 8, 8, 8, 32, 8, 8, 2,
)

#: ETTV entityShared_t fields (14): currentOrigin[3] currentAngles[3] svFlags mins[3] maxs[3] singleClient.
SHARED_BITS: tuple[int, ...] = (0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 8)

# Playerstate arrays after the 77 scalars: stats, persistant, holdable (16 shorts each),
# powerups (16 longs), ammo and ammoclip (64 shorts each, in groups of 16).
PS_STATS = 77
PS_PERSISTANT = PS_STATS + 16
PS_HOLDABLE = PS_PERSISTANT + 16
PS_POWERUPS = PS_HOLDABLE + 16
PS_AMMO = PS_POWERUPS + 16
PS_AMMOCLIP = PS_AMMO + 64
PS_SIZE = PS_AMMOCLIP + 64

ZERO_ENTITY: tuple[int, ...] = (0,) * len(ENTITY_BITS)
ZERO_PLAYER: tuple[int, ...] = (0,) * PS_SIZE
ZERO_SHARED: tuple[int, ...] = (0,) * len(SHARED_BITS)

# Entity field indices the library reads.
E_TYPE, E_FLAGS = 0, 1
E_POS = (5, 6, 7)
E_APOS = (14, 15, 16)
E_TIME, E_TIME2 = 20, 21
E_OTHER, E_OTHER2 = 34, 35
E_LOOPSOUND = 37
E_MODELINDEX = 40
E_EVENTPARM = 46
E_WEAPON = 57

# Playerstate field indices the library reads.
P_ORIGIN = (5, 6, 7)
P_CLIENTNUM = 36
P_VIEWANGLES = (42, 43, 44)

FLOAT_INT_BITS = 13
FLOAT_INT_BIAS = 1 << (FLOAT_INT_BITS - 1)

_pack = struct.Struct("<f").pack
_unpack_u = struct.Struct("<I").unpack
_pack_u = struct.Struct("<I").pack
_unpack_f = struct.Struct("<f").unpack


def float_bits(value: float) -> int:
    """The 32-bit pattern of ``value`` as a single-precision float."""
    return _unpack_u(_pack(value))[0]


def bits_float(pattern: int) -> float:
    """The float a 32-bit pattern holds."""
    return _unpack_f(_pack_u(pattern & 0xFFFFFFFF))[0]


#: Integral floats as the 13-bit coding carries them: index = value + bias.
INTEGRAL_FLOATS: tuple[int, ...] = tuple(
    float_bits(float(i - FLOAT_INT_BIAS)) for i in range(1 << FLOAT_INT_BITS)
)

assert len(ENTITY_BITS) == 71 and len(PLAYER_BITS) == 77 and len(SHARED_BITS) == 14
