"""Where each value sits in a player line, for every format version seen in real files.

The extended section grew over time (spec §1.7); fields were only ever appended or inserted,
so each version is described by the c0rnp0rn8 ("v8") index of each of its positions.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Annotated

import msgspec

__all__ = [
    "COUNT",
    "EXTENDED_FIELDS",
    "FLOAT_V8",
    "INT_LIMIT",
    "LAYOUTS",
    "LUA_ONLY",
    "OPTIONAL_FIELDS",
    "V8_NAMES",
    "WEAPON_NAMES",
    "Layout",
]

INT_LIMIT = 2**31 - 1  # the Lua writes C ints; anything beyond is corruption
# msgspec checks types and ranges in C while decoding a line's numbers as one JSON array,
# ~6x faster than int()/float() per token. JSON also refuses nan/inf and stray syntax.
_Int = Annotated[int, msgspec.Meta(ge=-INT_LIMIT, le=INT_LIMIT)]
COUNT = Annotated[int, msgspec.Meta(ge=0, le=INT_LIMIT)]
_Float = Annotated[float, msgspec.Meta(ge=-1e9, le=1e9)]


# Weapon bit -> WS_* name (spec §1.4); the DB stores these strings.
WEAPON_NAMES: tuple[str, ...] = (
    "WS_KNIFE", "WS_KNIFE_KBAR", "WS_LUGER", "WS_COLT", "WS_MP40", "WS_THOMPSON", "WS_STEN",
    "WS_FG42", "WS_PANZERFAUST", "WS_BAZOOKA", "WS_FLAMETHROWER", "WS_GRENADE", "WS_MORTAR",
    "WS_MORTAR2", "WS_DYNAMITE", "WS_AIRSTRIKE", "WS_ARTILLERY", "WS_SATCHEL",
    "WS_GRENADELAUNCHER", "WS_LANDMINE", "WS_MG42", "WS_BROWNING", "WS_CARBINE", "WS_KAR98",
    "WS_GARAND", "WS_K43", "WS_MP34", "WS_SYRINGE",
)

# The 38 v8 TAB fields by index -> model/DB column name. TAB21 (Lua DPM, always 0.0) and
# TAB26 (Lua K/D, kills+1 when deaths = 0) are not DB columns: we derive both (spec §5).
V8_NAMES: tuple[str, ...] = (
    "damage_given", "damage_received", "team_damage_given", "team_damage_received", "gibs",
    "self_kills", "team_kills", "team_gibs", "time_played_percent", "xp", "killing_spree_best",
    "death_spree_worst", "kill_assists", "kill_steals", "headshot_kills", "objectives_stolen",
    "objectives_returned", "dynamites_planted", "dynamites_defused", "times_revived",
    "bullets_fired", "lua_dpm", "time_played_minutes", "tank_meatshield", "time_dead_ratio",
    "time_dead_minutes", "lua_kd_ratio", "most_useful_kills", "denied_playtime", "double_kills",
    "triple_kills", "quad_kills", "multi_kills", "mega_kills", "useless_kills", "full_selfkills",
    "constructions", "revives_given",
)
FLOAT_V8 = frozenset({8, 21, 22, 23, 24, 25, 26})  # written with %0.1f
LUA_ONLY = frozenset({"lua_dpm", "lua_kd_ratio"})
# The extended fields under their DB column names (spec §6), in file order.
EXTENDED_FIELDS: tuple[str, ...] = tuple(n for n in V8_NAMES if n not in LUA_ONLY)

# v8 index of each position of each version (spec §1.7; dates are those of the real files):
#  32  c0rnp0rn2, space separated: no TAB22 time played; useful kills and multikills follow K/D.
#  33  2024-04 .. 2024-10: TAB0-27 as v8, then multikills 2x-6x (no denied playtime).
#  35  (spec: Feb 2025, none in the data): + denied playtime before the multikills, + useless kills.
#  36  2025-01 .. 2025-05: + full selfkills.
#  37  2025-05 .. 2025-09: + repairs/constructions. Not in the spec's table; the real files show
#      the extra field is constructions, not revives: in 38-field files sum(revives_given)
#      equals sum(times_revived) in every file, while in the 37-field files the last field
#      mostly does not (7 vs 8, 5 vs 1, ...) and peaks on sw_goldrush_te (tank repairs).
#  38  2025-10 -> (c0rnp0rn8): + revives given.
_V8_POSITIONS: dict[int, tuple[int, ...]] = {
    32: (*range(22), 23, 24, 25, 26, 27, 29, 30, 31, 32, 33),
    33: (*range(28), 29, 30, 31, 32, 33),
    35: tuple(range(35)),
    36: tuple(range(36)),
    37: tuple(range(37)),
    38: tuple(range(38)),
}

# Fields that some versions lack; they are None there (unknown), never a made-up 0.
OPTIONAL_FIELDS = frozenset(
    V8_NAMES[i] for i in range(38) if any(i not in p for p in _V8_POSITIONS.values())
)


class Layout:
    """How to read one version's extended fields quickly.

    ``types`` are the msgspec types of its fields, in file order; ``pick`` (None for v8
    itself) turns the decoded values, with a None appended, into the 38 v8 positions, None
    where this version lacks the field.
    """

    __slots__ = ("count", "pick", "types", "v8")

    def __init__(self, count: int, v8_positions: tuple[int, ...]) -> None:
        self.count = count
        self.v8 = v8_positions
        self.types = tuple(_Float if i in FLOAT_V8 else _Int for i in v8_positions)
        where = {v8: pos for pos, v8 in enumerate(v8_positions)}
        missing = count  # index of the None appended after the decoded values
        self.pick = None if v8_positions == tuple(range(38)) else itemgetter(
            *(where.get(i, missing) for i in range(38)))

    def label(self, position: int) -> str:
        """Column name of a position, for error messages."""
        return V8_NAMES[self.v8[position]]


LAYOUTS: dict[int, Layout] = {n: Layout(n, pos) for n, pos in _V8_POSITIONS.items()}
