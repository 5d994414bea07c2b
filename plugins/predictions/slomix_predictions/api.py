"""The predictions plugin's public interface, for other plugins (synergy) and pages.

``predict_teams`` is for a plugin that sees two teams form before a map (the voice channels):
it stores, posts (when configured and the model is good enough) and later resolves a prediction.
``maps`` is the rated stopwatch history (who played for whom, the result, what each map did
to each player's rating); ``win_probability`` predicts a lineup against another from the
current ratings; ``find_players``, ``who`` (a name, a mention or the asker) and ``matchup``
read players as the commands do.
Everything else in this package is internal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from slomix_stats import api as stats_api

from . import commands, service
from .lineups import matchup
from .publish import publish
from .service import UnknownPlayer, find_players, who

__all__ = ["MapRecord", "PlayerMap", "UnknownPlayer", "find_players", "maps", "matchup", "predict_teams", "who",
           "win_probability"]


class PlayerMap(msgspec.Struct, frozen=True):
    """One player on one rated map: his team (``A``/``B``), time share and change of skill μ."""

    guid: str
    team: str
    share: float
    delta_mu: float


class MapRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A rated stopwatch map; ``outcome`` is team A's (1 win, 0.5 draw, 0 loss)."""

    session_start: datetime
    seq: int
    map_name: str
    played_at: datetime
    outcome: float
    players: list[PlayerMap]

    def team_of(self, guid: str) -> str | None:
        return next((p.team for p in self.players if p.guid == guid), None)

    def result_for(self, team: str) -> float:
        return self.outcome if team == "A" else 1 - self.outcome


async def maps(db: Any, guids: list[str] | None = None) -> list[MapRecord]:
    """Rated maps in play order (only those where one of ``guids`` played, when given)."""
    rows = await db.fetch(
        """SELECT m.session_start, m.seq, m.map_name, m.played_at, m.outcome,
                  array_agg(c.guid ORDER BY c.guid) AS guids, array_agg(c.team ORDER BY c.guid) AS teams,
                  array_agg(c.share ORDER BY c.guid) AS shares, array_agg(c.mu - c.mu_before ORDER BY c.guid) AS deltas
           FROM predictions.maps m JOIN predictions.rating_changes c USING (session_start, seq)
           GROUP BY m.session_start, m.seq
           HAVING $1::text[] IS NULL OR array_agg(c.guid) && $1::text[]
           ORDER BY m.played_at, m.session_start, m.seq""", guids)
    return [MapRecord(session_start=r["session_start"], seq=r["seq"], map_name=r["map_name"],
                      played_at=r["played_at"], outcome=r["outcome"],
                      players=[PlayerMap(*p) for p in zip(r["guids"], r["teams"], r["shares"], r["deltas"],
                                                          strict=True)]) for r in rows]


async def win_probability(db: Any, team_a: list[str], team_b: list[str]) -> float:
    """P(team A beats team B) on a stopwatch map now, from the current ratings."""
    ratings = await service.current(db, [*team_a, *team_b])
    return ratings.win_probability(team_a, team_b, datetime.now())


async def predict_teams(kernel: Any, team_a: list[str], team_b: list[str], *, by: str,
                        map_name: str | None = None, formed_at: datetime | None = None) -> tuple[int, float, bool]:
    """Two teams (GUIDs) formed before a map: (prediction id, P(team A wins), whether it was posted).

    ``formed_at`` (default now, aware) is when they formed; the first rated map those exact lineups
    play within 6 hours of it resolves the prediction.
    """
    pool = kernel.db.pool
    p = await win_probability(pool, team_a, team_b)
    now = formed_at or datetime.now(UTC)
    local = now.astimezone(ZoneInfo(stats_api.server_timezone(kernel))).replace(tzinfo=None)
    prediction_id = await service.record(pool, source="teams", by=by, team_a=sorted(team_a), team_b=sorted(team_b),
                                         p=p, map_name=map_name, when=now, not_before=local)
    posted = await publish(kernel, prediction_id, f"prediction:teams:{prediction_id}",
                           lambda e: commands.teams_prediction(pool, team_a, team_b, p, e))
    return prediction_id, p, posted
