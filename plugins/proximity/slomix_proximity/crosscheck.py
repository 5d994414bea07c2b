"""Where a stats round has telemetry from our tracker (``lua``) and from a demo, do the two agree?

Players are the same person when they have the same key (the demo carried the GUID, or the stats
history knew the name) or when the demo's name is the tracker player's display name. The demo's
clock may start elsewhere (a demo that began mid-round): the offset is the one that pairs the
most kills (same victim and killer within :data:`KILL_TOLERANCE_MS`). Then: kills only one side
saw, and how far apart the two sources place the same player at the same moment.
"""

from __future__ import annotations

import bisect
from typing import Any

import msgspec
import numpy as np

from . import queries
from .telemetry import METRES_PER_UNIT

KILL_TOLERANCE_MS = 500
# Positions further apart than this (median) mean the two sources do not describe the same round.
AGREE_METRES = 2.0

DEFINITION = (
    "Cross-check: where a round was recorded both by our tracker and by a demo, the demo's kills are paired "
    f"with the tracker's (same victim and killer, at most {KILL_TOLERANCE_MS} ms apart once the two clocks are "
    "aligned by the kills themselves), and each player's demo track is compared with their tracker track at "
    "the tracker's sampling times. The two agree when every kill is paired, every player is found in both, "
    f"and the median gap between the tracks is at most {AGREE_METRES:g} m. Analyses use the tracker's round.")


class KillLine(msgspec.Struct, frozen=True, kw_only=True):
    t_ms: int
    killer: str | None
    victim: str


class PlayerGap(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    samples: int              # tracker samples the demo also has
    median_gap_m: float | None


class CrossCheck(msgspec.Struct, frozen=True, kw_only=True):
    stats_round_id: int
    lua_round: int
    demo_round: int
    lua_kills: int
    demo_kills: int
    paired_kills: int
    clock_offset_ms: int | None  # tracker time = demo time + offset (None: no kill to pair)
    only_lua: list[KillLine]
    only_demo: list[KillLine]
    lua_players: int
    demo_players: int
    paired_players: int
    unpaired_players: list[str]
    compared_samples: int
    median_gap_m: float | None
    p90_gap_m: float | None
    players: list[PlayerGap]  # by median gap, largest first
    agrees: bool


async def for_round(db: Any, round_id: int) -> CrossCheck | None:
    """The cross-check of the stats round that proximity round ``round_id`` is linked to (None: that stats
    round has no telemetry from the other source)."""
    stats_round = await db.fetchval("SELECT stats_round_id FROM proximity.rounds WHERE id = $1", round_id)
    if stats_round is None:
        return None
    ids = {r["source"]: r["id"] for r in await db.fetch(
        "SELECT id, source FROM proximity.rounds WHERE stats_round_id = $1", stats_round)}
    if set(ids) != {"lua", "demo"}:
        return None
    return await compare(db, stats_round, ids["lua"], ids["demo"])


async def _players(db: Any, round_id: int) -> dict[tuple[str, int], str]:
    rows = await db.fetch("SELECT guid, team, name FROM proximity.players WHERE round_id = $1", round_id)
    return {(r["guid"], r["team"]): r["name"] for r in rows}


async def _kills(db: Any, round_id: int) -> list[tuple[int, str | None, str]]:
    return [(r["t_ms"], r["killer"], r["victim"]) for r in await db.fetch(
        "SELECT t_ms, killer, victim FROM proximity.kills WHERE round_id = $1 ORDER BY seq", round_id)]


async def _tracks(db: Any, round_id: int) -> dict[tuple[str, int], np.ndarray]:
    """Per player and team: an array of rows (t, x, y, z)."""
    rows = await db.fetch("SELECT guid, team, t, x, y, z FROM proximity.tracks WHERE round_id = $1", round_id)
    return {(r["guid"], r["team"]): np.array([r["t"], r["x"], r["y"], r["z"]], dtype=np.float64).T for r in rows}


def pair_players(lua: dict[tuple[str, int], str], display: dict[str, str],
                 demo: dict[tuple[str, int], str]) -> dict[str, str]:
    """Demo key → tracker GUID: the same key, else the demo name equal to the GUID's display name."""
    by_name: dict[str, str] = {}
    for guid, _ in lua:
        by_name.setdefault(display.get(guid, guid).strip().casefold(), guid)
    guids = {guid for guid, _ in lua}
    paired = {}
    for key, _team in demo:
        if key in guids:
            paired[key] = key
        elif (name := demo[key, _team].strip().casefold()) in by_name:
            paired[key] = by_name[name]
    return paired


def clock_offset(lua: list[tuple[int, str | None, str]], demo: list[tuple[int, str | None, str]]) -> int | None:
    """The offset (ms, tracker minus demo) that pairs the most kills; the smallest such offset on a tie."""
    times: dict[tuple[str | None, str], list[int]] = {}
    for u, killer, victim in lua:
        times.setdefault((killer, victim), []).append(u)
    for found in times.values():
        found.sort()
    candidates = {u - t for t, killer, victim in demo for u in times.get((killer, victim), ())}
    if not candidates:
        return None

    def paired(offset: int) -> int:
        count = 0
        for t, killer, victim in demo:
            found = times.get((killer, victim), [])
            i = bisect.bisect_left(found, t + offset - KILL_TOLERANCE_MS)
            count += i < len(found) and found[i] <= t + offset + KILL_TOLERANCE_MS
        return count

    return max(sorted(candidates, key=abs), key=paired)


def pair_kills(lua: list[tuple[int, str | None, str]], demo: list[tuple[int, str | None, str]],
               offset: int) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(pairs of indices, unpaired tracker kills, unpaired demo kills) with the demo clock shifted by ``offset``."""
    free = set(range(len(lua)))
    pairs, lonely = [], []
    for j, (t, killer, victim) in enumerate(demo):
        when = t + offset
        near = [i for i in free if lua[i][1:] == (killer, victim) and abs(lua[i][0] - when) <= KILL_TOLERANCE_MS]
        if near:
            i = min(near, key=lambda i: abs(lua[i][0] - when))
            free.remove(i)
            pairs.append((i, j))
        else:
            lonely.append(j)
    return pairs, sorted(free), lonely


def track_gaps(lua: np.ndarray, demo: np.ndarray, offset: int, sample_ms: int) -> np.ndarray:
    """Distances (units) between the two tracks at the tracker's times inside the demo track's span where the
    demo has a sample at most ``sample_ms`` away (linear between the demo's samples)."""
    if not len(lua) or not len(demo):
        return np.empty(0)
    t = demo[:, 0] + offset
    i = np.clip(np.searchsorted(t, lua[:, 0]), 0, len(t) - 1)
    nearest = np.minimum(np.abs(t[i] - lua[:, 0]), np.abs(t[np.maximum(i - 1, 0)] - lua[:, 0]))
    close = (nearest <= sample_ms) & (lua[:, 0] >= t[0]) & (lua[:, 0] <= t[-1])  # between, never beyond
    at = lua[close, 0]
    xyz = np.stack([np.interp(at, t, demo[:, k]) for k in (1, 2, 3)], axis=1)
    return np.sqrt(((xyz - lua[close, 1:]) ** 2).sum(axis=1))


async def compare(db: Any, stats_round: int, lua_round: int, demo_round: int) -> CrossCheck:
    lua_players, demo_players = await _players(db, lua_round), await _players(db, demo_round)
    display = await queries.names(db, {guid for guid, _ in lua_players})
    paired = pair_players(lua_players, display, demo_players)
    lua_kills = await _kills(db, lua_round)
    demo_kills = [(t, paired.get(k, k) if k else None, paired.get(v, v)) for t, k, v in await _kills(db, demo_round)]
    offset = clock_offset(lua_kills, demo_kills)
    pairs, only_lua, only_demo = pair_kills(lua_kills, demo_kills, offset or 0)
    sample_ms = await db.fetchval("SELECT sample_ms FROM proximity.rounds WHERE id = $1", lua_round)
    lua_tracks, demo_tracks = await _tracks(db, lua_round), await _tracks(db, demo_round)
    names = display | {guid: name for (guid, _), name in demo_players.items()}
    gaps, per_player = [], []
    for (key, team), track in sorted(demo_tracks.items()):
        theirs = lua_tracks.get((paired.get(key, key), team))
        if theirs is not None:
            found = track_gaps(theirs, track, offset or 0, sample_ms) * METRES_PER_UNIT
            gaps.append(found)
            per_player.append(PlayerGap(name=names.get(key, key), samples=len(found),
                                        median_gap_m=round(float(np.median(found)), 2) if len(found) else None))
    gap = np.concatenate(gaps) if gaps else np.empty(0)

    def line(kill: tuple[int, str | None, str]) -> KillLine:
        t, killer, victim = kill
        return KillLine(t_ms=t, killer=names.get(killer, killer) if killer else None, victim=names.get(victim, victim))

    unpaired = sorted({display.get(g, g) for g, _ in lua_players if g not in paired.values()}
                      | {name for (k, _), name in demo_players.items() if k not in paired})
    median = round(float(np.median(gap)), 2) if len(gap) else None
    return CrossCheck(
        stats_round_id=stats_round, lua_round=lua_round, demo_round=demo_round, lua_kills=len(lua_kills),
        demo_kills=len(demo_kills), paired_kills=len(pairs), clock_offset_ms=offset,
        only_lua=[line(lua_kills[i]) for i in only_lua], only_demo=[line(demo_kills[j]) for j in only_demo],
        lua_players=len({g for g, _ in lua_players}), demo_players=len({k for k, _ in demo_players}),
        paired_players=len(set(paired.values())), unpaired_players=unpaired, compared_samples=len(gap),
        median_gap_m=median, p90_gap_m=round(float(np.percentile(gap, 90)), 2) if len(gap) else None,
        players=sorted(per_player, key=lambda p: (-(p.median_gap_m or 0), p.name)),
        agrees=not only_lua and not only_demo and not unpaired and median is not None and median <= AGREE_METRES)


class RoundDetail(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded round: what recorded it and what it holds; its cross-check when its stats round was
    recorded by both sources."""

    round: queries.RoundLine
    file: str
    recorder: str
    ended: str
    dropped: int  # lines of a tracker file, or a demo's kills, that could not be placed
    other_source_round: int | None
    crosscheck: CrossCheck | None


async def detail(db: Any, round_id: int) -> RoundDetail | None:
    row = await db.fetchrow(
        """SELECT r.recorder, r.ended, r.dropped_lines, f.name,
                  (SELECT o.id FROM proximity.rounds o WHERE o.stats_round_id = r.stats_round_id AND o.id <> r.id
                   LIMIT 1) AS other
           FROM proximity.rounds r JOIN proximity.files f ON f.id = r.file_id WHERE r.id = $1""", round_id)
    if row is None:
        return None
    [line] = await queries.rounds(db, [round_id])
    return RoundDetail(round=line, file=row["name"], recorder=row["recorder"], ended=row["ended"],
                       dropped=row["dropped_lines"], other_source_round=row["other"],
                       crosscheck=await for_round(db, round_id))
