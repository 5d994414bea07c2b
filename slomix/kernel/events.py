"""Events emitted by plugins (``kernel.emit``), delivered on the kernel's task group in order.

One delivery task takes events first in, first out and broadcasts each one (its listeners
concurrently, each under its own timeout), so an event never waits inside the producer and
listeners see events in the order they were emitted.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from .dispatch import Dispatcher


class EventQueue:
    def __init__(self, dispatcher: Dispatcher, kernel: Any) -> None:
        self._dispatcher = dispatcher
        self._kernel = kernel
        self._queue: deque[tuple[str, dict[str, Any]]] = deque()
        # Made in the event loop (deliver runs there): a kernel is built before one runs.
        self._arrived: anyio.Event | None = None
        self._delivered: anyio.Event | None = None
        self._in_flight = 0

    def __len__(self) -> int:
        """Events emitted and not yet delivered (the one being delivered included)."""
        return len(self._queue) + self._in_flight

    def put(self, hook: str, payload: dict[str, Any]) -> None:
        if self._arrived is None:
            raise RuntimeError("the kernel is not started: events are delivered on its task group")
        self._queue.append((hook, payload))
        self._arrived.set()

    def open(self) -> None:
        """Accept events from now on (the kernel is running, with its task group open)."""
        self._arrived, self._delivered = anyio.Event(), anyio.Event()

    async def deliver(self) -> None:
        """Deliver events until cancelled (runs on the kernel's task group)."""
        while True:
            if not self._queue:
                self._arrived = anyio.Event()
                await self._arrived.wait()
                continue
            hook, payload = self._queue.popleft()
            self._in_flight = 1
            try:
                await self._dispatcher.broadcast(hook, kernel=self._kernel, **payload)
            finally:
                self._in_flight = 0
                delivered, self._delivered = self._delivered, anyio.Event()
                delivered.set()

    async def below(self, count: int) -> None:
        """Wait until fewer than ``count`` events wait for delivery."""
        while len(self) >= count and self._delivered is not None:
            await self._delivered.wait()
