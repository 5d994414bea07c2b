"""Proximity from demos: the real ETTV demo (156 s, 11 players, 2 MB) read, turned into tracks and stored.

Figures: reading the demo (the library, positions every 100 ms), turning it into a round and its
analyses, storing it (one transaction), bytes stored per demo round (no copy of the demo: greatshot keeps it).
Run: .venv/bin/python benchmarks/bench_proximity_demo.py   (or bin/bench proximity_demo)
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import anyio

from slomix.kernel import Config, Kernel
from slomix_greatshot import api as demos
from slomix_proximity import demotracks, store
from slomix_proximity.analytics import derive
from slomix_proximity.demoingest import store_rounds
from slomix_proximity.ingest import Linking

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / ".bench" / "proximity"
DEMO = ROOT.parent / "shared" / "data" / "demos" / "demo01_legacy.tv_84"
RUNS = 5


def convert(demo: demos.Demo) -> list:
    keys = demotracks.player_keys(demo, {})
    at = demotracks.anchor(demo, name=DEMO.name, mtime=DEMO.stat().st_mtime, timezone="UTC")
    return [derive(t) for t in demotracks.rounds(demo, keys=keys, at=at, sample_ms=200)]


async def main() -> None:
    reads, conversions = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        demo = demos.parse(DEMO, positions=demotracks.thinning(200))
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = convert(demo)
        conversions.append(time.perf_counter() - started)
    samples = sum(len(t) for t in found[0].telemetry.tracks)
    print(f"proximity demo: reading {DEMO.name} ({DEMO.stat().st_size / 1e6:.1f} MB, {len(demo.positions)} "
          f"positions, {len(demo.kills)} kills): median {statistics.median(reads):.2f} s; into a round "
          f"({samples} samples at 5 Hz) and its analyses: median {statistics.median(conversions) * 1000:.0f} ms")
    FOLDER.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="slomix-bench-", dir=FOLDER))
    try:
        kernel = Kernel(Config({"slomix": {"data_dir": str(data_dir)}}), only={"stats", "proximity"})
        async with kernel:
            pool = kernel.db.pool
            writes = []
            for run in range(RUNS):
                found = convert(demo)
                for facts in found:  # another recording each time: a new start
                    facts.telemetry.start_unix += run
                started = time.perf_counter()
                async with pool.acquire() as conn, store.transaction(conn):
                    await store_rounds(conn, name=f"{run}-{DEMO.name}", sha256=str(run), size=DEMO.stat().st_size,
                                       source="bench", rounds=found, how=Linking(window=300, timezone="UTC"))
                writes.append(time.perf_counter() - started)
            await pool.execute("VACUUM ANALYZE")
            sizes = await pool.fetch(
                """SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'proximity' AND c.relkind = 'r' AND c.relname <> 'files'""")
            stored = sum(r["bytes"] for r in sizes) / RUNS
            tracks = next(r["bytes"] for r in sizes if r["relname"] == "tracks") / RUNS
            print(f"proximity demo: storing the round: median {statistics.median(writes) * 1000:.0f} ms; "
                  f"bytes stored per demo round: {stored / 1e3:.0f} kB (tracks {tracks / 1e3:.0f} kB; indexes "
                  f"and TOAST included; the demo itself is greatshot's)")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    anyio.run(main)
