"""Latency of stats commands on a large synthetic history: p50 / p99.

Targets: p99 ≤ 50 ms for text replies, ≤ 300 ms for replies with a chart.
Run: .venv/bin/python benchmarks/bench_commands.py [rounds] [repeats]   (default 100000 rounds, 200 repeats)
"""

from __future__ import annotations

import statistics
import sys
import time

import anyio
from _history import history

from slomix.kernel import CLI_ACTOR, Config, Kernel


async def measure(kernel: Kernel, line: str, repeats: int) -> tuple[float, float, float]:
    started = time.perf_counter()
    await kernel.commands.dispatch(kernel, line, CLI_ACTOR)  # the first ask draws charts, later ones reuse them
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        reply = await kernel.commands.dispatch(kernel, line, CLI_ACTOR)
        samples.append((time.perf_counter() - started) * 1000)
        assert not reply.error, reply.description
    samples.sort()
    return first, statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


async def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    data_dir = history(rounds)
    kernel = Kernel(Config({"slomix": {"data_dir": str(data_dir)}}), only={"stats"})
    async with kernel:
        top = (await kernel.commands.dispatch(kernel, "!lb games", CLI_ACTOR)).data.rows
        a, b = top[0].guid[:8], top[1].guid[:8]
        cases = [("text", f"!stats {a}"), ("text", "!last_session"), ("text", "!last_session combat"),
                 ("chart", "!lb kills"), ("chart", f"!compare {a} {b}"), ("chart", "!last_session graphs")]
        for kind, line in cases:
            first, p50, p99 = await measure(kernel, line, repeats)
            print(f"commands: {line:28s} ({kind:5s}) first {first:7.1f} ms  p50 {p50:7.1f} ms  "
                  f"p99 {p99:7.1f} ms  [{rounds} rounds]")


if __name__ == "__main__":
    anyio.run(main)
