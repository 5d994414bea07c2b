"""Dispatcher overhead: one broadcast to 10 plugins (target ≤ 50 µs), and `first`.

Run: .venv/bin/python benchmarks/bench_dispatch.py
"""

from __future__ import annotations

import time

import anyio
import anyio.lowlevel

from slomix.kernel import hookimpl
from slomix.kernel.dispatch import Dispatcher
from slomix.kernel.plugins import new_plugin_manager

N = 20_000


class AsyncListener:
    @hookimpl
    async def on_round(self, event):
        return None


class WaitingListener:
    @hookimpl
    async def on_round(self, event):
        await anyio.lowlevel.checkpoint()


class SyncListener:
    @hookimpl
    def on_round(self, event):
        return None


async def measure(kind: type, count: int) -> float:
    pm = new_plugin_manager()
    for i in range(count):
        pm.register(kind(), name=f"p{i}")
    dispatcher = Dispatcher(pm)
    for _ in range(500):
        await dispatcher.broadcast("on_round", event=None, kernel=None)
    started = time.perf_counter()
    for _ in range(N):
        await dispatcher.broadcast("on_round", event=None, kernel=None)
    return (time.perf_counter() - started) / N * 1e6


async def main() -> None:
    for kind in (AsyncListener, SyncListener, WaitingListener):
        for count in (1, 10):
            micros = await measure(kind, count)
            print(f"dispatch: broadcast to {count:2d} {kind.__name__:13s} {micros:7.1f} µs/call")


if __name__ == "__main__":
    anyio.run(main)
