"""The stopwatch's answer to ``on_session_matches``: its scored matches in the stats plugin's terms."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from slomix_stats.api import MatchMap, MatchTeam, SessionMatch

from . import api, store
from .models import DASH, MapResult, SessionScore, TeamScore, TeamView

RULE = f"Stopwatch, BOX scale: faster or only completion 2{DASH}0, double fullhold 1{DASH}1"
INDEX = {"A": 0, "B": 1}


async def session_matches(pool: asyncpg.Pool, session_start: datetime) -> list[SessionMatch] | None:
    """Every scored match of the session, or None when the stopwatch has none for it."""
    try:
        scores = await api.session_matches(pool, session_start)
    except LookupError:
        return None
    found = []
    for score in scores:
        lineup = await store.load_teams(pool, score.session_start, score.match)
        views = {t.team: t for t in lineup.teams} if lineup else {}
        found.append(_match(score, views))
    return found


def _team(score: TeamScore, view: TeamView | None) -> MatchTeam:
    return MatchTeam(name=score.name, guids=view.guids if view else [], players=view.players if view else [],
                     points=score.points, maps_won=score.maps_won, colour=score.colour)


def _map(m: MapResult) -> MatchMap:
    return MatchMap(map_name=m.map_name, r1_round_id=m.r1_round_id, r2_round_id=m.r2_round_id,
                    r1_attacker=INDEX.get(m.team1 or ""), r1_success=m.r1_success, r2_success=m.r2_success,
                    r1_seconds=m.r1_seconds, r2_seconds=m.r2_seconds, points=(m.points_a, m.points_b),
                    description=m.description)


def _match(score: SessionScore, views: dict[str, TeamView]) -> SessionMatch:
    return SessionMatch(number=score.match, of=score.matches, start=score.match_start or score.session_start,
                        end=score.session_end, format=score.format, score=score.score, winner=score.winner,
                        teams=(_team(score.team_a, views.get("A")), _team(score.team_b, views.get("B"))),
                        maps=[_map(m) for m in score.maps], rule=RULE)
