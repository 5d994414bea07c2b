"""Reading what greatshot stored: demos, their players and kills, highlights, topshots, job progress."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

import msgspec

from slomix_stats import api as stats

TOPSHOT_CATEGORIES = ("multikills", "sprees", "clutches", "headshots", "kills")


class DemoLine(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    filename: str
    map_name: str | None
    status: str
    error: str | None
    size: int
    uploader: str
    source: str
    created_at: datetime
    kill_count: int | None
    headshot_count: int | None
    highlights: int
    round_id: int | None
    link_state: str | None
    link_confidence: float | None


class JobLine(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    stage: str
    highlight_id: int | None
    status: str
    progress: float | None
    message: str | None
    error: str | None
    attempts: int


class PlayerLine(msgspec.Struct, frozen=True, kw_only=True):
    client: int
    name: str
    team: str
    guid: str | None
    kills: int
    deaths: int
    headshots: int
    headshot_percent: float
    stats_kills: int | None = None  # the linked stats round's count, for the data-health check


class KillLine(msgspec.Struct, frozen=True, kw_only=True):
    time_ms: int
    attacker: int
    victim: int
    attacker_name: str
    victim_name: str
    weapon: str
    headshot: bool
    attacker_team: str
    victim_team: str
    distance: float | None


class HighlightLine(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    demo_id: int
    kind: str
    client: int
    player: str
    start_ms: int
    end_ms: int
    score: float
    kills: int
    headshots: int
    map_name: str | None
    detail: dict[str, Any]
    clip_start_ms: int | None
    clip_end_ms: int | None
    clip_path: str | None
    video_path: str | None
    preview_path: str | None
    game_video_path: str | None = None


class DemoDetail(msgspec.Struct, frozen=True, kw_only=True):
    demo: DemoLine
    start_ms: int | None
    end_ms: int | None
    ettv: bool | None
    mod_version: str | None
    link_candidates: list[dict[str, Any]]
    players: list[PlayerLine]
    kills: list[KillLine]
    highlights: list[HighlightLine]
    jobs: list[JobLine]


class TopshotLine(msgspec.Struct, frozen=True, kw_only=True):
    rank: int
    player: str
    value: float
    demos: int
    map_name: str | None = None
    demo_id: int | None = None
    highlight_id: int | None = None


_DEMO = """SELECT d.id, d.filename, d.map_name, d.status, d.error, d.size, d.uploader, d.source, d.created_at,
                  d.kill_count, d.headshot_count, d.round_id, d.link_state, d.link_confidence,
                  (SELECT count(*) FROM greatshot.highlights h WHERE h.demo_id = d.id) AS highlights
           FROM greatshot.demos d"""


async def demos(db: Any, *, limit: int = 50, uploader: str | None = None) -> list[DemoLine]:
    rows = await db.fetch(f"{_DEMO} WHERE ($1::text IS NULL OR d.uploader = $1) ORDER BY d.id DESC LIMIT $2",
                          uploader, limit)
    return [DemoLine(**dict(r)) for r in rows]


async def demo(db: Any, demo_id: int) -> DemoLine | None:
    row = await db.fetchrow(f"{_DEMO} WHERE d.id = $1", demo_id)
    return DemoLine(**dict(row)) if row else None


async def jobs(db: Any, demo_id: int) -> list[JobLine]:
    rows = await db.fetch(
        """SELECT j.id, dj.stage, dj.highlight_id, j.status, j.progress, j.message, j.error, j.attempts
           FROM greatshot.demo_jobs dj JOIN slomix.jobs j ON j.id = dj.job_id WHERE dj.demo_id = $1
           ORDER BY j.id""", demo_id)
    return [JobLine(**dict(r)) for r in rows]


def _highlight(row: Any) -> HighlightLine:
    data = dict(row)
    data["detail"] = json.loads(data["detail"]) if isinstance(data["detail"], str) else data["detail"]
    return HighlightLine(**{k: data[k] for k in HighlightLine.__struct_fields__})


async def highlights(db: Any, *, demo_id: int | None = None, player: str | None = None, kind: str | None = None,
                     limit: int = 50) -> list[HighlightLine]:
    rows = await db.fetch(
        """SELECT * FROM greatshot.highlights
           WHERE ($1::bigint IS NULL OR demo_id = $1) AND ($3::text IS NULL OR kind = $3)
             AND ($2::text IS NULL OR lower(player) LIKE '%' || lower($2) || '%')
           ORDER BY score DESC, demo_id, start_ms LIMIT $4""", demo_id, player, kind, limit)
    return [_highlight(r) for r in rows]


async def highlight(db: Any, highlight_id: int) -> HighlightLine | None:
    row = await db.fetchrow("SELECT * FROM greatshot.highlights WHERE id = $1", highlight_id)
    return _highlight(row) if row else None


async def detail(db: Any, demo_id: int) -> DemoDetail | None:
    line = await demo(db, demo_id)
    if line is None:
        return None
    extra = await db.fetchrow(
        "SELECT start_ms, end_ms, ettv, mod_version, link_candidates FROM greatshot.demos WHERE id = $1", demo_id)
    stats_kills = await _stats_kills(db, line.round_id) if line.round_id else {}
    players = [PlayerLine(**dict(r), headshot_percent=_percent(r["headshots"], r["kills"]),
                          stats_kills=stats_kills.get(_short(r["guid"]), stats_kills.get(r["name"].lower())))
               for r in await db.fetch(
                   """SELECT client, name, team, guid, kills, deaths, headshots FROM greatshot.players
                      WHERE demo_id = $1 ORDER BY kills DESC, client""", demo_id)]
    kills = [KillLine(**dict(r)) for r in await db.fetch(
        """SELECT time_ms, attacker, victim, attacker_name, victim_name, weapon, headshot, attacker_team, victim_team,
                  distance FROM greatshot.kills WHERE demo_id = $1 ORDER BY seq""", demo_id)]
    candidates = json.loads(extra["link_candidates"]) if extra["link_candidates"] else []
    return DemoDetail(demo=line, start_ms=extra["start_ms"], end_ms=extra["end_ms"], ettv=extra["ettv"],
                      mod_version=extra["mod_version"], link_candidates=candidates, players=players, kills=kills,
                      highlights=await highlights(db, demo_id=demo_id, limit=500), jobs=await jobs(db, demo_id))


async def _stats_kills(db: Any, round_id: int) -> dict[Any, int]:
    """The linked stats round's kills per player, keyed by short GUID and by lower-cased name."""
    refs = await stats.round_refs(db, [round_id], timezone="UTC")
    if round_id not in refs:
        return {}
    for event in await stats.session_rounds(db, refs[round_id].session_start):
        if event.round_id == round_id:
            found: dict[Any, int] = {}
            for p in event.players:
                found[_short(p.guid)] = p.kills
                found[p.name.lower()] = p.kills
            return found
    return {}


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _short(guid: str | None) -> str:
    """The 8-character form the stats files use (the last 8 of a full GUID)."""
    return (guid or "").upper()[-8:]


async def demos_of_round(db: Any, round_id: int) -> list[DemoLine]:
    rows = await db.fetch(f"{_DEMO} WHERE d.round_id = $1 ORDER BY d.id", round_id)
    return [DemoLine(**dict(r)) for r in rows]


Category = Literal["multikills", "sprees", "clutches", "headshots", "kills"]
_KINDS = {"multikills": "multi_kill", "sprees": "spree", "clutches": "clutch"}


async def topshots(db: Any, category: Category, *, map_name: str | None = None, since: datetime | None = None,
                   limit: int = 10, min_kills: int = 10) -> list[TopshotLine]:
    """Across every demo (not only the asker's): the best highlights of a kind, or players by
    headshot % (at least ``min_kills`` kills) or kills, for a map and a period."""
    if category in _KINDS:
        rows = await db.fetch(
            """SELECT h.player, h.kills::float8 AS value, 1 AS demos, h.map_name, h.demo_id, h.id AS highlight_id
               FROM greatshot.highlights h JOIN greatshot.demos d ON d.id = h.demo_id
               WHERE h.kind = $1 AND ($2::text IS NULL OR h.map_name = $2)
                 AND ($3::timestamptz IS NULL OR d.created_at >= $3)
               ORDER BY h.kills DESC, h.score DESC, h.id LIMIT $4""", _KINDS[category], map_name, since, limit)
    else:
        value = ("round(100.0 * sum(p.headshots) / nullif(sum(p.kills), 0), 1)::float8" if category == "headshots"
                 else "sum(p.kills)::float8")
        rows = await db.fetch(
            f"""SELECT p.name AS player, {value} AS value, count(DISTINCT p.demo_id) AS demos
                FROM greatshot.players p JOIN greatshot.demos d ON d.id = p.demo_id
                WHERE ($1::text IS NULL OR d.map_name = $1) AND ($2::timestamptz IS NULL OR d.created_at >= $2)
                  AND p.team IN ('axis', 'allies')
                GROUP BY p.name HAVING sum(p.kills) >= $3
                ORDER BY 2 DESC NULLS LAST, p.name LIMIT $4""",
            map_name, since, min_kills if category == "headshots" else 1, limit)
    return [TopshotLine(rank=i, **dict(r)) for i, r in enumerate(rows, 1)]
