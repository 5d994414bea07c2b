"""Reading the ratings and predictions back for commands, routes and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from slomix_stats import api as stats_api

from .model import MIN_MAPS, Z


class RatingRow(msgspec.Struct, frozen=True, kw_only=True):
    guid: str
    name: str
    mu: float
    sigma: float
    conservative: float
    maps: int
    wins: int
    draws: int
    losses: int
    last_played: datetime
    rank: int | None = None  # among players with at least MIN_MAPS maps


_RANKED = f"""
    SELECT guid, mu, sigma, mu - {Z} * sigma AS conservative, maps, wins, draws, losses, last_played,
           CASE WHEN maps >= {MIN_MAPS} THEN rank() OVER (PARTITION BY maps >= {MIN_MAPS}
                                                          ORDER BY mu - {Z} * sigma DESC, guid) END AS rank
    FROM predictions.ratings"""


async def _named(db: Any, rows) -> list[RatingRow]:
    names = await stats_api.display_names(db, [r["guid"] for r in rows])
    return [RatingRow(name=names.get(r["guid"], r["guid"]), **dict(r)) for r in rows]


async def leaderboard(db: Any, limit: int = 20, offset: int = 0) -> list[RatingRow]:
    """Players with at least ``MIN_MAPS`` maps by conservative rating (μ − 3σ), best first."""
    rows = await db.fetch(f"SELECT * FROM ({_RANKED}) r WHERE rank IS NOT NULL ORDER BY rank LIMIT $1 OFFSET $2",
                          limit, offset)
    return await _named(db, rows)


async def rating(db: Any, guid: str) -> RatingRow | None:
    rows = await db.fetch(f"SELECT * FROM ({_RANKED}) r WHERE guid = $1", guid)
    found = await _named(db, rows)
    return found[0] if found else None


async def history(db: Any, guid: str) -> list[tuple[datetime, float, float]]:
    """(played at, μ, σ) after each of the player's maps, oldest first."""
    rows = await db.fetch(
        """SELECT m.played_at, c.mu, c.sigma FROM predictions.rating_changes c
           JOIN predictions.maps m USING (session_start, seq) WHERE c.guid = $1 ORDER BY m.played_at, m.seq""", guid)
    return [(r["played_at"], r["mu"], r["sigma"]) for r in rows]


class PredictionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    source: str
    made_at: datetime
    map_name: str | None
    team_a: list[str]
    team_b: list[str]
    names_a: list[str]
    names_b: list[str]
    p_a: float
    published: bool
    outcome: float | None

    @property
    def verdict(self) -> str:
        if self.outcome is None:
            return "waiting" if self.source == "round" else "not played"
        if self.outcome == 0.5:
            return "draw"
        won = "A" if self.outcome == 1 else "B"
        called = (self.p_a > 0.5) == (self.outcome == 1) if self.p_a != 0.5 else None
        return f"{won} won" + ("" if called is None else " ✔" if called else " ✘")


async def recent_predictions(db: Any, limit: int = 10) -> list[PredictionRow]:
    rows = await db.fetch(
        """SELECT id, source, made_at, map_name, team_a, team_b, p_a, published, outcome
           FROM predictions.predictions ORDER BY made_at DESC, id DESC LIMIT $1""", limit)
    names = await stats_api.display_names(db, {g for r in rows for g in (*r["team_a"], *r["team_b"])})
    return [PredictionRow(names_a=[names.get(g, g) for g in r["team_a"]],
                          names_b=[names.get(g, g) for g in r["team_b"]], **dict(r)) for r in rows]


async def live_record(db: Any) -> dict[str, int]:
    """Predictions made for maps as they started: how many ended, how many were called right."""
    row = await db.fetchrow(
        """SELECT count(*) FILTER (WHERE outcome IS NOT NULL) AS resolved,
                  count(*) FILTER (WHERE outcome IS NULL) AS open,
                  count(*) FILTER (WHERE outcome IN (0, 1) AND p_a <> 0.5 AND (p_a > 0.5) = (outcome = 1)) AS right
           FROM predictions.predictions WHERE source = 'round'""")
    return dict(row)


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """How the walk-forward model called one map a player played (from his team's side)."""

    played_at: datetime
    map_name: str
    team: str
    p_mine: float
    outcome: float
    result: str
    right: bool | None


async def calls_for(db: Any, guid: str, limit: int = 15) -> list[Call]:
    rows = await db.fetch(
        """SELECT m.played_at, m.map_name, c.team, m.p_model, m.outcome FROM predictions.rating_changes c
           JOIN predictions.maps m USING (session_start, seq) WHERE c.guid = $1
           ORDER BY m.played_at DESC, m.seq DESC LIMIT $2""", guid, limit)
    calls = []
    for r in rows:
        mine = r["p_model"] if r["team"] == "A" else 1 - r["p_model"]
        won = r["outcome"] if r["team"] == "A" else 1 - r["outcome"]
        result = "draw" if won == 0.5 else "won" if won == 1 else "lost"
        right = None if won == 0.5 or mine == 0.5 else (mine > 0.5) == (won == 1)
        calls.append(Call(played_at=r["played_at"], map_name=r["map_name"], team=r["team"], p_mine=mine,
                          outcome=won, result=result, right=right))
    return calls


async def names(db: Any, guids: list[str]) -> dict[str, str]:
    """Display names by GUID (the GUID itself for a player the stats plugin does not know)."""
    found = await stats_api.display_names(db, guids)
    return {g: found.get(g, g) for g in guids}
