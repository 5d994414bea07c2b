"""``[plugins.voice]``: which channels mean what, the thresholds, and the daily poll's times."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

_Count = Annotated[int, msgspec.Meta(ge=1, le=100)]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class VoiceSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An evening opens at ``open_at`` people in the gaming channels and closes once fewer than
    ``close_below`` stay for ``close_after_minutes``. Empty ``gaming_channel_ids`` means every
    voice channel. Times are ``HH:MM`` in ``timezone``."""

    gaming_channel_ids: list[int] = []
    lobby_channel_id: int | None = None
    team_channel_ids: list[int] = []  # exactly two, or none
    team_min_players: _Count = 2  # in each team channel before the lineups count as teams
    open_at: _Count = 6
    close_below: _Count = 2
    close_after_minutes: Annotated[float, msgspec.Meta(gt=0, le=24 * 60)] = 5.0
    # Offer a balanced split when this many are in the lobby.
    balance_counts: list[int] = msgspec.field(default_factory=lambda: [4, 6, 8, 10])
    balance_after_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 30.0
    timezone: str = "Europe/Ljubljana"
    poll_enabled: bool = True
    poll_time: str = "10:00"
    reminder_times: list[str] = msgspec.field(default_factory=lambda: ["20:45", "21:00"])
    game_time: str = "21:00"
    game_on_at: _Count = 6

    def __post_init__(self) -> None:
        if self.close_below > self.open_at:
            raise ValueError("close_below cannot be above open_at")
        if self.team_channel_ids and len(set(self.team_channel_ids)) != 2:
            raise ValueError("team_channel_ids needs two different channels")
        for time in (self.poll_time, self.game_time, *self.reminder_times):
            if not _HHMM.match(time):
                raise ValueError(f"times are HH:MM (00:00-23:59), not {time!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {self.timezone!r}") from None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
