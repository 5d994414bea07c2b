"""The async dispatcher: concurrency, timeouts, isolation, and `first` semantics."""

from __future__ import annotations

import anyio
import pluggy
import pytest

from slomix.kernel import hookimpl
from slomix.kernel.dispatch import Dispatcher
from slomix.kernel.plugins import new_plugin_manager

pytestmark = pytest.mark.anyio


def manager(**plugins: object) -> pluggy.PluginManager:
    pm = new_plugin_manager()
    for name, obj in plugins.items():
        pm.register(obj, name=name)
    return pm


class Slow:
    def __init__(self, delay: float, value: str) -> None:
        self.delay, self.value = delay, value

    @hookimpl
    async def on_round(self, event):
        await anyio.sleep(self.delay)
        return self.value


class Boom:
    @hookimpl
    async def on_round(self, event):
        raise ValueError("bad round")


class Sync:
    @hookimpl
    def on_round(self, event):
        return f"sync {event}"


async def test_broadcast_runs_concurrently_and_keeps_order() -> None:
    pm = manager(a=Slow(0.3, "a"), b=Slow(0.3, "b"), c=Sync())
    started = anyio.current_time()
    results = await Dispatcher(pm).broadcast("on_round", event=1, kernel=None)
    elapsed = anyio.current_time() - started
    assert elapsed < 0.55  # both 0.3 s sleeps overlapped
    # pluggy calls last-registered first.
    assert [(r.plugin, r.value) for r in results] == [("c", "sync 1"), ("b", "b"), ("a", "a")]


async def test_one_plugin_failing_never_cancels_the_others() -> None:
    errors: list[tuple[str, str]] = []
    pm = manager(slow=Slow(0.05, "done"), boom=Boom())
    dispatcher = Dispatcher(pm, on_error=lambda p, h, e: errors.append((p, f"{h}: {e}")))
    results = {r.plugin: r for r in await dispatcher.broadcast("on_round", event=1, kernel=None)}
    assert results["slow"].value == "done" and results["slow"].ok
    assert isinstance(results["boom"].error, ValueError)
    assert errors == [("boom", "on_round: bad round")]


async def test_per_plugin_timeout() -> None:
    errors: list[str] = []
    pm = manager(fast=Slow(0.01, "fast"), stuck=Slow(10, "never"))
    timeouts = {"fast": 1.0, "stuck": 0.1}
    dispatcher = Dispatcher(pm, timeout_of=timeouts.__getitem__, on_error=lambda p, h, e: errors.append(p))
    results = {r.plugin: r for r in await dispatcher.broadcast("on_round", event=1, kernel=None)}
    assert results["fast"].value == "fast"
    assert isinstance(results["stuck"].error, TimeoutError)
    assert errors == ["stuck"]


async def test_a_guarded_call_lets_a_shielded_commit_finish_past_the_timeout() -> None:
    committed: list[str] = []

    class Store:
        @hookimpl
        async def on_file(self, files):
            with anyio.CancelScope(shield=True):  # the commit and what must follow it
                await anyio.sleep(0.3)
                committed.append("commit")
            return ["stored"]

    class Stuck:
        @hookimpl
        async def on_file(self, files):
            await anyio.sleep(10)

    dispatcher = Dispatcher(manager(store=Store(), stuck=Stuck()), timeout_of=lambda _plugin: 0.1,
                            on_error=lambda *a: None)
    results = {r.plugin: r for r in await dispatcher.broadcast("on_file", guarded=True, files=[], kernel=None)}
    assert committed == ["commit"] and results["store"].value == ["stored"]  # its answer still counts
    assert isinstance(results["stuck"].error, TimeoutError)
    # Unguarded, a timeout cuts through the shield: the answer is lost.
    committed.clear()
    unguarded = await Dispatcher(manager(store=Store()), timeout_of=lambda _plugin: 0.1,
                                 on_error=lambda *a: None).broadcast("on_file", files=[], kernel=None)
    assert isinstance(unguarded[0].error, TimeoutError) and committed == []


async def test_single_async_implementation_is_isolated_too() -> None:
    pm = manager(boom=Boom())
    [result] = await Dispatcher(pm, on_error=lambda *a: None).broadcast("on_round", event=1, kernel=None)
    assert isinstance(result.error, ValueError)


async def test_first_skips_none_and_failures_in_pluggy_order() -> None:
    class Knows:
        @hookimpl
        async def on_asgi_app(self):
            return "app"

    class DoesNotKnow:
        @hookimpl
        async def on_asgi_app(self):
            return None

    class Broken:
        @hookimpl
        def on_asgi_app(self):
            raise RuntimeError("x")

    # pluggy's own firstresult would stop at DoesNotKnow's coroutine; ours awaits it.
    pm = manager(knows=Knows(), none=DoesNotKnow(), broken=Broken())
    assert await Dispatcher(pm, on_error=lambda *a: None).first("on_asgi_app", kernel=None) == "app"


async def test_first_returns_none_when_nobody_answers() -> None:
    assert await Dispatcher(manager()).first("on_asgi_app", kernel=None) is None


def test_collect_isolates_sync_hooks() -> None:
    class Good:
        @hookimpl
        def on_command(self):
            return ["cmd"]

    class Bad:
        @hookimpl
        def on_command(self):
            raise KeyError("nope")

    errors: list[str] = []
    results = Dispatcher(manager(good=Good(), bad=Bad()),
                         on_error=lambda p, h, e: errors.append(p)).collect("on_command", kernel=None)
    assert {r.plugin: r.ok for r in results} == {"good": True, "bad": False}
    assert errors == ["bad"]
