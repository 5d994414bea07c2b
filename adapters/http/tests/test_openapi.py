"""The OpenAPI 3.1 document, and schemathesis fuzzing it against a live server."""

from __future__ import annotations

import anyio
import pytest

from slomix_http.testing import schemathesis_failures, serve

pytestmark = pytest.mark.anyio


async def test_openapi_document(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"] == "3.1.0"
    item = spec["paths"]["/api/items/{item}"]["get"]
    assert item["summary"] == "One item"
    params = {p["name"]: p for p in item["parameters"]}
    assert params["item"]["in"] == "path" and params["limit"]["schema"]["type"] == "integer"
    assert item["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Echo"}
    assert item["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert "Body" in spec["components"]["schemas"]
    assert "Query" not in spec["components"]["schemas"]  # flattened into parameters
    assert "/players" not in spec["paths"] and "/auth/login" not in spec["paths"]  # pages are not API
    assert {"401", "403"} <= spec["paths"]["/api/secret"]["get"]["responses"].keys()
    assert "403" in spec["paths"]["/api/items"]["post"]["responses"]  # CSRF
    assert spec["paths"]["/auth/me"]["get"]["tags"] == ["auth"]
    assert spec["paths"]["/health"]["get"]["operationId"] == "http_get_health"


async def test_schemathesis_finds_no_server_errors(site) -> None:
    client = await site(plugins=("api", "pages", "scores"))
    async with serve(client.app) as url:
        failures = await anyio.to_thread.run_sync(schemathesis_failures, url, 30)
    assert failures == []
