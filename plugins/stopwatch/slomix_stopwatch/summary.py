"""The stopwatch's answer to ``on_session_matches``: its scored matches in the stats plugin's terms.

Read in three queries for any number of sessions (a session list asks for a page of them at once).
Results are what ``on_round`` and the start-up backfill stored: a session is never scored here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from slomix_stats import api
from slomix_stats.api import MatchMap, MatchTeam, SessionMatch

from .models import DASH
from .store import maps_won

RULE = f"Stopwatch, BOX scale: faster or only completion 2{DASH}0, double fullhold 1{DASH}1"
INDEX = {"A": 0, "B": 1}


async def session_matches(pool: asyncpg.Pool, starts: Sequence[datetime]) -> dict[datetime, list[SessionMatch]]:
    """Every scored match of each session, in play order; a session the stopwatch has not scored is absent."""
    starts = list(starts)
    results = await pool.fetch(
        """SELECT session_start, match, session_end, format, match_start, team_a, team_b, score_a, score_b, winner,
                  count(*) OVER (PARTITION BY session_start) AS matches
           FROM stopwatch.session_results WHERE session_start = ANY($1::timestamp[])
           ORDER BY session_start, match""", starts)
    if not results:
        return {}
    teams = await pool.fetch(
        """SELECT t.session_start, t.match, t.team, t.name, t.guids, t.players, p.colour
           FROM stopwatch.session_teams t LEFT JOIN stopwatch.team_pool p ON lower(p.name) = lower(t.name)
           WHERE t.session_start = ANY($1::timestamp[])""", starts)
    maps = await pool.fetch(
        """SELECT session_start, match, map_name, r1_round_id, r2_round_id, team1, r1_success, r2_success,
                  r1_seconds, r2_seconds, points_a, points_b, description, finished
           FROM stopwatch.map_results WHERE session_start = ANY($1::timestamp[]) ORDER BY session_start, match, seq""",
        starts)
    # Names as shown now: a !setname since the session was scored shows at once.
    shown = await api.display_names(pool, {g for t in teams for g in t["guids"]})
    lineups = {(t["session_start"], t["match"], t["team"]): t for t in teams}
    played = defaultdict(list)
    for m in maps:
        played[m["session_start"], m["match"]].append(m)
    found: dict[datetime, list[SessionMatch]] = defaultdict(list)
    for r in results:
        key = (r["session_start"], r["match"])
        these = played[key]
        sides = tuple(_team(r[f"team_{t}"], lineups.get((*key, t.upper())), r[f"score_{t}"],
                            maps_won((m["finished"], m[f"points_{t}"], m[f"points_{o}"]) for m in these), shown)
                      for t, o in (("a", "b"), ("b", "a")))
        found[r["session_start"]].append(SessionMatch(
            number=r["match"], of=r["matches"], start=r["match_start"] or r["session_start"], end=r["session_end"],
            format=r["format"], score=f"{r['score_a']}{DASH}{r['score_b']}", winner=r["winner"], teams=sides,
            maps=[_map(m) for m in these], rule=RULE))
    return dict(found)


def _team(name: str, row: asyncpg.Record | None, points: int, won: int, shown: dict[str, str]) -> MatchTeam:
    guids = list(row["guids"]) if row else []
    players = [shown.get(g, stored) for g, stored in zip(guids, row["players"], strict=True)] if row else []
    return MatchTeam(name=name, guids=guids, players=players, points=points, maps_won=won,
                     colour=row["colour"] if row else None)


def _map(m: asyncpg.Record) -> MatchMap:
    return MatchMap(map_name=m["map_name"], r1_round_id=m["r1_round_id"], r2_round_id=m["r2_round_id"],
                    r1_attacker=INDEX.get(m["team1"] or ""), r1_success=m["r1_success"], r2_success=m["r2_success"],
                    r1_seconds=m["r1_seconds"], r2_seconds=m["r2_seconds"], points=(m["points_a"], m["points_b"]),
                    description=m["description"])
