"""Test plugins and fixtures for the HTTP adapter (only the kernel and the adapter installed)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import itsdangerous
import msgspec
import pytest

from slomix.kernel import Page, Request, Route, Tier, hookimpl


class Query(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 10
    map: str | None = None


class Body(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    tags: list[str] = []


class Echo(msgspec.Struct):
    limit: int
    map: str | None
    item: str


class Api:
    """JSON routes: typed query and body, a tier-gated route, a broken one, a CSRF-free hook."""

    @hookimpl
    def on_http_route(self, kernel):
        async def get_item(request: Request) -> Echo:
            if request.path_params["item"] == "missing":
                raise LookupError("no such item")
            return Echo(request.query.limit, request.query.map, request.path_params["item"])

        async def post(request: Request) -> Body:
            return request.data

        async def secret(request: Request) -> dict:
            return {"secret": 42, "who": request.actor.id}

        async def hook(request: Request) -> dict:
            return {"ok": True}

        async def big(request: Request) -> dict:
            return {"text": "x" * 5000}

        return [
            Route("GET", "/api/items/{item}", get_item, summary="One item", query_type=Query,
                  response_type=Echo),
            Route("POST", "/api/items", post, summary="Add an item", request_type=Body, response_type=Body),
            Route("GET", "/api/secret", secret, summary="Admins only", tier=Tier.ADMIN),
            Route("POST", "/api/hook", hook, summary="Authenticated another way", csrf=False),
            Route("GET", "/api/big", big, summary="A large answer"),
        ]


class Faulty:
    """A plugin with a bug."""

    @hookimpl
    def on_http_route(self, kernel):
        async def broken(request: Request) -> dict:
            raise RuntimeError("plugin bug")

        return [Route("GET", "/api/broken", broken, summary="Always fails")]


class Pages:
    """Pages with navigation entries, an admin page, a page offering a panel slot."""

    @hookimpl
    def on_http_route(self, kernel):
        async def home(request: Request) -> Page:
            return Page("Welcome", "<h1>Welcome</h1>")

        async def players(request: Request) -> str:
            return "<h1>Players</h1>"

        async def admin(request: Request) -> Page:
            return Page("Admin", "<h1>Admin</h1>")

        async def session(request: Request) -> Page:
            panels = await request.panels("session", session_id=request.path_params["session_id"])
            return Page(f"Session {request.path_params['session_id']}", f"<h1>Session</h1>{panels}")

        async def missing(request: Request) -> Page:
            raise LookupError("no such player")

        return [
            Route("GET", "/", home, kind="page", nav="Home", nav_order=0),
            Route("GET", "/players", players, kind="page", nav="Players", nav_order=20),
            Route("GET", "/admin", admin, kind="page", nav="Admin", nav_order=90, tier=Tier.ADMIN),
            Route("GET", "/sessions/{session_id}", session, kind="page"),
            Route("GET", "/players/{guid}", missing, kind="page"),
        ]


class Scores:
    """Another plugin adding a panel to the session page, plus a navigation entry."""

    @hookimpl
    def on_http_route(self, kernel):
        async def panel(request: Request) -> str:
            return f"<h2>Score for {request.path_params['session_id']}</h2>"

        async def broken_panel(request: Request) -> str:
            raise RuntimeError("panel bug")

        async def table(request: Request) -> str:
            return "<h1>Scores</h1>"

        return [
            Route("GET", "/scores/sessions/{session_id}", panel, kind="page", tags=("panel:session",)),
            Route("GET", "/scores/broken/{session_id}", broken_panel, kind="page", tags=("panel:session",)),
            Route("GET", "/scores", table, kind="page", nav="Scores", nav_order=10),
        ]


PLUGINS = {"api": ("plugin", Api()), "faulty": ("plugin", Faulty()), "pages": ("plugin", Pages()),
           "scores": ("plugin", Scores())}


def http_config(**settings: Any) -> dict[str, Any]:
    """``[adapters.http]`` for tests: rate limits off unless asked for."""
    return {"adapters": {"http": {"rate_limit": {"enabled": False}, **settings}}}


SESSION_SECRET = "a-test-secret"


@pytest.fixture(autouse=True)
def session_secret(monkeypatch) -> str:
    monkeypatch.setenv("SLOMIX_SESSION_SECRET", SESSION_SECRET)
    return SESSION_SECRET


@pytest.fixture
def sign_in():
    """``sign_in(client, "42", "Boss")``: the signed session cookie the OAuth callback would set."""

    def put(client, user_id: str, name: str) -> None:
        payload = base64.b64encode(json.dumps({"user": {"id": user_id, "name": name}}).encode())
        client.cookies.clear()
        client.cookies.set("slomix_session", itsdangerous.TimestampSigner(SESSION_SECRET).sign(payload).decode())

    return put


@pytest.fixture
def site(make_kernel, http_client):
    """``await site(**http_settings)``: a client for a kernel with the test plugins."""

    async def factory(config: dict[str, Any] | None = None, plugins: tuple[str, ...] = tuple(PLUGINS),
                      **settings: Any):
        data = http_config(**settings)
        for key, value in (config or {}).items():
            data.setdefault(key, {}).update(value)
        extra = {name: PLUGINS[name] for name in plugins}
        kernel = await make_kernel(plugins={"http"}, extra=extra, config=data)
        client = await http_client(kernel)
        client.kernel = kernel
        client.app = await kernel.first("on_asgi_app")
        return client

    return factory


@pytest.fixture
async def client(site):
    return await site()


async def _csrf_token(client) -> str:
    page = await client.get("/players", headers={"accept": "text/html"})
    return re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)


@pytest.fixture
def csrf_token():
    """``await csrf_token(client)``: the token a page hands out (it also sets the session cookie)."""
    return _csrf_token
