"""The adapter object the kernel registers: settings, the ASGI app, serving with uvicorn."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import anyio
import uvicorn

from slomix.kernel import Kernel, Shortcut, hookimpl

from .app import build_app
from .metrics import plain_access_log
from .settings import HttpSettings

log = logging.getLogger("slomix.http")


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the kernel owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpAdapter:
    def __init__(self) -> None:
        self._apps: dict[int, Any] = {}

    @hookimpl
    def on_config_schema(self) -> type:
        return HttpSettings

    @hookimpl
    def on_shortcuts(self, kernel: Kernel) -> list[Shortcut]:
        return [Shortcut("adapters.http.port", "HTTP port (default 8000)", flag="--port", env="SLOMIX_HTTP_PORT",
                         type=int),
                Shortcut("adapters.http.host", "HTTP address (default 127.0.0.1)", flag="--host")]

    @hookimpl
    def on_asgi_app(self, kernel: Kernel) -> Any:
        # One app per kernel: tests run several kernels in one process.
        if id(kernel) not in self._apps:
            self._apps[id(kernel)] = build_app(kernel, kernel.settings_for("http"))
        return self._apps[id(kernel)]

    @hookimpl
    def on_public_url(self, kernel: Kernel) -> str | None:
        settings: HttpSettings | None = kernel.settings_for("http")
        return settings.public_url if settings else None

    @hookimpl
    def on_round(self, kernel: Kernel) -> None:  # the event itself does not matter here
        """A round was committed: cached answers may be stale."""
        app = self._apps.get(id(kernel))
        if app is not None and app.state.site.cache is not None:
            app.state.site.cache.clear()

    @hookimpl
    async def on_serve(self, kernel: Kernel) -> None:
        settings: HttpSettings = kernel.settings_for("http")
        # proxy_headers off: the app itself decides which proxies to believe (trusted_proxies).
        config = uvicorn.Config(self.on_asgi_app(kernel), host=settings.host, port=settings.port,
                                lifespan="off", log_config=None, access_log=False, proxy_headers=False,
                                server_header=False)
        server = EmbeddedServer(config)
        plain_access_log()

        async def run() -> None:
            # Shielded so a cancelled kernel lets uvicorn finish open requests.
            with anyio.CancelScope(shield=True):
                try:
                    await server.serve()
                except SystemExit:
                    # uvicorn exits the process when it cannot bind; report it instead.
                    raise RuntimeError(
                        f"cannot listen on {settings.host}:{settings.port}") from None

        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            log.info("serving http://%s:%d", settings.host, settings.port)
            try:
                await anyio.sleep_forever()
            finally:
                server.should_exit = True
