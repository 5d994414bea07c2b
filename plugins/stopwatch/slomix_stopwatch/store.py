"""SQL against the stopwatch's own schema. ``db`` is an asyncpg pool or connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from slomix_stats import api

from .models import DASH, MapResult, SessionScore, SessionTeams, TeamScore, TeamView
from .teams import Rosters

_MAP_COLUMNS = tuple(MapResult.__struct_fields__)


async def lock_session(conn: asyncpg.Connection, session_start: datetime) -> None:
    """One writer per session at a time (events and admin commands may race)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('slomix.stopwatch'), hashtext($1::timestamp::text))",
                       session_start)


# -- the team pool -----------------------------------------------------------------------------


async def pool_teams(db: Any) -> list[asyncpg.Record]:
    """Pool names with their colour and how many sessions used them, alphabetically."""
    return await db.fetch(
        """SELECT p.name, p.colour, count(t.session_start) AS sessions FROM stopwatch.team_pool p
           LEFT JOIN stopwatch.session_teams t ON lower(t.name) = lower(p.name)
           GROUP BY p.name, p.colour ORDER BY lower(p.name)""")


async def add_pool_team(db: Any, name: str, colour: int | None, by: str) -> bool:
    """Add a name (or recolour one already there, whatever its case); True when it is new."""
    existing = await db.fetchval("SELECT name FROM stopwatch.team_pool WHERE lower(name) = lower($1)", name)
    if existing is not None:
        await db.execute("UPDATE stopwatch.team_pool SET colour = COALESCE($2, colour) WHERE name = $1",
                         existing, colour)
        return False
    await db.execute("INSERT INTO stopwatch.team_pool (name, colour, added_by) VALUES ($1, $2, $3)",
                     name, colour, by)
    return True


# -- overrides ------------------------------------------------------------------------------------


async def pins(db: Any, session_start: datetime) -> dict[str, str]:
    rows = await db.fetch("SELECT guid, team FROM stopwatch.player_pins WHERE session_start = $1", session_start)
    return {r["guid"]: r["team"] for r in rows}


async def pin(conn: asyncpg.Connection, session_start: datetime, teams: Mapping[str, str], by: str) -> None:
    await conn.executemany(
        """INSERT INTO stopwatch.player_pins (session_start, guid, team, pinned_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (session_start, guid) DO UPDATE SET team = EXCLUDED.team,
               pinned_by = EXCLUDED.pinned_by, pinned_at = now()""",
        [(session_start, guid, team, by) for guid, team in teams.items()])


async def drop_pins(conn: asyncpg.Connection, session_start: datetime) -> None:
    await conn.execute("DELETE FROM stopwatch.player_pins WHERE session_start = $1", session_start)


async def names(db: Any, session_start: datetime, match: int = 1) -> dict[str, tuple[str, str]]:
    """Team → (name, source) as stored for the session's match."""
    rows = await db.fetch("""SELECT team, name, name_source FROM stopwatch.session_teams
                             WHERE session_start = $1 AND match = $2""", session_start, match)
    return {r["team"]: (r["name"], r["name_source"]) for r in rows}


async def set_names(conn: asyncpg.Connection, session_start: datetime, chosen: Mapping[str, str], source: str,
                    match: int = 1) -> None:
    await conn.executemany(
        """INSERT INTO stopwatch.session_teams (session_start, match, team, name, name_source)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_start, match, team) DO UPDATE SET name = EXCLUDED.name,
               name_source = EXCLUDED.name_source, updated_at = now()""",
        [(session_start, match, team, name, source) for team, name in chosen.items()])


async def absorb_merged(conn: asyncpg.Connection, start: datetime, end: datetime) -> None:
    """Sessions that began inside this one were merged into it by a late round: keep an admin's
    pins and names, drop the rest (names drawn for the old key would depend on arrival order)."""
    await conn.execute(
        """INSERT INTO stopwatch.player_pins (session_start, guid, team, pinned_by, pinned_at)
           SELECT $1, guid, team, pinned_by, pinned_at FROM stopwatch.player_pins
           WHERE session_start > $1 AND session_start <= $2 ON CONFLICT DO NOTHING""", start, end)
    await conn.execute(
        """INSERT INTO stopwatch.session_teams (session_start, match, team, name, name_source)
           SELECT $1, match, team, name, name_source FROM stopwatch.session_teams
           WHERE session_start > $1 AND session_start <= $2 AND name_source = 'manual'
           ON CONFLICT DO NOTHING""", start, end)
    for table in ("player_pins", "session_teams", "session_results"):
        await conn.execute(f"DELETE FROM stopwatch.{table} WHERE session_start > $1 AND session_start <= $2",
                           start, end)


async def delete_session(conn: asyncpg.Connection, session_start: datetime) -> None:
    """Forget a session's teams and result. Pins stay: a session merged into an earlier one may be
    refreshed before the one that absorbs its pins."""
    for table in ("session_teams", "session_results"):
        await conn.execute(f"DELETE FROM stopwatch.{table} WHERE session_start = $1", session_start)


async def drop_matches_after(conn: asyncpg.Connection, session_start: datetime, count: int) -> None:
    """Forget matches past the session's ``count`` (a late round joined two of them)."""
    for table in ("session_teams", "session_results"):
        await conn.execute(f"DELETE FROM stopwatch.{table} WHERE session_start = $1 AND match > $2",
                           session_start, count)


# -- computed results -------------------------------------------------------------------------------


async def save(conn: asyncpg.Connection, session_start: datetime, session_end: datetime, rosters: Rosters,
               players: Mapping[str, str], maps: Iterable[MapResult], match: int = 1,
               match_start: datetime | None = None) -> None:
    """Replace a match's rosters, result and map rows (names are already stored)."""
    for team in ("A", "B"):
        guids = sorted(rosters.get(team), key=lambda g: (players.get(g, g).lower(), g))
        await conn.execute(
            """UPDATE stopwatch.session_teams SET guids = $3, players = $4, updated_at = now()
               WHERE session_start = $1 AND team = $2 AND match = $5""",
            session_start, team, guids, [players.get(g, g) for g in guids], match)
    maps = list(maps)
    stored = await names(conn, session_start, match)
    score_a = sum(m.points_a for m in maps if m.finished)
    score_b = sum(m.points_b for m in maps if m.finished)
    await conn.execute(
        """INSERT INTO stopwatch.session_results (session_start, session_end, team_a, team_b, score_a, score_b,
               winner, format, maps, match, match_start) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (session_start, match) DO UPDATE SET session_end = EXCLUDED.session_end,
               match_start = EXCLUDED.match_start,
               team_a = EXCLUDED.team_a, team_b = EXCLUDED.team_b, score_a = EXCLUDED.score_a,
               score_b = EXCLUDED.score_b, winner = EXCLUDED.winner, format = EXCLUDED.format,
               maps = EXCLUDED.maps, updated_at = now()""",
        session_start, session_end, stored["A"][0], stored["B"][0], score_a, score_b,
        0 if score_a == score_b else 1 if score_a > score_b else 2, f"{len(rosters.a)}v{len(rosters.b)}",
        sum(1 for m in maps if m.finished), match, match_start or session_start)
    await conn.execute("DELETE FROM stopwatch.map_results WHERE session_start = $1 AND match = $2",
                       session_start, match)
    await conn.copy_records_to_table(
        "map_results", schema_name="stopwatch", columns=("session_start", "match", *_MAP_COLUMNS),
        records=[(session_start, match, *(getattr(m, c) for c in _MAP_COLUMNS)) for m in maps])


async def has_result(db: Any, session_start: datetime) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM stopwatch.session_results WHERE session_start = $1",
                                  session_start))


async def result_starts(db: Any) -> set[datetime]:
    return {r["session_start"] for r in await db.fetch("SELECT DISTINCT session_start FROM stopwatch.session_results")}


async def match_count(db: Any, session_start: datetime) -> int:
    """How many matches the session's result has (0: none scored)."""
    return await db.fetchval("SELECT count(*) FROM stopwatch.session_results WHERE session_start = $1",
                             session_start)


# -- reading back ---------------------------------------------------------------------------------


async def _team_rows(db: Any, session_start: datetime, match: int) -> list[asyncpg.Record]:
    return await db.fetch(
        """SELECT t.team, t.name, t.name_source, t.guids, t.players, p.colour
           FROM stopwatch.session_teams t LEFT JOIN stopwatch.team_pool p ON lower(p.name) = lower(t.name)
           WHERE t.session_start = $1 AND t.match = $2 ORDER BY t.team""", session_start, match)


async def load_teams(db: Any, session_start: datetime, match: int = 1) -> SessionTeams | None:
    result = await db.fetchrow(
        """SELECT session_end, format, match_start, (SELECT count(*) FROM stopwatch.session_results
                                                     WHERE session_start = $1) AS matches
           FROM stopwatch.session_results WHERE session_start = $1 AND match = $2""", session_start, match)
    if result is None:
        return None
    rows = await _team_rows(db, session_start, match)
    # Names as shown now (a !setname since the session was computed shows at once).
    shown = await api.display_names(db, [g for r in rows for g in r["guids"]])
    teams = [TeamView(team=r["team"], name=r["name"], manual_name=r["name_source"] == "manual",
                      guids=list(r["guids"]),
                      players=[shown.get(g, stored) for g, stored in zip(r["guids"], r["players"], strict=True)],
                      colour=r["colour"])
             for r in rows]
    return SessionTeams(session_start=session_start, session_end=result["session_end"], format=result["format"],
                        teams=teams, pinned=await pins(db, session_start), match=match, matches=result["matches"],
                        match_start=result["match_start"])


async def load_score(db: Any, session_start: datetime, match: int = 1) -> SessionScore | None:
    result = await db.fetchrow(
        """SELECT *, (SELECT count(*) FROM stopwatch.session_results WHERE session_start = $1) AS matches
           FROM stopwatch.session_results WHERE session_start = $1 AND match = $2""", session_start, match)
    if result is None:
        return None
    colours = {r["team"]: r["colour"] for r in await _team_rows(db, session_start, match)}
    rows = await db.fetch(f"SELECT {', '.join(_MAP_COLUMNS)} FROM stopwatch.map_results WHERE session_start = $1"
                          " AND match = $2 ORDER BY seq", session_start, match)
    maps = [msgspec.convert(dict(r), MapResult) for r in rows]
    sides = {}
    for team, other_team in (("a", "b"), ("b", "a")):
        won = maps_won((m.finished, getattr(m, f"points_{team}"), getattr(m, f"points_{other_team}")) for m in maps)
        sides[team] = TeamScore(team=team.upper(), name=result[f"team_{team}"], points=result[f"score_{team}"],
                                maps_won=won, colour=colours.get(team.upper()))
    return SessionScore(session_start=session_start, session_end=result["session_end"], format=result["format"],
                        score=f"{result['score_a']}{DASH}{result['score_b']}", winner=result["winner"],
                        team_a=sides["a"], team_b=sides["b"], maps=maps, match=match, matches=result["matches"],
                        match_start=result["match_start"])


def maps_won(maps: Iterable[tuple[bool, int, int]]) -> int:
    """Maps a team won: (finished, its points, the other's) per map; an unfinished map is nobody's."""
    return sum(1 for finished, mine, theirs in maps if finished and mine > theirs)


async def team_results(db: Any, name: str, since: datetime | None = None) -> list[asyncpg.Record]:
    """Matches in which a team of this name played, latest first, seen from that team's side
    (``session_start`` is the match's start)."""
    return await db.fetch(
        """SELECT match_start AS session_start, maps, format,
                  CASE WHEN lower(team_a) = lower($1) THEN team_b ELSE team_a END AS opponent,
                  CASE WHEN lower(team_a) = lower($1) THEN score_a ELSE score_b END AS points,
                  CASE WHEN lower(team_a) = lower($1) THEN score_b ELSE score_a END AS against
           FROM stopwatch.session_results
           WHERE (lower(team_a) = lower($1) OR lower(team_b) = lower($1)) AND maps > 0
             AND ($2::timestamp IS NULL OR match_start >= $2)
           ORDER BY match_start DESC""", name, since)
