"""Plugin routes mounted, validated and encoded; /health; tiers; errors; serving with uvicorn."""

from __future__ import annotations

import logging
import socket

import anyio
import httpx2
import pytest

from slomix.kernel import Config, ConfigError, Kernel, Request, Route, hookimpl
from slomix_http.adapter import HttpAdapter
from slomix_http.app import build_app

pytestmark = pytest.mark.anyio


async def test_health_reports_database_and_plugins(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"
    assert {p["name"] for p in body["plugins"]} >= {"http", "api", "pages"}


async def test_health_is_503_when_the_database_is_down(client) -> None:
    await client.kernel.db.pool.close()
    response = await client.get("/health")
    assert response.status_code == 503 and response.json()["database"]["status"] == "down"


async def test_route_with_typed_query_and_path(client) -> None:
    response = await client.get("/api/items/mp40", params={"limit": "3", "map": "supply"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"limit": 3, "map": "supply", "item": "mp40"}


async def test_invalid_query_is_422_naming_the_key(client) -> None:
    response = await client.get("/api/items/mp40", params={"limit": "lots"})
    assert response.status_code == 422
    assert response.json() == {"error": "Expected `int`, got `str` - at `query.limit`"}
    unknown = await client.get("/api/items/mp40", params={"colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["error"] == \
        "Object contains unknown field `colour` (in query)"


async def test_nul_in_a_query_value_is_422(client) -> None:
    response = await client.get("/api/items/mp40?map=sup%00ply")
    assert response.status_code == 422
    assert response.json() == {"error": "NUL characters are not allowed - at `query.map`"}


async def test_repeated_query_key_takes_the_last_value(client) -> None:
    response = await client.get("/api/items/mp40?limit=1&limit=2")
    assert response.json()["limit"] == 2


async def test_body_validation(client, csrf_token) -> None:
    token = await csrf_token(client)
    headers = {"x-csrf-token": token}
    ok = await client.post("/api/items", json={"name": "x", "tags": ["a"]}, headers=headers)
    assert ok.json() == {"name": "x", "tags": ["a"]}
    bad = await client.post("/api/items", json={"name": "x", "tags": [1]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"] == "Expected `str`, got `int` - at `body.tags[0]`"
    broken = await client.post("/api/items", content=b"{not json", headers=headers)
    assert broken.status_code == 400 and broken.json()["error"].startswith("body is not valid JSON")


async def test_body_over_the_limit_is_413(site, csrf_token) -> None:
    client = await site(max_body_bytes=100)
    token = await csrf_token(client)
    response = await client.post("/api/items", json={"name": "x" * 200}, headers={"x-csrf-token": token})
    assert response.status_code == 413


async def test_lookup_error_is_404(client) -> None:
    response = await client.get("/api/items/missing")
    assert response.status_code == 404 and response.json() == {"error": "no such item"}
    nothing = await client.get("/api/nothing-here")
    assert nothing.status_code == 404 and nothing.json() == {"error": "Not Found"}


async def test_wrong_method_is_405(client) -> None:
    response = await client.delete("/api/items/mp40")
    assert response.status_code == 405


async def test_plugin_exception_is_a_500_with_the_request_id(client, caplog) -> None:
    with caplog.at_level(logging.ERROR, "slomix.http"):
        response = await client.get("/api/broken", headers={"x-request-id": "abc-123"})
    assert response.status_code == 500
    assert response.json() == {"error": "internal error (request id abc-123)"}
    assert response.headers["x-request-id"] == "abc-123"
    [record] = [r for r in caplog.records if "plugin bug" in (r.exc_text or "")]
    assert record.request_id == "abc-123"


async def test_tier_gated_route_refuses_anonymous(client) -> None:
    response = await client.get("/api/secret")
    assert response.status_code == 401
    assert "needs the admin tier" in response.json()["error"]


async def test_served_by_uvicorn_inside_slomix_run(make_kernel) -> None:
    """``on_serve`` listens on the configured port until the kernel cancels it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kernel = await make_kernel(plugins={"http"}, config={"adapters": {"http": {"port": port}}})
    async with anyio.create_task_group() as tg:
        tg.start_soon(kernel.serve)
        async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            with anyio.fail_after(10):
                while True:
                    try:
                        response = await http.get("/health")
                        break
                    except httpx2.ConnectError:
                        await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["x-request-id"] and "server" not in response.headers


def test_two_plugins_claiming_one_path_is_an_error() -> None:
    class Twin:
        @hookimpl
        def on_http_route(self, kernel):
            async def h(request: Request):
                return {}
            return [Route("GET", "/api/same", h)]

    kernel = Kernel(Config({}), only={"http"}, extra={"a": ("plugin", Twin()), "b": ("plugin", Twin())}).load()
    with pytest.raises(ValueError, match="registered by both"):
        build_app(kernel)


def test_a_plugin_may_not_take_an_adapter_path() -> None:
    class Greedy:
        @hookimpl
        def on_http_route(self, kernel):
            async def h(request: Request):
                return {}
            return [Route("GET", "/health", h)]

    kernel = Kernel(Config({}), only={"http"}, extra={"greedy": ("plugin", Greedy())}).load()
    with pytest.raises(ValueError, match=r"/health is registered by both 'http' and 'greedy'"):
        build_app(kernel)


@pytest.mark.parametrize(("settings", "message"), [
    ({"public_url": "stats.example.org"}, "public_url must be an absolute http(s) URL"),
    ({"port": 70000}, "port must be 0..65535"),
    ({"login": {"token_url": "ftp://x"}}, "token_url must be an absolute http(s) URL"),
    ({"rate_limit": {"per_second": 0}}, "per_second must be positive"),
    ({"colour": "red"}, "unknown field `colour`"),
])
def test_bad_settings_name_the_key(settings, message) -> None:
    with pytest.raises(ConfigError, match=r"adapters\.http") as error:
        Kernel(Config({"adapters": {"http": settings}}), only={"http"}).load()
    assert message in str(error.value)


def test_adapter_builds_one_app_per_kernel() -> None:
    adapter = HttpAdapter()
    one = Kernel(Config({}), only=set()).load()
    two = Kernel(Config({}), only=set()).load()
    assert adapter.on_asgi_app(one) is adapter.on_asgi_app(one)
    assert adapter.on_asgi_app(one) is not adapter.on_asgi_app(two)
