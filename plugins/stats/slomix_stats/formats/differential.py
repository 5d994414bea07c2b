"""Round 2 of a stopwatch map: pair it with its round 1 and keep only what happened in R2.

The engine keeps ``sess.*`` counters across the stopwatch restart, so an R2 file holds R1+R2
for those fields; Lua counters, XP and dead time restart every round (spec §2.3).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from datetime import timedelta

from msgspec.structs import astuple, replace

from .errors import ParseError
from .filenames import FileName, parse_filename
from .metrics import minutes_to_seconds
from .models import PlayerRound, StatsFile, Weapon

__all__ = ["CUMULATIVE_FIELDS", "R2_ONLY_FIELDS", "find_r1", "r2_differential"]

ROUND_MATCH_WINDOW_MINUTES = 45  # must stay below the 60-min session gap

# sess.* values the R2 file holds cumulatively: subtract R1, clamp at 0.
CUMULATIVE_FIELDS = (
    "damage_given", "damage_received", "team_damage_given", "team_damage_received", "gibs",
    "self_kills", "team_kills", "team_gibs", "bullets_fired",
)
# Reset every round (Lua VM reload, XP, dead time): the R2 file's value is already R2-only.
# time_played_percent and time_dead_ratio are recomputed; tank_meatshield is subtracted.
R2_ONLY_FIELDS = (
    "xp", "killing_spree_best", "death_spree_worst", "kill_assists", "kill_steals", "headshot_kills",
    "objectives_stolen", "objectives_returned", "dynamites_planted", "dynamites_defused",
    "times_revived", "most_useful_kills", "denied_playtime", "double_kills", "triple_kills",
    "quad_kills", "multi_kills", "mega_kills", "useless_kills", "full_selfkills", "constructions",
    "revives_given", "time_dead_minutes",
)


def r2_differential(r1: StatsFile, r2: StatsFile) -> StatsFile:
    """R2-only values for every R2 player (spec §2.3); the result names ``r1_filename``.

    Players not in R1 joined late and keep their R2 values; a player whose counters went DOWN
    reconnected (session reset) and keeps his raw R2 values with ``counter_reset=True``.
    """
    if r1.round_number != 1 or r2.round_number != 2:
        raise ParseError(r2.filename, f"differential needs round 1 then round 2, got rounds "
                                      f"{r1.round_number} and {r2.round_number}")
    if r1.map_name != r2.map_name:
        raise ParseError(r2.filename, f"round 1 is on {r1.map_name}, round 2 on {r2.map_name}")
    before = {p.guid: p for p in r1.players}
    players = []
    for p in r2.players:
        q = before.get(p.guid)
        if q is None:
            players.append(p)
        elif _counters_went_down(p, q):
            players.append(replace(p, counter_reset=True))
        else:
            players.append(_subtract(p, q, r2.duration_seconds))
    return replace(r2, players=players, r1_filename=r1.filename)


def _counters_went_down(p: PlayerRound, q: PlayerRound) -> bool:
    """ANY cumulative counter lower in R2 than in R1 means a new session (spec §2.3)."""
    return (p.kills < q.kills or p.deaths < q.deaths or p.damage_given < q.damage_given
            or p.damage_received < q.damage_received
            or (p.time_played_minutes is not None and q.time_played_minutes is not None
                and p.time_played_minutes < q.time_played_minutes))


_INDEX = {name: i for i, name in enumerate(PlayerRound.__struct_fields__)}
_CUMULATIVE_INDEX = tuple(_INDEX[name] for name in CUMULATIVE_FIELDS)
# Mixed values (spec §2.3 subtracts them although the result means little); 0.1 resolution.
_MIXED_INDEX = tuple(_INDEX[name] for name in ("tank_meatshield", "lua_dpm", "lua_kd_ratio"))
_KILLS, _DEATHS, _HEADSHOTS, _PERCENT, _MINUTES, _DEAD_RATIO, _SECONDS, _WEAPONS = (
    _INDEX[name] for name in ("kills", "deaths", "headshots", "time_played_percent", "time_played_minutes",
                              "time_dead_ratio", "time_played_seconds", "weapons"))


def _subtract(p: PlayerRound, q: PlayerRound, duration: int) -> PlayerRound:
    """p (cumulative R2) minus q (R1), clamped at 0; R2-only fields stay; ratios recomputed.

    Built positionally from astuple: this runs for every R2 player of every import.
    dpm, accuracy, efficiency and kd_ratio are properties, so they follow by themselves.
    """
    earlier = q.weapons
    weapons = {}
    headshots = 0
    for name, w in p.weapons.items():
        v = earlier.get(name)
        if v is not None:
            w = Weapon(w.hits - v.hits if w.hits > v.hits else 0, w.shots - v.shots if w.shots > v.shots else 0,
                       w.kills - v.kills if w.kills > v.kills else 0,
                       w.deaths - v.deaths if w.deaths > v.deaths else 0,
                       w.headshots - v.headshots if w.headshots > v.headshots else 0)
        weapons[name] = w
        headshots += w.headshots

    values = list(astuple(p))
    old = astuple(q)
    for i in _CUMULATIVE_INDEX:
        change = values[i] - old[i]
        values[i] = change if change > 0 else 0
    for i in _MIXED_INDEX:
        values[i] = max(0.0, round(values[i] - old[i], 1))
    values[_KILLS] = max(0, p.kills - q.kills)
    values[_DEATHS] = max(0, p.deaths - q.deaths)
    values[_HEADSHOTS] = headshots
    values[_WEAPONS] = weapons

    minutes = None  # c0rnp0rn2 files have no time played: keep R2's own percent and duration
    if p.time_played_minutes is not None and q.time_played_minutes is not None:
        minutes = max(0.0, round(p.time_played_minutes - q.time_played_minutes, 1))
        percent = 0.0
        if minutes > 0:
            alive = (p.time_played_percent * p.time_played_minutes
                     - q.time_played_percent * q.time_played_minutes) / 100
            # Inputs carry 0.1 resolution, so the ratio can stray just outside 0..100.
            percent = min(100.0, max(0.0, alive / minutes * 100))
        values[_PERCENT] = percent
    values[_MINUTES] = minutes
    values[_SECONDS] = minutes_to_seconds(minutes) if minutes is not None else duration
    values[_DEAD_RATIO] = p.time_dead_minutes / minutes * 100 if minutes else 0.0
    return PlayerRound(*values)


def find_r1(r2_filename: str, candidate_filenames: Iterable[str | os.PathLike[str]],
            window_minutes: int = ROUND_MATCH_WINDOW_MINUTES) -> str | None:
    """The round-1 file of an R2 (spec §2.1), or None for an orphan R2.

    Same map string, strictly earlier, at most ``window_minutes`` before, dated the same day
    or the day before (midnight); the latest such file wins. Only names are compared, never
    players. Candidates may be paths; the matching candidate is returned as given (str).
    Names that are not valid stats file names are ignored.
    """
    r2 = parse_filename(os.path.basename(r2_filename))
    if r2.kind != "stats" or r2.round_number != 2:
        raise ParseError(r2.name, "not a round-2 stats file name")
    assert r2.timestamp is not None
    earliest = r2.timestamp - timedelta(minutes=window_minutes)
    days = {r2.date, (r2.timestamp - timedelta(days=1)).strftime("%Y-%m-%d")}
    best: tuple[FileName, str] | None = None
    for candidate in candidate_filenames:
        text = os.fspath(candidate)
        info = _round1_name(os.path.basename(text))
        if (info is not None and info.map == r2.map and info.date in days
                and earliest <= info.timestamp < r2.timestamp
                and (best is None or info.timestamp > best[0].timestamp)):
            best = (info, text)
    return None if best is None else best[1]


@functools.lru_cache(maxsize=1 << 17)
def _round1_name(name: str) -> FileName | None:
    """The parsed name if it is a round-1 stats file. Cached: an importer asks find_r1 about
    every R2 with the same directory listing."""
    try:
        info = parse_filename(name)
    except ParseError:
        return None
    return info if info.kind == "stats" and info.round_number == 1 else None
