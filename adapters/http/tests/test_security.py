"""Security headers, gzip, request ids, CSRF, rate limits."""

from __future__ import annotations

import logging

import pytest

from slomix_http.ratelimit import TokenBuckets, client_ip

pytestmark = pytest.mark.anyio


async def test_security_headers_on_pages_and_api(client) -> None:
    for path in ("/", "/api/items/x", "/no-such-thing"):
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in headers  # only behind https
    assert (await client.get("/")).headers["cache-control"] == "no-store"


async def test_pages_carry_no_inline_script_or_style(client) -> None:
    html = (await client.get("/sessions/1")).text
    assert "<script>" not in html and "<style" not in html and " style=" not in html and "onclick" not in html


async def test_hsts_and_secure_cookie_when_public_url_is_https(site) -> None:
    client = await site(public_url="https://stats.example.org")
    response = await client.get("/")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in response.headers["set-cookie"].lower()


async def test_gzip_for_large_answers(client) -> None:
    response = await client.get("/api/big", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip" and response.json()["text"] == "x" * 5000
    small = await client.get("/api/items/x", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers


async def test_request_id_in_and_out_and_in_logs(client, caplog) -> None:
    with caplog.at_level(logging.INFO, "slomix.http.access"):
        given = await client.get("/api/items/x", headers={"x-request-id": "edge-42.a"})
    assert given.headers["x-request-id"] == "edge-42.a"
    [line] = [r for r in caplog.records if r.name == "slomix.http.access"]
    assert line.request_id == "edge-42.a" and line.getMessage().startswith("GET /api/items/x 200 ")
    made = await client.get("/api/items/x")
    assert len(made.headers["x-request-id"]) == 32


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "new\tline", "<script>"])
async def test_insane_request_id_is_replaced(client, bad) -> None:
    response = await client.get("/api/items/x", headers={"x-request-id": bad})
    assert response.headers["x-request-id"] != bad and len(response.headers["x-request-id"]) == 32


async def test_csrf_refuses_missing_or_wrong_token(client, csrf_token) -> None:
    body = {"name": "x"}
    missing = await client.post("/api/items", json=body)
    assert missing.status_code == 403 and "CSRF token" in missing.json()["error"]
    await csrf_token(client)
    wrong = await client.post("/api/items", json=body, headers={"x-csrf-token": "guess"})
    assert wrong.status_code == 403
    # A token from another session is no good either.
    client.cookies.clear()
    token = await csrf_token(client)
    client.cookies.clear()
    assert (await client.post("/api/items", json=body, headers={"x-csrf-token": token})).status_code == 403


async def test_csrf_refuses_another_origin_even_with_the_token(client, csrf_token) -> None:
    token = await csrf_token(client)
    response = await client.post("/api/items", json={"name": "x"},
                                 headers={"x-csrf-token": token, "origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["error"] == \
        "cross-site request refused: Origin https://evil.example is not http://slomix.test"
    same = await client.post("/api/items", json={"name": "x"},
                             headers={"x-csrf-token": token, "origin": "http://slomix.test"})
    assert same.status_code == 200


async def test_csrf_origin_follows_public_url(site, csrf_token) -> None:
    client = await site(public_url="https://stats.example.org")
    client.base_url = "https://slomix.test"  # the session cookie is Secure now
    token = await csrf_token(client)
    ok = await client.post("/api/items", json={"name": "x"},
                           headers={"x-csrf-token": token, "origin": "https://stats.example.org"})
    assert ok.status_code == 200


async def test_csrf_token_in_a_form_field(client, csrf_token) -> None:
    token = await csrf_token(client)
    response = await client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 303
    refused = await client.post("/auth/logout", data={"csrf_token": "nope"})
    assert refused.status_code == 403 and "<h1>403</h1>" in refused.text


async def test_route_without_csrf_needs_no_token(client) -> None:
    assert (await client.post("/api/hook")).status_code == 200


async def test_rate_limit_answers_429_with_retry_after(site) -> None:
    client = await site(rate_limit={"enabled": True, "per_second": 0.5, "burst": 3})
    answers = [(await client.get("/api/items/x")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = await client.get("/api/items/x")
    assert refused.headers["retry-after"] == "2" and "too many requests" in refused.json()["error"]
    assert refused.headers["x-request-id"]  # refused requests are traced too
    # Static files do not count.
    assert (await client.get("/static/site.css")).status_code == 200


async def test_rate_limit_ignores_x_forwarded_for_unless_a_proxy_is_configured(site) -> None:
    """Issue 13, defect 15: loopback was trusted by default, so a client on loopback rotated addresses."""
    client = await site(rate_limit={"enabled": True, "per_second": 0.1, "burst": 1})
    first = await client.get("/api/items/x", headers={"x-forwarded-for": "203.0.113.9"})
    other = await client.get("/api/items/x", headers={"x-forwarded-for": "203.0.113.10"})
    assert [first.status_code, other.status_code] == [200, 429]


async def test_access_log_lines_cannot_be_forged(client, caplog) -> None:
    """Issue 13, defect 13: %0a in a path forged a log line; ESC and NUL reached the log."""
    with caplog.at_level("INFO", logger="slomix.http.access"):
        await client.get("/api/items/x%0a127.0.0.1%20GET%20/admin%20200%1b[31m%00")
    [line] = [r.getMessage() for r in caplog.records if r.name == "slomix.http.access"]
    assert not any(c in line for c in "\n\r\x1b\x00")
    assert line.startswith("GET /api/items/x%0A127.0.0.1%20GET%20/admin%20200%1B[31m%00 ")


async def test_rate_limit_keys_on_the_forwarded_client_behind_a_trusted_proxy(site) -> None:
    client = await site(rate_limit={"enabled": True, "per_second": 0.1, "burst": 1},
                        trusted_proxies=["127.0.0.1"])
    first = await client.get("/api/items/x", headers={"x-forwarded-for": "203.0.113.9"})
    other = await client.get("/api/items/x", headers={"x-forwarded-for": "203.0.113.10"})
    again = await client.get("/api/items/x", headers={"x-forwarded-for": "203.0.113.9"})
    assert [first.status_code, other.status_code, again.status_code] == [200, 200, 429]


def test_client_ip_believes_only_trusted_proxies() -> None:
    def scope(peer: str, forwarded: str | None = None) -> dict:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"client": (peer, 1), "headers": headers}

    trusted = frozenset({"10.0.0.1"})
    assert client_ip(scope("198.51.100.1", "1.2.3.4"), trusted) == "198.51.100.1"  # spoofing ignored
    assert client_ip(scope("10.0.0.1", "1.2.3.4"), trusted) == "1.2.3.4"
    assert client_ip(scope("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.1"), trusted) == "1.2.3.4"
    assert client_ip(scope("10.0.0.1"), trusted) == "10.0.0.1"
    assert client_ip({"client": None, "headers": []}, trusted) == "unknown"


def test_token_bucket_refills_and_forgets_idle_clients() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_second=2, burst=2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0, 0]
    assert buckets.take("a") == pytest.approx(0.5)
    now[0] = 0.5
    assert buckets.take("a") == 0
    buckets._prune(now=100.0)
    assert buckets._buckets == {}
