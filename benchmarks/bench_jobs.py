"""Durable jobs: enqueue-to-start latency (target p50 ≤ 50 ms, LISTEN/NOTIFY) and the throughput of
empty jobs (target ≥ 500 jobs/s on 2 cores): one kernel running its own worker, a fresh embedded database.

Run: .venv/bin/python benchmarks/bench_jobs.py [jobs]   (default 3000)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

from slomix.kernel import Config, Job, JobKind, Kernel, hookimpl
from slomix.kernel.jobs.worker import work

ROOT = Path(__file__).resolve().parents[1]
LATENCY_SAMPLES = 200


class Bench:
    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self.done = 0
        self.finished = anyio.Event()
        self.wanted = 0

    @hookimpl
    def on_jobs(self, kernel):
        async def stamp(job: Job) -> None:
            self.started[job.id] = time.perf_counter()

        async def empty(job: Job) -> None:
            self.done += 1
            if self.done == self.wanted:
                self.finished.set()

        return [JobKind("bench.stamp", stamp, queue="bench"), JobKind("bench.empty", empty, queue="bench")]


async def main(count: int) -> None:
    folder = ROOT / ".bench"
    folder.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="slomix-jobs-", dir=folder))
    bench = Bench()
    kernel = Kernel(Config({"slomix": {"data_dir": str(data_dir), "jobs": {"concurrency": {"bench": 8}}}}),
                    only=set(), extra={"bench": ("plugin", bench)})
    try:
        async with kernel, anyio.create_task_group() as tg:
            tg.start_soon(work, kernel)
            await anyio.sleep(1)  # the worker is listening
            latencies = []
            for _ in range(LATENCY_SAMPLES):
                asked = time.perf_counter()
                job_id = await kernel.jobs.enqueue("bench.stamp")
                while job_id not in bench.started:  # noqa: ASYNC110 (the worker's own clock, in this process)
                    await anyio.sleep(0.0005)
                latencies.append((bench.started[job_id] - asked) * 1000)
            latencies.sort()
            print(f"jobs: enqueue-to-start latency p50 {statistics.median(latencies):.1f} ms, "
                  f"p95 {latencies[int(len(latencies) * 0.95)]:.1f} ms ({LATENCY_SAMPLES} jobs one after another)")
            bench.wanted = count
            started = time.perf_counter()
            async with anyio.create_task_group() as enqueuers:
                for part in range(4):
                    enqueuers.start_soon(_enqueue, kernel, count // 4 + (part < count % 4))
            enqueued = time.perf_counter() - started
            await bench.finished.wait()
            elapsed = time.perf_counter() - started
            print(f"jobs: {count} empty jobs enqueued in {enqueued:.1f} s and run in {elapsed:.1f} s = "
                  f"{count / elapsed:.0f} jobs/s (one kernel, 8 at once)")
            tg.cancel_scope.cancel()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


async def _enqueue(kernel: Kernel, count: int) -> None:
    for _ in range(count):
        await kernel.jobs.enqueue("bench.empty")


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
