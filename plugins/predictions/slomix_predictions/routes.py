"""JSON routes: the rating leaderboard, one player's rating history, the model's record."""

from __future__ import annotations

from slomix.kernel import NotFound, Request, Route

from . import queries, store
from .replay import Evaluation


async def leaderboard(request: Request) -> list[queries.RatingRow]:
    return await queries.leaderboard(request.kernel.db.pool, limit=100)


async def player(request: Request) -> dict:
    pool = request.kernel.db.pool
    guid = request.path_params["guid"]
    row = await queries.rating(pool, guid)
    if row is None:
        raise NotFound(f"no rated player with GUID {guid}")
    return {"rating": row, "history": [{"played_at": t, "mu": mu, "sigma": s}
                                       for t, mu, s in await queries.history(pool, guid)]}


async def evaluation(request: Request) -> Evaluation:
    found = await store.evaluation(request.kernel.db.pool)
    if found is None:
        raise NotFound("the ratings have not been built yet")
    return found


def build() -> list[Route]:
    return [
        Route("GET", "/api/ratings", leaderboard, response_type=list[queries.RatingRow], tags=("ratings",),
              summary="Players with enough rated maps, by conservative rating (μ − 3σ)"),
        Route("GET", "/api/ratings/players/{guid}", player, tags=("ratings",),
              summary="A player's rating and its history per map"),
        Route("GET", "/api/ratings/evaluation", evaluation, response_type=Evaluation, tags=("ratings",),
              summary="Walk-forward scores of the model and its baselines, with the reliability table"),
    ]
