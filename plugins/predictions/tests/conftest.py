"""Fixtures for the predictions tests: the real stats files fed through the stats and stopwatch plugins."""

from __future__ import annotations

from pathlib import Path

import pytest

from slomix.kernel import IncomingFile
from slomix.testing import CLI_ACTOR

PLUGINS = {"stats", "stopwatch", "predictions"}


@pytest.fixture(scope="session")
def stats_dir(shared_data: Path) -> Path:
    return shared_data / "stats"


@pytest.fixture
def feed():
    """``await feed(kernel, paths)``: ingest files one by one as a game server sends them; asserts nothing failed."""

    async def run(kernel, files) -> None:
        for path in files:
            await kernel.ingest(IncomingFile(name=path.name, data=path.read_bytes(), source="test"))
        await kernel.settle()
        assert kernel.errors == {}, kernel.errors

    return run


@pytest.fixture
def ask():
    """``await ask(kernel, "!balance a b")``: the Reply, as the CLI operator."""

    async def run(kernel, line: str, actor=CLI_ACTOR):
        return await kernel.commands.dispatch(kernel, line, actor)

    return run


@pytest.fixture
async def rated(make_kernel, stats_dir, feed):
    """A kernel holding the whole real history, rated (``slomix ratings rebuild``)."""
    from slomix_predictions import service

    kernel = await make_kernel(plugins=PLUGINS)
    await feed(kernel, sorted(stats_dir.glob("*.txt")))
    await service.rebuild(kernel.db.pool)
    return kernel
