"""CSRF protection for state-changing requests: an Origin check plus a session-bound token.

The token lives in the signed session cookie and must come back in the ``X-CSRF-Token``
header (scripts and uploads; pages expose it in ``<meta name="csrf-token">``) or in a
``csrf_token`` field of a url-encoded form (plain HTML forms). A browser on another site
can send neither.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from slomix.kernel import Request as KernelRequest

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"
_FORM = "application/x-www-form-urlencoded"  # multipart uploads send the header instead


def token(request: Request) -> str:
    """The session's token, made on first use."""
    value = request.session.get("csrf")
    if not isinstance(value, str):
        value = request.session["csrf"] = secrets.token_urlsafe(32)
    return value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


async def refusal(request: Request, kernel_request: KernelRequest, public_url: str | None) -> str | None:
    """Why this request must be refused, or ``None`` when it may go on. A form's token is read
    from the kernel request's body, under the route's limit; the handler can read it again."""
    origin = request.headers.get("origin")
    expected = _origin(public_url or str(request.base_url))
    if origin is not None and origin.lower() != expected:
        return f"cross-site request refused: Origin {origin} is not {expected}"
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORM):
        sent = next(iter(parse_qs((await kernel_request.body()).decode("latin-1")).get(FIELD, [])), None)
    wanted = request.session.get("csrf")
    if not sent or not isinstance(wanted, str) or not secrets.compare_digest(sent.encode(), wanted.encode()):
        return "missing or wrong CSRF token: send the page's csrf-token as X-CSRF-Token or csrf_token"
    return None
