"""HTTP routes and pages contributed by plugins through ``on_http_route``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .permissions import Tier
from .web import Handler


@dataclass(frozen=True, slots=True)
class Route:
    """One route. The HTTP adapter mounts it, validates it and documents it.

    ``handler`` is ``async def handler(request: slomix.kernel.Request)``; it returns an
    instance of ``response_type`` (encoded as JSON), a :class:`slomix.kernel.Page` or an
    HTML fragment for pages, or one of the kernel's responses (``JSONResponse``,
    ``FileResponse``, ``Redirect``, ``Response``), and raises ``HTTPError`` (``NotFound``,
    ``Forbidden``, ...) to answer otherwise.

    ``kind`` is ``api`` (JSON, in the OpenAPI document), ``page`` (HTML; with
    ``nav`` set it appears in the site navigation) or ``asset``.
    ``tier`` is the permission tier needed; ``None`` means public.
    ``path_type`` is a ``msgspec.Struct`` naming the path's parameters with their types (a
    ``datetime.date``, an ``int`` with bounds): the adapter converts them (422 naming the
    parameter when one does not fit) and documents them; without one they are strings.
    ``max_body`` is the most bytes a request may send (uploads); ``None``: the adapter's default.
    ``status`` is the status of a successful answer and ``errors`` the other statuses the handler
    answers (status: when), both for the API's documentation; the adapter documents its own
    (400, 404, 413, 422, 429, 503, and 401/403 for a tier) on every route.
    """

    method: str
    path: str
    handler: Handler
    summary: str = ""
    request_type: type | None = None
    query_type: type | None = None
    path_type: type | None = None
    response_type: Any = None
    tier: Tier | None = None
    kind: Literal["api", "page", "asset"] = "api"
    nav: str | None = None
    nav_order: int = 100
    tags: tuple[str, ...] = field(default_factory=tuple)
    csrf: bool = True
    max_body: int | None = None
    status: int = 200
    errors: Mapping[int, str] = field(default_factory=dict)
    plugin: str = ""
