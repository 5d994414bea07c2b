"""Request ids: taken from ``X-Request-ID`` (when sane) or made up, echoed, and put on log records."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
current: ContextVar[str] = ContextVar("slomix_request_id", default="-")
# A proxy's id is kept only when it cannot smuggle anything into logs or headers.
_SANE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def install_log_field() -> None:
    """Give every log record a ``request_id`` attribute (``-`` outside a request).

    A record factory rather than a handler filter: records from any logger, made in
    any handler of a request, carry the id, whatever handlers the operator set up.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "slomix_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = current.get()
        return record

    factory.slomix_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        scope["slomix.request_id"] = request_id
        token = current.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current.reset(token)
