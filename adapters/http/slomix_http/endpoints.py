"""Turning a kernel Route into a Starlette endpoint: check, validate, call, encode.

In order: the plugin still runs (else 404), CSRF on state-changing requests, the
permission tier (signed in, then ``kernel.require``), the query and the body (422 naming the key path),
then the handler. An API route answers JSON; a page's HTML goes inside the site's shell.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import HTMLResponse, Response

from slomix.kernel import Actor, Kernel, PermissionDenied, Route, UsageError

from . import csrf
from .layout import error_body
from .responses import JSON, problem
from .site import ANONYMOUS, Site, actor_of

log = logging.getLogger("slomix.http")

__all__ = ["JSON", "RouteRequest", "endpoint", "problem"]


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
    site: Site | None = None

    async def panels(self, slot: str, **path_params: Any) -> str:
        """HTML contributed to ``slot`` by other plugins' page routes tagged ``panel:<slot>``.

        A page offers a slot (the session page offers ``session``); a plugin that has
        something to add there (stopwatch scores) registers a page route with that tag.
        Each panel gets ``path_params``; one that fails is logged and left out.
        """
        if self.site is None:
            return ""
        parts = []
        for route in self.site.routes:
            if f"panel:{slot}" not in route.tags or not self.site.is_active(route.plugin):
                continue
            request = RouteRequest(self.raw, self.kernel, self.actor, dict(path_params), site=self.site)
            try:
                html = await route.handler(request)
            except Exception:
                log.exception("panel %s of plugin %r failed", slot, route.plugin)
                continue
            if html:
                parts.append(f'<section class="panel" data-plugin="{escape(route.plugin)}">{html}</section>')
        return "".join(parts)


def _validation_message(error: msgspec.ValidationError, where: str) -> str:
    text = str(error)
    return text.replace("`$", f"`{where}") if "`$" in text else f"{text} (in {where})"


def _query(request: StarletteRequest, query_type: type) -> Any:
    params = request.query_params
    for key, value in params.multi_items():
        if "\x00" in value:
            # PostgreSQL text cannot hold NUL: refuse it here rather than fail deep in a query.
            raise msgspec.ValidationError(f"NUL characters are not allowed - at `$.{key}`")
    # A repeated key is a list only when the type asks for one; otherwise the last wins.
    fields = {f.encode_name: f.type for f in msgspec.structs.fields(query_type)}
    data = {key: params.getlist(key) if _is_list(fields.get(key)) else params[key] for key in params}
    return msgspec.convert(data, type=query_type, strict=False)


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) in (list, tuple, set, frozenset)


def endpoint(route: Route, site: Site):
    """An ASGI endpoint for ``route``."""
    kernel = site.kernel
    page = route.kind == "page"
    what = f"{route.method.upper()} {route.path}"
    # The same for every visitor: public JSON (see cache.py).
    cacheable = route.method.upper() == "GET" and route.kind == "api" and route.tier is None

    async def fail(request: StarletteRequest, status: int, message: str) -> Response:
        if not page:
            return problem(status, message)
        sign_in = None
        if status == 401 and site.settings.login.client_id is not None:
            sign_in = f"/auth/login?next={quote(request.url.path, safe='/')}"
        return await site.page(request, str(status), error_body(status, message, sign_in=sign_in), status)

    async def handle(request: StarletteRequest) -> Response:
        if not site.is_active(route.plugin):
            return await fail(request, 404, "Not Found")
        if request.method in csrf.UNSAFE and route.csrf:
            refused = await csrf.refusal(request, site.settings.public_url)
            if refused:
                return await fail(request, 403, refused)
        actor = actor_of(request)
        key = None
        if cacheable and actor is ANONYMOUS and site.cache is not None:
            key = f"{request.url.path}?{request.url.query}"
            hit = site.cache.get(key)
            if hit is not None:
                return hit
        if route.tier is not None and actor is ANONYMOUS:
            # Any tier, even ``user``, means signed in: the web has visitors, Discord has none.
            return await fail(request, 401, f"sign in first: {what} needs the {route.tier} tier")
        try:
            await kernel.require(actor, route.tier, what=what)
        except PermissionDenied as refusal:
            return await fail(request, 401 if actor is ANONYMOUS else 403, str(refusal))
        query = body = None
        if route.query_type is not None:
            try:
                query = _query(request, route.query_type)
            except msgspec.ValidationError as error:
                return await fail(request, 422, _validation_message(error, "query"))
        if route.request_type is not None:
            raw = await request.body()
            try:
                body = msgspec.json.decode(raw or b"null", type=route.request_type)
            except msgspec.ValidationError as error:
                return await fail(request, 422, _validation_message(error, "body"))
            except msgspec.DecodeError as error:
                return await fail(request, 400, f"body is not valid JSON: {error}")
        req = RouteRequest(request, kernel, actor, dict(request.path_params), query, body, site=site)
        try:
            result = await route.handler(req)
        except HTTPException as error:
            return await fail(request, error.status_code, str(error.detail))
        except UsageError as error:
            return await fail(request, 400, str(error))
        except PermissionDenied as error:
            return await fail(request, 403, str(error))
        except LookupError as error:
            return await fail(request, 404, str(error.args[0]) if error.args else "Not Found")
        except Exception:
            # One plugin's bug is its own 500, logged with the request id, never a crash page.
            log.exception("%s (plugin %r) failed", what, route.plugin)
            return await fail(request, 500, f"internal error (request id {request.scope.get('slomix.request_id')})")
        if isinstance(result, Response):
            return result
        if page:
            return await _page(site, request, route, result)
        response = JSON(result)
        if key is not None:
            site.cache.put(key, response)
        return response

    handle.__name__ = f"{route.plugin}_{route.method}_{route.path}".replace("/", "_")
    return handle


async def _page(site: Site, request: StarletteRequest, route: Route, result: Any) -> Response:
    """A page handler returns a fragment (``str``) or an object with ``title`` and ``html``
    (and optionally ``status``); the fragment goes inside the site's shell.

    A string that is already a whole document (``<!doctype``) is sent as it is.
    """
    if isinstance(result, str):
        if result[:9].lower() == "<!doctype":
            return HTMLResponse(result)
        title, html = route.nav or route.summary or "Slomix", result
    else:
        title, html = str(result.title), str(result.html)
    return await site.page(request, title, html, getattr(result, "status", 200))
