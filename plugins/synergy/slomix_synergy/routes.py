"""JSON routes: a duo, the best duos, a player's nemesis."""

from __future__ import annotations

from slomix.kernel import NotFound, Request, Route
from slomix_predictions import api as predictions
from slomix_stats import api as stats_api

from . import figures


async def duo(request: Request) -> figures.Duo:
    a, b = request.path_params["a"], request.path_params["b"]
    return figures.duo(await predictions.maps(request.kernel.db.pool, [a, b]), a, b)


async def best(request: Request) -> list[figures.Duo]:
    return figures.best_duos(await predictions.maps(request.kernel.db.pool))[:50]


async def nemesis(request: Request) -> figures.Rivalry:
    pool = request.kernel.db.pool
    any_endstats, named = await stats_api.versus_known(pool)
    if not named:
        raise NotFound("no endstats versus rows name their player" if any_endstats else "the server writes no endstats")
    return figures.rivalry(await stats_api.versus_totals(pool, request.path_params["guid"]))


def build() -> list[Route]:
    return [
        Route("GET", "/api/synergy/duos", best, response_type=list[figures.Duo], tags=("synergy",),
              summary="Pairs with enough maps together, by the low end of their win-rate interval"),
        Route("GET", "/api/synergy/duos/{a}/{b}", duo, response_type=figures.Duo, tags=("synergy",),
              summary="Two players (GUIDs) on the same team and apart"),
        Route("GET", "/api/synergy/nemesis/{guid}", nemesis, response_type=figures.Rivalry, tags=("synergy",),
              summary="A player's nemesis, prey and rival from endstats versus rows"),
    ]
