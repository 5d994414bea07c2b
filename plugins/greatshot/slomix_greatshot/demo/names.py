"""Names for the game's numbers: means of death, weapons, teams, phases.

ET:Legacy's enums (src/game/bg_public.h) differ from vanilla ET 2.60b's, which
ETPro keeps; both tables are here, chosen by the demo's ``gamename``.
"""

from __future__ import annotations

# meansOfDeath_t, ET:Legacy (a name per value, lower case without MOD_).
LEGACY_MODS: tuple[str, ...] = (
    "unknown", "machinegun", "browning", "mg42", "grenade", "knife", "luger", "colt", "mp40", "thompson",
    "sten", "garand", "silencer", "fg42", "fg42scope", "panzerfaust", "grenade_launcher", "flamethrower",
    "grenade_pineapple", "mapmortar", "mapmortar_splash", "kicked", "dynamite", "airstrike", "syringe",
    "ammo", "arty", "water", "slime", "lava", "crush", "telefrag", "falling", "suicide", "target_laser",
    "trigger_hurt", "explosive", "carbine", "kar98", "gpg40", "m7", "landmine", "satchel", "smokebomb",
    "mobile_mg42", "silenced_colt", "garand_scope", "crush_construction", "crush_constructiondeath",
    "crush_constructiondeath_noattacker", "k43", "k43_scope", "mortar", "akimbo_colt", "akimbo_luger",
    "akimbo_silencedcolt", "akimbo_silencedluger", "smokegrenade", "swap_places", "switchteam", "shove",
    "knife_kabar", "mobile_browning", "mortar2", "bazooka", "backstab", "mp34",
)

# meansOfDeath_t, vanilla ET 2.60b as ETPro uses it.
VANILLA_MODS: tuple[str, ...] = (
    "unknown", "machinegun", "browning", "mg42", "grenade", "rocket", "knife", "luger", "colt", "mp40",
    "thompson", "sten", "garand", "snooperscope", "silencer", "fg42", "fg42scope", "panzerfaust",
    "grenade_launcher", "flamethrower", "grenade_pineapple", "cross", "mapmortar", "mapmortar_splash",
    "kicked", "grabber", "dynamite", "airstrike", "syringe", "ammo", "arty", "water", "slime", "lava",
    "crush", "telefrag", "falling", "suicide", "target_laser", "trigger_hurt", "explosive", "carbine",
    "kar98", "gpg40", "m7", "landmine", "satchel", "tripmine", "smokebomb", "mobile_mg42", "silenced_colt",
    "garand_scope", "crush_construction", "crush_constructiondeath", "crush_constructiondeath_noattacker",
    "k43", "k43_scope", "mortar", "akimbo_colt", "akimbo_luger", "akimbo_silencedcolt",
    "akimbo_silencedluger", "smokegrenade", "swap_places", "switchteam",
)

# weapon_t, ET:Legacy.
LEGACY_WEAPONS: tuple[str, ...] = (
    "none", "knife", "luger", "mp40", "grenade_launcher", "panzerfaust", "flamethrower", "colt", "thompson",
    "grenade_pineapple", "sten", "medic_syringe", "ammo", "arty", "silencer", "dynamite", "smoketrail",
    "mapmortar", "verybigexplosion", "medkit", "binoculars", "pliers", "smoke_marker", "kar98", "carbine",
    "garand", "landmine", "satchel", "satchel_det", "smoke_bomb", "mobile_mg42", "k43", "fg42",
    "dummy_mg42", "mortar", "akimbo_colt", "akimbo_luger", "gpg40", "m7", "silenced_colt", "garand_scope",
    "k43_scope", "fg42_scope", "mortar_set", "medic_adrenaline", "akimbo_silencedcolt",
    "akimbo_silencedluger", "mobile_mg42_set", "knife_kabar", "mobile_browning", "mobile_browning_set",
    "mortar2", "mortar2_set", "bazooka", "mp34", "airstrike",
)

# Means of death a bullet causes: the only kills that can be headshots.
BULLET_MODS = frozenset({
    "machinegun", "browning", "mg42", "luger", "colt", "mp40", "thompson", "sten", "garand", "silencer",
    "fg42", "fg42scope", "carbine", "kar98", "mobile_mg42", "silenced_colt", "garand_scope", "k43",
    "k43_scope", "akimbo_colt", "akimbo_luger", "akimbo_silencedcolt", "akimbo_silencedluger",
    "mobile_browning", "mp34", "snooperscope",
})

TEAMS = ("free", "axis", "allies", "spectators")

PHASES = ("playing", "countdown", "warmup", "intermission", "waiting", "reset")


def mod_name(mod: int, *, vanilla: bool) -> str:
    table = VANILLA_MODS if vanilla else LEGACY_MODS
    return table[mod] if 0 <= mod < len(table) else f"mod_{mod}"


def weapon_name(weapon: int) -> str:
    return LEGACY_WEAPONS[weapon] if 0 <= weapon < len(LEGACY_WEAPONS) else f"weapon_{weapon}"


def team_name(team: int) -> str:
    return TEAMS[team] if 0 <= team < len(TEAMS) else f"team_{team}"


def phase_name(state: int) -> str:
    return PHASES[state] if 0 <= state < len(PHASES) else f"state_{state}"


def strip_colors(text: str) -> str:
    """Drop ``^x`` colour codes the way the game does (``^^`` keeps one caret)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "^" and i + 1 < n and text[i + 1] != "^":
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
