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

from starlette.responses import Response

_MAX_BODY = 512 * 1024


class ResponseCache:
    def __init__(self, seconds: float, max_entries: int = 2048,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()

    def get(self, key: str) -> Response | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, body, media_type = entry
        if self.clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return Response(body, media_type=media_type, headers={"x-cache": "hit"})

    def put(self, key: str, response: Response) -> None:
        if response.status_code != 200 or len(response.body) > _MAX_BODY:
            return
        self._entries[key] = (self.clock() + self.seconds, bytes(response.body), response.media_type or "")
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
