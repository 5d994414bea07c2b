"""``[plugins.stats]``."""

from __future__ import annotations

import msgspec


class StatsSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # A gaming session ends when no round follows within this many minutes (spec §4.1).
    session_gap_minutes: int = 60
    # An R2 pairs with the latest R1 of its map at most this long before it (spec §2.1).
    match_window_minutes: int = 45
    # A round replayed within this window replaces the earlier one (restart rules, spec §4.3).
    restart_window_minutes: int = 30
    # Filler maps played while waiting for a sub never count (spec §4.4).
    excluded_maps: list[str] = msgspec.field(default_factory=lambda: ["mp_sillyctf"])
    # File names carry the game server's local wall-clock time; webhooks carry unix time.
    server_timezone: str = "Europe/Paris"
    # Endstats belong to the stats file written within this many seconds of them (spec §3.3).
    endstats_window_seconds: int = 30
    # Webhook / gametime metadata belongs to the round whose file time is this close.
    meta_window_seconds: int = 300
    # Rounds older than this are history being imported: recorded, never announced.
    announce_max_age_hours: float = 12.0
    # Lifetime totals are rebuilt this long after the last import (reads before that rebuild them).
    refresh_delay_seconds: float = 5.0
    # A real stats file is a few kB (64 players: ~25 kB); a bigger one is refused before it is read.
    max_file_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        if self.session_gap_minutes <= 0:
            raise ValueError(f"session_gap_minutes must be positive, got {self.session_gap_minutes}")
        if not 0 < self.match_window_minutes < self.session_gap_minutes:
            raise ValueError("match_window_minutes must be positive and below session_gap_minutes")
