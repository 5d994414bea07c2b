"""Reading committed rounds back as the ``RoundEvent``s that ``on_round`` carries."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from .api import PlayerLine, RoundEvent
from .formats import StatsFile
from .pairing import Assignment
from .rules import Verdict


async def load(conn: asyncpg.Connection | asyncpg.Pool, round_ids: list[int], change: str) -> list[RoundEvent]:
    if not round_ids:
        return []
    rounds = await conn.fetch(
        """SELECT id, match_id, map_name, round_number, round_time, session_start, status, is_valid,
                  defender_team, winner_team, outcome, time_limit_seconds, next_time_limit_seconds,
                  duration_seconds, duration_source, end_reason,
                  surrender_team
           FROM stats.rounds WHERE id = ANY($1::bigint[]) ORDER BY round_time, id""", round_ids)
    players: dict[int, list[PlayerLine]] = {}
    for p in await conn.fetch(
            """SELECT round_id, guid, clean_name, team, kills, deaths, damage_given, damage_received,
                      time_played_seconds, dpm FROM stats.player_rounds
               WHERE round_id = ANY($1::bigint[]) ORDER BY damage_given DESC""", round_ids):
        players.setdefault(p["round_id"], []).append(PlayerLine(
            p["guid"], p["clean_name"], p["team"], p["kills"], p["deaths"], p["damage_given"],
            p["damage_received"], p["time_played_seconds"], p["dpm"]))
    return [RoundEvent(round_id=r["id"], change=change, match_id=r["match_id"], map_name=r["map_name"],
                       round_number=r["round_number"], round_time=r["round_time"],
                       session_start=r["session_start"], status=r["status"], is_valid=r["is_valid"],
                       defender_team=r["defender_team"], winner_team=r["winner_team"], outcome=r["outcome"],
                       time_limit_seconds=r["time_limit_seconds"],
                       next_time_limit_seconds=r["next_time_limit_seconds"],
                       duration_seconds=r["duration_seconds"], duration_source=r["duration_source"],
                       end_reason=r["end_reason"], surrender_team=r["surrender_team"],
                       players=players.get(r["id"], []))
            for r in rounds]


def from_stats(round_id: int, stats: StatsFile, time: datetime, session_start: datetime, assignment: Assignment,
               verdict: Verdict) -> RoundEvent:
    """The event for a round just written, built from what the importer holds (no read back)."""
    h = stats.header
    return RoundEvent(
        round_id=round_id, change="new", match_id=assignment.match_id, map_name=stats.map_name,
        round_number=stats.round_number, round_time=time, session_start=session_start, status=assignment.status,
        is_valid=verdict.is_valid, defender_team=h.defender, winner_team=h.winner, outcome=verdict.outcome,
        time_limit_seconds=h.time_limit_seconds, next_time_limit_seconds=h.next_time_limit_seconds,
        duration_seconds=stats.duration_seconds, duration_source="header", end_reason=None, surrender_team=None,
        players=sorted((PlayerLine(p.guid, p.clean_name, p.team, p.kills, p.deaths, p.damage_given,
                                   p.damage_received, p.time_played_seconds, p.dpm) for p in stats.players),
                       key=lambda p: -p.damage_given))
