"""Fixtures of the servers tests: a loopback game server peopled from a real stats file, a kernel pointed at it."""

from __future__ import annotations

import pytest
from servers_fixtures import PASSWORD, config, real_round


@pytest.fixture
def real_server(game_server, shared_data, monkeypatch):
    """A loopback server as the real round saw it, and ``$ET_RCON_PASSWORD`` set to its password."""
    hostname, players = real_round(shared_data)
    monkeypatch.setenv("ET_RCON_PASSWORD", PASSWORD)
    return game_server(rcon_password=PASSWORD, hostname=hostname, map="etl_adlernest", players=players)

@pytest.fixture
async def kernel(make_kernel, real_server):
    return await make_kernel(plugins={"stats", "servers"}, config=config(("main", real_server)))
