"""A third-party plugin installed from its own folder works exactly like the built-ins."""

from __future__ import annotations

import importlib.util
import os

import pytest

from slomix.cli import CLI_ACTOR

pytestmark = pytest.mark.anyio

if importlib.util.find_spec("slomix_example") is None:
    if os.environ.get("TOX_ENV_NAME"):
        raise RuntimeError("tests/example_plugin must be installed in the tox suite environment")
    pytest.skip("example plugin not installed (bin/test installs it)", allow_module_level=True)


async def test_contributes_command_route_migration_and_round_reaction(make_kernel, http_client) -> None:
    kernel = await make_kernel(plugins={"example", "http"},
                               config={"plugins": {"example": {"greeting": "Salut"}}})
    info = kernel.plugin("example")
    assert (info.kind, info.version, info.status) == ("plugin", "1.2.3", "active")

    reply = await kernel.commands.dispatch(kernel, "!hi world", CLI_ACTOR)
    assert reply.title == "Salut, world!"

    assert await kernel.db.pool.fetchval(
        "SELECT name FROM slomix.migrations WHERE plugin = 'example'") == "seen"

    await kernel.broadcast("on_round", round="2025-10-14-212214 R1")
    client = await http_client(kernel)
    response = await client.get("/api/example/seen")
    assert response.status_code == 200
    assert response.json() == {"rounds": ["2025-10-14-212214 R1"]}
    assert "/api/example/seen" in (await client.get("/openapi.json")).json()["paths"]


async def test_switched_off_by_config(make_kernel, http_client) -> None:
    kernel = await make_kernel(plugins={"example", "http"},
                               config={"plugins": {"example": {"enabled": False}}})
    assert kernel.plugin("example").status == "disabled"
    assert kernel.commands.get("hello") is None
    assert await kernel.db.pool.fetchval("SELECT to_regclass('example.seen')") is None
    results = await kernel.broadcast("on_round", round="x")
    assert all(r.plugin != "example" for r in results)
    client = await http_client(kernel)
    assert (await client.get("/api/example/seen")).status_code == 404
