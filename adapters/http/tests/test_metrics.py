"""/metrics: Prometheus text with requests per route template, latency, kernel and plugin gauges."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_requests_counted_per_route_template(client) -> None:
    for item in ("a", "b", "c"):
        await client.get(f"/api/items/{item}")
    await client.get("/no/such/path")
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'slomix_http_requests_total{method="GET",route="/api/items/{item}",status="200"} 3.0' in text
    assert 'slomix_http_requests_total{method="GET",route="<unmatched>",status="404"} 1.0' in text
    assert 'slomix_http_request_duration_seconds_count{method="GET",route="/api/items/{item}"} 3.0' in text
    assert 'slomix_http_request_duration_seconds_bucket{le="0.05",method="GET",route="/api/items/{item}"}' in text


async def test_kernel_and_plugin_gauges(client) -> None:
    client.kernel.plugin("scores").fail("broken on purpose")
    text = (await client.get("/metrics")).text
    assert 'slomix_plugin_up{kind="plugin",name="api",status="active"} 1.0' in text
    assert 'slomix_plugin_up{kind="plugin",name="scores",status="failed"} 0.0' in text
    assert 'slomix_info{version="0.1.0"} 1.0' in text
    assert 'slomix_db_pool_connections{state="idle"}' in text


async def test_rate_limit_refusals_are_counted(site) -> None:
    client = await site(rate_limit={"enabled": True, "per_second": 0.01, "burst": 2})
    await client.get("/api/items/x")
    assert (await client.get("/metrics")).status_code == 200
    assert (await client.get("/api/items/x")).status_code == 429
    # The bucket is empty now, /metrics itself would be refused: read the registry directly.
    metrics = next(m.kwargs["metrics"] for m in client.app.user_middleware if "metrics" in m.kwargs)
    assert metrics.registry.get_sample_value("slomix_http_rate_limited_total") == 1


async def test_metrics_only_for_allowed_addresses(site) -> None:
    client = await site()
    assert (await client.get("/metrics", headers={"x-forwarded-for": "203.0.113.7"})).status_code == 404
    closed = await site(metrics_allow=["10.9.9.9"])
    assert (await closed.get("/metrics")).status_code == 404
    off = await site(metrics=False)
    assert (await off.get("/metrics")).status_code == 404
