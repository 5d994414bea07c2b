"""A small in-memory cache of public JSON answers, emptied whenever a round is committed.

Only answers that are the same for every visitor are kept: GET, ``api`` routes without a
tier, asked by a visitor who is not signed in, status 200. Entries also expire after
``cache_seconds`` as a safety net for data that changes without a round (a plugin's own
background work). Leaderboards are read far more often than rounds are played.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.responses import Response

_MAX_BODY = 512 * 1024
MAX_BYTES = 32 * 1024 * 1024


def key(path: str, query: Any) -> str:
    """The cache key: the path and the query *as the route reads it* (its query type, or the last
    value of each key, sorted), so repeating or reordering parameters makes no new entry."""
    if isinstance(query, dict):
        query = sorted(query.items())
    return f"{path}?{msgspec.json.encode(query).decode()}"


class ResponseCache:
    """Least recently used answers, bounded in bytes as well as in entries; expired ones are swept."""

    def __init__(self, seconds: float, max_entries: int = 2048, max_bytes: int = MAX_BYTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()
        self._sweep_at = clock() + seconds

    def get(self, key: str) -> Response | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body, media_type = entry
        if self.clock() >= expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return Response(body, media_type=media_type, headers={"x-cache": "hit"})

    def put(self, key: str, response: Response) -> None:
        if response.status_code != 200 or len(response.body) > min(_MAX_BODY, self.max_bytes):
            return
        now = self.clock()
        if now >= self._sweep_at:  # expired entries nobody asks for again go too
            for stale in [k for k, (expires, _b, _m) in self._entries.items() if expires <= now]:
                self._drop(stale)
            self._sweep_at = now + self.seconds
        if key in self._entries:
            self._drop(key)
        body = bytes(response.body)
        self._entries[key] = (now + self.seconds, body, response.media_type or "")
        self.bytes += len(body) + len(key)
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        _expires, body, _media = self._entries.pop(key)
        self.bytes -= len(body) + len(key)

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
