"""Building the Starlette app from the kernel's route table (constructed once)."""

from __future__ import annotations

import html
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route as StarletteRoute

import slomix
from slomix.kernel import Kernel, Route

from .endpoints import JSON, endpoint
from .openapi import document


def _check_unique(routes: list[Route]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for r in routes:
        key = (r.method.upper(), r.path)
        if key in seen:
            raise ValueError(f"{r.method} {r.path} is registered by both {seen[key]!r} and {r.plugin!r}")
        seen[key] = r.plugin


def build_app(kernel: Kernel) -> Starlette:
    """The whole site: plugin routes plus the adapter's own /health, /openapi.json and /docs."""
    routes = list(kernel.routes)
    _check_unique(routes)
    openapi = document(routes, "Slomix", slomix.__version__)

    async def health(_request: Request) -> Response:
        report = await kernel.health()
        return JSON(report, status_code=503 if report["database"]["status"] != "ok" else 200)

    async def openapi_json(_request: Request) -> Response:
        return JSON(openapi)

    async def docs(_request: Request) -> Response:
        return HTMLResponse(_docs_page(openapi))

    table: list[Any] = [
        StarletteRoute("/health", health, methods=["GET"]),
        StarletteRoute("/openapi.json", openapi_json, methods=["GET"]),
        StarletteRoute("/docs", docs, methods=["GET"]),
    ]
    table.extend(
        StarletteRoute(r.path, endpoint(r, kernel), methods=[r.method.upper()]) for r in routes
    )
    return Starlette(routes=table)


def _docs_page(spec: dict[str, Any]) -> str:
    rows = []
    for path, operations in sorted(spec["paths"].items()):
        for method, op in operations.items():
            params = ", ".join(p["name"] for p in op.get("parameters", []))
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}"
                        f"</code></td><td>{html.escape(op['summary'])}</td><td>{html.escape(params)}"
                        "</td></tr>")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><title>Slomix API</title>"
            "<meta name=viewport content='width=device-width,initial-scale=1'></head><body>"
            "<h1>Slomix API</h1><p>Machine-readable: <a href='/openapi.json'>/openapi.json</a></p>"
            "<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Parameters</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table></body></html>")
