"""Turning a kernel Route into a Starlette endpoint: check, validate, call, answer.

In order: the plugin still runs (else 404), CSRF on state-changing requests, the
permission tier (signed in, then ``kernel.require``), the kernel ``Request`` (path
parameters, query and headers checked as they are read: 422 naming the key path), the JSON
body, then the handler. Its result (a kernel response, a page, or data to encode as JSON)
becomes a Starlette response here; its errors become statuses.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote

import anyio
from starlette.background import BackgroundTask
from starlette.requests import Request as StarletteRequest
from starlette.responses import FileResponse as StarletteFileResponse
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse

from slomix.kernel import (
    DatabaseUnavailable,
    FileResponse,
    Headers,
    HTTPError,
    JSONResponse,
    Page,
    PermissionDenied,
    Redirect,
    Request,
    Response,
    Route,
    RouteResult,
    UsageError,
)
from slomix.kernel.web import json_value, path_value, query_value

from . import cache, csrf
from .layout import error_body
from .responses import JSON, problem
from .site import ANONYMOUS, Site, actor_of

log = logging.getLogger("slomix.http")

__all__ = ["endpoint", "kernel_request"]


_EXPLICIT = (Page, JSONResponse, Redirect, Response, FileResponse)


def kernel_request(request: StarletteRequest, site: Site, route: Route) -> Request:
    """The kernel's view of a Starlette request (its query is set once the caller may ask);
    raises Unprocessable for a NUL in a path parameter or one its route's ``path_type`` refuses."""
    made = Request(
        kernel=site.kernel, actor=actor_of(request), method=request.method, path=request.url.path,
        headers=Headers(request.scope["headers"]), client=request.client.host if request.client else None,
        path_params=request.path_params, source=request.stream,
        max_body=route.max_body or site.settings.max_body_bytes, scope=request.scope, panels=site.panels)
    made.path_params = path_value(made.path_params, route.path_type)
    return made


def endpoint(route: Route, site: Site):
    """An ASGI endpoint for ``route``."""
    kernel = site.kernel
    page = route.kind == "page"
    what = f"{route.method.upper()} {route.path}"
    # The same for every visitor: public JSON (see cache.py).
    cacheable = route.method.upper() == "GET" and route.kind == "api" and route.tier is None

    async def fail(request: StarletteRequest, status: int, message: str,
                   headers: dict[str, str] | None = None) -> StarletteResponse:
        if not page:
            response = problem(status, message)
        else:
            sign_in = None
            if status == 401 and site.settings.login.client_id is not None:
                sign_in = f"/auth/login?next={quote(request.url.path, safe='/')}"
            response = await site.page(request, str(status), error_body(status, message, sign_in=sign_in), status)
        response.headers.update(headers or {})
        return response

    async def handle(request: StarletteRequest) -> StarletteResponse:
        if not site.is_active(route.plugin):
            return await fail(request, 404, "Not Found")
        req: Request | None = None
        result: RouteResult = None
        key = None
        try:
            req = kernel_request(request, site, route)
            if request.method in csrf.UNSAFE and route.csrf:
                refused = await csrf.refusal(request, req, site.settings.public_url)
                if refused:
                    return await fail(request, 403, refused)
            if cacheable and req.actor is ANONYMOUS and site.cache is not None:
                req.query = query_value(request.query_params.multi_items(), route.query_type)
                key = cache.key(request.url.path, req.query)
                hit = site.cache.get(key)
                if hit is not None:
                    return hit
            if route.tier is not None and req.actor is ANONYMOUS:
                # Any tier, even ``user``, means signed in: the web has visitors, Discord has none.
                return await fail(request, 401, f"sign in first: {what} needs the {route.tier} tier")
            try:
                await kernel.require(req.actor, route.tier, what=what)
            except PermissionDenied as refusal:
                return await fail(request, 401 if req.actor is ANONYMOUS else 403, str(refusal))
            if key is None:
                req.query = query_value(request.query_params.multi_items(), route.query_type)
            if route.request_type is not None:
                req.data = json_value(await req.body() or b"null", route.request_type)
            result = await route.handler(req)
            response = await _answer(site, request, route, result)
        except HTTPError as error:
            response = await fail(request, error.status, error.message, error.headers)
        except UsageError as error:
            response = await fail(request, 400, str(error))
        except PermissionDenied as error:
            response = await fail(request, 403, str(error))
        except LookupError as error:
            response = await fail(request, 404, str(error.args[0]) if error.args else "Not Found")
        except DatabaseUnavailable as error:  # not the request's fault: a client may try again
            log.error("%s: %s", what, error)
            response = await fail(request, 503, str(error), {"Retry-After": "30"})
        except Exception:
            # One plugin's bug is its own 500, logged with the request id, never a crash page.
            log.exception("%s (plugin %r) failed", what, route.plugin)
            response = await fail(request, 500,
                                  f"internal error (request id {request.scope.get('slomix.request_id')})")
        if req is not None and req.holds_files:
            response.background = BackgroundTask(req.close)  # after the answer is sent
        elif key is not None and not isinstance(result, _EXPLICIT):
            site.cache.put(key, response)  # data only: an explicit response chose its own headers
        return response

    handle.__name__ = f"{route.plugin}_{route.method}_{route.path}".replace("/", "_")
    return handle


async def _answer(site: Site, request: StarletteRequest, route: Route, result: RouteResult) -> StarletteResponse:
    """The Starlette response for what a handler returned."""
    match result:
        case Page(title=title, html=html, status=status):
            return await site.page(request, title, html, status)
        case str() if route.kind == "page":
            # A fragment goes inside the site's shell; a whole document is sent as it is.
            if result[:9].lower() == "<!doctype":
                return HTMLResponse(result)
            return await site.page(request, route.nav or route.summary or "Slomix", result)
        case JSONResponse(content=content, status=status, headers=headers):
            return JSON(content, status_code=status, headers=dict(headers))
        case Redirect(url=url, status=status):
            return RedirectResponse(url, status_code=status)
        case Response(body=body, status=status, content_type=content_type, headers=headers):
            return StarletteResponse(body, status_code=status, media_type=content_type, headers=dict(headers))
        case FileResponse():
            return await _file(request, result)
        case _:
            return JSON(result)


async def _file(request: StarletteRequest, file: FileResponse) -> StarletteResponse:
    """A file from disk: Range requests (Starlette), and 304 when the browser has this version."""
    try:
        stat = await anyio.to_thread.run_sync(os.stat, file.path)
    except FileNotFoundError:
        raise HTTPError(404, f"{os.path.basename(file.path)} is not there any more") from None
    response = StarletteFileResponse(
        file.path, media_type=file.content_type, headers=dict(file.headers), stat_result=stat,
        filename=file.filename or os.path.basename(file.path),
        content_disposition_type="inline" if file.inline else "attachment")
    etag = response.headers["etag"]
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return StarletteResponse(status_code=304, headers={"etag": etag})
    return response
