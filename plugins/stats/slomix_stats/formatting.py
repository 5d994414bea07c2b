"""How Slomix writes times, sides and weapons, wherever they are shown (commands, pages,
announcements, and other plugins' replies through ``slomix_stats.api``): one format each."""

from __future__ import annotations

import re

SIDES = {1: "Axis", 2: "Allies"}

# The game's colour codes: "^" and any next character but "^" (Q_CleanStr). Control and bidirectional
# characters go too, so that a name cannot reorder or hide the text around it. The SQL function
# stats.plain_name (migration 0006) is the same rule for the database; a test holds them equal.
_COLOUR_CODE = re.compile(r"\^[^^]")
_INVISIBLE = re.compile("[\x01-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain_name(raw: str) -> str:
    """A name (or a server's name) as the game shows it: ``^1'^/fnx`` → ``'fnx``."""
    return _INVISIBLE.sub("", _COLOUR_CODE.sub("", raw)).strip(" ")


def side(team: int | None, unknown: str = "?") -> str:
    """``Axis`` / ``Allies`` for 1 / 2, else ``unknown``."""
    return SIDES.get(team or 0, unknown)


def won_lost(wins: int, losses: int) -> str:
    """``18–19 (49 %)``: won and lost, and the share won of those decided."""
    decided = wins + losses
    return f"{wins}–{losses}" + (f" ({wins * 100 / decided:.0f} %)" if decided else "")


def duration(seconds: int | float | None) -> str:
    """``4:05``, or ``1:04:05`` from an hour on; ``—`` when unknown."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(max(int(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


# Weapons whose "hits" are not bullets that struck: splash victims (one panzerfaust shot can
# hit three players: 125 %), syringes (a revive), melee swings, flames. They get no accuracy.
NO_ACCURACY = frozenset({
    "WS_AIRSTRIKE", "WS_ARTILLERY", "WS_DYNAMITE", "WS_GRENADE", "WS_GRENADELAUNCHER", "WS_LANDMINE",
    "WS_SATCHEL", "WS_PANZERFAUST", "WS_BAZOOKA", "WS_MORTAR", "WS_MORTAR2", "WS_MOBILE_MORTAR",
    "WS_SYRINGE", "WS_FLAMETHROWER", "WS_KNIFE", "WS_KNIFE_KBAR", "WS_SMOKE", "WS_POISON",
})


def weapon_accuracy(name: str, hits: int, shots: int) -> float | None:
    """Hits per shot in percent for a bullet weapon (at most 100); None for the others or no shots."""
    if name in NO_ACCURACY or not shots:
        return None
    return round(min(hits, shots) * 100 / shots, 1)


# What players call the weapons of the stats files (spec §1.4); ``WS_MP40`` alone says little.
WEAPON_TITLES = {
    "WS_KNIFE": "Knife", "WS_KNIFE_KBAR": "Ka-Bar knife", "WS_LUGER": "Luger", "WS_COLT": "Colt",
    "WS_MP40": "MP 40", "WS_THOMPSON": "Thompson", "WS_STEN": "Sten", "WS_FG42": "FG 42",
    "WS_PANZERFAUST": "Panzerfaust", "WS_BAZOOKA": "Bazooka", "WS_FLAMETHROWER": "Flamethrower",
    "WS_GRENADE": "Hand grenade", "WS_MORTAR": "Mortar", "WS_MORTAR2": "Granatwerfer", "WS_DYNAMITE": "Dynamite",
    "WS_AIRSTRIKE": "Airstrike", "WS_ARTILLERY": "Artillery", "WS_SATCHEL": "Satchel charge",
    "WS_GRENADELAUNCHER": "Rifle grenade", "WS_LANDMINE": "Landmine", "WS_MG42": "MG 42",
    "WS_BROWNING": "Browning", "WS_CARBINE": "M1 Carbine", "WS_KAR98": "Kar98k", "WS_GARAND": "Garand",
    "WS_K43": "K43", "WS_MP34": "MP 34", "WS_SYRINGE": "Syringe",
}


def weapon_name(name: str) -> str:
    """``WS_MP40`` → ``MP 40``; a weapon the table does not know: ``WS_NEW_GUN`` → ``NEW GUN``."""
    return WEAPON_TITLES.get(name) or name.removeprefix("WS_").replace("_", " ")
