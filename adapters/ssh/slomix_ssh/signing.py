"""HMAC-SHA256 request signatures shared by the game server's Lua and the webhook route.

The signed message is ``<timestamp>.<body>`` (unix seconds, a dot, the exact body bytes);
headers carry the timestamp and ``sha256=<hex digest>``. Binding the timestamp into the
MAC is what makes the replay window enforceable.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Slomix-Timestamp"
SIGNATURE_HEADER = "X-Slomix-Signature"
PREFIX = "sha256="


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Both headers, for clients written in Python (tests, benchmarks, tools)."""
    stamp = str(int(timestamp))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, stamp, body),
            "Content-Type": "application/json"}


def verify(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    """Constant-time comparison of ``given`` with the expected signature."""
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode())
