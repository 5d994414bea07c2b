"""SQL for writing the history: one function per table concern, all inside the caller's transaction."""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import anyio
import asyncpg
import msgspec

from .formats import Header, PlayerRound, StatsFile
from .pairing import Assignment
from .rules import Verdict

# Stored as parsed (struct fields), then derived on writing.
STORED_COLUMNS = (
    "guid", "raw_guid", "name", "clean_name", "team", "is_bot", "kills", "deaths", "headshots",
    "damage_given", "damage_received", "team_damage_given", "team_damage_received", "gibs",
    "self_kills", "team_kills", "team_gibs", "time_played_percent", "xp", "killing_spree_best",
    "death_spree_worst", "kill_assists", "kill_steals", "headshot_kills", "objectives_stolen",
    "objectives_returned", "dynamites_planted", "dynamites_defused", "times_revived",
    "bullets_fired", "time_played_minutes", "tank_meatshield", "time_dead_ratio",
    "time_dead_minutes", "most_useful_kills", "denied_playtime", "double_kills", "triple_kills",
    "quad_kills", "multi_kills", "mega_kills", "useless_kills", "full_selfkills", "constructions",
    "revives_given", "time_played_seconds", "counter_reset",
)
PLAYER_COLUMNS = (*STORED_COLUMNS, "dpm", "accuracy", "efficiency", "kd_ratio")
_stored = operator.itemgetter(*(PlayerRound.__struct_fields__.index(c) for c in STORED_COLUMNS))
INSERT_COLUMNS = ("round_id", *PLAYER_COLUMNS, "hits", "shots")
WEAPON_COLUMNS = ("round_id", "guid", "weapon", "hits", "shots", "kills", "deaths", "headshots")

# One lock for all stats imports: pairing and sessions look at neighbouring rounds.
IMPORT_LOCK = 0x57A75


@asynccontextmanager
async def import_transaction(conn: asyncpg.Connection, then: Callable[[], None] | None = None
                             ) -> AsyncIterator[None]:
    """A transaction holding the import lock; BEGIN and the lock share one round trip.

    ``then`` runs right after the commit, inside the same shield: once the commit is sent,
    neither a timeout nor a shutdown can skip what must follow it (telling the listeners).
    """
    await conn.execute(f"BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_advisory_xact_lock({IMPORT_LOCK})")
    try:
        yield
    except BaseException:
        with anyio.CancelScope(shield=True):
            await conn.execute("ROLLBACK")
        raise
    with anyio.CancelScope(shield=True):
        await conn.execute("COMMIT")
        if then is not None:
            then()


async def find_file(conn: asyncpg.Connection, name: str, sha256: str) -> asyncpg.Record | None:
    """The file received with these bytes: under this name, or under another (content identity wins
    over names) unless a newer version of that file replaced it."""
    return await conn.fetchrow(
        """SELECT id, name, status, reason FROM stats.files WHERE sha256 = $2 AND (name = $1 OR status <> 'superseded')
           ORDER BY name = $1 DESC, id LIMIT 1""", name, sha256)


async def same_content(conn: asyncpg.Connection, digests: list[str]) -> dict[str, str]:
    """For each of these SHA-256 digests already received (and not superseded), a name it came under."""
    rows = await conn.fetch("""SELECT DISTINCT ON (sha256) sha256, name FROM stats.files
                               WHERE sha256 = ANY ($1::text[]) AND status <> 'superseded' ORDER BY sha256, id""",
                            digests)
    return {row["sha256"]: row["name"] for row in rows}


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


FILE_COLUMNS = ("id", "name", "kind", "sha256", "status", "reason", "source", "data")
ROUND_COLUMNS = (
    "id", "file_id", "match_id", "round_number", "map_name", "round_time", "session_start", "r1_round_id",
    "status", "is_valid", "invalid_reason", "server_name", "config_name", "defender_team", "winner_team",
    "header_diagnostics", "time_limit_seconds", "next_time_limit_seconds", "header_playtime_seconds",
    "duration_seconds", "duration_source", "outcome", "format_version", "header_fields", "bot_count",
    "human_count",
)


async def allocate_ids(conn: asyncpg.Connection, files: int, rounds: int) -> tuple[list[int], list[int]]:
    """Ids for new files and rounds, known before they are written so rows can refer to each other."""
    row = await conn.fetchrow(
        """SELECT ARRAY(SELECT nextval('stats.files_id_seq') FROM generate_series(1, $1)) AS files,
                  ARRAY(SELECT nextval('stats.rounds_id_seq') FROM generate_series(1, $2)) AS rounds""",
        files, rounds)
    return row["files"], row["rounds"]


async def known_files(conn: asyncpg.Connection, names: list[str]) -> dict[str, list[asyncpg.Record]]:
    """Files already received under these names, with the round each produced."""
    known: dict[str, list[asyncpg.Record]] = {}
    for row in await conn.fetch(
            """SELECT f.id, f.name, f.sha256, r.id AS round_id FROM stats.files f
               LEFT JOIN stats.rounds r ON r.file_id = f.id WHERE f.name = ANY ($1::text[])""", names):
        known.setdefault(row["name"], []).append(row)
    return known


async def drop_round(conn: asyncpg.Connection, round_id: int, file_id: int) -> None:
    """The server rewrote a file: its earlier round goes, the earlier file is kept as superseded."""
    await conn.execute("DELETE FROM stats.rounds WHERE id = $1", round_id)
    await set_file_status(conn, file_id, "superseded", "replaced by a newer version")


async def map_windows(conn: asyncpg.Connection, windows: dict[str, tuple[datetime, datetime]]
                      ) -> list[asyncpg.Record]:
    """The rounds of each map in its time window, with what pairing needs and what it may change."""
    return await conn.fetch(
        """SELECT r.id, r.map_name, r.round_number, r.round_time, r.match_id, r.status, r.r1_round_id, r.file_id,
                  ARRAY(SELECT p.guid FROM stats.player_rounds p WHERE p.round_id = r.id) AS guids
           FROM unnest($1::text[], $2::timestamp[], $3::timestamp[]) w(map_name, start, stop)
           JOIN stats.rounds r ON r.map_name = w.map_name AND r.round_time BETWEEN w.start AND w.stop""",
        list(windows), [w[0] for w in windows.values()], [w[1] for w in windows.values()])


def round_record(round_id: int, file_id: int, stats: StatsFile, time: datetime, assignment: Assignment,
                 verdict: Verdict) -> tuple[Any, ...]:
    """A new round's row in ROUND_COLUMNS order; its session is assigned after it is written."""
    h: Header = stats.header
    return (round_id, file_id, assignment.match_id, stats.round_number, stats.map_name, time, time,
            assignment.r1_id, assignment.status, verdict.is_valid, verdict.reason, h.server_name, h.config,
            h.defender, h.winner, list(h.diagnostics), h.time_limit_seconds, h.next_time_limit_seconds,
            h.playtime_seconds, stats.duration_seconds, "header", verdict.outcome, stats.extended_field_count,
            h.header_field_count, verdict.bot_count, verdict.human_count)


async def write_new(conn: asyncpg.Connection, *, files: list[tuple[Any, ...]], rounds: list[tuple[Any, ...]],
                    players: list[tuple[int, datetime, list[PlayerRound]]]) -> None:
    """New files, their rounds, players, weapons and aliases, each table in one COPY."""
    await conn.copy_records_to_table("files", schema_name="stats", columns=FILE_COLUMNS, records=files)
    if not rounds:
        return
    await conn.copy_records_to_table("rounds", schema_name="stats", columns=ROUND_COLUMNS, records=rounds)
    await _copy_players(conn, [(round_id, p) for round_id, _time, ps in players for p in ps])
    seen: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for _round_id, time, round_players in players:
        for p in round_players:
            first, last = seen.get((p.guid, p.name), (time, time))
            seen[p.guid, p.name] = (min(first, time), max(last, time))
    # Raw names in, plain names (the one name rule, migration 0006) stored; a name of colour
    # codes only is the GUID's first eight characters, as everywhere.
    await conn.execute(
        """INSERT INTO stats.aliases (guid, alias, first_seen, last_seen)
           SELECT guid, stats.shown_name(guid, raw), min(first_seen), max(last_seen)
           FROM unnest($1::text[], $2::text[], $3::timestamp[], $4::timestamp[]) AS x (guid, raw, first_seen, last_seen)
           GROUP BY 1, 2
           ON CONFLICT (guid, alias) DO UPDATE
           SET first_seen = LEAST(stats.aliases.first_seen, EXCLUDED.first_seen),
               last_seen = GREATEST(stats.aliases.last_seen, EXCLUDED.last_seen)""",
        [k[0] for k in seen], [k[1] for k in seen], [v[0] for v in seen.values()], [v[1] for v in seen.values()])


async def assign_sessions(conn: asyncpg.Connection, rounds: list[tuple[int, datetime]], gap: timedelta
                          ) -> dict[int, datetime]:
    """Give new rounds their gaming sessions, oldest first; return each round's session start.

    A session is the chain of rounds at most ``gap`` apart, named by its first round time;
    when a late file bridges two sessions they merge, so the result never depends on the
    order files arrive in (stats.assign_session, migration 0001).
    """
    ordered = sorted(rounds, key=lambda r: r[1])
    rows = await conn.fetch("SELECT round_id, started FROM stats.assign_sessions($1, $2, $3)",
                            [r[0] for r in ordered], [r[1] for r in ordered], gap)
    return {row["round_id"]: row["started"] for row in rows}


async def anything_waiting(conn: asyncpg.Connection) -> bool:
    """Whether round metadata or endstats files wait for a round (most imports: none)."""
    return await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM stats.round_meta WHERE round_id IS NULL)
               OR EXISTS (SELECT 1 FROM stats.files WHERE status = 'held' AND kind = 'endstats')""")


async def update_round(conn: asyncpg.Connection, round_id: int, **values: Any) -> None:
    columns = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=2))
    await conn.execute(f"UPDATE stats.rounds SET {columns} WHERE id = $1", round_id, *values.values())


def _player_record(round_id: int, p: PlayerRound) -> tuple[Any, ...]:
    # One pass over the struct and the weapons: this runs for every player of an import.
    hits = shots = 0
    for w in p.weapons.values():
        hits += w.hits
        shots += w.shots
    return (round_id, *_stored(msgspec.structs.astuple(p)), p.dpm, p.accuracy, p.efficiency, p.kd_ratio, hits, shots)


async def write_players(conn: asyncpg.Connection, round_id: int, players: list[PlayerRound]) -> None:
    """Replace the round's player and weapon rows."""
    await conn.execute("WITH w AS (DELETE FROM stats.weapon_rounds WHERE round_id = $1) "
                       "DELETE FROM stats.player_rounds WHERE round_id = $1", round_id)
    await _copy_players(conn, [(round_id, p) for p in players])


async def _copy_players(conn: asyncpg.Connection, players: list[tuple[int, PlayerRound]]) -> None:
    await conn.copy_records_to_table(
        "player_rounds", schema_name="stats", columns=INSERT_COLUMNS,
        records=[_player_record(round_id, p) for round_id, p in players])
    await conn.copy_records_to_table(
        "weapon_rounds", schema_name="stats", columns=WEAPON_COLUMNS,
        records=[(round_id, p.guid, name, w.hits, w.shots, w.kills, w.deaths, w.headshots)
                 for round_id, p in players for name, w in p.weapons.items()])


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
    return msgspec.to_builtins(value)
