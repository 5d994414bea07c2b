"""The stopwatch's public interface, for pages and other plugins (the dashboard's session page).

``session`` is a session's start (``RoundEvent.session_start``) or what a user types: a date
(``YYYY-MM-DD``), a session start stamp (``YYYY-MM-DD-HHMMSS``) or ``latest``. Both functions
raise ``NotFound`` (a ``LookupError``) when there is no such session or it has no valid rounds.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from . import refresh, sessions, store
from .models import MapResult, SessionScore, SessionTeams, TeamScore, TeamView
from .sessions import NotFound

__all__ = ["MapResult", "NotFound", "SessionScore", "SessionTeams", "TeamScore", "TeamView", "session_matches",
           "session_score", "session_teams"]


async def _start(pool: asyncpg.Pool, session: datetime | str | None) -> datetime:
    start = session if isinstance(session, datetime) else (await sessions.resolve(pool, session)).start
    await refresh.ensure(pool, start)
    return start


async def session_score(pool: asyncpg.Pool, session: datetime | str | None = None) -> SessionScore:
    """The session's (first match's) result: ``A-B``, the teams and every map with its points and why."""
    start = await _start(pool, session)
    score = await store.load_score(pool, start)
    if score is None:
        raise NotFound(f"no scored session starting {start:%Y-%m-%d %H:%M:%S}")
    return score


async def session_matches(pool: asyncpg.Pool, session: datetime | str | None = None) -> list[SessionScore]:
    """The session's matches in play order (more than one when the opponents changed), each scored."""
    first = await session_score(pool, session)
    later = [await store.load_score(pool, first.session_start, n) for n in range(2, first.matches + 1)]
    return [first, *(m for m in later if m is not None)]


async def session_teams(pool: asyncpg.Pool, session: datetime | str | None = None) -> SessionTeams:
    """The session's two persistent teams (names, GUIDs, players, admin pins)."""
    start = await _start(pool, session)
    teams = await store.load_teams(pool, start)
    if teams is None:
        raise NotFound(f"no teams for a session starting {start:%Y-%m-%d %H:%M:%S}")
    return teams
