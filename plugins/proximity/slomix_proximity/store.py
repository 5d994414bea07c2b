"""Writing telemetry: one function per concern, all inside the caller's transaction."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import numpy as np

from .analytics import RoundFacts
from .telemetry import Track

CLASSES = {0: "soldier", 1: "medic", 2: "engineer", 3: "field ops", 4: "covert ops"}
# One lock for proximity writes: linking looks at rounds other files and rounds may be changing.
LOCK = 0x9_80C5


@asynccontextmanager
async def transaction(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A transaction holding the proximity lock."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK)
        yield


async def file_by_hash(conn: asyncpg.Connection, sha256: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, name, status FROM proximity.files WHERE sha256 = $1", sha256)


def pack(data: bytes) -> bytes:
    """A file's bytes as ``files.data`` keeps them (level 1: 3.7:1 on tracker files, ~20 ms for a round)."""
    return zlib.compress(data, 1)


def unpack(stored: bytes) -> bytes:
    return zlib.decompress(stored)


async def add_file(conn: asyncpg.Connection, *, name: str, sha256: str, status: str, size: int,
                   packed: bytes | None, source: str, reason: str | None = None) -> int:
    """A file received; ``packed`` is :func:`pack` of its ``size`` bytes (None: kept elsewhere, a demo)."""
    return await conn.fetchval(
        """INSERT INTO proximity.files (name, sha256, status, reason, source, size, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""", name, sha256, status, reason, source, size, packed)


async def same_round(conn: asyncpg.Connection, facts: RoundFacts) -> asyncpg.Record | None:
    """The round already stored for this recording (same source, map, round and start), with its file."""
    t = facts.telemetry
    return await conn.fetchrow(
        """SELECT r.id, r.file_id, f.name FROM proximity.rounds r JOIN proximity.files f ON f.id = r.file_id
           WHERE r.source = $1 AND r.map_name = $2 AND r.round_number = $3 AND r.start_unix = $4""",
        t.source, t.map_name, t.round_number, t.start_unix)


async def supersede(conn: asyncpg.Connection, round_id: int, file_id: int, by: str) -> None:
    """A newer version of the same file replaces the round; the older file is kept, marked."""
    await conn.execute("DELETE FROM proximity.rounds WHERE id = $1", round_id)
    await conn.execute("UPDATE proximity.files SET status = 'superseded', reason = $2 WHERE id = $1",
                       file_id, f"replaced by a newer version ({by})")


TRACK_ARRAYS = (("t", "i4"), ("x", "i4"), ("y", "i4"), ("z", "i4"), ("yaw", "i2"), ("pitch", "i2"),
                ("health", "i2"), ("weapon", "i2"), ("stance", "i2"))
_OIDS = {"i2": 21, "i4": 23}
# PostgreSQL's binary COPY: signature, flags, header extension length.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)


def _binary_array(values: np.ndarray | None, kind: str) -> bytes:
    """One array field of a binary COPY row, its elements laid out by numpy (asyncpg would encode them
    one by one: ~1 s for a 20-minute round instead of a few ms)."""
    if values is None:
        return struct.pack(">i", -1)
    size = int(kind[1])
    elements = np.empty(len(values), dtype=[("length", ">i4"), ("value", f">{kind}")])
    elements["length"], elements["value"] = size, values
    body = struct.pack(">iiiii", 1, 0, _OIDS[kind], len(values), 1) + elements.tobytes()
    return struct.pack(">i", len(body)) + body


async def _copy_tracks(conn: asyncpg.Connection, round_id: int, tracks: list[Track]) -> None:
    if not tracks:
        return
    rows = [_COPY_HEADER]
    for track in tracks:
        guid = track.guid.encode()
        rows.append(struct.pack(">hiqi", 3 + len(TRACK_ARRAYS), 8, round_id, len(guid)) + guid
                    + struct.pack(">ih", 2, track.team)
                    + b"".join(_binary_array(getattr(track, name), kind) for name, kind in TRACK_ARRAYS))
    rows.append(struct.pack(">h", -1))
    await conn.copy_to_table("tracks", schema_name="proximity", source=io.BytesIO(b"".join(rows)),
                             columns=("round_id", "guid", "team", *(name for name, _ in TRACK_ARRAYS)),
                             format="binary")


async def write_round(conn: asyncpg.Connection, file_id: int, facts: RoundFacts) -> int:
    """Every row of one round; returns the new round's id."""
    t = facts.telemetry
    round_id = await conn.fetchval(
        """INSERT INTO proximity.rounds (file_id, source, map_name, round_number, start_unix, end_unix, duration_ms,
               sample_ms, capabilities, recorder, ended, dropped_lines, axis_up_ms, allies_up_ms, even_ms,
               first_blood_team)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id""",
        file_id, t.source, t.map_name, t.round_number, t.start_unix, t.end_unix, t.duration_ms, t.sample_ms,
        sorted(t.capabilities), t.recorder, t.ended, t.dropped, facts.advantage_ms["axis"],
        facts.advantage_ms["allies"], facts.advantage_ms["even"], facts.first_blood_team)
    await _copy(conn, "players", (
        "round_id", "guid", "team", "raw_guid", "name", "player_class", "kills", "deaths", "alive_ms", "samples",
        "travelled_units", "cohesion_units", "cohesion_ticks"),
        [(round_id, p.guid, p.team, p.raw_guid, p.name, p.player_class, p.kills, p.deaths, p.alive_ms,
          p.movement.samples if p.movement else 0, p.movement.travelled if p.movement else 0.0,
          p.movement.cohesion if p.movement else None, p.movement.cohesion_ticks if p.movement else 0)
         for p in facts.players])
    await _copy_tracks(conn, round_id, t.tracks)
    await _copy(conn, "kills", (
        "round_id", "seq", "t_ms", "kind", "killer", "killer_team", "victim", "victim_team", "mod", "kx", "ky", "kz",
        "vx", "vy", "vz", "distance", "axis_alive", "allies_alive", "spawn_wait_ms", "spawn_interval_ms",
        "first_blood"),
        [(round_id, f.seq, f.kill.t, f.kill.kind, f.kill.killer, f.kill.killer_team, f.kill.victim,
          f.kill.victim_team, f.kill.mod, *(_xyz(f.kill.killer_at)), f.kill.victim_at.x, f.kill.victim_at.y,
          f.kill.victim_at.z, f.kill.distance, f.axis_alive, f.allies_alive, f.spawn_wait_ms, f.spawn_interval_ms,
          f.first_blood) for f in facts.kills])
    await _copy(conn, "engagements", (
        "round_id", "seq", "start_ms", "end_ms", "a", "b", "a_team", "b_team", "a_damage", "b_damage", "a_hits",
        "b_hits", "ax", "ay", "bx", "by", "start_distance", "end_distance", "outcome", "winner"),
        [(round_id, i, e.start_ms, e.end_ms, e.a, e.b, e.a_team, e.b_team, e.a_damage, e.b_damage, e.a_hits,
          e.b_hits, e.a_at.x, e.a_at.y, e.b_at.x, e.b_at.y, e.start_distance, e.end_distance, e.outcome, e.winner)
         for i, e in enumerate(facts.engagements)])
    await _copy(conn, "trades", ("round_id", "seq", "death_ms", "trade_ms", "team", "victim", "killer", "trader"),
                [(round_id, i, x.death_ms, x.trade_ms, x.team, x.victim, x.killer, x.trader)
                 for i, x in enumerate(facts.trades)])
    await _copy(conn, "crossfires", ("round_id", "seq", "start_ms", "end_ms", "team", "a", "b", "target", "angle",
                                     "hits", "damage", "killer"),
                [(round_id, i, c.start_ms, c.end_ms, c.team, c.a, c.b, c.target, c.angle, c.hits, c.damage, c.killer)
                 for i, c in enumerate(facts.crossfires or [])])
    events = sorted(
        [(s.t, "spawn", s.guid, s.team, None, s.at, CLASSES.get(s.player_class)) for s in t.spawns]
        + [(r.t, "revive", r.guid, r.team, r.medic, r.at, None) for r in t.revives]
        + [(o.t, o.kind, o.guid, o.team, None, o.at, o.text) for o in t.objectives],
        key=lambda e: e[0])
    await _copy(conn, "events", ("round_id", "seq", "t_ms", "kind", "guid", "team", "other", "x", "y", "z", "detail"),
                [(round_id, i, when, kind, guid, team, other, *_xyz(at), detail)
                 for i, (when, kind, guid, team, other, at, detail) in enumerate(events)])
    await _copy(conn, "heat", ("round_id", "kind", "guid", "cells"),
                [(round_id, kind, guid, cells) for kind, guid, cells in facts.heat])
    return round_id


def _xyz(at: Any) -> tuple[int | None, int | None, int | None]:
    return (None, None, None) if at is None else (at.x, at.y, at.z)


async def _copy(conn: asyncpg.Connection, table: str, columns: tuple[str, ...], records: list[tuple]) -> None:
    if records:
        await conn.copy_records_to_table(table, schema_name="proximity", columns=columns, records=records)


async def link(conn: asyncpg.Connection, round_id: int, stats_round_id: int) -> bool:
    """Attach a round to its stats round; False when that stats round has telemetry of this source already."""
    return await conn.fetchval(
        """UPDATE proximity.rounds r SET stats_round_id = $2, linked_at = now() WHERE r.id = $1
               AND NOT EXISTS (SELECT 1 FROM proximity.rounds o WHERE o.stats_round_id = $2 AND o.source = r.source)
           RETURNING true""", round_id, stats_round_id) is True


async def unlink(conn: asyncpg.Connection, round_id: int) -> None:
    await conn.execute("UPDATE proximity.rounds SET stats_round_id = NULL, linked_at = NULL WHERE id = $1", round_id)
