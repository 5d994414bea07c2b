"""pytest fixtures for Slomix and for third-party plugins (entry point ``pytest11``).

- ``slomix_postgres``: one PostgreSQL for the test run (embedded, or
  ``$SLOMIX_TEST_DATABASE_URL``).
- ``make_kernel``: ``await make_kernel(plugins={"stats"}, config={...})`` gives a
  started kernel with the chosen plugins on a fresh database cloned from a
  template migrated once per plugin set. Its scheduler runs on a
  ``ManualClock``: timers fire only when the test calls
  ``await kernel.scheduler.clock.advance(seconds)``.
- ``http_client``: ``await http_client(kernel)`` gives an httpx2 client talking
  to the kernel's ASGI app in-process.
- ``game_server``: ``game_server(players=[...], protect=True)`` gives a started loopback
  ET:Legacy server (``slomix.testing.gameserver``) speaking getstatus/getinfo/rcon.
- ``shared_data``: the folder of real game-server files (``../shared/data``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from .database import TemplateDatabases, start_test_postgres
from .fake_discord import discord_kernel, fake_discord
from .gameserver import game_server
from .sftp import fake_et, sftp_server

# fixtures defined beside this module
__all__ = ["discord_kernel", "fake_discord", "fake_et", "game_server", "sftp_server"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs Debian's chromium")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    # asyncpg, nextcord and asyncssh are asyncio-only.
    return "asyncio"


@pytest.fixture(scope="session")
def slomix_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The admin URL of the test run's PostgreSQL server."""
    external = os.environ.get("SLOMIX_TEST_DATABASE_URL")
    if external:
        yield external
        return
    server, url = start_test_postgres(tmp_path_factory.mktemp("pg"))
    try:
        yield url
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def slomix_templates(slomix_postgres: str) -> TemplateDatabases:
    return TemplateDatabases(slomix_postgres)


@pytest.fixture
async def make_kernel(slomix_templates: TemplateDatabases, tmp_path: Path) -> AsyncIterator[Any]:
    """Factory: a started kernel with a chosen plugin set on its own fresh database."""
    from slomix.kernel import Config, Kernel
    from slomix.kernel.scheduler import ManualClock

    async with AsyncExitStack() as stack:

        async def factory(plugins: set[str] | None = None, config: dict[str, Any] | None = None,
                          extra: dict[str, tuple[str, Any]] | None = None) -> Kernel:
            data = {"slomix": {"data_dir": str(tmp_path / "data")}}
            for key, value in (config or {}).items():
                data.setdefault(key, {}).update(value)
            kernel = Kernel(Config(data, source="<test>"), only=plugins, extra=extra, clock=ManualClock())
            kernel.load()
            url = await slomix_templates.fresh_database(kernel)
            kernel.db.url = url
            stack.push_async_callback(slomix_templates.drop, url)
            return await stack.enter_async_context(kernel)

        yield factory


@pytest.fixture
async def http_client() -> AsyncIterator[Any]:
    """Factory: an httpx2 client bound to a kernel's ASGI app (the HTTP adapter's)."""
    import httpx2

    async with AsyncExitStack() as stack:

        async def factory(kernel: Any, **kwargs: Any) -> httpx2.AsyncClient:
            app = await kernel.first("on_asgi_app")
            if app is None:
                raise RuntimeError("no adapter serves HTTP in this kernel (enable the http adapter)")
            transport = httpx2.ASGITransport(app=app)
            client = httpx2.AsyncClient(transport=transport, base_url="http://slomix.test", **kwargs)
            return await stack.enter_async_context(client)

        yield factory


def find_shared_data(start: Path) -> Path | None:
    explicit = os.environ.get("SLOMIX_SHARED_DATA")
    if explicit:
        return Path(explicit)
    for folder in (start, *start.parents):
        candidate = folder.parent / "shared" / "data"
        if (candidate / "stats").is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def shared_data(request: pytest.FixtureRequest) -> Path:
    """``../shared/data`` beside the checkout (or ``$SLOMIX_SHARED_DATA``)."""
    found = find_shared_data(Path(request.config.rootpath).resolve())
    if found is None:
        pytest.fail("real data not found: put shared/ beside the checkout or set SLOMIX_SHARED_DATA")
    return found
