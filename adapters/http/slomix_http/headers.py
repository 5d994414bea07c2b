"""Security and caching headers on every response."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts and styles come from our own /static only: no inline script, no CDN.
# SVG charts use presentation attributes, not style attributes, so style-src needs no
# 'unsafe-inline' either.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")

SECURITY = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(hsts: bool) -> list[tuple[str, str]]:
    return [*SECURITY.items(), *([("strict-transport-security", HSTS)] if hsts else [])]


class SecurityHeadersMiddleware:
    """Adds the security headers (a response that set its own keeps it) and static caching.

    A static file linked with its content hash (``?v=``) never changes: cache it for a year.
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.raw = [(name.encode(), value.encode()) for name, value in security_headers(hsts)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        versioned = static and b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw pairs: this runs on every response, MutableHeaders.setdefault is slower.
                raw = message["headers"] = list(message.get("headers", []))
                present = {name.lower() for name, _ in raw}
                raw.extend(pair for pair in self.raw if pair[0] not in present)
                headers = MutableHeaders(scope=message)
                if static and message["status"] == 200:
                    headers["cache-control"] = (
                        "public, max-age=31536000, immutable" if versioned else "public, max-age=3600")
                else:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
