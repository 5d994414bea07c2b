"""The stats plugin's public interface: what other plugins may import.

``RoundEvent`` is what ``on_round`` carries; ``sessions``, ``session_for_date``,
``session_rounds`` and ``round_meta`` read the history back; ``duration``, ``side`` and
``weapon_name`` write times, sides and weapons as every Slomix surface does. Everything else in
this package is internal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from .formatting import SIDES, duration, side, weapon_name

__all__ = ["SIDES", "PlayerLine", "RoundEvent", "RoundMetaInfo", "SessionInfo", "duration", "round_meta",
           "session_for_date", "session_rounds", "sessions", "side", "weapon_name"]


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


# -- reading the history back (for plugins such as the stopwatch) -------------------------------
#
# ``db`` is an asyncpg pool or connection: pass a connection to read inside your own transaction.


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A gaming session: consecutive rounds at most the session gap apart (spec §4.1).

    ``start`` (its first round time, ``RoundEvent.session_start``) identifies it; ``end`` is its
    last round time; ``valid_rounds`` counts the rounds that count (no bots, no orphans).
    """

    start: datetime
    end: datetime
    rounds: int
    valid_rounds: int


class RoundMetaInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the round-end webhook or gametime file said about a round; None where it said nothing.

    Sides are 1 Axis, 2 Allies (0 or None: unknown). ``time_limit_seconds`` is the server's
    time limit as the Lua read it; ``actual_duration_seconds`` is end - start - pauses.
    """

    round_id: int
    time_limit_seconds: int | None
    actual_duration_seconds: int | None
    pause_seconds: int | None
    end_reason: str | None
    surrender_team: int | None
    winner_team: int | None
    defender_team: int | None
    round_start_unix: int | None
    round_end_unix: int | None


_SESSIONS = """
    SELECT session_start AS start, max(round_time) AS end, count(*) AS rounds,
           count(*) FILTER (WHERE is_valid) AS valid_rounds
    FROM stats.rounds GROUP BY session_start
    HAVING ($1::timestamp IS NULL OR max(round_time) >= $1) AND ($2::timestamp IS NULL OR session_start <= $2)
    ORDER BY session_start DESC LIMIT $3"""


async def sessions(db: Any, *, since: datetime | None = None, until: datetime | None = None,
                   limit: int | None = None) -> list[SessionInfo]:
    """The sessions that have a round between ``since`` and ``until`` (inclusive), latest first."""
    rows = await db.fetch(_SESSIONS, since, until, limit)
    return [SessionInfo(**dict(r)) for r in rows]


async def session_for_date(db: Any, day: date) -> SessionInfo | None:
    """The one session a calendar date stands for (a date never blends two sessions, spec §4.1).

    The latest session that started that day and has valid rounds; failing that, the latest
    session with a round that day (a session from the evening before, past midnight).
    """
    start = datetime.combine(day, time())
    found = await sessions(db, since=start, until=start + timedelta(days=1, microseconds=-1))
    found.sort(key=lambda s: (s.valid_rounds > 0, s.start.date() == day, s.start), reverse=True)
    return found[0] if found else None


async def session_rounds(db: Any, session_start: datetime) -> list[RoundEvent]:
    """Every round of the session (all statuses, valid or not) in play order, as ``RoundEvent``s
    whose ``change`` is ``stored``."""
    from .events import load  # events imports this module

    ids = await db.fetch("SELECT id FROM stats.rounds WHERE session_start = $1", session_start)
    return await load(db, [r["id"] for r in ids], "stored")


async def round_meta(db: Any, round_ids: Iterable[int]) -> dict[int, RoundMetaInfo]:
    """Webhook / gametime metadata of the given rounds, by round id (rounds without any are absent)."""
    rows = await db.fetch(
        """SELECT round_id, time_limit_minutes * 60 AS time_limit_seconds, actual_duration_seconds,
                  pause_seconds, end_reason, surrender_team, winner_team, defender_team, round_start_unix,
                  round_end_unix
           FROM stats.round_meta WHERE round_id = ANY($1::bigint[])""", list(round_ids))
    return {r["round_id"]: RoundMetaInfo(**dict(r)) for r in rows}
