"""A session's matches as the scoring plugin answers them, and what every session surface derives
from them: the players grouped by team, the verdict, each map's line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .api import MatchMap, MatchTeam, SessionMatch
from .formatting import duration
from .queries import SessionPlayer


async def sessions_matches(kernel: Any, starts: Sequence[datetime]) -> dict[datetime, list[SessionMatch]]:
    """Each session's scored matches, in one ask; a session nobody scored (no scorer plugin
    running, or nothing to score) is absent."""
    return dict(await kernel.first("on_session_matches", session_starts=list(starts)) or {})


async def session_matches(kernel: Any, start: datetime) -> list[SessionMatch]:
    """One session's scored matches; empty when nobody scored it."""
    return (await sessions_matches(kernel, [start])).get(start, [])


def scored(match: SessionMatch) -> bool:
    """Whether a map of the match was finished (an R1 alone scores nothing)."""
    return any(m.r2_success is not None for m in match.maps)


def verdict(match: SessionMatch) -> str:
    """``S*F win``, ``a draw`` or ``no map finished``: who won (the score is shown beside it)."""
    if not scored(match):
        return "no map finished"
    if match.winner == 0:
        return "a draw"
    return f"{match.teams[match.winner - 1].name} win"


def attack(m: MatchMap, number: int) -> str:
    """An attack of a map as a player reads it: its time, ``held`` or ``—`` (not played)."""
    success, seconds = (m.r1_success, m.r1_seconds) if number == 1 else (m.r2_success, m.r2_seconds)
    if success is None:
        return "—"
    return duration(seconds or 0) if success else "held"


def attacker(match: SessionMatch, m: MatchMap, number: int) -> MatchTeam | None:
    """The team that attacked in round ``number`` of a map (R2's is R1's defender)."""
    if m.r1_attacker is None:
        return None
    return match.teams[m.r1_attacker if number == 1 else 1 - m.r1_attacker]


def by_team(players: Sequence[SessionPlayer],
            matches: Sequence[SessionMatch]) -> list[tuple[MatchTeam | None, list[SessionPlayer]]]:
    """The players (in their given order) under the team they first played for, in the matches'
    order, then anybody no team lists; no matches: one group with everybody."""
    groups: list[tuple[MatchTeam | None, list[SessionPlayer]]] = []
    placed: set[str] = set()
    for match in matches:
        for team in match.teams:
            members = [p for p in players if p.guid in team.guids and p.guid not in placed]
            placed.update(p.guid for p in members)
            if members:
                groups.append((team, members))
    rest = [p for p in players if p.guid not in placed]
    if rest:
        groups.append((None, rest))
    return groups
