"""What every request of one app shares: the kernel, settings, routes, assets, the shell."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

import slomix
from slomix.kernel import Actor, Kernel, Route, Tier
from slomix.kernel import Request as KernelRequest

from . import csrf
from .cache import ResponseCache
from .layout import NavItem, Shell, document

log = logging.getLogger("slomix.http")

STATIC = Path(__file__).parent / "static"
ANONYMOUS = Actor(id="http:anonymous", name="anonymous", adapter="http")


def asset_urls(folder: Path = STATIC) -> dict[str, str]:
    """``name -> /static/name?v=<content hash>``: a changed file gets a new URL."""
    return {p.name: f"/static/{p.name}?v={hashlib.sha256(p.read_bytes()).hexdigest()[:10]}"
            for p in sorted(folder.iterdir()) if p.is_file()}


def starlette_request(request: KernelRequest) -> Request:
    """The server's request behind a kernel request, for the adapter's own routes (sessions)."""
    return Request(request.scope)  # type: ignore[arg-type]


def actor_of(request: Request) -> Actor:
    """The signed-in Discord user from the session, else the anonymous actor."""
    user = request.session.get("user") if "session" in request.scope else None
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return Actor(id=f"discord:{user['id']}", name=str(user.get("name") or user["id"]), adapter="http")
    return ANONYMOUS


@dataclass
class Site:
    kernel: Kernel
    settings: Any  # HttpSettings
    routes: list[Route] = field(default_factory=list)
    assets: dict[str, str] = field(default_factory=asset_urls)
    openapi: dict[str, Any] = field(default_factory=dict)
    cache: ResponseCache | None = None

    def is_active(self, plugin: str) -> bool:
        """Routes of a plugin that is disabled or has failed answer 404."""
        info = self.kernel.plugin(plugin)
        return info is None or info.status in ("loaded", "active")

    async def tier(self, request: Request) -> Tier:
        """The actor's tier, looked up once per request."""
        if "slomix.tier" not in request.scope:
            actor = actor_of(request)
            request.scope["slomix.tier"] = (
                Tier.USER if actor is ANONYMOUS else await self.kernel.permissions.tier_of(actor))
        return request.scope["slomix.tier"]

    async def nav(self, request: Request) -> list[NavItem]:
        """Pages with ``nav`` set, of running plugins, that this visitor may open."""
        tier = await self.tier(request)
        pages = sorted((r for r in self.routes if r.nav and r.kind == "page" and r.method.upper() == "GET"
                        and self.is_active(r.plugin) and (r.tier is None or tier >= r.tier)),
                       key=lambda r: (r.nav_order, r.nav or ""))
        path = request.url.path
        return [NavItem(r.nav or "", r.path, r.path == path or (r.path != "/" and path.startswith(r.path + "/")))
                for r in pages]

    async def panels(self, request: KernelRequest, slot: str, params: dict[str, Any]) -> str:
        """HTML contributed to ``slot`` by other plugins' page routes tagged ``panel:<slot>``.

        A page offers a slot (the session page offers ``session``); a plugin that has
        something to add there (stopwatch scores) registers a page route with that tag.
        Each panel gets ``params`` as its path parameters; one that fails is logged and left out.
        """
        parts = []
        for route in self.routes:
            if f"panel:{slot}" not in route.tags or not self.is_active(route.plugin):
                continue
            try:
                html = await route.handler(request.derive(params))
            except Exception:
                log.exception("panel %s of plugin %r failed", slot, route.plugin)
                continue
            if html:
                parts.append(f'<section class="panel" data-plugin="{escape(route.plugin)}">{html}</section>')
        return "".join(parts)

    async def page(self, request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
        """``body`` inside the site's shell."""
        user = actor_of(request)
        shell = Shell(nav=await self.nav(request), path=request.url.path, csrf=csrf.token(request),
                      user_name=None if user is ANONYMOUS else user.name,
                      login_enabled=self.settings.login.client_id is not None, assets=self.assets,
                      version=slomix.__version__)
        return HTMLResponse(document(title, body, shell), status_code=status)
