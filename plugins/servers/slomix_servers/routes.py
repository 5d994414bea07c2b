"""JSON routes: the servers as the poll last saw them, a server's player-count history, the RCON audit.

They read what the poll stored and never ask a game server themselves: web traffic must not
spend the engine's per-address request budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import msgspec

from slomix.kernel import NotFound, Request, Route, Tier

from .service import AuditLine, Live, Sample, Servers


class HistoryQuery(msgspec.Struct, forbid_unknown_fields=True):
    hours: Annotated[float, msgspec.Meta(gt=0, le=24 * 30)] = 24.0


class AuditQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(ge=1, le=500)] = 50


async def one(service: Servers, name: str) -> Live:
    if name not in service.clients:
        raise NotFound(f"no server {name!r}")
    return next(live for live in await service.live() if live.server == name)


def build(get: Callable[[], Servers]) -> list[Route]:
    async def servers(request: Request) -> list[Live]:
        return await get().live()

    async def server(request: Request) -> Live:
        return await one(get(), request.path_params["name"])

    async def history(request: Request) -> list[Sample]:
        service = get()
        name = request.path_params["name"]
        if name not in service.clients:
            raise NotFound(f"no server {name!r}")
        return await service.history(service.clients[name], request.query.hours)

    async def audit(request: Request) -> list[AuditLine]:
        return await get().audit(request.query.limit)

    tags = ("servers",)
    return [
        Route("GET", "/api/servers", servers, "Every configured game server as last polled", response_type=list[Live],
              tags=tags),
        Route("GET", "/api/servers/{name}", server, "One game server as last polled: map, players, teams, scores",
              response_type=Live, tags=tags),
        Route("GET", "/api/servers/{name}/history", history, "A server's player counts, one sample per poll",
              query_type=HistoryQuery, response_type=list[Sample], tags=tags),
        Route("GET", "/api/admin/rcon-audit", audit, "Every RCON call: who, when, what, the reply",
              query_type=AuditQuery, response_type=list[AuditLine], tier=Tier.ADMIN, tags=tags),
    ]
