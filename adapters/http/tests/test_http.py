"""The HTTP adapter: plugin routes mounted, validated, documented; /health; tiers."""

from __future__ import annotations

import msgspec
import pytest

from slomix.kernel import Config, Kernel, Route, Tier, hookimpl
from slomix_http.app import build_app

pytestmark = pytest.mark.anyio


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
    @hookimpl
    def on_http_route(self, kernel):
        async def get_item(request) -> Echo:
            if request.path_params["item"] == "missing":
                raise LookupError("no such item")
            return Echo(request.query.limit, request.query.map, request.path_params["item"])

        async def post(request) -> Body:
            return request.body

        async def secret(request) -> dict:
            return {"secret": 42}

        async def page(request) -> str:
            return "<!doctype html><title>hi</title><p>hello"

        return [
            Route("GET", "/api/items/{item}", get_item, summary="One item", query_type=Query,
                  response_type=Echo),
            Route("POST", "/api/items", post, summary="Add an item", request_type=Body, response_type=Body),
            Route("GET", "/api/secret", secret, summary="Admins only", tier=Tier.ADMIN),
            Route("GET", "/hello", page, kind="page", nav="Hello"),
        ]


@pytest.fixture
async def client(make_kernel, http_client):
    kernel = await make_kernel(plugins={"http"}, extra={"api": ("plugin", Api())})
    return await http_client(kernel)


async def test_health_reports_database_and_plugins(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"
    assert {p["name"] for p in body["plugins"]} >= {"http", "api"}


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
    assert unknown.status_code == 422 and "colour" in unknown.json()["error"]


async def test_body_validation(client) -> None:
    ok = await client.post("/api/items", json={"name": "x", "tags": ["a"]})
    assert ok.json() == {"name": "x", "tags": ["a"]}
    bad = await client.post("/api/items", json={"name": "x", "tags": [1]})
    assert bad.status_code == 422 and bad.json()["error"] == "Expected `str`, got `int` - at `body.tags[0]`"
    broken = await client.post("/api/items", content=b"{not json")
    assert broken.status_code == 400


async def test_lookup_error_is_404(client) -> None:
    response = await client.get("/api/items/missing")
    assert response.status_code == 404 and response.json() == {"error": "no such item"}
    assert (await client.get("/api/nothing-here")).status_code == 404


async def test_tier_gated_route_refuses_anonymous(client) -> None:
    response = await client.get("/api/secret")
    assert response.status_code == 401
    assert "needs the admin tier" in response.json()["error"]


async def test_pages_are_html(client) -> None:
    response = await client.get("/hello")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


async def test_openapi_document(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"] == "3.1.0"
    item = spec["paths"]["/api/items/{item}"]["get"]
    assert item["summary"] == "One item"
    params = {p["name"]: p for p in item["parameters"]}
    assert params["item"]["in"] == "path" and params["limit"]["schema"]["type"] == "integer"
    assert item["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Echo"}
    assert "Body" in spec["components"]["schemas"]
    assert "/hello" not in spec["paths"]  # pages are not API
    assert "403" in spec["paths"]["/api/secret"]["get"]["responses"]
    docs = await client.get("/docs")
    assert "/api/items/{item}" in docs.text


def test_two_plugins_claiming_one_path_is_an_error() -> None:
    class Twin:
        @hookimpl
        def on_http_route(self, kernel):
            async def h(request):
                return {}
            return [Route("GET", "/api/same", h)]

    kernel = Kernel(Config({}), only={"http"}, extra={"a": ("plugin", Twin()), "b": ("plugin", Twin())}).load()
    with pytest.raises(ValueError, match="registered by both"):
        build_app(kernel)
