"""The stats plugin's public interface: what other plugins may import.

``RoundEvent`` is what ``on_round`` carries. Everything else in this package is internal.
"""

from __future__ import annotations

from datetime import datetime

import msgspec


class PlayerLine(msgspec.Struct, frozen=True):
    """One player's round (for an R2: the R2-only values)."""

    guid: str
    name: str
    team: int
    kills: int
    deaths: int
    damage_given: int
    damage_received: int
    time_played_seconds: int
    dpm: float


class RoundEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A round as committed: sent through ``on_round`` after every change to it.

    ``change`` is ``new`` for a round just imported, ``updated`` when a later file changed
    it (its R1 arrived, webhook timing arrived, a restart cancelled it).
    """

    round_id: int
    change: str
    match_id: str
    map_name: str
    round_number: int
    round_time: datetime
    session_start: datetime
    status: str
    is_valid: bool
    defender_team: int
    winner_team: int
    outcome: str
    time_limit_seconds: int | None
    next_time_limit_seconds: int | None
    duration_seconds: int
    duration_source: str
    end_reason: str | None
    surrender_team: int | None
    players: list[PlayerLine]
