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


async def update(conn: asyncpg.Connection | asyncpg.Pool) -> list[tuple[str, str, Milestone, datetime]]:
    """Record every milestone the lifetime totals now satisfy that the ledger lacks, each dated by
    the round in which it was crossed. Returns the new ones (guid, name, milestone, reached_at).

    Runs after the totals are rebuilt, not per round: one pass over the players instead of one
    query per player and round keeps imports fast.
    """
    rows = await conn.fetch("SELECT guid, name, kills, deaths, rounds FROM stats.player_totals")
    wanted = [(r["guid"], r["name"], m) for r in rows for m in milestones(r["kills"], r["deaths"], r["rounds"])]
    if not wanted:
        return []
    have = {(r["guid"], r["achievement"]) for r in await conn.fetch(
        "SELECT guid, achievement FROM stats.achievements")}
    new = [(guid, name, m) for guid, name, m in wanted if (guid, m.key) not in have]
    if not new:
        return []
    crossings = await _crossings(conn, sorted({guid for guid, _, _ in new}))
    recorded = []
    for guid, name, m in new:
        round_id, reached_at = crossings[guid](m)
        await conn.execute(
            """INSERT INTO stats.achievements (guid, achievement, label, reached_at, round_id)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING""", guid, m.key, m.label, reached_at, round_id)
        recorded.append((guid, name, m, reached_at))
    return recorded


async def _crossings(conn: asyncpg.Connection | asyncpg.Pool, guids: list[str]):
    """For each player: a function milestone -> (round, time) at which the running totals crossed it."""
    rows = await conn.fetch(
        f"""SELECT p.guid, r.id, r.round_time,
                   sum(p.kills) OVER w AS kills, sum(p.deaths) OVER w AS deaths, count(*) OVER w AS rounds
            FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
            WHERE p.guid = ANY($1::text[]) AND {COUNTED} AND NOT p.is_bot
            WINDOW w AS (PARTITION BY p.guid ORDER BY r.round_time, r.id)
            ORDER BY p.guid, r.round_time, r.id""", guids)
    history: dict[str, list] = {}
    for row in rows:
        history.setdefault(row["guid"], []).append(row)

    def finder(guid: str):
        def first(m: Milestone) -> tuple[int | None, datetime]:
            for row in history[guid]:
                if any(x.key == m.key for x in milestones(row["kills"], row["deaths"], row["rounds"])):
                    return row["id"], row["round_time"]
            last = history[guid][-1]
            return last["id"], last["round_time"]
        return first

    return {guid: finder(guid) for guid in history}


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
