"""Prometheus metrics: requests per route, latency, rate-limit refusals, kernel and plugin gauges.

Each app has its own registry (tests run several kernels in one process).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import slomix
from slomix.kernel import Kernel

from .ratelimit import client_ip, forwarded_by_stranger

access = logging.getLogger("slomix.http.access")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class KernelCollector(Collector):
    """Gauges read from the kernel at scrape time: plugins by state, the database pool."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily("slomix_info", "Running Slomix version", labels=["version"])
        info.add_metric([slomix.__version__], 1)
        yield info
        up = GaugeMetricFamily("slomix_plugin_up", "1 when the plugin or adapter runs",
                               labels=["name", "kind", "status"])
        errors = GaugeMetricFamily("slomix_plugin_recent_errors", "Errors kept for the plugin (last 20)",
                                   labels=["name"])
        for plugin in self.kernel.plugins:
            up.add_metric([plugin.name, plugin.kind, plugin.status],
                          1 if plugin.status in ("loaded", "active") else 0)
            errors.add_metric([plugin.name], len(self.kernel.errors.get(plugin.name, [])))
        yield up
        yield errors
        pool = self.kernel.db.pool
        size = GaugeMetricFamily("slomix_db_pool_connections", "Database pool connections", labels=["state"])
        if pool is not None:
            idle = pool.get_idle_size()
            size.add_metric(["idle"], idle)
            size.add_metric(["busy"], pool.get_size() - idle)
        yield size


class Metrics:
    """The registry and the instruments the middleware and the rate limiter feed."""

    def __init__(self, kernel: Kernel) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("slomix_http_requests", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("slomix_http_request_duration_seconds", "Time to answer an HTTP request",
                                 ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.rate_limited = Counter("slomix_http_rate_limited", "Requests refused by the rate limit",
                                    registry=self.registry)
        self.registry.register(KernelCollector(kernel))

    def endpoint(self, allow: frozenset[str], trusted_proxies: frozenset[str]) -> Any:
        async def metrics(request: Request) -> Response:
            # A forwarded request from a proxy nobody said to trust comes from anywhere, not from its peer.
            if client_ip(request.scope, trusted_proxies) not in allow or \
                    forwarded_by_stranger(request.scope, trusted_proxies):
                return Response("Not Found", status_code=404, media_type="text/plain")
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return metrics


def plain_access_log() -> None:
    """Write the access log as plain lines on stderr, not through the console's rich handler: a
    rich-rendered record costs tens of times a plain one, more than serving a cached answer."""
    if any(getattr(h, "slomix_access", False) for h in access.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] access   %(message)s", "%H:%M:%S"))
    handler.slomix_access = True  # type: ignore[attr-defined]
    access.addHandler(handler)
    access.propagate = False


_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters (newline, ESC, NUL...) and spaces percent-encoded: a path
    in the access log is one field of one line, whatever a client sends."""
    return _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", text)


class MetricsMiddleware:
    """Counts and times every request under its route template, and writes the access log."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            # The template, not the path: one series per route, whatever the ids in it.
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            access.info("%s %s %d %.1fms", method, printable(scope["path"]), status, elapsed * 1000)
