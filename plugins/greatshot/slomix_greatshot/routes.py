"""JSON routes (in the OpenAPI document): upload, demos, highlights and their files, topshots,
cancel, and an admin's link to a stats round."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec

from slomix.kernel import (
    BadRequest,
    FileResponse,
    Forbidden,
    HTTPError,
    JSONResponse,
    NotFound,
    Request,
    Route,
    Tier,
)
from slomix.kernel.web import PayloadTooLarge

from . import linking, queries
from .service import PRIORITY_UPLOAD, Accepted, Greatshot, Refused
from .sniff import NotADemo

MIB = 1024 * 1024
FIELD = "demo"
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]


class DemosQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: Limit = 50
    mine: bool = False


class HighlightsQuery(msgspec.Struct, forbid_unknown_fields=True):
    player: Text | None = None
    kind: Text | None = None
    demo: int | None = None
    limit: Limit = 50


class TopshotsQuery(msgspec.Struct, forbid_unknown_fields=True):
    map: Text | None = None
    days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    min_kills: Annotated[int, msgspec.Meta(ge=1, le=10000)] = 10


class Uploaded(msgspec.Struct, frozen=True):
    demos: list[Accepted]


class Cancelled(msgspec.Struct, frozen=True):
    demo_id: int
    cancelled_jobs: list[int]


class LinkBody(msgspec.Struct, forbid_unknown_fields=True):
    round_id: int | None


def _id(request: Request, name: str) -> int:
    text = request.path_params[name]
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"no such {name.removesuffix('_id')}: {text!r}")
    return int(text)


def refusal(error: NotADemo | Refused) -> HTTPError:
    return HTTPError(error.status, str(error))


def build(get: Callable[[], Greatshot]) -> list[Route]:
    async def upload(request: Request) -> JSONResponse:
        """Up to ``max_files_per_request`` demos in the multipart field ``demo``; every one is checked
        before any is stored, so a bad one refuses the request and nothing is kept."""
        service = get()
        settings = service.settings
        declared = request.headers.get("content-length")
        try:
            await service.admit(request.actor.id, int(declared) if declared and declared.isdigit() else 0)
        except Refused as error:
            raise refusal(error) from None
        try:
            form = await request.form(max_bytes=settings.max_files_per_request * (settings.max_upload_bytes + MIB),
                                      max_part_bytes=settings.max_upload_bytes,
                                      max_files=settings.max_files_per_request, max_fields=10)
        except PayloadTooLarge as error:
            raise PayloadTooLarge(f"{error.message} (the limit is {settings.max_upload_bytes} bytes a demo)") from None
        files = [f for f in form.files if f.field == FIELD]
        if not files:
            raise BadRequest(f"no demo in the form: send .dm_84/.tv_84 files in the field `{FIELD}`")
        try:
            stored = await service.take(files, request.actor.id, source="upload", priority=PRIORITY_UPLOAD)
        except (NotADemo, Refused) as error:
            raise refusal(error) from None
        fresh = any(not s.duplicate for s in stored)
        return JSONResponse(msgspec.to_builtins(Uploaded(stored)), status=201 if fresh else 200)

    async def demos(request: Request) -> list[queries.DemoLine]:
        q = request.query
        return await queries.demos(get().db, limit=q.limit, uploader=request.actor.id if q.mine else None)

    async def demo(request: Request) -> queries.DemoDetail:
        found = await queries.detail(get().db, _id(request, "demo_id"))
        if found is None:
            raise NotFound(f"no demo {request.path_params['demo_id']}")
        return found

    async def cancel(request: Request) -> Cancelled:
        service = get()
        demo_id = _id(request, "demo_id")
        found = await queries.demo(service.db, demo_id)
        if found is None:
            raise NotFound(f"no demo {demo_id}")
        if found.uploader != request.actor.id and await service.kernel.permissions.tier_of(request.actor) < Tier.ADMIN:
            raise Forbidden("only the uploader or an admin may cancel a demo's jobs")
        return Cancelled(demo_id, await service.cancel(demo_id))

    async def link(request: Request) -> queries.DemoLine:
        service = get()
        demo_id = _id(request, "demo_id")
        if await queries.demo(service.db, demo_id) is None:
            raise NotFound(f"no demo {demo_id}")
        await linking.confirm(service, demo_id, request.data.round_id)
        return await queries.demo(service.db, demo_id)

    async def highlights(request: Request) -> list[queries.HighlightLine]:
        q = request.query
        return await queries.highlights(get().db, demo_id=q.demo, player=q.player, kind=q.kind, limit=q.limit)

    def file_of(column: str, content_type: str, inline: bool) -> Callable[[Request], object]:
        async def serve(request: Request) -> FileResponse:
            service = get()
            found = await queries.highlight(service.db, _id(request, "highlight_id"))
            relative = getattr(found, column) if found else None
            if relative is None:
                raise NotFound(f"highlight {request.path_params['highlight_id']} has no {column.removesuffix('_path')} "
                               "(yet)")
            path = service.storage.absolute(relative)
            if not path.is_file():
                raise NotFound(f"the {column.removesuffix('_path')} of highlight {found.id} is missing on disk")
            return FileResponse(path, content_type=content_type, inline=inline,
                                filename=f"demo{found.demo_id}-{found.kind}-{found.id}{path.suffix}")

        return serve

    async def topshots(request: Request) -> list[queries.TopshotLine]:
        category = request.path_params["category"]
        if category not in queries.TOPSHOT_CATEGORIES:
            raise NotFound(f"no topshot category {category!r} (one of {', '.join(queries.TOPSHOT_CATEGORIES)})")
        q = request.query
        since = datetime.now(UTC) - timedelta(days=q.days) if q.days else None
        return await queries.topshots(get().db, category, map_name=q.map, since=since, limit=q.limit,
                                      min_kills=q.min_kills)

    settings = get().settings
    body = settings.max_files_per_request * (settings.max_upload_bytes + MIB)
    return [
        Route("POST", "/api/greatshot/demos", upload, summary="Upload demos (multipart field `demo`, up to "
              f"{settings.max_files_per_request})", response_type=Uploaded, tier=Tier.USER, max_body=body,
              tags=("greatshot",)),
        Route("GET", "/api/greatshot/demos", demos, summary="The latest demos", query_type=DemosQuery,
              response_type=list[queries.DemoLine], tags=("greatshot",)),
        Route("GET", "/api/greatshot/demos/{demo_id}", demo, summary="A demo: players, kills, highlights, jobs",
              response_type=queries.DemoDetail, tags=("greatshot",)),
        Route("POST", "/api/greatshot/demos/{demo_id}/cancel", cancel, summary="Cancel a demo's jobs (uploader or "
              "admin)", response_type=Cancelled, tier=Tier.USER, tags=("greatshot",)),
        Route("POST", "/api/greatshot/demos/{demo_id}/link", link, summary="Link a demo to a stats round (admin)",
              request_type=LinkBody, response_type=queries.DemoLine, tier=Tier.ADMIN, tags=("greatshot",)),
        Route("GET", "/api/greatshot/highlights", highlights, summary="Highlights, best first",
              query_type=HighlightsQuery, response_type=list[queries.HighlightLine], tags=("greatshot",)),
        Route("GET", "/api/greatshot/highlights/{highlight_id}/clip", file_of("clip_path", "application/octet-stream",
              False), summary="A highlight's clip (.dm_84)", tags=("greatshot",)),
        Route("GET", "/api/greatshot/highlights/{highlight_id}/video", file_of("video_path", "video/mp4", True),
              summary="A highlight's top-down video (MP4)", tags=("greatshot",)),
        Route("GET", "/api/greatshot/highlights/{highlight_id}/preview", file_of("preview_path", "image/webp", True),
              summary="A highlight's animated preview (WebP)", tags=("greatshot",)),
        Route("GET", "/api/greatshot/highlights/{highlight_id}/game-video", file_of("game_video_path", "video/mp4",
              True), summary="A highlight's video from the configured game-client renderer", tags=("greatshot",)),
        Route("GET", "/api/greatshot/topshots/{category}", topshots, summary="Community topshots across all demos",
              query_type=TopshotsQuery, response_type=list[queries.TopshotLine], tags=("greatshot",)),
    ]
