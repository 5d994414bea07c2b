"""A game server's demo folder fetched by the real SFTP poller (loopback, ``demos_dir``)."""

from __future__ import annotations

import anyio
import pytest

pytest.importorskip("slomix_ssh")
pytestmark = pytest.mark.anyio


async def test_the_poller_brings_a_servers_demo(make_kernel, sftp_server, shared_data, monkeypatch) -> None:
    monkeypatch.setenv("SLOMIX_WEBHOOK_SECRET", "unused-here")
    section = {"servers": [sftp_server.server_entry(demos_dir="/demos")], "poll_seconds": 0.2,
               "settle_seconds": 0.05}
    kernel = await make_kernel(plugins={"ssh", "stats", "greatshot"}, config={"adapters": {"ssh": section}})
    demo = shared_data / "demos" / "scores_test.dm_84"
    async with anyio.create_task_group() as tg:
        tg.start_soon(kernel.pm.get_plugin("ssh").on_serve, kernel)
        sftp_server.write(f"demos/{demo.name}", demo.read_bytes())
        with anyio.fail_after(20):
            while not await kernel.db.pool.fetchval("SELECT count(*) FROM greatshot.demo_jobs"):  # noqa: ASYNC110
                await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    row = await kernel.db.pool.fetchrow("SELECT filename, source, size, status FROM greatshot.demos")
    assert tuple(row) == (demo.name, "ssh:gs1", demo.stat().st_size, "stored")
    [job] = await kernel.jobs.list(kind="greatshot.analyse")
    assert (job.priority, job.enqueued_by) == (0, "ssh:gs1")  # a backfill, below fresh uploads
    assert kernel.errors == {}
