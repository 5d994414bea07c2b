"""Reading the analyses back for a set of rounds: every figure the commands, routes and pages show.

Each function takes the proximity round ids of a scope (see :mod:`scope`) and, where it says so,
a player. Distances come back in metres. A figure whose input was not recorded in any round of
the scope is None ("not recorded"), never 0.
"""

from __future__ import annotations

from typing import Any

import msgspec

from slomix_stats import api as stats

from .analytics import heat
from .telemetry import METRES_PER_UNIT


def _m(units: float | None) -> float | None:
    return None if units is None else round(units * METRES_PER_UNIT, 1)


class RoundLine(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    source: str
    map_name: str
    round_number: int
    end_unix: int
    duration_ms: int
    capabilities: list[str]
    stats_round_id: int | None
    players: int
    samples: int
    kills: int


async def rounds(db: Any, ids: list[int]) -> list[RoundLine]:
    rows = await db.fetch(
        """SELECT r.id, r.source, r.map_name, r.round_number, r.end_unix, r.duration_ms, r.capabilities,
                  r.stats_round_id,
                  (SELECT count(DISTINCT guid) FROM proximity.players p WHERE p.round_id = r.id) AS players,
                  (SELECT coalesce(sum(samples), 0) FROM proximity.players p WHERE p.round_id = r.id) AS samples,
                  (SELECT count(*) FROM proximity.kills k WHERE k.round_id = r.id) AS kills
           FROM proximity.rounds r WHERE r.id = ANY($1::bigint[]) ORDER BY r.end_unix, r.id""", ids)
    return [RoundLine(**dict(r)) for r in rows]


async def names(db: Any, guids: set[str] | list[str]) -> dict[str, str]:
    """Players' names as the stats plugin shows them; for players it never saw, the last name in the telemetry."""
    found = await stats.display_names(db, guids)
    rows = await db.fetch(
        """SELECT DISTINCT ON (p.guid) p.guid, p.name FROM proximity.players p JOIN proximity.rounds r
               ON r.id = p.round_id
           WHERE p.guid = ANY($1::text[]) ORDER BY p.guid, r.end_unix DESC""", [g for g in guids if g not in found])
    return found | {r["guid"]: r["name"] for r in rows}


async def capable(db: Any, ids: list[int], capability: str) -> bool:
    """Whether any round in ``ids`` recorded ``capability``."""
    return bool(await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM proximity.rounds WHERE id = ANY($1::bigint[]) AND $2 = ANY(capabilities))",
        ids, capability))


async def maps(db: Any) -> list[tuple[str, int]]:
    """Maps with telemetry and how many rounds each."""
    return [(r["map_name"], r["rounds"]) for r in await db.fetch(
        "SELECT map_name, count(*) AS rounds FROM proximity.rounds GROUP BY map_name ORDER BY count(*) DESC, map_name")]


# -- heatmaps -----------------------------------------------------------------------------------


class HeatGrid(msgspec.Struct, frozen=True, kw_only=True):
    """``values[row][column]``: row = cell y - y0, column = cell x - x0; cells are ``cell_units`` wide."""

    kind: str
    rounds: int
    cell_units: int
    x0: int
    y0: int
    total: float
    values: list[list[float]]


async def heat_grid(db: Any, ids: list[int], kind: str, guid: str | None = None) -> heat.Grid:
    """The grids of ``kind`` of those rounds (everyone's, or one player's) added up."""
    grid = heat.Grid()
    # Concatenated in the database: one value to send instead of a row per round.
    grid.add(await db.fetchval("SELECT string_agg(cells, ''::bytea) FROM proximity.heat "
                               "WHERE round_id = ANY($1::bigint[]) AND kind = $2 AND guid = $3", ids, kind,
                               guid or "") or b"")
    return grid


def as_heat(grid: heat.Grid, kind: str, rounds: int) -> HeatGrid:
    values, x0, y0 = grid.dense()
    return HeatGrid(kind=kind, rounds=rounds, cell_units=heat.CELL_UNITS, x0=x0, y0=y0, total=round(grid.total(), 2),
                    values=values.round(2).tolist())


# -- engagements ---------------------------------------------------------------------------------


class Opponent(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    opponent: str
    opponent_name: str
    fights: int
    won: int
    lost: int
    mean_distance_m: float | None


class EngagementSummary(msgspec.Struct, frozen=True, kw_only=True):
    rounds: int
    engagements: int
    kills: int  # every obituary in scope, of any kind
    enemy_kills: int
    won: int
    lost: int
    third_party: int
    broken: int
    mean_distance_m: float | None
    distances_m: list[float]  # the kill-ending engagements' distances at the final exchange
    opponents: list[Opponent]


async def engagements(db: Any, ids: list[int], guid: str | None = None, top: int = 15) -> EngagementSummary:
    """Fights in scope (one player's, seen from their side, when ``guid`` is given)."""
    summary = await db.fetchrow(
        """WITH e AS (SELECT *, CASE WHEN $2::text IS NULL THEN NULL WHEN a = $2 THEN 'a' ELSE 'b' END AS side
                      FROM proximity.engagements
                      WHERE round_id = ANY($1::bigint[]) AND ($2::text IS NULL OR $2 IN (a, b)))
           SELECT count(*) AS engagements,
                  count(*) FILTER (WHERE winner IS NOT NULL AND ($2::text IS NULL OR winner = $2)) AS won,
                  count(*) FILTER (WHERE winner IS NOT NULL AND $2::text IS NOT NULL AND winner <> $2) AS lost,
                  count(*) FILTER (WHERE outcome = 'third_party') AS third_party,
                  count(*) FILTER (WHERE outcome = 'broken') AS broken,
                  avg(start_distance)::float8 AS mean_distance,
                  coalesce(array_agg(end_distance) FILTER (WHERE winner IS NOT NULL), '{}') AS distances
           FROM e""", ids, guid)
    kills = await db.fetchrow(
        """SELECT count(*) AS kills, count(*) FILTER (WHERE kind = 'enemy') AS enemy_kills FROM proximity.kills
           WHERE round_id = ANY($1::bigint[]) AND ($2::text IS NULL OR killer = $2 OR victim = $2)""", ids, guid)
    pairs = await db.fetch(
        """WITH sides AS (
               SELECT a AS guid, b AS opponent, winner, start_distance FROM proximity.engagements
               WHERE round_id = ANY($1::bigint[])
               UNION ALL
               SELECT b, a, winner, start_distance FROM proximity.engagements WHERE round_id = ANY($1::bigint[]))
           SELECT guid, opponent, count(*) AS fights, count(*) FILTER (WHERE winner = guid) AS won,
                  count(*) FILTER (WHERE winner = opponent) AS lost, avg(start_distance)::float8 AS distance
           FROM sides WHERE ($2::text IS NULL OR guid = $2)
           GROUP BY guid, opponent ORDER BY count(*) DESC, guid, opponent LIMIT $3""", ids, guid, top)
    named = await names(db, {p["guid"] for p in pairs} | {p["opponent"] for p in pairs})
    return EngagementSummary(
        rounds=len(ids), engagements=summary["engagements"], kills=kills["kills"], enemy_kills=kills["enemy_kills"],
        won=summary["won"], lost=summary["lost"], third_party=summary["third_party"], broken=summary["broken"],
        mean_distance_m=_m(summary["mean_distance"]), distances_m=[_m(d) for d in summary["distances"]],
        opponents=[Opponent(guid=p["guid"], name=named.get(p["guid"], p["guid"]), opponent=p["opponent"],
                            opponent_name=named.get(p["opponent"], p["opponent"]), fights=p["fights"], won=p["won"],
                            lost=p["lost"], mean_distance_m=_m(p["distance"])) for p in pairs])


# -- per-player boards ---------------------------------------------------------------------------


class TradeLine(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    trade_kills: int     # kills that avenged a teammate
    deaths: int          # deaths to an enemy
    deaths_traded: int   # of those, avenged by a teammate
    traded_pct: float


class TradeBoard(msgspec.Struct, frozen=True, kw_only=True):
    rounds: int
    trades: int
    players: list[TradeLine]


async def trade_board(db: Any, ids: list[int]) -> TradeBoard:
    rows = await db.fetch(
        """WITH deaths AS (SELECT victim AS guid, count(*) AS deaths FROM proximity.kills
                           WHERE round_id = ANY($1::bigint[]) AND kind = 'enemy' GROUP BY victim),
                made AS (SELECT trader AS guid, count(DISTINCT (round_id, trade_ms, killer)) AS made
                         FROM proximity.trades WHERE round_id = ANY($1::bigint[]) GROUP BY trader),
                traded AS (SELECT victim AS guid, count(*) AS traded FROM proximity.trades
                           WHERE round_id = ANY($1::bigint[]) GROUP BY victim)
           SELECT coalesce(d.guid, m.guid) AS guid, coalesce(m.made, 0) AS made, coalesce(d.deaths, 0) AS deaths,
                  coalesce(t.traded, 0) AS traded
           FROM deaths d FULL JOIN made m ON m.guid = d.guid LEFT JOIN traded t ON t.guid = coalesce(d.guid, m.guid)
           ORDER BY coalesce(m.made, 0) DESC, coalesce(t.traded, 0) DESC, 1""", ids)
    total = await db.fetchval("SELECT count(*) FROM proximity.trades WHERE round_id = ANY($1::bigint[])", ids)
    named = await names(db, {r["guid"] for r in rows})
    return TradeBoard(rounds=len(ids), trades=total, players=[TradeLine(
        guid=r["guid"], name=named.get(r["guid"], r["guid"]), trade_kills=r["made"], deaths=r["deaths"],
        deaths_traded=r["traded"], traded_pct=round(100 * r["traded"] / r["deaths"], 1) if r["deaths"] else 0.0)
        for r in rows])


class CrossfirePair(msgspec.Struct, frozen=True, kw_only=True):
    a: str
    a_name: str
    b: str
    b_name: str
    crossfires: int
    converted: int  # ended with one of the two killing the target
    mean_angle: float
    damage: int


class CrossfireBoard(msgspec.Struct, frozen=True, kw_only=True):
    rounds: int
    recorded: bool  # False: no round in scope recorded damage, so crossfire is unknown
    crossfires: int
    converted: int
    pairs: list[CrossfirePair]


async def crossfire_board(db: Any, ids: list[int], guid: str | None = None) -> CrossfireBoard:
    recorded = await capable(db, ids, "damage")
    rows = await db.fetch(
        """SELECT a, b, count(*) AS crossfires, count(killer) AS converted, avg(angle) AS angle, sum(damage) AS damage
           FROM proximity.crossfires WHERE round_id = ANY($1::bigint[]) AND ($2::text IS NULL OR $2 IN (a, b))
           GROUP BY a, b ORDER BY count(*) DESC, count(killer) DESC, a, b""", ids, guid)
    named = await names(db, {r["a"] for r in rows} | {r["b"] for r in rows})
    return CrossfireBoard(
        rounds=len(ids), recorded=recorded, crossfires=sum(r["crossfires"] for r in rows),
        converted=sum(r["converted"] for r in rows),
        pairs=[CrossfirePair(a=r["a"], a_name=named.get(r["a"], r["a"]), b=r["b"], b_name=named.get(r["b"], r["b"]),
                             crossfires=r["crossfires"], converted=r["converted"], mean_angle=round(r["angle"], 1),
                             damage=r["damage"]) for r in rows])


class SpawnLine(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    kills: int          # enemy kills whose victim's wave schedule is known
    efficiency: float   # mean of wait / interval (0..1)
    denied_seconds: float


class SpawnBoard(msgspec.Struct, frozen=True, kw_only=True):
    rounds: int
    recorded: bool  # False: no wave schedule known in scope
    players: list[SpawnLine]


async def spawn_board(db: Any, ids: list[int]) -> SpawnBoard:
    rows = await db.fetch(
        """SELECT killer AS guid, count(*) AS kills, avg(spawn_wait_ms::float / spawn_interval_ms) AS efficiency,
                  sum(spawn_wait_ms)::float8 / 1000 AS denied
           FROM proximity.kills WHERE round_id = ANY($1::bigint[]) AND kind = 'enemy' AND spawn_interval_ms > 0
           GROUP BY killer ORDER BY avg(spawn_wait_ms::float / spawn_interval_ms) DESC, count(*) DESC, killer""", ids)
    named = await names(db, {r["guid"] for r in rows})
    return SpawnBoard(rounds=len(ids), recorded=bool(rows) or await capable(db, ids, "waves"), players=[SpawnLine(
        guid=r["guid"], name=named.get(r["guid"], r["guid"]), kills=r["kills"], efficiency=round(r["efficiency"], 3),
        denied_seconds=round(float(r["denied"]), 1)) for r in rows])


class PlayerLine(msgspec.Struct, frozen=True, kw_only=True):
    """One player over the scope: cohesion, movement, first bloods, kills by numbers."""

    guid: str
    name: str
    rounds: int
    kills: int
    deaths: int
    first_bloods: int
    cohesion_m: float | None   # mean distance to alive teammates (None: not recorded)
    travelled_m: float | None  # per round, from the samples (None: not recorded)
    kills_up: int              # enemy kills made with more of their side alive
    kills_even: int
    kills_down: int


async def player_lines(db: Any, ids: list[int]) -> list[PlayerLine]:
    rows = await db.fetch(
        """WITH p AS (SELECT guid, count(DISTINCT round_id) AS rounds, sum(kills) AS kills, sum(deaths) AS deaths,
                             sum(cohesion_units * cohesion_ticks) / nullif(sum(cohesion_ticks), 0) AS cohesion,
                             sum(travelled_units) FILTER (WHERE samples > 0) AS travelled,
                             count(DISTINCT round_id) FILTER (WHERE samples > 0) AS sampled
                      FROM proximity.players WHERE round_id = ANY($1::bigint[]) GROUP BY guid),
                k AS (SELECT killer AS guid, count(*) FILTER (WHERE first_blood) AS first_bloods,
                             count(*) FILTER (WHERE edge > 0) AS up, count(*) FILTER (WHERE edge = 0) AS even,
                             count(*) FILTER (WHERE edge < 0) AS down
                      FROM (SELECT killer, first_blood,
                                   CASE WHEN killer_team = 1 THEN axis_alive - allies_alive
                                        ELSE allies_alive - axis_alive END AS edge
                            FROM proximity.kills WHERE round_id = ANY($1::bigint[]) AND kind = 'enemy') x
                      GROUP BY killer)
           SELECT p.*, coalesce(k.first_bloods, 0) AS first_bloods, coalesce(k.up, 0) AS up,
                  coalesce(k.even, 0) AS even, coalesce(k.down, 0) AS down
           FROM p LEFT JOIN k ON k.guid = p.guid ORDER BY p.kills DESC, p.guid""", ids)
    named = await names(db, {r["guid"] for r in rows})
    return [PlayerLine(
        guid=r["guid"], name=named.get(r["guid"], r["guid"]), rounds=r["rounds"], kills=r["kills"],
        deaths=r["deaths"], first_bloods=r["first_bloods"], cohesion_m=_m(r["cohesion"]),
        travelled_m=_m(r["travelled"] / r["sampled"]) if r["sampled"] else None, kills_up=r["up"],
        kills_even=r["even"], kills_down=r["down"]) for r in rows]


class RoundSides(msgspec.Struct, frozen=True, kw_only=True):
    """First blood and man advantage over the scope's rounds."""

    rounds: int
    first_blood_rounds: int       # rounds with a first blood
    first_blood_decided: int      # of those, rounds whose winner is known
    first_blood_converted: int    # of those, won by the side that drew first blood
    up_ms: int                    # time one side had more players alive
    even_ms: int


async def round_sides(db: Any, ids: list[int], timezone: str) -> RoundSides:
    rows = await db.fetch(
        """SELECT stats_round_id, first_blood_team, axis_up_ms + allies_up_ms AS up_ms, even_ms
           FROM proximity.rounds WHERE id = ANY($1::bigint[])""", ids)
    refs = await stats.round_refs(db, [r["stats_round_id"] for r in rows if r["stats_round_id"]], timezone=timezone)
    decided = converted = 0
    for r in rows:
        ref = refs.get(r["stats_round_id"]) if r["stats_round_id"] else None
        if r["first_blood_team"] and ref is not None and ref.winner_team in (1, 2):
            decided += 1
            converted += ref.winner_team == r["first_blood_team"]
    return RoundSides(rounds=len(rows), first_blood_rounds=sum(1 for r in rows if r["first_blood_team"]),
                      first_blood_decided=decided, first_blood_converted=converted,
                      up_ms=sum(r["up_ms"] for r in rows), even_ms=sum(r["even_ms"] for r in rows))


class FileLine(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    status: str       # imported, held (imported, waiting for its stats round), quarantined, superseded
    reason: str | None
    source: str
    received_at: str


async def files(db: Any, status: str | None = None, limit: int = 50) -> list[FileLine]:
    rows = await db.fetch(
        """SELECT f.name, CASE WHEN f.status = 'imported' AND r.stats_round_id IS NULL THEN 'held' ELSE f.status END
                  AS status,
                  CASE WHEN f.status = 'imported' AND r.stats_round_id IS NULL THEN 'waiting for its stats round'
                       ELSE f.reason END AS reason, f.source, f.received_at
           FROM proximity.files f LEFT JOIN proximity.rounds r ON r.file_id = f.id
           WHERE $1::text IS NULL OR $1 = CASE WHEN f.status = 'imported' AND r.stats_round_id IS NULL THEN 'held'
                                               ELSE f.status END
           ORDER BY f.received_at DESC, f.id DESC LIMIT $2""", status, limit)
    return [FileLine(name=r["name"], status=r["status"], reason=r["reason"], source=r["source"],
                     received_at=r["received_at"].isoformat(timespec="seconds")) for r in rows]
