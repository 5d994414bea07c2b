"""Parse throughput over the real stats files, on one core.

    .venv/bin/python benchmarks/bench_parse.py [--passes N] [--data DIR]

Loads every stats file into memory once, then times N passes of parse_stats over all of them
and, separately, the R2 differentials of every R1/R2 pair found among them. Prints the best
pass by wall clock (least disturbed by other processes), the median pass, and the best pass
by this process's CPU time (what one core does when it is not shared). Figures only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins" / "stats"))

from slomix_stats.formats import find_r1, parse_stats, r2_differential  # noqa: E402


def _timed_passes(passes: int, work) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each pass."""
    wall, cpu = [], []
    for _ in range(passes):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu


def _report(label: str, unit: str, items: int, times: tuple[list[float], list[float]]) -> None:
    wall, cpu = times
    best, median, best_cpu = min(wall), statistics.median(wall), min(cpu)
    print(f"{label}: {items / best:,.0f} {unit}/s ({best / items * 1e6:.1f} µs/{unit[:-1]}); "
          f"median pass {items / median:,.0f}/s; cpu {items / best_cpu:,.0f}/s "
          f"[{items} {unit} x {len(wall)} passes]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "stats")
    args = parser.parse_args()

    files = [(p.name, p.read_bytes()) for p in sorted(args.data.glob("*.txt"))]
    if not files:
        sys.exit(f"no stats files in {args.data}")
    total_bytes = sum(len(b) for _, b in files)
    print(f"{len(files)} files, {total_bytes / 1024:.0f} KiB, Python {sys.version.split()[0]}")

    def parse_all() -> None:
        for name, data in files:
            parse_stats(data, name)

    parse_all()  # warm caches (decoders, name cleaning) the way a long-running importer has them
    _report("parse", "files", len(files), _timed_passes(args.passes, parse_all))

    parsed = {name: parse_stats(data, name) for name, data in files}
    names = list(parsed)
    pairs = []
    for name, sf in parsed.items():
        if sf.round_number == 2:
            r1 = find_r1(name, names)
            if r1 is not None:
                pairs.append((parsed[r1], sf))

    def diff_all() -> None:
        for r1, r2 in pairs:
            r2_differential(r1, r2)

    if pairs:
        diff_all()
        _report("differential", "pairs", len(pairs), _timed_passes(args.passes, diff_all))

    def parse_and_diff() -> None:
        cache = {name: parse_stats(data, name) for name, data in files}
        for r1, r2 in pairs:
            r2_differential(cache[r1.filename], cache[r2.filename])

    _report("parse + differentials", "files", len(files), _timed_passes(max(3, args.passes // 3), parse_and_diff))


if __name__ == "__main__":
    main()
