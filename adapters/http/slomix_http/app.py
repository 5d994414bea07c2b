"""Building the Starlette app from the kernel's route table (constructed once).

Middleware, outermost first: request id, metrics and access log, security headers,
gzip, rate limit, session. Then the router: the adapter's own routes (health, docs,
OpenAPI, metrics, sign-in, static files) and every plugin's routes and pages.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from html import escape
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute
from starlette.staticfiles import StaticFiles

import slomix
from slomix.kernel import JSONResponse, Kernel, Page, Route
from slomix.kernel import Request as KernelRequest

from . import docs, requestid
from .auth import DiscordLogin
from .cache import ResponseCache
from .endpoints import endpoint
from .headers import SecurityHeadersMiddleware, security_headers
from .layout import error_body
from .metrics import Metrics, MetricsMiddleware
from .openapi import document
from .ratelimit import RateLimitMiddleware, TokenBuckets
from .responses import JSON, problem, wants_html
from .settings import HttpSettings
from .site import STATIC, Site, starlette_request

log = logging.getLogger("slomix.http")


class Health(msgspec.Struct):
    """Database, plugin and adapter state, and the job queue (503 when the database is down)."""

    status: str
    database: dict[str, Any]
    plugins: list[dict[str, Any]]
    jobs: dict[str, Any] | None = None


def _check_unique(routes: list[Route]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for r in routes:
        key = (r.method.upper(), r.path)
        if key in seen:
            raise ValueError(f"{r.method} {r.path} is registered by both {seen[key]!r} and {r.plugin!r}")
        seen[key] = r.plugin


def _session_secret(settings: HttpSettings) -> str:
    secret = settings.session_secret.reveal()
    if secret is None:
        log.warning("%s is not set: sessions are signed with a random key and end when the process stops",
                    settings.session_secret.env)
        return secrets.token_urlsafe(32)
    return secret


def _site_routes(site: Site) -> list[Route]:
    """The adapter's own routes that go through the same checks as plugins' (plugin ``http``)."""
    kernel = site.kernel

    async def health(request: KernelRequest) -> JSONResponse:
        report = await kernel.health()
        return JSONResponse(report, status=503 if report["database"]["status"] != "ok" else 200)

    async def api_docs(request: KernelRequest) -> Page:
        return Page("API", docs.page(site.openapi))

    async def index(request: KernelRequest) -> Page:
        items = "".join(f'<li><a href="{escape(n.href)}">{escape(n.label)}</a></li>'
                        for n in await site.nav(starlette_request(request)) if n.href != "/")
        return Page("Slomix", f"<h1>Slomix</h1><ul class=links>{items}</ul>" if items else
                    "<h1>Slomix</h1><p>No plugin serves pages yet.</p>")

    routes = [
        Route("GET", "/health", health, summary="Database, plugin and adapter state", response_type=Health,
              tags=("site",)),
        Route("GET", "/docs", api_docs, summary="API reference", kind="page"),
        *DiscordLogin(site.settings, site).routes(),
    ]
    if not any(r.path == "/" and r.method.upper() == "GET" for r in kernel.routes):
        routes.append(Route("GET", "/", index, summary="Start page", kind="page"))
    return [replace(r, plugin="http") for r in routes]


def build_app(kernel: Kernel, settings: HttpSettings | None = None) -> Starlette:
    """The whole site for ``kernel``."""
    settings = settings or kernel.settings_for("http") or HttpSettings()
    requestid.install_log_field()
    site = Site(kernel, settings, cache=ResponseCache(settings.cache_seconds) if settings.cache_seconds else None)
    metrics = Metrics(kernel)
    site.routes = _site_routes(site) + list(kernel.routes)
    _check_unique(site.routes)
    site.openapi = document(site.routes, "Slomix", slomix.__version__)

    async def openapi_json(_request: Request) -> Response:
        return JSON(site.openapi)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if wants_html(request.headers) and exc.status_code == 404:
            return await site.page(request, "Not found", error_body(404, "There is no page here."), 404)
        response = problem(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})  # 405's Allow
        return response

    async def server_error(request: Request, _exc: Exception) -> Response:
        # Outside the other middleware: add the id and the security headers here.
        request_id = request.scope.get("slomix.request_id", "-")
        response = problem(500, f"internal error (request id {request_id})")
        response.headers.update(dict(security_headers(False)))
        response.headers[requestid.HEADER] = request_id
        return response

    trusted = frozenset(settings.trusted_proxies)
    table: list[Any] = [
        StarletteRoute("/openapi.json", openapi_json, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if settings.metrics:
        table.append(StarletteRoute("/metrics", metrics.endpoint(frozenset(settings.metrics_allow), trusted),
                                    methods=["GET"]))
    table.extend(StarletteRoute(r.path, endpoint(r, site), methods=[r.method.upper()]) for r in site.routes)
    middleware = [
        Middleware(requestid.RequestIdMiddleware),
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies),
        Middleware(GZipMiddleware, minimum_size=1000),
    ]
    if settings.rate_limit.enabled:
        buckets = TokenBuckets(settings.rate_limit.per_second, settings.rate_limit.burst)
        middleware.append(Middleware(RateLimitMiddleware, buckets=buckets, trusted_proxies=trusted,
                                     on_reject=metrics.rate_limited.inc))
    middleware.append(Middleware(SessionMiddleware, secret_key=_session_secret(settings),
                                 session_cookie="slomix_session", max_age=settings.session_max_age_seconds,
                                 same_site="lax", https_only=settings.secure_cookies))
    # Each route's own limit is the kernel request's; this ceiling guards everything else.
    ceiling = max([settings.max_body_bytes, *(r.max_body for r in site.routes if r.max_body)])
    app = Starlette(routes=table, middleware=middleware, max_body_size=ceiling,
                    exception_handlers={HTTPException: http_error, 500: server_error})
    app.state.site = site
    return app
