"""Turning a kernel Route into a Starlette endpoint: validate, check tier, call, encode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
from starlette.requests import Request as StarletteRequest
from starlette.responses import HTMLResponse, JSONResponse, Response

from slomix.kernel import Actor, Kernel, PermissionDenied, Route, UsageError

ANONYMOUS = Actor(id="http:anonymous", name="anonymous", adapter="http")


@dataclass(slots=True)
class RouteRequest:
    """What a plugin's route handler receives."""

    raw: StarletteRequest
    kernel: Kernel
    actor: Actor
    path_params: dict[str, Any]
    query: Any = None
    body: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def problem(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _validation_message(error: msgspec.ValidationError, where: str) -> str:
    text = str(error)
    return text.replace("`$", f"`{where}") if "`$" in text else f"{text} (in {where})"


def actor_of(request: StarletteRequest) -> Actor:
    return request.scope.get("slomix.actor", ANONYMOUS)


def endpoint(route: Route, kernel: Kernel):
    """An ASGI endpoint for ``route``."""

    async def handle(request: StarletteRequest) -> Response:
        actor = actor_of(request)
        try:
            await kernel.require(actor, route.tier, what=f"{route.method} {route.path}")
        except PermissionDenied as refusal:
            status = 401 if actor is ANONYMOUS else 403
            return problem(status, str(refusal))
        query = body = None
        if route.query_type is not None:
            try:
                query = msgspec.convert(dict(request.query_params), type=route.query_type, strict=False)
            except msgspec.ValidationError as error:
                return problem(422, _validation_message(error, "query"))
        if route.request_type is not None:
            raw = await request.body()
            try:
                body = msgspec.json.decode(raw or b"null", type=route.request_type)
            except msgspec.ValidationError as error:
                return problem(422, _validation_message(error, "body"))
            except msgspec.DecodeError as error:
                return problem(400, f"body is not valid JSON: {error}")
        req = RouteRequest(request, kernel, actor, dict(request.path_params), query, body)
        try:
            result = await route.handler(req)
        except UsageError as error:
            return problem(400, str(error))
        except LookupError as error:
            return problem(404, str(error.args[0]) if error.args else "not found")
        if isinstance(result, Response):
            return result
        if route.kind == "page":
            return HTMLResponse(result)
        return JSON(result)

    handle.__name__ = f"{route.plugin}_{route.method}_{route.path}".replace("/", "_")
    return handle
