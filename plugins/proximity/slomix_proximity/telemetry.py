"""One round of positional telemetry, whatever recorded it: our Lua tracker (``lua``) now, demos later.

Times are milliseconds since the level started (``CS_LEVEL_START_TIME``), the clock of the
respawn waves; positions are game units (1 unit = 1 inch = 0.0254 m). Players are named by
the 8-character upper-case GUID the stats plugin uses, so both histories name the same people.
``capabilities`` says what the recorder recorded: an analysis whose input was not recorded
answers "not recorded", never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import msgspec
import numpy as np

Source = Literal["lua", "demo"]
TEAM_AXIS, TEAM_ALLIES, TEAM_SPECTATOR = 1, 2, 3
METRES_PER_UNIT = 0.0254


def canonical_guid(raw: str) -> str:
    """The stats plugin's player key: the first 8 characters of ``cl_guid``, upper case."""
    return raw[:8].upper()


class Position(msgspec.Struct, frozen=True, array_like=True):
    x: int
    y: int
    z: int

    def distance(self, other: Position) -> float:
        return float(np.sqrt((self.x - other.x) ** 2 + (self.y - other.y) ** 2 + (self.z - other.z) ** 2))


class PlayerInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A player as last seen in the round (their team is the one they ended it in)."""

    guid: str
    raw_guid: str
    name: str
    team: int
    player_class: int


class Damage(msgspec.Struct, frozen=True, kw_only=True):
    """A hit on a player. ``attacker`` None: the world or an entity that is no player."""

    t: int
    target: str
    target_team: int
    target_at: Position
    attacker: str | None
    attacker_team: int | None
    attacker_at: Position | None
    damage: int
    mod: int


class Kill(msgspec.Struct, frozen=True, kw_only=True):
    """An obituary. ``killer`` None: the world (falling, drowning); the victim: a self-kill."""

    t: int
    victim: str
    victim_team: int
    victim_at: Position
    killer: str | None
    killer_team: int | None
    killer_at: Position | None
    mod: int

    @property
    def kind(self) -> str:
        """``enemy``, ``team`` (a team kill), ``self`` or ``world``."""
        if self.killer is None:
            return "world"
        if self.killer == self.victim:
            return "self"
        return "team" if self.killer_team == self.victim_team else "enemy"

    @property
    def distance(self) -> float | None:
        if self.killer_at is None or self.killer == self.victim:
            return None
        return self.victim_at.distance(self.killer_at)


class Revive(msgspec.Struct, frozen=True, kw_only=True):
    t: int
    guid: str
    team: int
    medic: str | None
    at: Position


class Spawn(msgspec.Struct, frozen=True, kw_only=True):
    """A life starts (also written for everyone alive when recording starts)."""

    t: int
    guid: str
    team: int
    player_class: int
    at: Position


class WaveRule(msgspec.Struct, frozen=True, kw_only=True):
    """From ``t`` on, ``team`` respawns at the times w where (offset + w) % limbo == 0 (None: unknown)."""

    t: int
    team: int
    limbo_ms: int | None
    offset_ms: int | None


class Objective(msgspec.Struct, frozen=True, kw_only=True):
    t: int
    kind: str
    guid: str | None
    team: int | None
    at: Position | None
    text: str


class Departure(msgspec.Struct, frozen=True, kw_only=True):
    """A player left the game (disconnected, or went to the spectators)."""

    t: int
    guid: str
    team: int


@dataclass(slots=True)
class Track:
    """One player's samples on one team, in time order; the optional arrays are None when not recorded."""

    guid: str
    team: int
    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    yaw: np.ndarray | None = None
    pitch: np.ndarray | None = None
    health: np.ndarray | None = None
    weapon: np.ndarray | None = None
    stance: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.t)


@dataclass(slots=True)
class RoundTelemetry:
    source: Source
    map_name: str
    round_number: int
    start_unix: int
    end_unix: int
    duration_ms: int
    sample_ms: int
    capabilities: frozenset[str]
    recorder: str
    ended: str = "intermission"
    dropped: int = 0
    players: dict[str, PlayerInfo] = field(default_factory=dict)
    tracks: list[Track] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    revives: list[Revive] = field(default_factory=list)
    spawns: list[Spawn] = field(default_factory=list)
    waves: list[WaveRule] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    departures: list[Departure] = field(default_factory=list)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities
