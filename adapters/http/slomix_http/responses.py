"""Response helpers shared by the adapter's modules."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response


class JSON(Response):
    """JSON encoded by msgspec (structs, dates and dicts alike)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def problem(status: int, message: str, **extra: Any) -> JSON:
    """An error as JSON: ``{"error": message, ...}``."""
    return JSON({"error": message, **extra}, status_code=status)


def wants_html(headers: Any) -> bool:
    """A browser navigating (it lists text/html first), not a script asking for JSON."""
    return headers.get("accept", "").startswith("text/html")
