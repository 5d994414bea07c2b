"""Per-IP rate limits: one token bucket per client address, kept in memory."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from .responses import problem

# Past this many addresses, buckets that have refilled completely are forgotten.
_PRUNE_AT = 10_000


def client_ip(scope: Scope, trusted_proxies: frozenset[str]) -> str:
    """The client's address: the peer, or the last untrusted hop of X-Forwarded-For."""
    peer = scope["client"][0] if scope.get("client") else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"), "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    # Walk back from the nearest hop; the first one we do not trust is the client.
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop
    return peer


def forwarded_by_stranger(scope: Scope, trusted_proxies: frozenset[str]) -> bool:
    """Whether the request says it was forwarded (X-Forwarded-For, Forwarded) by a peer not trusted."""
    peer = scope["client"][0] if scope.get("client") else "unknown"
    return peer not in trusted_proxies and any(k in (b"x-forwarded-for", b"forwarded") for k, _v in scope["headers"])


class TokenBuckets:
    """``take(key)`` answers 0 when a request may go on, else the seconds to wait."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_second
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > _PRUNE_AT:
            self._prune(now)
        return 0.0

    def _prune(self, now: float) -> None:
        self._buckets = {k: (t, at) for k, (t, at) in self._buckets.items()
                         if t + (now - at) * self.rate < self.burst}


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, buckets: TokenBuckets, trusted_proxies: frozenset[str],
                 on_reject: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.buckets = buckets
        self.trusted = trusted_proxies
        self.on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_ip(scope, self.trusted))
        if wait:
            self.on_reject()
            response = problem(429, f"too many requests from your address; retry in {math.ceil(wait)} s")
            response.headers["retry-after"] = str(math.ceil(wait))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
