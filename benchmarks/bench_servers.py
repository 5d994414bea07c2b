"""Game servers: the status round trip on loopback, and what polling 10 servers every 30 s costs.

Targets: ``getstatus`` round trip on loopback (a 12-player server) p50 ≤ 2 ms; 10 servers polled
every 30 s (getstatus, parse, the live row and a sample written to PostgreSQL) < 1 % of one core.
The fake servers answer from their own threads: the poll's cost is the CPU time of the event
loop's thread (``time.thread_time``) plus PostgreSQL's, measured from its processes.
Run: .venv/bin/python benchmarks/bench_servers.py [round trips] [polls]   (default 1000, 30)
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

from slomix.kernel import Config, Kernel
from slomix.testing.gameserver import FakeGameServer, FakePlayer
from slomix_servers.client import GameServer, Pacer

PASSWORD = "bench-pass"
PLAYERS = [FakePlayer(f"^{i % 10}player^7{i}", team=1 + i % 2, score=10 * i, ping=20 + i) for i in range(12)]


def _cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postgres_pids(data_dir: Path) -> list[int]:
    """This kernel's embedded PostgreSQL: the postmaster of ``data_dir`` and its children (not other users')."""
    [pidfile] = data_dir.rglob("postmaster.pid")
    postmaster = int(pidfile.read_text().split()[0])
    found = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                pass
    return found


async def round_trip(count: int) -> None:
    with FakeGameServer(rcon_password=PASSWORD, players=list(PLAYERS)) as fake:
        client = GameServer("bench", fake.host, fake.port, PASSWORD, pacer=Pacer(burst=10**9))
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            status = await client.status()
            samples.append((time.perf_counter() - started) * 1000)
            assert len(status.players) == 12
        samples.sort()
        print(f"servers: getstatus round trip (12 players, loopback) p50 {statistics.median(samples):.3f} ms  "
              f"p99 {samples[int(len(samples) * 0.99) - 1]:.3f} ms  [{count} requests]")
        fake.sent.clear()
        started = time.perf_counter()
        text = await client.rcon("status")
        took = (time.perf_counter() - started) * 1000
        print(f"servers: rcon status (12 rows, {len(fake.sent)} datagrams) {took:.0f} ms "
              f"(of which {client.quiet * 1000:.0f} ms is the quiet wait that ends a reply); {len(text)} characters")


async def polling(polls: int, servers: int = 10, every: float = 30.0) -> None:
    fakes = [FakeGameServer(rcon_password=PASSWORD, players=list(PLAYERS)).start() for _ in range(servers)]
    os.environ["BENCH_RCON"] = PASSWORD
    data_dir = Path(tempfile.mkdtemp(prefix="bench-servers-"))
    entries = {f"s{i}": {"host": f.host, "port": f.port, "rcon_password": {"env": "BENCH_RCON"}}
               for i, f in enumerate(fakes)}
    config = {"slomix": {"data_dir": str(data_dir)}, "plugins": {"servers": {"servers": entries}}}
    try:
        async with Kernel(Config(config), only={"servers"}) as kernel:
            service = kernel.pm.get_plugin("servers").service
            for client in service.clients.values():  # this polls back to back, not once in 30 s: no pacing
                client.pacer = Pacer(burst=10**9)
            await service.poll()  # warm: connections, statements
            before = _postgres_pids(data_dir)
            pg0, cpu0, wall0 = _cpu_of(before), time.thread_time(), time.perf_counter()
            for _ in range(polls):
                await service.poll()
            cpu = time.thread_time() - cpu0
            pg = _cpu_of(before) - pg0
            wall = time.perf_counter() - wall0
            rows = await kernel.db.pool.fetchval("SELECT count(*) FROM servers.samples")
            assert rows == (polls + 1) * servers, rows
            live = await service.live()
            assert all(s.online and len(s.players) == 12 for s in live)
        per_poll = (cpu + pg) / polls
        print(f"servers: polling {servers} servers: {per_poll * 1000:.2f} ms CPU per poll of all "
              f"({cpu / polls * 1000:.2f} ms Python, {pg / polls * 1000:.2f} ms PostgreSQL), "
              f"{wall / polls * 1000:.1f} ms wall; every {every:.0f} s that is "
              f"{per_poll / every * 100:.3f} % of one core "
              f"(target < 1 %)  [{polls} polls]")
    finally:
        for fake in fakes:
            fake.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    polls = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    await round_trip(count)
    await polling(polls)


if __name__ == "__main__":
    anyio.run(main)
