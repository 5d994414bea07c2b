"""Calling hooks that may be async, with per-plugin timeouts and isolation.

pluggy calls implementations synchronously: an ``async def`` implementation
hands back a coroutine, ``firstresult`` stops at the first coroutine and
wrappers finish before the coroutine runs. So the kernel walks
``hook.get_hookimpls()`` itself and awaits what needs awaiting.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pluggy

log = logging.getLogger("slomix.dispatch")


@dataclass(slots=True, frozen=True)
class HookResult:
    """One plugin's answer to one hook call: a value, or the error it raised."""

    plugin: str
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


ErrorSink = Callable[[str, str, BaseException], None]
GRACE_SECONDS = 10.0  # how long a timed-out guarded plugin may take to finish its shielded work


def _log_error(plugin: str, hook: str, error: BaseException) -> None:
    log.error("plugin %r failed in %s: %s", plugin, hook, describe(error))


def describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return f"{type(error).__name__}: {error}"


class _Guard:
    """The cancel scope one guarded implementation runs in, and how its timeout ends it."""

    __slots__ = ("scope",)

    def __init__(self) -> None:
        self.scope: anyio.CancelScope | None = None

    async def run(self, coro: Any) -> Any:
        with anyio.CancelScope() as self.scope:
            return await coro
        raise TimeoutError  # only reached when the scope was cancelled

    async def wait(self, task: asyncio.Future[Any], seconds: float) -> None:
        done = anyio.Event()
        task.add_done_callback(lambda _task: done.set())
        try:
            with anyio.move_on_after(seconds):
                await done.wait()
            if not task.done():
                assert self.scope is not None
                self.scope.cancel()  # shielded sections inside the plugin still finish
                with anyio.move_on_after(GRACE_SECONDS):
                    await done.wait()
        finally:
            if not task.done():
                task.cancel()  # a plugin that ignores cancellation is stopped the hard way
                with anyio.CancelScope(shield=True):
                    await asyncio.wait([task])


class Dispatcher:
    """Broadcasts events to every plugin and asks plugins in turn for an answer."""

    def __init__(
        self,
        pm: pluggy.PluginManager,
        timeout_of: Callable[[str], float] = lambda _plugin: 30.0,
        on_error: ErrorSink = _log_error,
    ) -> None:
        self._pm = pm
        self._timeout_of = timeout_of
        self._on_error = on_error

    def implementations(self, hook_name: str) -> list[pluggy.HookImpl]:
        """The hook's implementations in pluggy's call order (LIFO, tryfirst/trylast)."""
        return list(reversed(getattr(self._pm.hook, hook_name).get_hookimpls()))

    def _fail(self, plugin: str, hook: str, error: BaseException) -> HookResult:
        self._on_error(plugin, hook, error)
        return HookResult(plugin, error=error)

    def collect(self, hook_name: str, /, **kwargs: Any) -> list[HookResult]:
        """Call a synchronous (registration) hook; one plugin's error never stops the others."""
        results = []
        for impl in self.implementations(hook_name):
            try:
                value = impl.function(*[kwargs[name] for name in impl.argnames])
            except Exception as error:
                results.append(self._fail(impl.plugin_name, hook_name, error))
            else:
                results.append(HookResult(impl.plugin_name, value))
        return results

    async def broadcast(self, hook_name: str, /, *, guarded: bool = False, **kwargs: Any) -> list[HookResult]:
        """Call every implementation; await the async ones concurrently.

        Each coroutine starts eagerly (Python 3.12 eager tasks): one that
        finishes without waiting costs no scheduling at all, which is most
        listeners that ignore an event. Those that wait are awaited together
        in an AnyIO task group, each under its plugin's timeout. An exception
        or a timeout is reported with the plugin's name and never cancels the
        others. Results come back in call order.

        ``guarded`` runs each implementation in a cancel scope of its own, and a timeout
        cancels that scope: a plugin's shielded section (a commit and what must follow it)
        then completes, and an answer it still gives counts. It costs a few microseconds per
        plugin, so it is for hooks that store data (files), not for every event.
        """
        impls = self.implementations(hook_name)
        results: list[HookResult | None] = [None] * len(impls)
        pending: list[tuple[int, str, asyncio.Future[Any], _Guard | None]] = []
        loop = asyncio.get_running_loop()
        for index, impl in enumerate(impls):
            plugin = impl.plugin_name
            try:
                value = impl.function(*[kwargs[name] for name in impl.argnames])
            except Exception as error:
                results[index] = self._fail(plugin, hook_name, error)
                continue
            guard = None
            if inspect.iscoroutine(value):
                if guarded:
                    guard = _Guard()
                    value = guard.run(value)
                value = asyncio.Task(value, loop=loop, eager_start=True)
            elif inspect.isawaitable(value):
                value = asyncio.ensure_future(value)
            else:
                results[index] = HookResult(plugin, value)
                continue
            if value.done():
                results[index] = self._settled(plugin, hook_name, value)
            else:
                pending.append((index, plugin, value, guard))

        async def settle(index: int, plugin: str, task: asyncio.Future[Any], guard: _Guard | None) -> None:
            try:
                if guard is None:
                    # Awaiting a task that our own scope cancels cancels the task too.
                    with anyio.fail_after(self._timeout_of(plugin)):
                        await task
                else:
                    await guard.wait(task, self._timeout_of(plugin))
            except Exception as error:
                results[index] = self._fail(plugin, hook_name, error)
            else:
                results[index] = self._settled(plugin, hook_name, task)

        if len(pending) == 1:
            await settle(*pending[0])
        elif pending:
            async with anyio.create_task_group() as tg:
                for item in pending:
                    tg.start_soon(settle, *item)
        return results  # type: ignore[return-value]

    def _settled(self, plugin: str, hook: str, task: asyncio.Future[Any]) -> HookResult:
        if task.cancelled():
            return self._fail(plugin, hook, RuntimeError("cancelled itself"))
        error = task.exception()
        return self._fail(plugin, hook, error) if error is not None else HookResult(plugin, task.result())

    async def first(self, hook_name: str, /, **kwargs: Any) -> Any:
        """Await implementations one after another until one answers something other than None."""
        for impl in self.implementations(hook_name):
            try:
                value = impl.function(*[kwargs[name] for name in impl.argnames])
                if inspect.isawaitable(value):
                    with anyio.fail_after(self._timeout_of(impl.plugin_name)):
                        value = await value
            except Exception as error:
                self._fail(impl.plugin_name, hook_name, error)
                continue
            if value is not None:
                return value
        return None
