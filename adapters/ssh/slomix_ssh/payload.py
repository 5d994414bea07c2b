"""The round-end webhook body: the flat snake_case form of spec §9.2, checked before it is handed on.

The route validates the whole body here so that a malformed request is refused with its
reason and changes nothing; what the payload *means* is for the plugins that receive it.
``lua/slomix_round_end.lua`` writes exactly these keys.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

_Unix = Annotated[int, msgspec.Meta(ge=0, le=1 << 40)]
_Seconds = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
_Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
_Team = Annotated[int, msgspec.Meta(ge=0, le=2)]
_Guid = Annotated[str, msgspec.Meta(max_length=64)]
_Name = Annotated[str, msgspec.Meta(max_length=128)]
_Text = Annotated[str, msgspec.Meta(max_length=256)]
_Map = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f/\\]+$")]


class Player(msgspec.Struct, frozen=True):
    guid: _Guid
    name: _Name


class Pause(msgspec.Struct, frozen=True):
    n: _Count
    start: _Unix
    end: _Unix
    sec: _Seconds


class SpawnStat(msgspec.Struct, frozen=True):
    guid: _Guid
    name: _Name
    spawns: _Count
    deaths: _Count
    dead_seconds: _Seconds
    avg_respawn: Annotated[float, msgspec.Meta(ge=0, le=1e7)]
    max_respawn: _Seconds


class RoundEnd(msgspec.Struct, frozen=True):
    """What the round-end Lua measured; teams are 0 unknown, 1 Axis, 2 Allies.

    Unknown keys are ignored so that a newer script can talk to an older Slomix.
    """

    map: _Map
    round: Annotated[int, msgspec.Meta(ge=1, le=10)]
    round_end_unix: _Unix
    round_start_unix: _Unix | None = None
    winner: _Team | None = None
    defender: _Team | None = None
    actual_duration_seconds: _Seconds | None = None
    total_pause_seconds: _Seconds | None = None
    pause_count: _Count | None = None
    end_reason: Annotated[str, msgspec.Meta(pattern=r"^(objective|surrender|time_expired)$")] | None = None
    warmup_seconds: _Seconds | None = None
    warmup_start_unix: _Unix | None = None
    time_limit_minutes: Annotated[float, msgspec.Meta(ge=0, le=100_000)] | None = None
    surrender_team: _Team | None = None
    surrender_caller_guid: _Guid | None = None
    surrender_caller_name: _Name | None = None
    axis_score: _Count | None = None
    allies_score: _Count | None = None
    axis_players: Annotated[tuple[Player, ...], msgspec.Meta(max_length=256)] = ()
    allies_players: Annotated[tuple[Player, ...], msgspec.Meta(max_length=256)] = ()
    pauses: Annotated[tuple[Pause, ...], msgspec.Meta(max_length=10_000)] = ()
    spawn_stats: Annotated[tuple[SpawnStat, ...], msgspec.Meta(max_length=256)] = ()
    spawn_summary: _Text | None = None
    lua_version: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    server_ip: _Text | None = None
    server_port: _Text | None = None

    def file_name(self) -> str:
        """``round-end-<map>-R<n>-<round_end_unix>.json``, the map reduced to file-name characters."""
        return f"round-end-{re.sub(r'[^A-Za-z0-9_-]', '_', self.map)}-R{self.round}-{self.round_end_unix}.json"


def decode(body: bytes) -> RoundEnd:
    """Decode and validate; raises ``msgspec.DecodeError`` / ``msgspec.ValidationError``."""
    return msgspec.json.decode(body, type=RoundEnd)
