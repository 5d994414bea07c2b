"""JSON routes: the figures of the pages and commands, msgspec-typed for OpenAPI.

Every route takes the same scope in its query: ``session`` (a date or a session start),
``map`` and ``player`` (a GUID or a name); none of them means every recorded round.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec

from slomix.kernel import Request, Response, Route, Tier
from slomix.kernel.web import Handler, NotFound

from . import crosscheck, queries
from .analytics import heat
from .scope import Scope
from .service import Proximity

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ScopeQuery(msgspec.Struct, forbid_unknown_fields=True):
    session: Text | None = None
    map: Text | None = None
    player: Text | None = None


class RoundsQuery(ScopeQuery, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100


class HeatQuery(msgspec.Struct, forbid_unknown_fields=True):
    map: Text
    kind: Literal[heat.KINDS] = "kills"  # type: ignore[valid-type]
    session: Text | None = None
    player: Text | None = None


class FilesQuery(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["imported", "held", "quarantined", "superseded"] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 50


class MapLine(msgspec.Struct, frozen=True):
    map_name: str
    rounds: int


def round_number(text: str) -> int:
    """A round id from the path; anything else is a round that is not there."""
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"no recorded round {text}")
    return int(text)


def build(get: Callable[[], Proximity]) -> list[Route]:
    async def scoped(request: Request) -> tuple[Proximity, Scope, list[int]]:
        service = get()
        q = request.query
        scope, _ = await service.scope(session=q.session, map_name=q.map, player=q.player)
        return service, scope, await service.rounds(scope)

    async def rounds(request: Request) -> list[queries.RoundLine]:
        service, _, ids = await scoped(request)
        return await queries.rounds(service.db, ids[-request.query.limit:])

    async def maps(request: Request) -> list[MapLine]:
        return [MapLine(m, n) for m, n in await queries.maps(get().db)]

    async def heatmap(request: Request) -> queries.HeatGrid:
        service, scope, ids = await scoped(request)
        grid = await queries.heat_grid(service.db, ids, request.query.kind, scope.guid)
        return queries.as_heat(grid, request.query.kind, len(ids))

    async def engagements(request: Request) -> queries.EngagementSummary:
        service, scope, ids = await scoped(request)
        return await queries.engagements(service.db, ids, scope.guid)

    async def trades(request: Request) -> queries.TradeBoard:
        service, _, ids = await scoped(request)
        return await queries.trade_board(service.db, ids)

    async def crossfire(request: Request) -> queries.CrossfireBoard:
        service, scope, ids = await scoped(request)
        return await queries.crossfire_board(service.db, ids, scope.guid)

    async def spawn_timing(request: Request) -> queries.SpawnBoard:
        service, _, ids = await scoped(request)
        return await queries.spawn_board(service.db, ids)

    async def players(request: Request) -> list[queries.PlayerLine]:
        service, _, ids = await scoped(request)
        return await queries.player_lines(service.db, ids)

    async def sides(request: Request) -> queries.RoundSides:
        service, _, ids = await scoped(request)
        return await queries.round_sides(service.db, ids, service.timezone)

    async def round_detail(request: Request) -> crosscheck.RoundDetail:
        found = await crosscheck.detail(get().db, round_number(request.path_params["round_id"]))
        if found is None:
            raise NotFound(f"no recorded round {request.path_params['round_id']}")
        return found

    async def files(request: Request) -> list[queries.FileLine]:
        return await queries.files(get().db, request.query.status, request.query.limit)

    async def heatmap_png(request: Request) -> Response:
        service = get()
        q = request.query
        scope, names = await service.scope(session=q.session, map_name=q.map, player=q.player)
        if not await service.rounds(scope):
            raise LookupError(f"no telemetry for {scope.describe(names)}")
        # Drawn once per change of the data (cached): a browser may keep it a few minutes.
        return Response(await service.heatmap(scope, q.kind, names), content_type="image/png",
                        headers={"cache-control": "public, max-age=300"})

    tags = ("proximity",)

    def route(path: str, handler: Handler, summary: str, response: Any, query: type | None = ScopeQuery,
              **extra: Any) -> Route:
        return Route("GET", f"/api/proximity/{path}", handler, summary, query_type=query, response_type=response,
                     tags=tags, **extra)

    return [
        route("maps", maps, "Maps with telemetry and their rounds", list[MapLine], query=None),
        route("rounds", rounds, "Recorded rounds in scope (the latest ?limit=), with what each recorded",
              list[queries.RoundLine], query=RoundsQuery),
        route("heatmap", heatmap, "A heatmap grid (?map=&kind=kills|deaths|presence, cells in game units)",
              queries.HeatGrid, query=HeatQuery),
        route("engagements", engagements, "Engagements: counts, outcomes, distances, who fought whom",
              queries.EngagementSummary),
        route("trades", trades, "Trade kills per player (deaths avenged within 3 s)", queries.TradeBoard),
        route("crossfire", crossfire, "Crossfire pairs (two teammates ≥ 45° apart within 1.5 s)",
              queries.CrossfireBoard),
        route("spawn-timing", spawn_timing, "Spawn-timing efficiency per killer", queries.SpawnBoard),
        route("players", players, "Per player: cohesion, distance travelled, first bloods, kills by numbers",
              list[queries.PlayerLine]),
        route("sides", sides, "First blood conversion and man-advantage time", queries.RoundSides),
        route("rounds/{round_id}", round_detail, "A recorded round: its source, what it holds, its stats round, and "
              "(recorded by the tracker and a demo) their cross-check", crosscheck.RoundDetail, query=None),
        route("files", files, "Proximity files received (?status=held|quarantined: with reasons)",
              list[queries.FileLine], query=FilesQuery, tier=Tier.ADMIN),
        Route("GET", "/proximity/heatmap.png", heatmap_png, "A heatmap picture (the query of /api/proximity/heatmap)",
              query_type=HeatQuery, kind="asset", tags=tags),
    ]
