"""Data models for parsed stats files (msgspec Structs: cheap to build, compare and encode)."""

from __future__ import annotations

import msgspec

__all__ = ["Header", "PlayerRound", "StatsFile", "Weapon"]


class Weapon(msgspec.Struct, frozen=True, gc=False):
    """One weapon's tuple, in the file's order. ``headshots`` are head HITS, not kills."""

    hits: int
    shots: int
    kills: int
    deaths: int
    headshots: int

    @property
    def accuracy(self) -> float:
        return self.hits * 100 / self.shots if self.shots > 0 else 0.0


class Header(msgspec.Struct, frozen=True, gc=False):
    """Line 1 of a stats file (spec §1.3), decoded.

    ``defender`` / ``winner`` are the effective values (1 Axis, 2 Allies; winner 0 unknown)
    after the defaults of spec §1.3; ``diagnostics`` says why a default was used
    (``defender_missing``, ``winner_non_numeric`` ...). ``next_time_limit_seconds`` is f8,
    the stopwatch target, not a measured duration. ``playtime_seconds`` is f9 normalised
    (None when absent, not positive or not a number; ms when > 10 000).
    """

    server_name: str
    map: str
    config: str
    header_round: int | None
    defender: int
    winner: int
    time_limit_seconds: int | None
    next_time_limit_seconds: int | None
    playtime_seconds: float | None
    header_field_count: int
    diagnostics: tuple[str, ...] = ()


class PlayerRound(msgspec.Struct, frozen=True, gc=False):
    """One player line (or, after r2_differential, one player's round-2-only values).

    ``guid`` is the player's identity: the 8-char upper-case GUID prefix, or for Omni-bots
    (all share ``OMNIBOT0``) that prefix + the first 24 hex chars of SHA-256(clean name),
    upper-case (spec §1.11). ``raw_guid`` is the 8 chars as written in the file (display).
    kills/deaths/headshots are sums over the weapon tuples (headshots = head hits).

    The 38 extended fields follow in file (c0rnp0rn8) order under the DB column names of
    spec §6; a field the file's version does not have is None. ``lua_dpm`` (TAB21, always
    0.0) and ``lua_kd_ratio`` (TAB26, kills+1 when deaths = 0) are the Lua's own values,
    kept only so a file can be written back unchanged: use ``dpm`` and ``kd_ratio``.

    dpm, accuracy, efficiency and kd_ratio are properties (spec §5), so they always agree
    with the counts, also after ``msgspec.structs.replace``.
    """

    guid: str
    raw_guid: str
    name: str
    clean_name: str
    rounds: int
    team: int
    is_bot: bool
    kills: int
    deaths: int
    headshots: int
    damage_given: int
    damage_received: int
    team_damage_given: int
    team_damage_received: int
    gibs: int
    self_kills: int
    team_kills: int
    team_gibs: int
    time_played_percent: float
    xp: int
    killing_spree_best: int
    death_spree_worst: int
    kill_assists: int
    kill_steals: int
    headshot_kills: int
    objectives_stolen: int
    objectives_returned: int
    dynamites_planted: int
    dynamites_defused: int
    times_revived: int
    bullets_fired: int
    lua_dpm: float
    time_played_minutes: float | None
    tank_meatshield: float
    time_dead_ratio: float
    time_dead_minutes: float
    lua_kd_ratio: float
    most_useful_kills: int
    denied_playtime: int | None
    double_kills: int
    triple_kills: int
    quad_kills: int
    multi_kills: int
    mega_kills: int
    useless_kills: int | None
    full_selfkills: int | None
    constructions: int | None
    revives_given: int | None
    time_played_seconds: int  # int(TAB22 * 60), else the round's duration (spec §1.11)
    weapons: dict[str, Weapon]
    counter_reset: bool = False  # r2_differential fell back to raw R2 values (reconnect)

    @property
    def dpm(self) -> float:
        """Damage per minute of time played."""
        seconds = self.time_played_seconds
        return self.damage_given * 60 / seconds if seconds > 0 else 0.0

    @property
    def hits(self) -> int:
        return sum(w.hits for w in self.weapons.values())

    @property
    def shots(self) -> int:
        return sum(w.shots for w in self.weapons.values())

    @property
    def accuracy(self) -> float:
        """Hits / shots over every weapon (grenades, syringe and knife included), percent."""
        shots = self.shots
        return self.hits * 100 / shots if shots > 0 else 0.0

    @property
    def efficiency(self) -> float:
        total = self.kills + self.deaths
        return self.kills * 100 / total if total > 0 else 0.0

    @property
    def kd_ratio(self) -> float:
        """kills / deaths, or kills when there are no deaths (the Python convention)."""
        return self.kills / self.deaths if self.deaths > 0 else float(self.kills)


class StatsFile(msgspec.Struct, frozen=True):
    """A parsed stats file. ``round_number`` and ``map_name`` come from the file name
    (authoritative); ``extended_field_count`` is the format version (None without players).
    ``r1_filename`` is set on the result of r2_differential (round-2-only values)."""

    filename: str
    map_name: str
    round_number: int
    header: Header
    extended_field_count: int | None
    duration_seconds: int
    players: list[PlayerRound]
    r1_filename: str | None = None
