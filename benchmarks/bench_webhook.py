"""Round end to committed round: a signed webhook POST to the committed round (target p50 ≤ 1 s).

Everything real on loopback: uvicorn serving the HTTP adapter, an asyncssh SFTP server holding
the game server's files, the SSH adapter polling it (default cadence 30 s: only the webhook's
wake-up makes it fast), the stats plugin, an embedded PostgreSQL. Per round: the stats file is
written into the SFTP folder, the webhook is POSTed, and the clock stops when the stats plugin
announces the round (``on_round``, after its commit); the round is checked to carry the
webhook's measured duration.

Run: .venv/bin/python benchmarks/bench_webhook.py [rounds] [settle_seconds]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import httpx2

from slomix.kernel import Config, Kernel, hookimpl
from slomix.testing.plugin import find_shared_data
from slomix.testing.sftp import SftpServer
from slomix_ssh import signing

SECRET = "bench-secret"
STATS = "2025-10-14-212214-etl_adlernest-round-1.txt"
TZ = ZoneInfo("Europe/Paris")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stopwatch:
    """Notes when each round is first announced (``on_round`` comes after the commit)."""

    def __init__(self) -> None:
        self.committed: dict[datetime, float] = {}
        self._waiting: dict[datetime, anyio.Event] = {}

    def expect(self, round_time: datetime) -> anyio.Event:
        return self._waiting.setdefault(round_time, anyio.Event())

    @hookimpl
    async def on_round(self, event, kernel) -> None:
        if event.round_time not in self.committed:
            self.committed[event.round_time] = time.perf_counter()
            self.expect(event.round_time).set()


def report(end_unix: int) -> bytes:
    return json.dumps({"map": "etl_adlernest", "round": 1, "round_start_unix": end_unix - 320,
                       "round_end_unix": end_unix, "actual_duration_seconds": 300, "total_pause_seconds": 20,
                       "pause_count": 1, "end_reason": "objective", "winner": 2, "defender": 1,
                       "warmup_seconds": 30, "time_limit_minutes": 10, "lua_version": "bench"}).encode()


async def main(rounds: int, settle: float) -> None:
    shared = find_shared_data(Path.cwd())
    if shared is None:
        sys.exit("real data not found: put shared/ beside the checkout or set SLOMIX_SHARED_DATA")
    stats = (shared / "stats" / STATS).read_bytes()
    os.environ["SLOMIX_WEBHOOK_SECRET"] = SECRET
    with tempfile.TemporaryDirectory() as tmp:
        sftp = SftpServer(Path(tmp) / "sftp", Path(tmp) / "keys")
        await sftp.start()
        port = free_port()
        config = Config({"slomix": {"data_dir": str(Path(tmp) / "data")},
                         "adapters": {"http": {"port": port},
                                      "ssh": {"servers": [sftp.server_entry()], "settle_seconds": settle}}})
        stopwatch = Stopwatch()
        kernel = Kernel(config, only={"http", "ssh", "stats", "timer"}, extra={"timer": ("plugin", stopwatch)})
        latencies = []
        async with kernel, anyio.create_task_group() as tg:
            tg.start_soon(kernel.serve)
            base = int(time.time()) - (rounds + 2) * 3600
            async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                while True:  # uvicorn is up
                    try:
                        await client.get("/health")
                        break
                    except httpx2.TransportError:
                        await anyio.sleep(0.02)
                await anyio.sleep(1)  # the poller's first listing is done
                for i in range(rounds + 1):
                    end_unix = base + i * 3600  # an hour apart: separate matches
                    stamp = datetime.fromtimestamp(end_unix + 2, TZ)
                    # Each round its own bytes: the same content under another name is a duplicate.
                    server_name, rest = stats.split(b"\\", 1)
                    sftp.write(f"gamestats/{stamp:%Y-%m-%d-%H%M%S}-etl_adlernest-round-1.txt",
                               server_name + f" #{i}".encode() + b"\\" + rest)
                    body = report(end_unix)
                    committed = stopwatch.expect(stamp.replace(tzinfo=None))
                    started = time.perf_counter()
                    response = await client.post("/api/ingest/round-end", content=body,
                                                  headers=signing.headers(SECRET, int(time.time()), body))
                    assert response.status_code == 202, response.text
                    with anyio.fail_after(30):
                        await committed.wait()
                    if i:  # the first round warms caches up
                        latencies.append(stopwatch.committed[stamp.replace(tzinfo=None)] - started)
                    source = await kernel.db.pool.fetchval(
                        "SELECT duration_source FROM stats.rounds WHERE round_time = $1", stamp.replace(tzinfo=None))
                    assert source == "measured", f"round {stamp} committed without the webhook's timing"
            tg.cancel_scope.cancel()
        await sftp.stop()
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    print(f"webhook -> committed round ({rounds} rounds, settle {settle:g} s): p50 {p50 * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms (target p50 <= 1000 ms)")


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 30, float(sys.argv[2]) if len(sys.argv) > 2 else 0.5)
