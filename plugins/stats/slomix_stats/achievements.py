"""Milestones and badges (spec §10.2): what counts, and recording each milestone once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from .queries import COUNTED, PlayerTotals, kd

KILLS = (100, 500, 1_000, 2_500, 5_000, 10_000)
GAMES = (10, 50, 100, 250, 500, 1_000)
KD_STEPS = (1.0, 1.5, 2.0, 3.0)
KD_MIN_GAMES = 20


@dataclass(frozen=True, slots=True)
class Milestone:
    key: str
    label: str


def milestones(kills: int, deaths: int, rounds: int) -> list[Milestone]:
    """Every milestone these lifetime figures satisfy."""
    reached = [Milestone(f"kills_{n}", f"{n:,} kills") for n in KILLS if kills >= n]
    reached += [Milestone(f"games_{n}", f"{n:,} rounds played") for n in GAMES if rounds >= n]
    if rounds >= KD_MIN_GAMES:
        ratio = kd(kills, deaths)
        reached += [Milestone(f"kd_{step}", f"lifetime K/D {step:.1f}") for step in KD_STEPS if ratio >= step]
    return reached


def next_milestones(kills: int, deaths: int, rounds: int) -> list[str]:
    """What comes next on each ladder, for !check_achievements."""
    out = []
    nk = next((n for n in KILLS if kills < n), None)
    if nk:
        out.append(f"{nk:,} kills ({nk - kills:,} to go)")
    ng = next((n for n in GAMES if rounds < n), None)
    if ng:
        out.append(f"{ng:,} rounds ({ng - rounds:,} to go)")
    ratio = kd(kills, deaths)
    step = next((s for s in KD_STEPS if ratio < s), None)
    if step:
        out.append(f"K/D {step:.1f} (now {ratio:.2f}" + (f", needs {KD_MIN_GAMES} rounds)" if rounds < KD_MIN_GAMES
                                                         else ")"))
    return out


def ladder() -> list[tuple[str, str, str, float]]:
    """Every milestone as (key, label, kind, threshold), for the database to compare against."""
    rows = [(f"kills_{n}", f"{n:,} kills", "kills", float(n)) for n in KILLS]
    rows += [(f"games_{n}", f"{n:,} rounds played", "games", float(n)) for n in GAMES]
    rows += [(f"kd_{step}", f"lifetime K/D {step:.1f}", "kd", step) for step in KD_STEPS]
    return rows


# A ratio as the K/D ladder reads it (a player without deaths: the kills).
_RATIO = "CASE WHEN {deaths} = 0 THEN {kills}::float ELSE {kills}::float / {deaths} END"
_REACHED = """(m.kind = 'kills' AND {kills} >= m.threshold)
           OR (m.kind = 'games' AND {rounds} >= m.threshold)
           OR (m.kind = 'kd' AND {rounds} >= {min_games} AND ({ratio}) >= m.threshold)"""
# The ladder steps a round takes a running figure over: width_bucket counts the steps at or below
# a value, so the steps crossed are those counted after the round and not before it. Kills and
# rounds only grow (each step is crossed once); a K/D goes up and down, and its first crossing wins.
_CROSSINGS = """
    SELECT x.guid, x.round_id, x.round_time, 'kills' AS kind, l.kills[i] AS threshold
    FROM running x, ladders l,
         generate_series(width_bucket(x.kills - x.round_kills, l.kills) + 1, width_bucket(x.kills, l.kills)) i
    UNION ALL
    SELECT x.guid, x.round_id, x.round_time, 'games', l.games[i]
    FROM running x, ladders l,
         generate_series(width_bucket(x.rounds - 1, l.games) + 1, width_bucket(x.rounds, l.games)) i
    UNION ALL
    SELECT x.guid, x.round_id, x.round_time, 'kd', l.kd[i]
    FROM running x, ladders l,
         generate_series(CASE WHEN x.rounds - 1 >= {min_games}
                              THEN width_bucket({before}, l.kd) ELSE 0 END + 1, width_bucket({after}, l.kd)) i
    WHERE x.rounds >= {min_games}""".format(
    min_games=KD_MIN_GAMES, after=_RATIO.format(kills="x.kills", deaths="x.deaths"),
    before=_RATIO.format(kills="(x.kills - x.round_kills)", deaths="(x.deaths - x.round_deaths)"))


async def update(conn: asyncpg.Connection | asyncpg.Pool) -> list[tuple[str, str, Milestone, datetime]]:
    """Record every milestone the lifetime totals now satisfy that the ledger lacks, dated by the
    round in which the running totals crossed it. Returns the new ones (guid, name, milestone, when).

    Runs after the totals are rebuilt, not per round, and entirely in the database: only players
    with a new milestone are walked round by round, and only the crossing rounds come back.
    """
    keys, labels, kinds, thresholds = map(list, zip(*ladder(), strict=True))
    rows = await conn.fetch(
        f"""WITH m(key, label, kind, threshold) AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[])),
            candidates AS (
                SELECT DISTINCT t.guid FROM stats.player_totals t JOIN m ON {_REACHED.format(
                    kills="t.kills", rounds="t.rounds", min_games=KD_MIN_GAMES,
                    ratio=_RATIO.format(kills="t.kills", deaths="t.deaths"))}
                WHERE NOT EXISTS (SELECT 1 FROM stats.achievements a WHERE a.guid = t.guid AND a.achievement = m.key)),
            ladders AS (
                SELECT array_agg(threshold ORDER BY threshold) FILTER (WHERE kind = 'kills') AS kills,
                       array_agg(threshold ORDER BY threshold) FILTER (WHERE kind = 'games') AS games,
                       array_agg(threshold ORDER BY threshold) FILTER (WHERE kind = 'kd') AS kd FROM m),
            running AS (
                SELECT p.guid, r.id AS round_id, r.round_time, p.kills AS round_kills, p.deaths AS round_deaths,
                       sum(p.kills) OVER w AS kills, sum(p.deaths) OVER w AS deaths, count(*) OVER w AS rounds
                FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                WHERE p.guid IN (SELECT guid FROM candidates) AND {COUNTED} AND NOT p.is_bot
                WINDOW w AS (PARTITION BY p.guid ORDER BY r.round_time, r.id)),
            crossed AS (
                SELECT DISTINCT ON (c.guid, m.key) c.guid, m.key, m.label, c.round_time, c.round_id
                FROM ({_CROSSINGS}) c JOIN m ON m.kind = c.kind AND m.threshold = c.threshold
                WHERE NOT EXISTS (SELECT 1 FROM stats.achievements a WHERE a.guid = c.guid AND a.achievement = m.key)
                ORDER BY c.guid, m.key, c.round_time, c.round_id),
            added AS (
                INSERT INTO stats.achievements (guid, achievement, label, reached_at, round_id)
                SELECT guid, key, label, round_time, round_id FROM crossed ON CONFLICT DO NOTHING
                RETURNING guid, achievement, label, reached_at)
            SELECT added.*, coalesce(d.name, left(added.guid, 8)) AS name
            FROM added LEFT JOIN stats.display_names d USING (guid)
            ORDER BY added.reached_at, added.guid""",
        keys, labels, kinds, thresholds)
    return [(r["guid"], r["name"], Milestone(r["achievement"], r["label"]), r["reached_at"]) for r in rows]


BADGES: tuple[tuple[str, str, tuple[int | float, ...]], ...] = (
    ("Kills", "kills", (1_000, 5_000, 10_000, 20_000)),
    ("Rounds", "rounds", (50, 500, 5_000, 10_000, 30_000)),
    ("Revives given", "revives_given", (100, 500, 5_000)),
    ("Times revived", "times_revived", (100, 500, 3_000)),
    ("Dynamites planted", "dynamites_planted", (50, 200, 1_000)),
    ("Dynamites defused", "dynamites_defused", (50, 200, 1_000)),
    ("Objectives", "objectives", (25, 250, 2_500)),
)
KD_BADGE = (0.0, 1.0, 1.5, 2.0, 2.5, 3.0)


def badges(t: PlayerTotals) -> list[tuple[str, str]]:
    """The highest tier reached in each badge category: (category, tier text)."""
    out = []
    for title, attr, tiers in BADGES:
        value = getattr(t, attr)
        reached = [n for n in tiers if value >= n]
        if reached:
            out.append((title, f"tier {len(reached)}/{len(tiers)}: {reached[-1]:,}+"))
    if t.rounds >= KD_MIN_GAMES:
        reached_kd = [s for s in KD_BADGE if t.kd >= s]
        out.append(("K/D", f"tier {len(reached_kd)}/{len(KD_BADGE)}: {reached_kd[-1]:.1f}+"))
    return out
