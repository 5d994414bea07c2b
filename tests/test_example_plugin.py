"""A third-party plugin installed from its own folder works exactly like the built-ins: it hears of
the rounds the stats plugin commits (through ``slomix_stats.api``) and serves what it heard."""

from __future__ import annotations

import importlib.util
import os

import pytest

from slomix.kernel import IncomingFile
from slomix.testing import CLI_ACTOR

pytestmark = pytest.mark.anyio

if importlib.util.find_spec("slomix_example") is None:
    if os.environ.get("TOX_ENV_NAME"):
        raise RuntimeError("tests/example_plugin must be installed in the tox suite environment")
    pytest.skip("example plugin not installed (bin/test installs it)", allow_module_level=True)


async def test_contributes_command_route_migration_and_round_reaction(make_kernel, http_client,
                                                                     shared_data) -> None:
    kernel = await make_kernel(plugins={"example", "stats", "http"},
                               config={"plugins": {"example": {"greeting": "Salut"}}})
    info = kernel.plugin("example")
    assert (info.kind, info.version, info.status) == ("plugin", "0.1.0", "active")
    reply = await kernel.commands.dispatch(kernel, "!example_hello world", CLI_ACTOR)
    assert reply.title == "Salut, world!"
    assert await kernel.db.pool.fetchval("SELECT name FROM slomix.migrations WHERE plugin = 'example'") == "seen"

    for name in ("2025-10-14-212214-etl_adlernest-round-1.txt", "2025-10-14-212521-etl_adlernest-round-2.txt"):
        path = shared_data / "stats" / name
        await kernel.ingest(IncomingFile(name=name, path=path))
    await kernel.settle()
    client = await http_client(kernel)
    response = await client.get("/api/example/seen")
    assert response.json() == {"rounds": ["etl_adlernest R1", "etl_adlernest R2"]}
    assert "/api/example/seen" in (await client.get("/openapi.json")).json()["paths"]


async def test_switched_off_by_config(make_kernel, http_client) -> None:
    kernel = await make_kernel(plugins={"example", "stats", "http"},
                               config={"plugins": {"example": {"enabled": False}}})
    assert kernel.plugin("example").status == "disabled"
    assert kernel.commands.get("example_hello") is None
    assert await kernel.db.pool.fetchval("SELECT to_regclass('example.seen')") is None
    client = await http_client(kernel)
    assert (await client.get("/api/example/seen")).status_code == 404
