"""HTTP routes and pages contributed by plugins through ``on_http_route``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .permissions import Tier

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Route:
    """One route. The HTTP adapter mounts it, validates it and documents it.

    ``handler`` is ``async def handler(request)`` where ``request`` is the
    adapter's request object (path params, query, the decoded ``body`` typed
    as ``request_type``, the signed-in user and the kernel). It returns an
    instance of ``response_type`` (encoded as JSON), or for pages an HTML
    string, or a ready response.

    ``kind`` is ``api`` (JSON, in the OpenAPI document), ``page`` (HTML; with
    ``nav`` set it appears in the site navigation) or ``asset``.
    ``tier`` is the permission tier needed; ``None`` means public.
    """

    method: str
    path: str
    handler: Handler
    summary: str = ""
    request_type: type | None = None
    query_type: type | None = None
    response_type: Any = None
    tier: Tier | None = None
    kind: Literal["api", "page", "asset"] = "api"
    nav: str | None = None
    nav_order: int = 100
    tags: tuple[str, ...] = field(default_factory=tuple)
    csrf: bool = True
    plugin: str = ""
