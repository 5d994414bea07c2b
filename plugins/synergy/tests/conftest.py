"""Fixtures for the synergy tests: the real history, rated by the predictions plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from slomix.kernel import IncomingFile
from slomix.testing import CLI_ACTOR

PLUGINS = {"stats", "stopwatch", "predictions", "synergy"}


@pytest.fixture
def ingest():
    async def run(kernel, files: list[tuple[str, bytes]]) -> None:
        for name, data in files:
            await kernel.ingest(IncomingFile(name=name, data=data, source="test"))
        await kernel.settle()
        assert kernel.errors == {}, kernel.errors

    return run


@pytest.fixture
def ask():
    async def run(kernel, line: str, actor=CLI_ACTOR):
        return await kernel.commands.dispatch(kernel, line, actor)

    return run


@pytest.fixture
def real_history(shared_data: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted((shared_data / "stats").glob("*.txt"))]
