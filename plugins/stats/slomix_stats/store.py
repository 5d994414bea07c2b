"""SQL for writing the history: one function per table concern, all inside the caller's transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import anyio
import asyncpg

from .formats import Header, PlayerRound, StatsFile
from .pairing import Assignment
from .rules import Verdict

PLAYER_COLUMNS = (
    "guid", "raw_guid", "name", "clean_name", "team", "is_bot", "kills", "deaths", "headshots",
    "damage_given", "damage_received", "team_damage_given", "team_damage_received", "gibs",
    "self_kills", "team_kills", "team_gibs", "time_played_percent", "xp", "killing_spree_best",
    "death_spree_worst", "kill_assists", "kill_steals", "headshot_kills", "objectives_stolen",
    "objectives_returned", "dynamites_planted", "dynamites_defused", "times_revived",
    "bullets_fired", "time_played_minutes", "tank_meatshield", "time_dead_ratio",
    "time_dead_minutes", "most_useful_kills", "denied_playtime", "double_kills", "triple_kills",
    "quad_kills", "multi_kills", "mega_kills", "useless_kills", "full_selfkills", "constructions",
    "revives_given", "time_played_seconds", "dpm", "accuracy", "efficiency", "kd_ratio",
    "counter_reset",
)
INSERT_COLUMNS = ("round_id", *PLAYER_COLUMNS, "hits", "shots")
WEAPON_COLUMNS = ("round_id", "guid", "weapon", "hits", "shots", "kills", "deaths", "headshots")

# One lock for all stats imports: pairing and sessions look at neighbouring rounds.
IMPORT_LOCK = 0x57A75


@asynccontextmanager
async def import_transaction(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A transaction holding the import lock; BEGIN and the lock share one round trip."""
    await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({IMPORT_LOCK})")
    try:
        yield
    except BaseException:
        with anyio.CancelScope(shield=True):
            await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


async def find_file(conn: asyncpg.Connection, name: str, sha256: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, status, reason FROM stats.files WHERE name = $1 AND sha256 = $2",
                               name, sha256)


async def add_file(conn: asyncpg.Connection, *, name: str, kind: str, sha256: str, status: str,
                   data: bytes, source: str, reason: str | None = None) -> int:
    return await conn.fetchval(
        """INSERT INTO stats.files (name, kind, sha256, status, reason, source, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        name, kind, sha256, status, reason, source, data)


async def set_file_status(conn: asyncpg.Connection, file_id: int, status: str, reason: str | None) -> None:
    await conn.execute("UPDATE stats.files SET status = $2, reason = $3 WHERE id = $1", file_id, status, reason)


async def file_data(conn: asyncpg.Connection, file_id: int) -> tuple[str, bytes]:
    row = await conn.fetchrow("SELECT name, data FROM stats.files WHERE id = $1", file_id)
    return row["name"], row["data"]


async def replaced_round(conn: asyncpg.Connection, name: str) -> asyncpg.Record | None:
    """The round an earlier version of this file produced (the server rewrote the file)."""
    return await conn.fetchrow(
        """SELECT r.id, r.file_id FROM stats.rounds r JOIN stats.files f ON f.id = r.file_id
           WHERE f.name = $1""", name)


async def insert_round(conn: asyncpg.Connection, *, name: str, sha256: str, data: bytes, source: str,
                       file_status: str, file_reason: str | None, stats: StatsFile, header: Header,
                       time: datetime, assignment: Assignment, verdict: Verdict) -> tuple[int, int]:
    """The file, its round, players, weapons and aliases in one statement (one round trip)."""
    players = [_player_json(p) for p in stats.players]
    weapons = [{"guid": p.guid, "weapon": w_name, "hits": w.hits, "shots": w.shots, "kills": w.kills,
                "deaths": w.deaths, "headshots": w.headshots} for p in stats.players for w_name, w in p.weapons.items()]
    row = await conn.fetchrow(
        """WITH f AS (
               INSERT INTO stats.files (name, kind, sha256, status, reason, source, data)
               VALUES ($1, 'stats', $2, $3, $4, $5, $6) RETURNING id),
           r AS (
               INSERT INTO stats.rounds (file_id, match_id, round_number, map_name, round_time, session_start,
                   r1_round_id, status, is_valid, invalid_reason, server_name, config_name, defender_team,
                   winner_team, header_diagnostics, time_limit_seconds, next_time_limit_seconds,
                   header_playtime_seconds, duration_seconds, duration_source, outcome, format_version,
                   header_fields, bot_count, human_count)
               SELECT f.id, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
                      $23, 'header', $24, $25, $26, $27, $28 FROM f RETURNING id, file_id),
           p AS (
               INSERT INTO stats.player_rounds (round_id, {player_columns})
               SELECT r.id, {x_columns} FROM r, jsonb_populate_recordset(NULL::stats.player_rounds, $29::jsonb) x),
           w AS (
               INSERT INTO stats.weapon_rounds (round_id, guid, weapon, hits, shots, kills, deaths, headshots)
               SELECT r.id, x->>'guid', x->>'weapon', (x->>'hits')::int, (x->>'shots')::int, (x->>'kills')::int,
                      (x->>'deaths')::int, (x->>'headshots')::int
               FROM r, jsonb_array_elements($30::jsonb) x),
           a AS (
               INSERT INTO stats.aliases (guid, alias, first_seen, last_seen)
               SELECT DISTINCT ON (x->>'guid', x->>'clean_name') x->>'guid', x->>'clean_name', $10, $10
               FROM jsonb_array_elements($29::jsonb) x WHERE x->>'clean_name' <> ''
               ON CONFLICT (guid, alias) DO UPDATE
               SET first_seen = LEAST(stats.aliases.first_seen, EXCLUDED.first_seen),
                   last_seen = GREATEST(stats.aliases.last_seen, EXCLUDED.last_seen))
           SELECT file_id, id FROM r""".format(
            player_columns=", ".join(INSERT_COLUMNS[1:]), x_columns=", ".join(f"x.{c}" for c in INSERT_COLUMNS[1:])),
        name, sha256, file_status, file_reason, source, data,
        assignment.match_id, stats.round_number, stats.map_name, time, assignment.r1_id, assignment.status,
        verdict.is_valid, verdict.reason, header.server_name, header.config, header.defender, header.winner,
        list(header.diagnostics), header.time_limit_seconds, header.next_time_limit_seconds, header.playtime_seconds,
        stats.duration_seconds, verdict.outcome, stats.extended_field_count, header.header_field_count,
        verdict.bot_count, verdict.human_count, players, weapons)
    return row["file_id"], row["id"]


def _player_json(p: PlayerRound) -> dict[str, Any]:
    weapons = p.weapons.values()
    record = {c: getattr(p, c) for c in PLAYER_COLUMNS}
    record["hits"] = sum(w.hits for w in weapons)
    record["shots"] = sum(w.shots for w in weapons)
    return record


async def map_window(conn: asyncpg.Connection, map_name: str, start: datetime, end: datetime) -> list[asyncpg.Record]:
    """The rounds of one map in a time window, with what pairing needs and what it may change."""
    return await conn.fetch(
        """SELECT r.id, r.round_number, r.round_time, r.match_id, r.status, r.r1_round_id, r.file_id,
                  ARRAY(SELECT p.guid FROM stats.player_rounds p WHERE p.round_id = r.id) AS guids
           FROM stats.rounds r WHERE r.map_name = $1 AND r.round_time BETWEEN $2 AND $3""", map_name, start, end)


async def update_round(conn: asyncpg.Connection, round_id: int, **values: Any) -> None:
    columns = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=2))
    await conn.execute(f"UPDATE stats.rounds SET {columns} WHERE id = $1", round_id, *values.values())


def _player_record(round_id: int, p: PlayerRound) -> tuple[Any, ...]:
    weapons = p.weapons.values()
    return (round_id, *(getattr(p, c) for c in PLAYER_COLUMNS), sum(w.hits for w in weapons),
            sum(w.shots for w in weapons))


async def write_players(conn: asyncpg.Connection, round_id: int, players: list[PlayerRound]) -> None:
    """Replace the round's player and weapon rows."""
    await conn.execute("DELETE FROM stats.player_rounds WHERE round_id = $1", round_id)
    await conn.copy_records_to_table(
        "player_rounds", schema_name="stats", columns=INSERT_COLUMNS,
        records=[_player_record(round_id, p) for p in players])
    await conn.copy_records_to_table(
        "weapon_rounds", schema_name="stats", columns=WEAPON_COLUMNS,
        records=[(round_id, p.guid, name, w.hits, w.shots, w.kills, w.deaths, w.headshots)
                 for p in players for name, w in p.weapons.items()])


async def assign_session(conn: asyncpg.Connection, round_id: int, time: datetime, gap: timedelta) -> datetime:
    """Give the round its gaming session and return the session's start.

    A session is the chain of rounds at most ``gap`` apart, named by its first round time;
    when a late file bridges two sessions they merge, so the result never depends on the
    order files arrive in. One round trip (stats.assign_session, migration 0001).
    """
    return await conn.fetchval("SELECT stats.assign_session($1, $2, $3)", round_id, time, gap)
async def upsert_meta(conn: asyncpg.Connection, file_id: int, meta: Any) -> int:
    """Store what a webhook payload or gametime file said; a second source for the same round
    fills in what the first lacked (the gametime file carries per-player spawn statistics)."""
    return await conn.fetchval(
        """INSERT INTO stats.round_meta AS m (file_id, map_name, round_number, round_end_unix,
               round_start_unix, actual_duration_seconds, pause_seconds, pause_count, warmup_seconds,
               end_reason, winner_team, defender_team, time_limit_minutes, surrender_team,
               surrender_caller_guid, surrender_caller_name, axis_score, allies_score, axis_players,
               allies_players, pauses, spawn_stats, lua_version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                   $19, $20, $21, $22, $23)
           ON CONFLICT (map_name, round_number, round_end_unix) DO UPDATE SET
               round_start_unix = COALESCE(m.round_start_unix, EXCLUDED.round_start_unix),
               actual_duration_seconds = COALESCE(m.actual_duration_seconds, EXCLUDED.actual_duration_seconds),
               pause_seconds = COALESCE(m.pause_seconds, EXCLUDED.pause_seconds),
               pause_count = COALESCE(m.pause_count, EXCLUDED.pause_count),
               warmup_seconds = COALESCE(m.warmup_seconds, EXCLUDED.warmup_seconds),
               end_reason = COALESCE(m.end_reason, EXCLUDED.end_reason),
               winner_team = COALESCE(m.winner_team, EXCLUDED.winner_team),
               defender_team = COALESCE(m.defender_team, EXCLUDED.defender_team),
               time_limit_minutes = COALESCE(m.time_limit_minutes, EXCLUDED.time_limit_minutes),
               surrender_team = COALESCE(m.surrender_team, EXCLUDED.surrender_team),
               surrender_caller_guid = COALESCE(m.surrender_caller_guid, EXCLUDED.surrender_caller_guid),
               surrender_caller_name = COALESCE(m.surrender_caller_name, EXCLUDED.surrender_caller_name),
               axis_score = COALESCE(m.axis_score, EXCLUDED.axis_score),
               allies_score = COALESCE(m.allies_score, EXCLUDED.allies_score),
               axis_players = CASE WHEN m.axis_players = '[]' THEN EXCLUDED.axis_players ELSE m.axis_players END,
               allies_players = CASE WHEN m.allies_players = '[]' THEN EXCLUDED.allies_players
                                ELSE m.allies_players END,
               pauses = CASE WHEN m.pauses = '[]' THEN EXCLUDED.pauses ELSE m.pauses END,
               spawn_stats = CASE WHEN m.spawn_stats = '[]' THEN EXCLUDED.spawn_stats ELSE m.spawn_stats END,
               lua_version = COALESCE(m.lua_version, EXCLUDED.lua_version)
           RETURNING id""",
        file_id, meta.map, meta.round, meta.round_end_unix, meta.round_start_unix,
        meta.actual_duration_seconds, meta.total_pause_seconds, meta.pause_count, meta.warmup_seconds,
        meta.end_reason, meta.winner, meta.defender, meta.time_limit_minutes, meta.surrender_team,
        meta.surrender_caller_guid, meta.surrender_caller_name, meta.axis_score, meta.allies_score,
        _plain(meta.axis_players), _plain(meta.allies_players), _plain(meta.pauses), _plain(meta.spawn_stats),
        meta.lua_version)


def _plain(value: Any) -> Any:
    import msgspec

    return msgspec.to_builtins(value)
