"""Helpers for the SSH adapter's tests: a plugin that records files, a kernel wired to the
loopback SFTP server, running the poller in the background, waiting for a condition."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from slomix.kernel import FileOutcome, IncomingFile, hookimpl

SECRET = "test-webhook-secret"


class Recorder:
    """A plugin that accepts every file and keeps it, as a feature plugin would (or, with
    ``refuse`` set, quarantines it for that reason)."""

    def __init__(self) -> None:
        self.files: list[IncomingFile] = []
        self.batches: list[int] = []
        self.refuse: str | None = None
        self.broken: str | None = None
        self.error: BaseException | None = None  # raised as it is (a database's error)

    @hookimpl
    async def on_file(self, files: list[IncomingFile], kernel: Any) -> list[FileOutcome]:
        if self.broken:
            raise RuntimeError(self.broken)
        if self.error is not None:
            raise self.error
        self.files.extend(files)
        self.batches.append(len(files))
        if self.refuse:
            return [FileOutcome(status="quarantined", kind="test", detail=self.refuse) for _ in files]
        return [FileOutcome(status="stored", kind="test", detail=f"{len(file.data)} bytes") for file in files]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def webhook_secret(monkeypatch) -> str:
    """The shared secret, set in the environment variable the adapter reads by default."""
    monkeypatch.setenv("SLOMIX_WEBHOOK_SECRET", SECRET)
    return SECRET


@pytest.fixture
def round_end_lua() -> Path:
    return Path(__file__).resolve().parents[3] / "lua" / "slomix_round_end.lua"


@pytest.fixture
def ssh_kernel(make_kernel, sftp_server, recorder, webhook_secret) -> Callable[..., Any]:
    """``await ssh_kernel(servers=..., http=True, **ssh_settings)``: a kernel with the SSH adapter
    polling the loopback SFTP server quickly, the recorder plugin and (optionally) HTTP."""

    async def factory(servers: list[dict] | None = None, http: bool = False, **settings: Any) -> Any:
        section = {"servers": [sftp_server.server_entry()] if servers is None else servers,
                   "poll_seconds": 0.2, "settle_seconds": 0.05, "burst_seconds": 2, **settings}
        return await make_kernel(plugins={"ssh", "recorder", *({"http"} if http else set())},
                                 config={"adapters": {"ssh": section}},
                                 extra={"recorder": ("plugin", recorder)})

    return factory


@asynccontextmanager
async def _polling(kernel: Any) -> AsyncIterator[None]:
    """Run the SSH adapter's ``on_serve`` (the pollers) in the background."""
    async with anyio.create_task_group() as tg:
        tg.start_soon(kernel.pm.get_plugin("ssh").on_serve, kernel)
        try:
            yield
        finally:
            tg.cancel_scope.cancel()


async def _eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    """Await until ``check()`` (sync or async) returns something truthy; return it."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if hasattr(value, "__await__"):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await anyio.sleep(0.02)


async def _ssh_health(kernel: Any) -> dict:
    health = await kernel.health()
    return next(p for p in health["plugins"] if p["name"] == "ssh")["detail"]


@pytest.fixture
def polling() -> Callable[[Any], Any]:
    """``async with polling(kernel):`` runs the SSH adapter's ``on_serve`` (the pollers) meanwhile."""
    return _polling


@pytest.fixture
def eventually() -> Callable[..., Any]:
    """``await eventually(check, within=10)``: wait until ``check()`` (sync or async) is truthy."""
    return _eventually


@pytest.fixture
def ssh_health() -> Callable[[Any], Any]:
    """``await ssh_health(kernel)``: the SSH adapter's entry of ``kernel.health()``."""
    return _ssh_health
