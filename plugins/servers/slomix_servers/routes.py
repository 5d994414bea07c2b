"""JSON routes: the servers as the poll last saw them, a server's player-count history, the RCON audit.

They read what the poll stored and never ask a game server themselves: web traffic must not
spend the engine's per-address request budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import msgspec

from slomix.kernel import (
    BadRequest,
    Conflict,
    NotFound,
    Request,
    Route,
    ServiceUnavailable,
    Tier,
    Unprocessable,
    UsageError,
)

from .lifecycle import AlreadyThere, RemoteError
from .service import AuditLine, Live, Sample, Servers


class HistoryQuery(msgspec.Struct, forbid_unknown_fields=True):
    hours: Annotated[float, msgspec.Meta(gt=0, le=24 * 30)] = 24.0


class Uploaded(msgspec.Struct, frozen=True):
    server: str
    file: str
    size: int
    sha256: str
    maps: int


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

    async def add_map(request: Request) -> Uploaded:
        """A multipart form with one ``file`` part (a ``.pk3``); its name is the file's name."""
        service = get()
        name = request.path_params["name"]
        if name not in service.clients:
            raise NotFound(f"no server {name!r}")
        server = service.clients[name]
        try:
            service.host(server)
        except UsageError as error:
            raise ServiceUnavailable(str(error)) from None
        form = await request.form(max_part_bytes=service.settings.max_map_bytes, max_files=1)
        upload = form.file("file")
        if upload is None:
            raise BadRequest("send the map as the multipart field 'file'")
        try:
            maps = await service.add_map(server, upload.filename, upload.path, request.actor, adapter="http")
        except ValueError as error:
            raise Unprocessable(str(error)) from None
        except AlreadyThere as error:
            raise Conflict(str(error)) from None
        except RemoteError as error:
            raise ServiceUnavailable(str(error)) from None
        return Uploaded(server=name, file=upload.filename, size=upload.size, sha256=upload.sha256, maps=maps)

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
        Route("POST", "/api/servers/{name}/maps", add_map, "Upload a map (.pk3) to a server's maps folder over SFTP",
              response_type=Uploaded, tier=Tier.ADMIN, max_body=1024**3, tags=tags),
        Route("GET", "/api/admin/rcon-audit", audit, "Every RCON call: who, when, what, the reply",
              query_type=AuditQuery, response_type=list[AuditLine], tier=Tier.ADMIN, tags=tags),
    ]
