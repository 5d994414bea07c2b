"""The cache of public JSON answers: what it keeps, what it never keeps, when it empties."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from slomix_http.cache import ResponseCache

pytestmark = pytest.mark.anyio


async def test_public_json_is_served_from_the_cache_until_a_round(client) -> None:
    first = await client.get("/api/items/a?limit=2")
    again = await client.get("/api/items/a?limit=2")
    assert "x-cache" not in first.headers and again.headers["x-cache"] == "hit"
    assert again.json() == first.json() and again.headers["x-request-id"] != first.headers["x-request-id"]
    assert "x-cache" not in (await client.get("/api/items/a?limit=3")).headers  # another query, another entry
    client.kernel.emit("on_round", event=object())
    await client.kernel.settle()
    assert "x-cache" not in (await client.get("/api/items/a?limit=2")).headers


async def test_never_cached(client, sign_in) -> None:
    for path in ("/api/items/missing", "/api/items/a?limit=bad", "/health", "/", "/auth/me"):
        await client.get(path)
        assert "x-cache" not in (await client.get(path)).headers, path
    await client.get("/api/items/a")
    sign_in(client, "42", "Boss")
    assert "x-cache" not in (await client.get("/api/items/a")).headers  # signed-in visitors ask afresh


async def test_cache_can_be_switched_off(site) -> None:
    client = await site(cache_seconds=0)
    await client.get("/api/items/a")
    assert "x-cache" not in (await client.get("/api/items/a")).headers


def test_entries_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    cache = ResponseCache(seconds=5, max_entries=2, clock=lambda: now[0])
    for key in ("a", "b", "c"):
        cache.put(key, Response(b"{}", media_type="application/json"))
    assert len(cache) == 2 and cache.get("a") is None and cache.get("b") is not None
    now[0] = 5.0
    assert cache.get("b") is None
    fresh = ResponseCache(seconds=5)
    fresh.put("big", Response(b"x" * (600 * 1024)))
    fresh.put("teapot", Response(b"{}", status_code=418))
    assert len(fresh) == 0  # large and non-200 answers are never kept


async def test_repeating_or_adding_query_parameters_makes_no_new_entry(client) -> None:
    """Issue 13, defect 8: one answer under 2 100 keys (?limit=2&limit=2...) filled the server's memory."""
    await client.get("/api/items/a?limit=2")
    for n in range(1, 40):
        variant = "&".join(["limit=2"] * n)  # the last value is what the route reads
        assert (await client.get(f"/api/items/a?{variant}")).headers.get("x-cache") == "hit", variant
    assert "x-cache" not in (await client.get("/api/items/a?limit=3")).headers


def test_the_cache_is_bounded_in_bytes_and_sweeps_expired_entries() -> None:
    now = [0.0]
    cache = ResponseCache(seconds=5, max_bytes=10_000, clock=lambda: now[0])
    for n in range(100):
        cache.put(f"k{n}", Response(b"x" * 1000, media_type="application/json"))
    assert cache.bytes <= 10_000 and len(cache) == 9 and cache.get("k99") is not None and cache.get("k0") is None
    now[0] = 6.0
    cache.put("new", Response(b"{}", media_type="application/json"))
    assert len(cache) == 1 and cache.bytes == len(b"{}") + len("new")  # nobody asked for the others again
