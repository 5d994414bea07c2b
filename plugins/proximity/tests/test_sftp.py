"""The tracker's file fetched from the game server by the real SFTP poller (loopback), before its stats file."""

from __future__ import annotations

import time

import anyio
import pytest
from proximity_match import stats_file

pytest.importorskip("slomix_ssh")
pytestmark = pytest.mark.anyio


async def _until(check, within: float = 20.0):
    deadline = time.monotonic() + within
    while not (value := await check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s")
        await anyio.sleep(0.05)
    return value


async def test_poller_brings_the_file_and_its_round_links_it(make_kernel, sftp_server, played, shared_data,
                                                             monkeypatch) -> None:
    monkeypatch.setenv("SLOMIX_WEBHOOK_SECRET", "unused-here")
    section = {"servers": [sftp_server.server_entry()], "poll_seconds": 0.2, "settle_seconds": 0.05}
    kernel = await make_kernel(plugins={"ssh", "stats", "proximity"}, config={"adapters": {"ssh": section}})
    pool = kernel.db.pool
    async with anyio.create_task_group() as tg:
        tg.start_soon(kernel.pm.get_plugin("ssh").on_serve, kernel)
        sftp_server.write(f"proximity/{played.path.name}", played.path.read_bytes())
        await _until(lambda: pool.fetchval("SELECT count(*) FROM proximity.rounds"))
        assert await pool.fetchval("SELECT stats_round_id FROM proximity.rounds") is None  # held
        stats = stats_file(shared_data, played.end_unix)
        sftp_server.write(f"gamestats/{stats.name}", stats.data)
        linked = await _until(lambda: pool.fetchval("SELECT stats_round_id FROM proximity.rounds"))
        tg.cancel_scope.cancel()
    assert linked == await pool.fetchval("SELECT id FROM stats.rounds")
    assert await pool.fetchval("SELECT source FROM proximity.files") == "ssh:gs1"
    assert kernel.errors == {}
