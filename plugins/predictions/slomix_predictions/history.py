"""The rated history: every finished stopwatch map as two lineups, each player's time share and the result.

A stopwatch map is two rounds with sides swapped, so a map is rated as one game between the
session's two persistent teams (spec server-ratings-voice §3.6). A player's share is the time
he spent on the team he played for most minus the time on the other, over the map's length
(ET:Legacy's partial-play rule, ``g_skillrating.c``): a sub who played one round counts half.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from slomix_stats import api as stats_api
from slomix_stopwatch import api as stopwatch_api


class MapGame(msgspec.Struct, frozen=True, kw_only=True):
    """One finished map. ``outcome`` is team A's: 1 win, 0.5 draw (a 1-1 double fullhold), 0 loss.

    ``team_a``/``team_b`` map GUID → time share in (0, 1] (who is rated); ``lineup_a``/``lineup_b``
    are the teams of the first round (what a prediction made when the map starts knows); ``dpm``
    is each player's damage per minute over the map (the predecessor's heuristic reads it).
    """

    session_start: datetime
    seq: int
    match_id: str
    map_name: str
    played_at: datetime
    team_a: dict[str, float]
    team_b: dict[str, float]
    outcome: float
    r1_round_id: int = 0
    lineup_a: list[str] = []
    lineup_b: list[str] = []
    dpm: dict[str, float] = {}

    @property
    def key(self) -> tuple[datetime, int]:
        return (self.session_start, self.seq)


def _side_of(event: stats_api.RoundEvent, guids_a: set[str], guids_b: set[str]) -> int:
    """The side (1 Axis, 2 Allies) team A played in this round: the one its players fill most."""
    score = {1: 0, 2: 0}
    for p in event.players:
        if p.team in score:
            score[p.team] += (p.guid in guids_a) - (p.guid in guids_b)
    return 1 if score[1] >= score[2] else 2


def map_game(m: stopwatch_api.MapResult, teams: stopwatch_api.SessionTeams, session_start: datetime,
             rounds: dict[int, stats_api.RoundEvent]) -> MapGame | None:
    """The rated form of one map, or None when it is unfinished or a team is empty."""
    if not m.finished or m.r2_round_id is None or m.r1_round_id not in rounds or m.r2_round_id not in rounds:
        return None
    by_team = {t.team: set(t.guids) for t in teams.teams}
    guids_a, guids_b = by_team.get("A", set()), by_team.get("B", set())
    time_a: dict[str, float] = {}
    time_b: dict[str, float] = {}
    damage: dict[str, float] = {}
    seconds: dict[str, float] = {}
    length = 0
    lineups: dict[str, list[str]] = {}
    for event in (rounds[m.r1_round_id], rounds[m.r2_round_id]):
        side_a = _side_of(event, guids_a, guids_b)
        if not lineups:
            lineups = {"a": sorted({p.guid for p in event.players if p.team == side_a}),
                       "b": sorted({p.guid for p in event.players if p.team == 3 - side_a})}
        length += event.duration_seconds
        for p in event.players:
            if p.team not in (1, 2) or p.time_played_seconds <= 0:
                continue
            into = time_a if p.team == side_a else time_b
            into[p.guid] = into.get(p.guid, 0) + p.time_played_seconds
            damage[p.guid] = damage.get(p.guid, 0) + p.damage_given
            seconds[p.guid] = seconds.get(p.guid, 0) + p.time_played_seconds
    length = max(length, max(seconds.values(), default=0))
    if length <= 0:
        return None
    team_a, team_b = {}, {}
    for guid in time_a.keys() | time_b.keys():
        a, b = time_a.get(guid, 0), time_b.get(guid, 0)
        share = min(abs(a - b) / length, 1.0)
        if share > 0:
            (team_a if a > b else team_b)[guid] = round(share, 6)
    if not team_a or not team_b:
        return None
    outcome = 1.0 if m.points_a > m.points_b else 0.0 if m.points_a < m.points_b else 0.5
    return MapGame(session_start=session_start, seq=m.seq, match_id=m.match_id, map_name=m.map_name,
                   played_at=m.played_at, team_a=dict(sorted(team_a.items())), team_b=dict(sorted(team_b.items())),
                   outcome=outcome, r1_round_id=m.r1_round_id,
                   lineup_a=lineups["a"] or sorted(team_a), lineup_b=lineups["b"] or sorted(team_b),
                   dpm={g: round(damage[g] * 60 / seconds[g], 3) for g in sorted(seconds) if seconds[g] > 0})


async def load(pool: Any) -> list[MapGame]:
    """Every finished stopwatch map of the history, in play order."""
    games: list[MapGame] = []
    for session in sorted(await stats_api.sessions(pool), key=lambda s: s.start):
        if session.valid_rounds == 0:
            continue
        try:
            score = await stopwatch_api.session_score(pool, session.start)
            teams = await stopwatch_api.session_teams(pool, session.start)
        except stopwatch_api.NotFound:
            continue
        rounds = {e.round_id: e for e in await stats_api.session_rounds(pool, session.start)}
        for m in score.maps:
            game = map_game(m, teams, session.start, rounds)
            if game is not None:
                games.append(game)
    games.sort(key=lambda g: (g.played_at, g.session_start, g.seq))
    return games
